import type { Query } from '../dns/message';

/**
 * Encoded responses kept per (query name, type, EDNS, DO), so that a repeated question costs a
 * copy and three patched fields instead of a lookup and an encoding. This is what lets one Node.js
 * process answer near the speed of NSD (docs/benchmarks.md).
 *
 * A cached message is the full (TCP-size) response. It is reused only when it fits the client's
 * limit; otherwise the responder encodes a truncated one. The name in the question is patched to
 * the client's case, and compression pointers into it stay valid because the folded name is the
 * same. The cache belongs to one zone set: a reload starts it afresh.
 */
export class ResponseCache {
  private readonly byName = new Map<string, Map<number, Uint8Array>>();
  private count = 0;

  /** When full, the cache starts over: simple, and bounded for zones with millions of names. */
  constructor(private readonly maxEntries = 200_000) {}

  lookup(q: Query, msg: Uint8Array, limit: number): Uint8Array | null {
    const template = this.byName.get(q.qnameKey)?.get(variant(q));
    if (!template || template.length > limit) return null;
    const out = template.slice();
    out[0] = q.id >> 8;
    out[1] = q.id & 0xff;
    // RFC 1035 §4.1.1: RD is copied from the query.
    out[2] = (template[2]! & 0xfe) | ((q.flags >> 8) & 0x01);
    out.set(msg.subarray(12, q.questionEnd - 4), 12);
    return out;
  }

  store(q: Query, message: Uint8Array): void {
    if (this.count >= this.maxEntries) this.clear();
    let variants = this.byName.get(q.qnameKey);
    if (!variants) this.byName.set(q.qnameKey, (variants = new Map()));
    const v = variant(q);
    if (!variants.has(v)) this.count++;
    variants.set(v, message.slice());
  }

  clear(): void {
    this.byName.clear();
    this.count = 0;
  }

  get size(): number {
    return this.count;
  }
}

function variant(q: Query): number {
  return q.qtype * 4 + (q.edns ? 2 : 0) + (q.edns?.dnssecOk ? 1 : 0);
}
