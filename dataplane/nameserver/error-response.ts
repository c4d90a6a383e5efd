import { Name, bytesToLatin1 } from '../dns/name';
import { Flag, MAX_TCP_SIZE, type Edns } from '../dns/message';
import { MessageWriter } from '../dns/message-writer';

/**
 * An error response: header, the question when it could be read, and our OPT record when the
 * query had a valid one (RFC 6891 §7: BADVERS is signalled through it).
 */
export function errorResponse(
  msg: Uint8Array,
  id: number,
  queryFlags: number,
  questionEnd: number,
  edns: Edns | null,
  rcode: number,
): Uint8Array {
  const opcode = (queryFlags >> 11) & 0xf;
  const flags = (opcode << 11) | (queryFlags & Flag.RD) | (rcode & 0xf);
  const w = new MessageWriter(id, flags, MAX_TCP_SIZE);
  if (questionEnd > 12) {
    const key = Name.fromWireString(bytesToLatin1(msg, 12, questionEnd - 4)).key;
    w.copyQuestion(msg, questionEnd, key);
  }
  if (edns) w.writeOpt(rcode >> 4, edns.dnssecOk);
  return w.finish();
}

