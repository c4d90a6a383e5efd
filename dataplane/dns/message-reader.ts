import { MAX_NAME_LENGTH, Name } from './name';
import { RdataError } from './rdata/codec';
import { rdataFromWire } from './rdata/registry';
import { HEADER_LENGTH, Flag } from './message';
import { DnsfleetError } from './error';

/**
 * Reads a whole DNS message (RFC 1035 §4.1): header, questions, and the records of the answer,
 * authority and additional sections, owner names and the names inside rdata decompressed
 * (RFC 1035 §4.1.4) and rdata checked by the codec of its type. Pure; for responses a client
 * receives (transfers, SOA queries), not for the server's hot path, which uses `parseQuery`.
 *
 * Records come out in the shape `ZoneBuilder.add` takes, so a transfer feeds them straight in.
 */

/**
 * Where in a message reading stopped: the header, the question section or a record section. Not
 * nameserver/answer.ts's `Section`, which is where an answer entry goes.
 */
export type MessagePart = 'header' | 'question' | 'answer' | 'authority' | 'additional';

/** Where a message came from, for error messages: e.g. `192.0.2.1:53 AXFR example. message 3`. */
export interface ReadContext {
  readonly source?: string;
}

/** A message that cannot be read: names the message, the section, the record and the offset. */
export class MessageFormatError extends DnsfleetError {
  constructor(
    /** What the message was, as the caller named it (may be empty). */
    readonly source: string,
    readonly section: MessagePart,
    /** Index of the question or record within its section, from 0; -1 for the header. */
    readonly index: number,
    /** Offset in the message where the broken item starts. */
    readonly offset: number,
    readonly detail: string,
  ) {
    // e.g. "question 0 at offset 12: …", "answer record 3 at offset 80: …", "header at offset 0: …"
    const item = index < 0 ? section : section === 'question' ? `question ${index}` : `${section} record ${index}`;
    super(`${source ? `${source}: ` : ''}${item} at offset ${offset}: ${detail}`, { source, section, index, offset });
    this.name = 'MessageFormatError';
  }
}

export interface Question {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
}

/** One resource record as read from the wire; `rdata` is uncompressed wire form. */
export interface WireRecord {
  readonly owner: Name;
  readonly type: number;
  readonly class: number;
  /** As sent, 0..2^32-1 (for OPT this field holds extended rcode, version and flags). */
  readonly ttl: number;
  readonly rdata: Uint8Array;
}

export interface Message {
  readonly id: number;
  /** The second 16 bits of the header. */
  readonly flags: number;
  readonly isResponse: boolean;
  readonly opcode: number;
  /** The 4-bit header rcode (RFC 1035 §4.1.1); extended rcodes live in OPT (RFC 6891 §6.1.3). */
  readonly rcode: number;
  readonly authoritative: boolean;
  readonly truncated: boolean;
  readonly questions: readonly Question[];
  readonly answer: readonly WireRecord[];
  readonly authority: readonly WireRecord[];
  readonly additional: readonly WireRecord[];
  /** Length of the message in octets. */
  readonly length: number;
}

