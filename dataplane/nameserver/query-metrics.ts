import { RRType } from '../dns/constants';

/**
 * What the server counts about the queries it answers, in flat typed arrays: the UDP fast path
 * adds one to a cell and makes no object, no string and no map lookup (issue 13: the metrics must
 * not cost the fast path its speed). `/metrics` turns the cells into series when scraped
 * (runtime/server-metrics.ts).
 *
 * Every label is bounded: the transport (2), the QTYPE (the common types by name, the rest as
 * `other`) and the response code (the 16 of the header). No per-client label, ever: a label per
 * address would let anyone on the Internet grow the series without bound.
 */

export const TRANSPORTS = ['udp', 'tcp'] as const;
export type CountedTransport = (typeof TRANSPORTS)[number];

/**
 * QTYPEs that get a label of their own: what authoritative servers are asked for (NSD's and Knot's
 * statistics name the same ones), the DNSSEC types, and the transfers.
 */
const NAMED_TYPES = [
  'A', 'AAAA', 'NS', 'SOA', 'CNAME', 'MX', 'TXT', 'PTR', 'SRV', 'NAPTR', 'CAA', 'TLSA', 'SVCB', 'HTTPS',
  'DS', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'NSEC3PARAM', 'CDS', 'CDNSKEY', 'ANY', 'AXFR', 'IXFR',
] as const satisfies ReadonlyArray<keyof typeof RRType>;

/** The `qtype` label of each slot: `none` when the message had no question we could read. */
export const QTYPE_LABELS: readonly string[] = ['none', ...NAMED_TYPES, 'other'];
const NO_QUESTION = 0;
const OTHER_TYPE = QTYPE_LABELS.length - 1;

/** The slot of each of the 65,536 QTYPEs: one array read on the fast path. */
const TYPE_SLOT = (() => {
  const slots = new Uint8Array(65_536).fill(OTHER_TYPE);
  NAMED_TYPES.forEach((name, i) => (slots[RRType[name]] = i + 1));
  return slots;
})();

/** The `rcode` label of the header's four bits (IANA DNS RCODEs 0-15; 12-15 unassigned). */
export const RCODE_LABELS: readonly string[] = [
  'NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET',
  'NXRRSET', 'NOTAUTH', 'NOTZONE', 'DSOTYPENI', '12', '13', '14', '15',
];

/**
 * Upper bounds (seconds) of the answer-latency buckets: from 25 µs (a cached answer) to half a
 * second (an answer waiting behind a zone load slice, ADR 0009).
 */
export const LATENCY_BUCKETS: readonly number[] = [0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5];

/** The QTYPE slot of a request: where its question says, read without parsing the message. */
export function qtypeSlot(msg: Uint8Array): number {
  // QDCOUNT 0 (or a message too short for a header): no question.
  if (msg.length < 17 || (msg[4] === 0 && msg[5] === 0)) return NO_QUESTION;
  let i = 12;
  for (let length = msg[i]!; length !== 0; length = msg[i]!) {
    // A compression pointer or a label running past the end: not a question we read.
    if (length > 63) return NO_QUESTION;
    i += length + 1;
    if (i >= msg.length) return NO_QUESTION;
  }
  if (i + 2 >= msg.length) return NO_QUESTION;
  return TYPE_SLOT[(msg[i + 1]! << 8) | msg[i + 2]!]!;
}

export class QueryMetrics {
  /** Answers by transport, QTYPE slot and RCODE: [(transport * types + slot) * 16 + rcode]. */
  readonly answers = new Float64Array(TRANSPORTS.length * QTYPE_LABELS.length * 16);
  /** Answers sent with TC set, by transport (RFC 1035 §4.2.1: the client should ask over TCP). */
  readonly truncated = new Float64Array(TRANSPORTS.length);
  /** Answer latency: counts per bucket of LATENCY_BUCKETS, then one for +Inf; and their sum (seconds). */
  readonly latencyBuckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  latencySum = 0;
  latencyCount = 0;

  /** One answer: the request and the response written at `at` of `out` (its header read for RCODE and TC). */
  answered(transport: 0 | 1, request: Uint8Array, out: Uint8Array, at: number): void {
    const flags = out[at + 2]!;
    const rcode = out[at + 3]! & 0xf;
    this.answers[(transport * QTYPE_LABELS.length + qtypeSlot(request)) * 16 + rcode]!++;
    if (flags & 0x02) this.truncated[transport]!++;
  }

  /**
   * `count` answers that each took `seconds` from the server reading the request to the answer
   * handed to the kernel. A batch of datagrams is answered together and sent together: each of
   * its answers waited the batch's time, and is counted with it.
   */
  observeLatency(seconds: number, count: number): void {
    if (count <= 0) return;
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++;
    this.latencyBuckets[bucket]! += count;
    this.latencySum += seconds * count;
    this.latencyCount += count;
  }
}
