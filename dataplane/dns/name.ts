/**
 * Domain names (RFC 1034 §3.1, RFC 1035 §2.3.4, §3.1, §5.1).
 *
 * A name is kept as two latin1 strings holding its uncompressed wire form: `cased` as written by
 * the user (case is preserved on output, RFC 4343 §4) and `key`, the same bytes with ASCII letters
 * folded to lower case. `key` is the identity used by every lookup: comparing two names is one
 * string comparison, and the server builds the same key straight from the bytes of a query.
 * Strings are far smaller than one Uint8Array per name when a zone holds a million records.
 */
import { DnsfleetError } from './error';

export const MAX_LABEL_LENGTH = 63;
export const MAX_NAME_LENGTH = 255;

/** A name that cannot be parsed or is longer than the protocol allows. */
export class NameError extends DnsfleetError {
  constructor(
    message: string,
    readonly input: string,
  ) {
    super(`${message}: "${input}"`, { input });
    this.name = 'NameError';
  }
}

/** Lower-cases ASCII letters only: DNS case-insensitivity never touches other bytes (RFC 4343 §3). */
export function foldCase(wire: string): string {
  for (let i = 0; i < wire.length; i++) {
    const c = wire.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return foldFrom(wire, i);
  }
  return wire;
}

function foldFrom(wire: string, start: number): string {
  let out = wire.slice(0, start);
  for (let i = start; i < wire.length; i++) {
    const c = wire.charCodeAt(i);
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return out;
}

// Characters that must be escaped in presentation format (RFC 1035 §5.1 plus `@`, `$` and `;`
// which zone-file readers treat specially).
const SPECIAL = new Set(['.', '\\', '"', '(', ')', ';', '@', '$', ' ']);

export class Name {
  /** Wire form, original case, as a latin1 string (one char per octet), ending with the root label. */
  readonly cased: string;
  /** Wire form with ASCII folded to lower case: the identity of the name. */
  readonly key: string;

  private constructor(cased: string, key: string) {
    this.cased = cased;
    this.key = key;
  }

  static readonly root = new Name('\0', '\0');

  /** Trusts that `cased` is a valid uncompressed wire name (callers have walked its labels). */
  static fromWireString(cased: string): Name {
    return new Name(cased, foldCase(cased));
  }

  /** Parses an uncompressed wire-format name that fills `bytes` exactly. */
  static fromWire(bytes: Uint8Array): Name {
    const text = bytesToLatin1(bytes);
    const end = wireNameEnd(text, 0);
    if (end !== text.length) throw new NameError('malformed wire-format name', text);
    return Name.fromWireString(text);
  }

  /**
   * Parses presentation format (RFC 1035 §5.1). A name without a trailing dot is relative and is
   * completed with `origin`; `@` alone stands for the origin.
   */
  static fromText(text: string, origin?: Name): Name {
    if (text === '@') {
      if (!origin) throw new NameError('"@" needs an origin', text);
      return origin;
    }
    if (text === '.') return Name.root;
    if (text.length === 0) throw new NameError('empty name', text);
    const labels: string[] = [];
    let label = '';
    let absolute = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '\\') {
        const next = text[i + 1];
        if (next === undefined) throw new NameError('dangling escape', text);
        if (next >= '0' && next <= '9') {
          const digits = text.slice(i + 1, i + 4);
          if (!/^\d{3}$/.test(digits)) throw new NameError('\\DDD escape needs three digits', text);
          const value = Number(digits);
          if (value > 255) throw new NameError('\\DDD escape above 255', text);
          label += String.fromCharCode(value);
          i += 3;
        } else {
          label += charToLatin1(next, text);
          i += 1;
        }
      } else if (ch === '.') {
        if (label.length === 0) throw new NameError('empty label', text);
        labels.push(label);
        label = '';
        if (i === text.length - 1) absolute = true;
      } else {
        label += charToLatin1(ch, text);
      }
    }
    if (!absolute) {
      if (label.length > 0) labels.push(label);
    }
    let wire = '';
    for (const l of labels) {
      if (l.length > MAX_LABEL_LENGTH) throw new NameError(`label longer than ${MAX_LABEL_LENGTH} octets`, text);
      wire += String.fromCharCode(l.length) + l;
    }
    if (absolute) {
      wire += '\0';
    } else {
      if (!origin) throw new NameError('relative name without an origin', text);
      wire += origin.cased;
    }
    if (wire.length > MAX_NAME_LENGTH) throw new NameError(`name longer than ${MAX_NAME_LENGTH} octets`, text);
    return new Name(wire, foldCase(wire));
  }

  /** Bytes of the wire form (original case). */
  toWire(): Uint8Array {
    return latin1ToBytes(this.cased);
  }

  /** Length of the uncompressed wire form. */
  get wireLength(): number {
    return this.cased.length;
  }

  isRoot(): boolean {
    return this.key === '\0';
  }

  /** Number of labels, not counting the root label. */
  labelCount(): number {
    let n = 0;
    for (let i = 0; this.key.charCodeAt(i) !== 0; i += this.key.charCodeAt(i) + 1) n++;
    return n;
  }

  /** The labels as latin1 strings, leftmost first, root label excluded. */
  labels(): string[] {
    const out: string[] = [];
    for (let i = 0; this.cased.charCodeAt(i) !== 0; i += this.cased.charCodeAt(i) + 1) {
      out.push(this.cased.slice(i + 1, i + 1 + this.cased.charCodeAt(i)));
    }
    return out;
  }

  /** The name with its leftmost label removed; null for the root. */
  parent(): Name | null {
    if (this.isRoot()) return null;
    const skip = this.key.charCodeAt(0) + 1;
    return new Name(this.cased.slice(skip), this.key.slice(skip));
  }

  /** A new name with `label` (latin1) in front of this one. */
  prepend(label: string): Name {
    if (label.length === 0 || label.length > MAX_LABEL_LENGTH) throw new NameError('bad label length', label);
    const cased = String.fromCharCode(label.length) + label + this.cased;
    if (cased.length > MAX_NAME_LENGTH) throw new NameError(`name longer than ${MAX_NAME_LENGTH} octets`, label);
    return new Name(cased, foldCase(cased));
  }

  /** The leftmost label is `*` (RFC 4592 §2.1.1). */
  isWildcard(): boolean {
    return this.key.charCodeAt(0) === 1 && this.key.charCodeAt(1) === 0x2a;
  }

  equals(other: Name): boolean {
    return this.key === other.key;
  }

  /** True when this name is `ancestor` or below it. */
  isSubdomainOf(ancestor: Name): boolean {
    const a = ancestor.key;
    const k = this.key;
    if (a.length > k.length) return false;
    for (let i = 0; ; i += k.charCodeAt(i) + 1) {
      const rest = k.length - i;
      if (rest === a.length) return k.endsWith(a);
      if (rest < a.length || k.charCodeAt(i) === 0) return false;
    }
  }

  /** Presentation format, absolute, with escapes (RFC 1035 §5.1). */
  toString(): string {
    if (this.isRoot()) return '.';
    let out = '';
    for (const label of this.labels()) out += escapeLabel(label) + '.';
    return out;
  }

  /** Presentation format relative to `origin` (`@` for the origin itself); absolute when outside it. */
  toRelativeString(origin: Name): string {
    if (this.key === origin.key) return '@';
    if (!this.isSubdomainOf(origin)) return this.toString();
    const prefix = this.cased.slice(0, this.cased.length - origin.cased.length);
    const labels: string[] = [];
    for (let i = 0; i < prefix.length; i += prefix.charCodeAt(i) + 1) {
      labels.push(escapeLabel(prefix.slice(i + 1, i + 1 + prefix.charCodeAt(i))));
    }
    return labels.join('.');
  }
}

