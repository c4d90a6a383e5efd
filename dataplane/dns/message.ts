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
/** Largest message over TCP (RFC 1035 §4.2.2: a two-octet length prefix). */
export const MAX_TCP_SIZE = 65535;

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
  /** The query carries an NSID option (RFC 5001 §2.1): the server may put its identifier in the answer. */
  readonly nsid: boolean;
}

/** EDNS option codes we read (RFC 6891 §6.1.2, IANA "DNS EDNS0 Option Codes"). */
export const EdnsOption = {
  /** RFC 5001. */
  NSID: 3,
} as const;

/**
 * What the error response to a query whose OPT record itself is broken carries: an OPT with DO
 * clear, so the client can tell a server without EDNS from a format error in EDNS (RFC 6891 §7).
 */
const BROKEN_OPT: Edns = { payloadSize: CLASSIC_UDP_SIZE, version: 0, dnssecOk: false, nsid: false };

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
  // These errors come before the additional section is read: `ednsOf` looks for the OPT there,
  // since every response to a query with a valid OPT carries one (RFC 6891 §6.1.1).
  if (opcode !== Opcode.QUERY && opcode !== Opcode.NOTIFY) {
    return fail(Rcode.NOTIMP, `opcode ${opcode} not implemented`, id, flags, 0, ednsOf(msg));
  }
  if (qdcount !== 1) return fail(Rcode.FORMERR, `QDCOUNT is ${qdcount}, expected 1`, id, flags, 0, ednsOf(msg));
  if (flags & Flag.TC) return fail(Rcode.FORMERR, 'TC bit set in a query', id, flags, 0, ednsOf(msg));

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
    return fail(Rcode.FORMERR, 'records in the answer or authority section of a query', id, flags, questionEnd, ednsOf(msg));
  }
  for (let i = 0; i < ancount + nscount; i++) {
    pos = skipRecord(msg, pos);
    if (pos < 0) return fail(Rcode.FORMERR, 'malformed record after the question', id, flags, questionEnd, null);
  }

  let edns: Edns | null = null;
  let ednsProblem = '';
  let signed = false;
  for (let i = 0; i < arcount; i++) {
    const start = pos;
    pos = skipRecord(msg, pos);
    if (pos < 0) return fail(Rcode.FORMERR, 'malformed additional record', id, flags, questionEnd, edns);
    const typeAt = skipName(msg, start);
    const type = (msg[typeAt]! << 8) | msg[typeAt + 1]!;
    if (type === RRType.OPT) {
      // RFC 6891 §6.1.1: at most one OPT; §6.1.2: its owner is the root. Read on to the end so a
      // trailing TSIG is still seen; the FORMERR carries an OPT (§7).
      if (edns || ednsProblem) ednsProblem ||= 'more than one OPT record';
      else if (typeAt !== start + 1) ednsProblem = 'OPT record with an owner other than the root';
      else {
        const opt = readOpt(msg, start, pos);
        if (typeof opt === 'string') ednsProblem = opt;
        else edns = opt;
      }
    } else if (type === RRType.TSIG) {
      // Other additional records are read past; a TSIG RR is noted and verified by the caller.
      signed = true;
    }
  }
  if (ednsProblem) return fail(Rcode.FORMERR, ednsProblem, id, flags, questionEnd, BROKEN_OPT);
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

/**
 * The UDP hot path's reading of a query: true only for a plain one, which `plainQuery` can then
 * build without reading it again. Plain means (RFC 1035 §4.1.1) QR clear, opcode QUERY, AA and
 * TC clear, one question with an uncompressed name, no answer or authority records, and at most
 * one additional record, a root OPT of version 0 (RFC 6891 §6.1.2) whose options are well formed
 * and hold no NSID (RFC 5001: its answer differs per server), ending the message. Whatever else
 * `parseQuery` reads, and it reads every plain query the same way (respond.fuzz.test.ts).
 * Returns where the question name ends, or -1.
 */
export function plainQueryNameEnd(msg: Uint8Array): number {
  const length = msg.length;
  if (length < 17 || (msg[2]! & 0xfe) !== 0 || msg[4] !== 0 || msg[5] !== 1) return -1;
  if (msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0 || msg[10] !== 0 || msg[11]! > 1) return -1;
  let pos = HEADER_LENGTH;
  for (let len = msg[pos]!; len !== 0; len = msg[pos]!) {
    if (len > MAX_LABEL_LENGTH) return -1;
    pos += len + 1;
    if (pos >= length) return -1;
  }
  const nameEnd = pos + 1;
  const questionEnd = nameEnd + 4;
  if (nameEnd - HEADER_LENGTH > MAX_NAME_LENGTH || questionEnd > length) return -1;
  if (msg[11] === 0) return questionEnd === length ? nameEnd : -1;
  // OPT: root owner, type 41, class = payload size, TTL = extended rcode, version, DO; RDLENGTH.
  const o = questionEnd;
  if (o + 11 > length || msg[o] !== 0 || msg[o + 1] !== 0 || msg[o + 2] !== RRType.OPT || msg[o + 6] !== 0) return -1;
  if (o + 11 + ((msg[o + 9]! << 8) | msg[o + 10]!) !== length) return -1;
  // Queries without options skip the loop.
  for (let at = o + 11; at < length; ) {
    if (at + 4 > length || (msg[at] === 0 && msg[at + 1] === EdnsOption.NSID)) return -1;
    at += 4 + ((msg[at + 2]! << 8) | msg[at + 3]!);
    if (at > length) return -1;
  }
  return nameEnd;
}

