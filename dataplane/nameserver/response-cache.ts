/**
 * Encoded responses kept per question, so that a repeated question costs a copy and three
 * patched fields instead of a lookup and an encoding. This is what lets one Node.js process
 * answer near the speed of NSD (docs/adr/0002-pre-encoded-responses.md).
 *
 * An entry is found from the raw question bytes of a packet (name, QTYPE, QCLASS) and the EDNS
 * variant, without building strings or objects: a hash over the bytes with the name folded to
 * lower case, then a byte comparison. The UDP fast path (`Responder.answerDatagram`) and the full
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

/**
 * Entries live one after another in a slab of bytes: a 10-byte header (variant, question length,
 * message length, the response's rate-limit class and name hash), the question with its name
 * folded, then the message. A lookup touches the slot
 * table and one place in the slab, rather than a map bucket, an entry object and two arrays with
 * their backing stores: on a server these are cache misses, as the kernel and Node.js evict our
 * data between two datagrams.
 */
const HEADER = 10;
const CLASS_AT = 5;
const NAME_AT = 6;

export class ResponseCache {
  /** Open addressing with linear probing; a slot holds an entry's slab offset + 1, 0 when empty. */
  private slots = new Int32Array(1024);
  /** The hash of the entry in the same slot, so that most mismatches do not touch the slab. */
  private hashes = new Int32Array(1024);
  private slab = new Uint8Array(64 * 1024);
  private used = 0;
  private count = 0;

  /**
   * When full, the cache starts over: simple, and bounded for zones with millions of names. The
   * byte bound matters as much as the entry bound: an entry keeps the full (TCP-size) response.
   */
  constructor(
    private readonly maxEntries = 200_000,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.slots.fill(0);
    this.used = 0;
    this.count = 0;
  }

  /**
   * Where the cached response for the question at `[12, questionEnd)` of `msg` (name ending at
   * `nameEnd`) is, for `length()` and `copyTo()`; -1 when there is none.
   */
  find(msg: Uint8Array, nameEnd: number, questionEnd: number, variant: number): number {
    const hash = questionHash(msg, nameEnd, questionEnd, variant);
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = hash & mask; slots[i] !== 0; i = (i + 1) & mask) {
      if (this.hashes[i] !== hash) continue;
      const at = slots[i]! - 1;
      if (this.sameQuestion(at, msg, nameEnd, questionEnd, variant)) return at;
    }
    return -1;
  }

  /** The length of the response found at `at`. */
  length(at: number): number {
    return (this.slab[at + 3]! << 8) | this.slab[at + 4]!;
  }

  /** The rate-limit class (ResponseClass) stored with the response found at `at`. */
  rateClass(at: number): number {
    return this.slab[at + CLASS_AT]!;
  }

  /** The hash of the name its rate-limit bucket is keyed by (rate-limit.ts `nameHash`). */
  rateName(at: number): number {
    const s = this.slab;
    const i = at + NAME_AT;
    return (s[i]! << 24) | (s[i + 1]! << 16) | (s[i + 2]! << 8) | s[i + 3]!;
  }

  /**
   * Copies the response found at `at` into `out` at `outAt` (`length(at)` bytes) for the query
   * `query`: its ID, its RD bit (RFC 1035 §4.1.1) and the case of its question name (RFC 4343
   * §4.1). Returns `out`.
   */
  copyTo(at: number, query: Uint8Array, nameEnd: number, out: Uint8Array, outAt = 0): Uint8Array {
    const start = at + HEADER + ((this.slab[at + 1]! << 8) | this.slab[at + 2]!);
    out.set(this.slab.subarray(start, start + this.length(at)), outAt);
    patchQuery(out, outAt, query, nameEnd);
    return out;
  }

  /** Keeps `message` for the question; `rateClass` and `rateName` are what `rateClass()` and `rateName()` give back. */
  store(msg: Uint8Array, nameEnd: number, questionEnd: number, variant: number, message: Uint8Array, rateClass = 0, rateName = 0): void {
    const questionLength = questionEnd - 12;
    const size = HEADER + questionLength + message.length;
    if (message.length > 0xffff || size > this.maxBytes) return;
    if (this.count >= this.maxEntries || this.used + size > this.maxBytes) this.clear();
    if (2 * (this.count + 1) > this.slots.length) this.growSlots();
    if (this.used + size > this.slab.length) this.growSlab(this.used + size);

    // A question stored again (by a caller that did not look first) replaces the older entry.
    const hash = questionHash(msg, nameEnd, questionEnd, variant);
    const mask = this.slots.length - 1;
    let i = hash & mask;
    for (; this.slots[i] !== 0; i = (i + 1) & mask) {
      if (this.hashes[i] === hash && this.sameQuestion(this.slots[i]! - 1, msg, nameEnd, questionEnd, variant)) break;
    }
    if (this.slots[i] === 0) this.count++;

    const slab = this.slab;
    const at = this.used;
    slab[at] = variant;
    slab[at + 1] = questionLength >> 8;
    slab[at + 2] = questionLength & 0xff;
    slab[at + 3] = message.length >> 8;
    slab[at + 4] = message.length & 0xff;
    slab[at + CLASS_AT] = rateClass;
    slab[at + NAME_AT] = rateName >>> 24;
    slab[at + NAME_AT + 1] = (rateName >>> 16) & 0xff;
    slab[at + NAME_AT + 2] = (rateName >>> 8) & 0xff;
    slab[at + NAME_AT + 3] = rateName & 0xff;
    for (let j = 12; j < questionEnd; j++) slab[at + HEADER + j - 12] = j < nameEnd ? fold(msg[j]!) : msg[j]!;
    slab.set(message, at + HEADER + questionLength);
    this.used += size;
    this.slots[i] = at + 1;
    this.hashes[i] = hash;
  }

  private sameQuestion(at: number, msg: Uint8Array, nameEnd: number, questionEnd: number, variant: number): boolean {
    const slab = this.slab;
    if (slab[at] !== variant || ((slab[at + 1]! << 8) | slab[at + 2]!) !== questionEnd - 12) return false;
    const offset = at + HEADER - 12;
    for (let i = 12; i < nameEnd; i++) if (slab[offset + i] !== fold(msg[i]!)) return false;
    for (let i = nameEnd; i < questionEnd; i++) if (slab[offset + i] !== msg[i]) return false;
    return true;
  }

  private growSlots(): void {
    const oldSlots = this.slots;
    const oldHashes = this.hashes;
    this.slots = new Int32Array(oldSlots.length * 2);
    this.hashes = new Int32Array(oldSlots.length * 2);
    const mask = this.slots.length - 1;
    for (let j = 0; j < oldSlots.length; j++) {
      if (oldSlots[j] === 0) continue;
      let i = oldHashes[j]! & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = oldSlots[j]!;
      this.hashes[i] = oldHashes[j]!;
    }
  }

  private growSlab(needed: number): void {
    let length = this.slab.length * 2;
    while (length < needed) length *= 2;
    const slab = new Uint8Array(Math.min(length, this.maxBytes));
    slab.set(this.slab.subarray(0, this.used));
    this.slab = slab;
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

/** Puts the query's ID, RD bit and question-name case into a copy of a cached response at `at`. */
function patchQuery(out: Uint8Array, at: number, query: Uint8Array, nameEnd: number): void {
  out[at] = query[0]!;
  out[at + 1] = query[1]!;
  out[at + 2] = (out[at + 2]! & 0xfe) | (query[2]! & 0x01);
  for (let i = 12; i < nameEnd; i++) out[at + i] = query[i]!;
}
