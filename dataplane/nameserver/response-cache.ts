/**
 * Encoded responses kept per question, so that a repeated question costs a copy and three
 * patched fields instead of a lookup and an encoding. This is what lets one Node.js process
 * answer near the speed of NSD (docs/adr/0002-pre-encoded-responses.md).
 *
 * An entry is found from the raw question bytes of a packet (name, QTYPE, QCLASS) and the EDNS
 * variant, without building strings or objects: a hash over the bytes with the name folded to
 * lower case, then a byte comparison. The UDP fast path (server/udp-fast-path.ts) and the full
 * responder use the same lookup, so they cannot disagree about what a hit is.
 *
 * A cached message is the full (TCP-size) response. It is reused only when it fits the client's
 * limit; otherwise the responder encodes a truncated one. The name in the question is patched to
 * the client's case, and compression pointers into it stay valid because the folded name has the
 * same layout. The cache belongs to one zone set: a reload starts it afresh.
 */

/** Which OPT record the response carries: none, EDNS, EDNS with DO (RFC 3225). */
export const enum EdnsVariant {
  None = 0,
  Edns = 1,
  EdnsDo = 3,
}

interface Entry {
  /** The question as on the wire, name folded to lower case. */
  readonly question: Uint8Array;
  readonly variant: number;
  readonly message: Uint8Array;
  next: Entry | undefined;
}

export class ResponseCache {
  private readonly buckets = new Map<number, Entry>();
  private count = 0;

  /** When full, the cache starts over: simple, and bounded for zones with millions of names. */
  constructor(private readonly maxEntries = 200_000) {}

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.buckets.clear();
    this.count = 0;
  }

  /**
   * The cached response for the question at `[12, questionEnd)` of `msg`, whose name ends at
   * `nameEnd`, or undefined.
   */
  find(msg: Uint8Array, nameEnd: number, questionEnd: number, variant: number): Uint8Array | undefined {
    for (let e = this.buckets.get(questionHash(msg, nameEnd, questionEnd, variant)); e; e = e.next) {
      if (e.variant === variant && sameQuestion(e.question, msg, nameEnd, questionEnd)) return e.message;
    }
    return undefined;
  }

  store(msg: Uint8Array, nameEnd: number, questionEnd: number, variant: number, message: Uint8Array): void {
    if (this.count >= this.maxEntries) this.clear();
    const question = new Uint8Array(questionEnd - 12);
    for (let i = 12; i < questionEnd; i++) question[i - 12] = i < nameEnd ? fold(msg[i]!) : msg[i]!;
    const hash = questionHash(msg, nameEnd, questionEnd, variant);
    this.buckets.set(hash, { question, variant, message, next: this.buckets.get(hash) });
    this.count++;
  }
}

function fold(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** FNV-1a over the folded question and the variant. */
function questionHash(msg: Uint8Array, nameEnd: number, questionEnd: number, variant: number): number {
  let h = 0x811c9dc5 ^ variant;
  for (let i = 12; i < nameEnd; i++) h = Math.imul(h ^ fold(msg[i]!), 0x01000193);
  for (let i = nameEnd; i < questionEnd; i++) h = Math.imul(h ^ msg[i]!, 0x01000193);
  return h;
}

function sameQuestion(question: Uint8Array, msg: Uint8Array, nameEnd: number, questionEnd: number): boolean {
  if (question.length !== questionEnd - 12) return false;
  for (let i = 12; i < nameEnd; i++) if (question[i - 12] !== fold(msg[i]!)) return false;
  for (let i = nameEnd; i < questionEnd; i++) if (question[i - 12] !== msg[i]) return false;
  return true;
}

/**
 * Copies a cached response for a new query into `out` (of the template's length): the query's
 * ID, its RD bit (RFC 1035 §4.1.1) and the case of its question name (RFC 4343 §4.1).
 */
export function patchCached(template: Uint8Array, query: Uint8Array, nameEnd: number, out: Uint8Array): Uint8Array {
  out.set(template);
  out[0] = query[0]!;
  out[1] = query[1]!;
  out[2] = (template[2]! & 0xfe) | (query[2]! & 0x01);
  for (let i = 12; i < nameEnd; i++) out[i] = query[i]!;
  return out;
}