/** The payload size a plain query's OPT offers (RFC 6891 §6.2.3), or 0 without one. */
export function plainQueryPayload(msg: Uint8Array, nameEnd: number): number {
  return msg[11] === 0 ? 0 : (msg[nameEnd + 7]! << 8) | msg[nameEnd + 8]!;
}

/** Whether a plain query's OPT has the DO bit (RFC 3225 §3). */
export function plainQueryDnssecOk(msg: Uint8Array, nameEnd: number): boolean {
  return msg[11] !== 0 && (msg[nameEnd + 11]! & 0x80) !== 0;
}

/** The `Query` of a message `plainQueryNameEnd` accepted, as `parseQuery` reads it. */
export function plainQuery(msg: Uint8Array, nameEnd: number): Query {
  const qnameCased = latin1(msg, HEADER_LENGTH, nameEnd);
  const flags = (msg[2]! << 8) | msg[3]!;
  const payload = plainQueryPayload(msg, nameEnd);
  return {
    id: (msg[0]! << 8) | msg[1]!,
    flags,
    opcode: Opcode.QUERY,
    qnameCased,
    qnameKey: foldCase(qnameCased),
    qtype: (msg[nameEnd]! << 8) | msg[nameEnd + 1]!,
    qclass: (msg[nameEnd + 2]! << 8) | msg[nameEnd + 3]!,
    questionEnd: nameEnd + 4,
    edns:
      msg[11] === 0
        ? null
        : { payloadSize: Math.max(payload, CLASSIC_UDP_SIZE), version: 0, dnssecOk: plainQueryDnssecOk(msg, nameEnd), nsid: false },
    authorityCount: 0,
    signed: false,
  };
}

/**
 * Reads an OPT record at `start` ending at `end` (RFC 6891 §6.1.2): payload size, version, DO,
 * and the options, each a code, a length and that many octets inside the RDATA. A string says
 * what is broken (§7: FORMERR). Unknown options are skipped (§6.1.2).
 */
function readOpt(msg: Uint8Array, start: number, end: number): Edns | string {
  const payload = (msg[start + 3]! << 8) | msg[start + 4]!;
  let nsid = false;
  let at = start + 11;
  while (at < end) {
    if (at + 4 > end) return `EDNS option header truncated: ${end - at} octets left in the OPT RDATA`;
    const code = (msg[at]! << 8) | msg[at + 1]!;
    const length = (msg[at + 2]! << 8) | msg[at + 3]!;
    if (at + 4 + length > end) return `EDNS option ${code} of length ${length} runs past the OPT RDATA`;
    if (code === EdnsOption.NSID) nsid = true;
    at += 4 + length;
  }
  return {
    payloadSize: Math.max(payload, CLASSIC_UDP_SIZE),
    version: msg[start + 6]!,
    dnssecOk: (msg[start + 7]! & 0x80) !== 0,
    nsid,
  };
}

/**
 * The OPT of a query that failed before its additional section was read (a bad opcode, QDCOUNT or
 * TC, records where a query has none), found by skipping every section: the error response
 * carries it when it is valid (RFC 6891 §6.1.1). Null when there is none or it cannot be found.
 * Error paths only.
 */
function ednsOf(msg: Uint8Array): Edns | null {
  const counts = [(msg[4]! << 8) | msg[5]!, (msg[6]! << 8) | msg[7]!, (msg[8]! << 8) | msg[9]!, (msg[10]! << 8) | msg[11]!];
  let pos = HEADER_LENGTH;
  for (let i = 0; i < counts[0]! && pos >= 0; i++) {
    pos = skipName(msg, pos);
    pos = pos < 0 || pos + 4 > msg.length ? -1 : pos + 4;
  }
  for (let i = 0; i < counts[1]! + counts[2]! && pos >= 0; i++) pos = skipRecord(msg, pos);
  let edns: Edns | null = null;
  for (let i = 0; i < counts[3]! && pos >= 0; i++) {
    const start = pos;
    pos = skipRecord(msg, pos);
    if (pos < 0 || msg[start] !== 0 || ((msg[start + 1]! << 8) | msg[start + 2]!) !== RRType.OPT) continue;
    const opt = readOpt(msg, start, pos);
    if (edns || typeof opt === 'string') return BROKEN_OPT;
    edns = opt;
  }
  return edns;
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