/** Reads `msg` whole; throws MessageFormatError at the first thing that is not well-formed. */
export function readMessage(msg: Uint8Array, context: ReadContext = {}): Message {
  const source = context.source ?? '';
  const fail = (section: MessagePart, index: number, offset: number, detail: string): never => {
    throw new MessageFormatError(source, section, index, offset, detail);
  };
  // RFC 1035 §4.1.1: the header is 12 octets.
  if (msg.length < HEADER_LENGTH) fail('header', -1, 0, `${msg.length} octets, shorter than a DNS header`);
  const u16 = (at: number): number => (msg[at]! << 8) | msg[at + 1]!;
  const id = u16(0);
  const flags = u16(2);
  const counts = [u16(4), u16(6), u16(8), u16(10)] as const;

  let pos = HEADER_LENGTH;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const start = pos;
    const name = readOwner(msg, pos, (d) => fail('question', i, start, d));
    pos = name.next;
    // RFC 1035 §4.1.2: QTYPE and QCLASS follow the name.
    if (pos + 4 > msg.length) fail('question', i, start, `truncated: QTYPE and QCLASS run past the message (${msg.length} octets)`);
    questions.push({ name: name.name, type: u16(pos), class: u16(pos + 2) });
    pos += 4;
  }
  const sections: WireRecord[][] = [[], [], []];
  const sectionNames = ['answer', 'authority', 'additional'] as const;
  for (let s = 0; s < 3; s++) {
    const section = sectionNames[s]!;
    const out = sections[s]!;
    for (let i = 0; i < counts[s + 1]!; i++) {
      const start = pos;
      const owner = readOwner(msg, pos, (d) => fail(section, i, start, d));
      pos = owner.next;
      // RFC 1035 §4.1.3: TYPE, CLASS, TTL, RDLENGTH, then RDATA.
      if (pos + 10 > msg.length) fail(section, i, start, `truncated: the fixed fields run past the message (${msg.length} octets)`);
      const type = u16(pos);
      const cls = u16(pos + 2);
      const ttl = ((msg[pos + 4]! << 24) | (msg[pos + 5]! << 16) | (msg[pos + 6]! << 8) | msg[pos + 7]!) >>> 0;
      const rdlength = u16(pos + 8);
      pos += 10;
      if (pos + rdlength > msg.length) fail(section, i, start, `truncated: RDLENGTH ${rdlength} runs past the message (${msg.length} octets)`);
      let rdata: Uint8Array;
      try {
        rdata = rdataFromWire(type, msg, pos, rdlength);
      } catch (err) {
        if (err instanceof RdataError) fail(section, i, start, `${owner.name}: ${err.message}`);
        throw err;
      }
      out.push({ owner: owner.name, type, class: cls, ttl, rdata: rdata! });
      pos += rdlength;
    }
  }
  // RFC 1035 says nothing of octets after the last record; they mean the counts are wrong.
  if (pos !== msg.length) fail('additional', counts[3], pos, `${msg.length - pos} octets after the last record`);
  return {
    id,
    flags,
    isResponse: (flags & Flag.QR) !== 0,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    authoritative: (flags & Flag.AA) !== 0,
    truncated: (flags & Flag.TC) !== 0,
    questions,
    answer: sections[0]!,
    authority: sections[1]!,
    additional: sections[2]!,
    length: msg.length,
  };
}

/**
 * Reads a possibly compressed name (RFC 1035 §4.1.4). Each pointer must point before the start
 * of the labels it ends, so the starts strictly decrease and no chain of pointers can loop.
 */
function readOwner(msg: Uint8Array, start: number, fail: (detail: string) => never): { name: Name; next: number } {
  let i = start;
  let segmentStart = start;
  let after = -1;
  let wire = '';
  for (;;) {
    if (i >= msg.length) fail('name runs past the message');
    const len = msg[i]!;
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (i + 1 >= msg.length) fail('name has a truncated compression pointer');
      const target = ((len & 0x3f) << 8) | msg[i + 1]!;
      if (target >= segmentStart) fail(`name has a compression pointer to ${target} that does not point backwards`);
      if (after < 0) after = i + 2;
      i = segmentStart = target;
      continue;
    }
    // RFC 1035 §4.1.4: the 01 and 10 prefixes are reserved (RFC 6891 §5 retired extended labels).
    if (kind !== 0) fail(`name has an unknown label type 0x${len.toString(16)}`);
    if (i + 1 + len > msg.length) fail('name runs past the message');
    // RFC 1035 §2.3.4: 255 octets at most, root label included.
    if (wire.length + len + 1 > MAX_NAME_LENGTH) fail(`name is longer than ${MAX_NAME_LENGTH} octets`);
    wire += String.fromCharCode.apply(null, msg.subarray(i, i + 1 + len) as unknown as number[]);
    if (len === 0) break;
    i += len + 1;
  }
  return { name: Name.fromWireString(wire), next: after >= 0 ? after : i + 1 };
}
