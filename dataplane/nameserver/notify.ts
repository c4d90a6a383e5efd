import { parseQuery } from '../dns/message';
import { Name } from '../dns/name';
import { Opcode, Rcode, RRType } from '../dns/constants';
import { errorResponse } from './respond';

/**
 * The answer to a NOTIFY (RFC 1996) received by the control server. Pure: `decide` says what the
 * secondary-zone side makes of it (accepted from a primary of the zone, refused from anyone else,
 * or not a zone we are secondary for). Only the header and the question are read: the SOA a
 * primary may put in the answer section is a hint (§3.7), the SOA query that follows decides.
 */

export type NotifyVerdict = 'accepted' | 'not-a-primary' | 'unknown-zone';

export function isNotify(msg: Uint8Array): boolean {
  return msg.length >= 12 && (msg[2]! & 0x80) === 0 && ((msg[2]! >> 3) & 0xf) === Opcode.NOTIFY;
}

export function answerNotify(msg: Uint8Array, decide: (origin: string) => NotifyVerdict): { response: Uint8Array | null; origin?: string; verdict?: NotifyVerdict } {
  const parsed = parseQuery(msg);
  if (!parsed.ok) {
    const p = parsed.problem;
    return { response: p.rcode === 'drop' ? null : errorResponse(msg, p.id, p.flags, p.questionEnd, p.edns, p.rcode) };
  }
  const q = parsed.query;
  // §3.7: QTYPE is SOA (the only type NOTIFY is defined for here).
  if (q.qtype !== RRType.SOA) return { response: errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.FORMERR) };
  const origin = Name.fromWireString(q.qnameCased).toString().toLowerCase();
  const verdict = decide(origin);
  // §4.7: the response echoes the question; REFUSED for a source that is not a primary (§3.10),
  // NOTAUTH for a zone we do not hold as a secondary.
  const rcode = verdict === 'accepted' ? Rcode.NOERROR : verdict === 'not-a-primary' ? Rcode.REFUSED : Rcode.NOTAUTH;
  return { response: errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, rcode), origin, verdict };
}
