import { foldCase, MAX_LABEL_LENGTH, MAX_NAME_LENGTH } from './name';
import { Opcode, Rcode, RRType } from './constants';

/**
 * The query side of the DNS message format (RFC 1035 §4.1) and EDNS(0) (RFC 6891 §6).
 *
 * `parseQuery` reads what an authoritative server needs from a query without building objects
 * for the parts it does not use: it runs once per packet on the hot path.
 */

export const HEADER_LENGTH = 12;
/** RFC 1035 §2.3.4: without EDNS a UDP message carries at most 512 octets. */
export const CLASSIC_UDP_SIZE = 512;
/**
 * The largest UDP response we send, whatever the client offers: 1232 octets avoids IP
 * fragmentation on common paths (DNS Flag Day 2020; RFC 9715), as NSD and Knot default to.
 */
export const MAX_UDP_SIZE = 1232;

export const Flag = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const;

export interface Edns {
  /** Requestor's UDP payload size (RFC 6891 §6.2.3), values below 512 read as 512. */
  readonly payloadSize: number;
  readonly version: number;
  /** DNSSEC OK (RFC 3225 §3). */
  readonly dnssecOk: boolean;
}

export interface Query {
  readonly id: number;
  /** The second 16 bits of the header as sent. */
  readonly flags: number;
  readonly opcode: number;
  /** Query name, wire form as a latin1 string in the case it was sent. */
  readonly qnameCased: string;
  /** Query name folded to lower case: the lookup key (see Name.key). */
  readonly qnameKey: string;
  readonly qtype: number;
  readonly qclass: number;
  /** Offset just past the question: the question bytes are `[12, questionEnd)`. */
  readonly questionEnd: number;
  readonly edns: Edns | null;
  /** Records in the authority section (an IXFR query carries the client's SOA there, RFC 1995 §3). */
  readonly authorityCount: number;
  /** A TSIG RR is in the additional section (RFC 8945): the request is checked before it is answered. */
  readonly signed: boolean;
}

/** Why a message gets no normal answer. `drop` means no response at all. */
export interface QueryProblem {
  readonly rcode: number | 'drop';
  readonly reason: string;
  /** What could be read before the problem, to echo in the error response. */
  readonly id: number;
  readonly flags: number;
  readonly questionEnd: number;
  readonly edns: Edns | null;
}

export type ParseResult = { readonly ok: true; readonly query: Query } | { readonly ok: false; readonly problem: QueryProblem };

