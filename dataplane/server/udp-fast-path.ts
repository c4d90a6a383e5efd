import type { ResponseCache } from '../nameserver/response-cache';

/**
 * The UDP hot path: answers a plain query straight from the response cache, reading only the
 * header, the question and an OPT record. Anything unusual (another opcode, more records, an EDNS
 * version other than 0, a broken or NSID option, a cache miss, an answer too big for the client) returns -1 and goes
 * through the full responder, which is the reference: the fast path only reproduces its cache
 * hits. See docs/adr/0002-pre-encoded-responses.md.
 */

const CLASSIC_UDP_SIZE = 512;
const MAX_UDP_SIZE = 1232;

/**
 * Writes the cached answer to `msg` into `out` at `outAt` and returns its length; -1 when the
 * query is not a plain cache hit that fits the client (or `out`).
 */
export function answerFromCache(msg: Uint8Array, cache: ResponseCache, out: Uint8Array, outAt: number): number {
  const length = msg.length;
  // Header (RFC 1035 §4.1.1): QR=0, opcode QUERY, AA and TC clear; one question; no answer or
  // authority records; at most one additional record (the OPT).
  if (length < 17 || (msg[2]! & 0xfe) !== 0 || msg[4] !== 0 || msg[5] !== 1) return -1;
  if (msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0 || msg[10] !== 0 || msg[11]! > 1) return -1;
  let pos = 12;
  for (let len = msg[pos]!; len !== 0; len = msg[pos]!) {
    if (len > 63) return -1;
    pos += len + 1;
    if (pos >= length) return -1;
  }
  const nameEnd = pos + 1;
  const questionEnd = nameEnd + 4;
  if (nameEnd - 12 > 255 || questionEnd > length) return -1;

  let variant: number;
  let limit: number;
  if (msg[11] === 0) {
    if (questionEnd !== length) return -1;
    variant = 0;
    limit = CLASSIC_UDP_SIZE;
  } else {
    // OPT (RFC 6891 §6.1.2): root owner, type 41, class = payload size, TTL = ext-rcode, version, DO.
    const o = questionEnd;
    if (o + 11 > length || msg[o] !== 0 || msg[o + 1] !== 0 || msg[o + 2] !== 41 || msg[o + 6] !== 0) return -1;
    if (o + 11 + ((msg[o + 9]! << 8) | msg[o + 10]!) !== length) return -1;
    // Options (RFC 6891 §6.1.2): a malformed one gets FORMERR (§7), NSID (RFC 5001) an answer
    // with our identifier; both from the full responder. Queries without options skip the loop.
    for (let at = o + 11; at < length; ) {
      if (at + 4 > length || (msg[at] === 0 && msg[at + 1] === 3)) return -1;
      at += 4 + ((msg[at + 2]! << 8) | msg[at + 3]!);
      if (at > length) return -1;
    }
    const payload = (msg[o + 3]! << 8) | msg[o + 4]!;
    limit = payload < CLASSIC_UDP_SIZE ? CLASSIC_UDP_SIZE : payload > MAX_UDP_SIZE ? MAX_UDP_SIZE : payload;
    variant = msg[o + 7]! & 0x80 ? 3 : 1;
  }
  const at = cache.find(msg, nameEnd, questionEnd, variant);
  if (at < 0) return -1;
  const size = cache.length(at);
  if (size > limit || outAt + size > out.length) return -1;
  cache.copyTo(at, msg, nameEnd, out, outAt);
  return size;
}