/** Escapes one latin1 label for presentation format. */
export function escapeLabel(label: string): string {
  let out = '';
  for (let i = 0; i < label.length; i++) {
    const ch = label[i]!;
    const c = label.charCodeAt(i);
    if (SPECIAL.has(ch)) out += '\\' + ch;
    else if (c <= 0x20 || c >= 0x7f) out += '\\' + String(c).padStart(3, '0');
    else out += ch;
  }
  return out;
}

/** ASCII stays as is; any other character becomes its UTF-8 octets (one latin1 char each). */
function charToLatin1(ch: string, _input: string): string {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return ch;
  let out = '';
  for (const b of new TextEncoder().encode(ch)) out += String.fromCharCode(b);
  return out;
}

/**
 * Returns the offset just past an uncompressed wire name starting at `offset` in a latin1 string,
 * or -1 when it is malformed (label too long, runs off the end, longer than 255 octets).
 */
export function wireNameEnd(wire: string, offset: number): number {
  let i = offset;
  for (;;) {
    if (i >= wire.length) return -1;
    const len = wire.charCodeAt(i);
    if (len === 0) break;
    if (len > MAX_LABEL_LENGTH) return -1;
    i += len + 1;
  }
  i += 1;
  return i - offset > MAX_NAME_LENGTH ? -1 : i;
}

/**
 * Canonical DNS name order (RFC 4034 §6.1): compare label by label from the right, each label
 * as lower-cased unsigned octets, a shorter label sorting first when it is a prefix of the other.
 */
export function canonicalCompare(a: Name, b: Name): number {
  if (a.key === b.key) return 0;
  const la = labelOffsets(a.key);
  const lb = labelOffsets(b.key);
  let i = la.length - 1;
  let j = lb.length - 1;
  for (; i >= 0 && j >= 0; i--, j--) {
    const oa = la[i]!;
    const ob = lb[j]!;
    const lenA = a.key.charCodeAt(oa);
    const lenB = b.key.charCodeAt(ob);
    const n = Math.min(lenA, lenB);
    for (let k = 1; k <= n; k++) {
      const d = a.key.charCodeAt(oa + k) - b.key.charCodeAt(ob + k);
      if (d !== 0) return d;
    }
    if (lenA !== lenB) return lenA - lenB;
  }
  return i < 0 ? (j < 0 ? 0 : -1) : 1;
}

function labelOffsets(wire: string): number[] {
  const out: number[] = [];
  for (let i = 0; wire.charCodeAt(i) !== 0; i += wire.charCodeAt(i) + 1) out.push(i);
  return out;
}

export function latin1ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function bytesToLatin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, Math.min(end, i + 4096))));
  }
  return s;
}