export function parseQuery(msg: Uint8Array): ParseResult {
  // RFC 1035 §4.1.1: too short for a header, or a response: nothing sensible to answer.
  if (msg.length < HEADER_LENGTH) return fail('drop', 'shorter than a DNS header', 0, 0, 0, null);
  const id = (msg[0]! << 8) | msg[1]!;
  const flags = (msg[2]! << 8) | msg[3]!;
  if (flags & Flag.QR) return fail('drop', 'QR bit set: a response, not a query', id, flags, 0, null);
  const opcode = (flags >> 11) & 0xf;
  const qdcount = (msg[4]! << 8) | msg[5]!;
  const ancount = (msg[6]! << 8) | msg[7]!;
  const nscount = (msg[8]! << 8) | msg[9]!;
  const arcount = (msg[10]! << 8) | msg[11]!;
  if (opcode !== Opcode.QUERY && opcode !== Opcode.NOTIFY) {
    return fail(Rcode.NOTIMP, `opcode ${opcode} not implemented`, id, flags, 0, null);
  }
  if (qdcount !== 1) return fail(Rcode.FORMERR, `QDCOUNT is ${qdcount}, expected 1`, id, flags, 0, null);
  if (flags & Flag.TC) return fail(Rcode.FORMERR, 'TC bit set in a query', id, flags, 0, null);

  // The question name: uncompressed, as every query's is (RFC 1035 §4.1.4 allows no earlier name).
  let pos = HEADER_LENGTH;
  for (;;) {
    if (pos >= msg.length) return fail(Rcode.FORMERR, 'question name runs past the message', id, flags, 0, null);
    const len = msg[pos]!;
    if (len === 0) break;
    if (len > MAX_LABEL_LENGTH) return fail(Rcode.FORMERR, 'compressed or extended label in question', id, flags, 0, null);
    pos += len + 1;
  }
  pos += 1;
  if (pos - HEADER_LENGTH > MAX_NAME_LENGTH) return fail(Rcode.FORMERR, 'question name longer than 255 octets', id, flags, 0, null);
  const nameEnd = pos;
  if (pos + 4 > msg.length) return fail(Rcode.FORMERR, 'question truncated', id, flags, 0, null);
  const qtype = (msg[pos]! << 8) | msg[pos + 1]!;
  const qclass = (msg[pos + 2]! << 8) | msg[pos + 3]!;
  pos += 4;
  const questionEnd = pos;

  // Answer and authority sections are empty in a query, except IXFR's SOA (RFC 1995 §3) and
  // NOTIFY's optional SOA (RFC 1996 §3.7).
  const carriesRecords = qtype === RRType.IXFR || opcode === Opcode.NOTIFY;
  if (!carriesRecords && (ancount !== 0 || nscount !== 0)) {
    return fail(Rcode.FORMERR, 'records in the answer or authority section of a query', id, flags, questionEnd, null);
  }
  for (let i = 0; i < ancount + nscount; i++) {
    pos = skipRecord(msg, pos);
    if (pos < 0) return fail(Rcode.FORMERR, 'malformed record after the question', id, flags, questionEnd, null);
  }

  let edns: Edns | null = null;
  let signed = false;
  for (let i = 0; i < arcount; i++) {
    const start = pos;
    pos = skipRecord(msg, pos);
    if (pos < 0) return fail(Rcode.FORMERR, 'malformed additional record', id, flags, questionEnd, edns);
    // An OPT record: root owner, type 41 (RFC 6891 §6.1.2).
    if (msg[start] === 0 && ((msg[start + 1]! << 8) | msg[start + 2]!) === RRType.OPT) {
      if (edns) return fail(Rcode.FORMERR, 'more than one OPT record', id, flags, questionEnd, null);
      const payload = (msg[start + 3]! << 8) | msg[start + 4]!;
      edns = {
        payloadSize: Math.max(payload, CLASSIC_UDP_SIZE),
        version: msg[start + 6]!,
        dnssecOk: (msg[start + 7]! & 0x80) !== 0,
      };
    } else {
      // Other additional records are read past; a TSIG RR is noted and verified by the caller.
      const typeAt = skipName(msg, start);
      if (((msg[typeAt]! << 8) | msg[typeAt + 1]!) === RRType.TSIG) signed = true;
    }
  }
  // RFC 1035 says nothing of trailing octets; NSD and Knot refuse them as malformed.
  if (pos !== msg.length) return fail(Rcode.FORMERR, `${msg.length - pos} octets after the last record`, id, flags, questionEnd, edns);

  const qnameCased = latin1(msg, HEADER_LENGTH, nameEnd);
  return {
    ok: true,
    query: {
      id,
      flags,
      opcode,
      qnameCased,
      qnameKey: foldCase(qnameCased),
      qtype,
      qclass,
      questionEnd,
      edns,
      authorityCount: nscount,
      signed,
    },
  };
}

function fail(
  rcode: number | 'drop',
  reason: string,
  id: number,
  flags: number,
  questionEnd: number,
  edns: Edns | null,
): ParseResult {
  return { ok: false, problem: { rcode, reason, id, flags, questionEnd, edns } };
}

/** Skips one resource record, following no pointers; -1 when it runs past the message. */
export function skipRecord(msg: Uint8Array, offset: number): number {
  let pos = skipName(msg, offset);
  if (pos < 0 || pos + 10 > msg.length) return -1;
  const rdlength = (msg[pos + 8]! << 8) | msg[pos + 9]!;
  pos += 10 + rdlength;
  return pos > msg.length ? -1 : pos;
}

/** Skips a possibly compressed name (RFC 1035 §4.1.4); -1 when malformed. */
export function skipName(msg: Uint8Array, offset: number): number {
  let pos = offset;
  for (;;) {
    if (pos >= msg.length) return -1;
    const len = msg[pos]!;
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2 <= msg.length ? pos + 2 : -1;
    if (len > MAX_LABEL_LENGTH) return -1;
    pos += len + 1;
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  // Short names: one call, no intermediate array.
  return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
}
