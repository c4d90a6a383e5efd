/**
 * The fuzzer's mutations, AFL's and libFuzzer's usual set over bytes: bit flips, bytes set to
 * interesting values, big-endian 16- and 32-bit fields (DNS counts, types, lengths, TTLs are all
 * big-endian), arithmetic, inserted, deleted and copied ranges, splices with another corpus
 * entry, and the target's dictionary tokens (zone-file keywords, DNS type codes, YAML keys).
 * A mutation is a stack of one to eight of these ("havoc"). Deterministic for a given seed.
 */

/** xorshift32: small, fast, and the same sequence for the same seed on every run. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** An integer in `[0, n)`. */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }

  chance(oneIn: number): boolean {
    return this.below(oneIn) === 0;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x3f, 0x40, 0xc0, 0x10, 0x20, 0x0a, 0x0d, 0x22, 0x3b, 0x28, 0x29, 0x5c];
const INTERESTING_16 = [0, 1, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 512, 1232, 4096, 65535, 0xc00c, 0x3f, 0x40];
const INTERESTING_32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 86400, 2147483647];

export interface MutatorOptions {
  /** Longest input produced. */
  readonly maxLength: number;
  /** Tokens worth inserting whole. */
  readonly dictionary: readonly Uint8Array[];
}

export class Mutator {
  constructor(
    private readonly random: Random,
    private readonly options: MutatorOptions,
  ) {}

  /** A new input from `input`; `other` is another corpus entry to splice with. */
  mutate(input: Uint8Array, other: Uint8Array | undefined): Uint8Array {
    let data: Uint8Array = Uint8Array.from(input);
    // Mostly one or two steps: a stack of many undoes what made the parent interesting.
    const steps = 1 + this.random.below(1 << this.random.below(4));
    for (let i = 0; i < steps; i++) data = this.once(data, other);
    return data.length > this.options.maxLength ? data.subarray(0, this.options.maxLength) : data;
  }

  private once(data: Uint8Array, other: Uint8Array | undefined): Uint8Array {
    const r = this.random;
    const n = data.length;
    const dictionary = this.options.dictionary;
    // Mutations that need bytes to change fall through to insertion on an empty input.
    const choice = n === 0 ? 6 : r.below(dictionary.length > 0 ? 14 : 12);
    switch (choice) {
      case 0: {
        const at = r.below(n);
        data[at]! ^= 1 << r.below(8);
        return data;
      }
      case 1:
        data[r.below(n)] = r.next() & 0xff;
        return data;
      case 2:
        data[r.below(n)] = r.pick(INTERESTING_8);
        return data;
      case 3: {
        const at = r.below(n);
        data[at] = (data[at]! + (r.chance(2) ? 1 : -1) * (1 + r.below(16))) & 0xff;
        return data;
      }
      case 4: {
        if (n < 2) return data;
        const at = r.below(n - 1);
        const v = r.pick(INTERESTING_16);
        data[at] = v >> 8;
        data[at + 1] = v & 0xff;
        return data;
      }
      case 5: {
        if (n < 4) return data;
        const at = r.below(n - 3);
        const v = r.pick(INTERESTING_32);
        data[at] = v >>> 24;
        data[at + 1] = (v >>> 16) & 0xff;
        data[at + 2] = (v >>> 8) & 0xff;
        data[at + 3] = v & 0xff;
        return data;
      }
      case 6:
        return insert(data, r.below(n + 1), r.bytes(1 + r.below(r.chance(4) ? 64 : 4)));
      case 7: {
        const at = r.below(n);
        return remove(data, at, 1 + r.below(Math.min(n - at, r.chance(4) ? 64 : 4)));
      }
      case 8: {
        // A copy of a range of itself, inserted elsewhere: repeated labels, records, lines.
        const from = r.below(n);
        const len = 1 + r.below(Math.min(n - from, 128));
        return insert(data, r.below(n + 1), data.slice(from, from + len));
      }
      case 9: {
        // Overwrite with a range of itself.
        const from = r.below(n);
        const to = r.below(n);
        const len = 1 + r.below(Math.min(n - from, n - to, 32));
        data.copyWithin(to, from, from + len);
        return data;
      }
      case 10: {
        if (!other || other.length === 0) return insert(data, r.below(n + 1), r.bytes(1));
        // Splice: our head, the other's tail.
        const cut = r.below(n + 1);
        const from = r.below(other.length);
        return concat(data.subarray(0, cut), other.subarray(from));
      }
      case 11:
        return data.subarray(0, r.below(n + 1));
      case 12:
        return insert(data, r.below(n + 1), r.pick(dictionary));
      default: {
        const token = r.pick(dictionary);
        const at = r.below(n);
        const out = Uint8Array.from(data);
        out.set(token.subarray(0, n - at), at);
        return out;
      }
    }
  }
}

function insert(data: Uint8Array, at: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + bytes.length);
  out.set(data.subarray(0, at));
  out.set(bytes, at);
  out.set(data.subarray(at), at + bytes.length);
  return out;
}

function remove(data: Uint8Array, at: number, len: number): Uint8Array {
  const out = new Uint8Array(data.length - len);
  out.set(data.subarray(0, at));
  out.set(data.subarray(at + len), at);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
