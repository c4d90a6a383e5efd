import { Name, NameError, MAX_NAME_LENGTH, bytesToLatin1, escapeLabel } from '../name';
import type { Token } from './codec';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './address';
import {
  abbreviate,
  base64ToBytes,
  decodeEscapes,
  hexToBytes,
  parseDecimal,
  quoteString,
  toBase64,
  toHex,
  type Fail,
} from './text';

export type { Fail } from './text';

/**
 * The building blocks of rdata. Each field knows its presentation format, its wire format, and
 * how far it reaches in uncompressed rdata; a record type is a list of fields (types.ts).
 * Fields are made once, when the type table is built, and hold no per-record state.
 */
export interface Field {
  /** Parses tokens from `i`, appends wire octets to `out`, returns the next token index. */
  parse(tokens: readonly Token[], i: number, origin: Name, out: number[], fail: Fail): number;
  /** Pushes the text of the field at `pos` of valid uncompressed rdata (nothing when it has none); returns where the next field starts. */
  format(rdata: Uint8Array, pos: number, parts: string[]): number;
  /**
   * Reads the field at `pos` of a whole message (the rdata ends at `end`), checks it, appends its
   * uncompressed octets to `out` and returns the position after it.
   */
  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number;
  /** The offset after the field in valid uncompressed rdata. */
  skip(rdata: Uint8Array, pos: number): number;
  /** A domain name that an encoder may compress (RFC 3597 §4: only in RFC 1035 types). */
  readonly compressible: boolean;
}

/** The token at `i`, which must exist and, unless the field is a string, must not be quoted. */
export function plainToken(tokens: readonly Token[], i: number, what: string, fail: Fail): string {
  const t = tokens[i];
  if (t === undefined) fail(`missing ${what}`);
  if (t.quoted) fail(`${what} must not be quoted, got "${abbreviate(t.text)}"`);
  return t.text;
}

/** All tokens from `i` joined: hex and base64 may be split by spaces (RFC 4034 §2.2, §5.3). */
function joinRest(tokens: readonly Token[], i: number, what: string, fail: Fail): string {
  let text = '';
  for (let k = i; k < tokens.length; k++) text += plainToken(tokens, k, what, fail);
  return text;
}

/** Copies `size` octets from the message, failing when they run past the rdata. */
export function copyOctets(msg: Uint8Array, pos: number, end: number, size: number, out: number[], what: string, fail: Fail): number {
  if (pos + size > end) fail(`rdata ends inside ${what}`);
  for (let k = 0; k < size; k++) out.push(msg[pos + k]!);
  return pos + size;
}

export function readUint(b: Uint8Array, pos: number, size: number): number {
  let v = 0;
  for (let k = 0; k < size; k++) v = v * 256 + b[pos + k]!;
  return v;
}

export function pushUint(out: number[], v: number, size: number): void {
  for (let k = size - 1; k >= 0; k--) out.push(Math.floor(v / 2 ** (8 * k)) & 0xff);
}

/** An unsigned integer of 1, 2 or 4 octets in network order (RFC 1035 §2.3.2), decimal in text. */
export class UintField implements Field {
  readonly compressible = false;
  protected readonly max: number;

  constructor(
    protected readonly size: 1 | 2 | 4,
    protected readonly what: string,
  ) {
    this.max = 2 ** (8 * size) - 1;
  }

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    const text = plainToken(tokens, i, this.what, fail);
    pushUint(out, this.valueOf(text, fail), this.size);
    return i + 1;
  }

  /** The numeric value of the field's text; subclasses accept other notations. */
  protected valueOf(text: string, fail: Fail): number {
    const v = parseDecimal(text, this.max);
    if (v < 0) fail(`${this.what}: expected a number from 0 to ${this.max}, got "${abbreviate(text)}"`);
    return v;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    parts.push(String(readUint(rdata, pos, this.size)));
    return pos + this.size;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    return copyOctets(msg, pos, end, this.size, out, this.what, fail);
  }

  skip(_rdata: Uint8Array, pos: number): number {
    return pos + this.size;
  }
}

export const u8 = (what: string): Field => new UintField(1, what);
export const u16 = (what: string): Field => new UintField(2, what);
export const u32 = (what: string): Field => new UintField(4, what);

const TTL_UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Parses a TTL: plain seconds, or the unit notation master-file readers accept (`1h30m`, `2d`,
 * `1w`). Undefined when malformed or above 2^31-1 (RFC 2181 §8).
 */
export function parseTtl(text: string): number | undefined {
  const plain = parseDecimal(text, 0x7fffffff);
  if (plain >= 0) return plain;
  if (text.length === 0) return undefined;
  let total = 0;
  let value = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      value = (value < 0 ? 0 : value) * 10 + (c - 0x30);
      if (value > 0x7fffffff) return undefined;
      continue;
    }
    const unit = TTL_UNIT_SECONDS[String.fromCharCode(c | 0x20)];
    if (unit === undefined || value < 0) return undefined;
    total += value * unit;
    value = -1;
  }
  if (value >= 0 || total > 0x7fffffff) return undefined;
  return total;
}

/** A 32-bit interval, as SOA timers are written: seconds or units like `1h` (see parseTtl). */
class IntervalField extends UintField {
  constructor(what: string) {
    super(4, what);
  }

  protected override valueOf(text: string, fail: Fail): number {
    const v = parseDecimal(text, this.max);
    if (v >= 0) return v;
    const ttl = parseTtl(text);
    if (ttl === undefined) fail(`${this.what}: expected a number or a duration like 1h, got "${abbreviate(text)}"`);
    return ttl;
  }
}

export const interval = (what: string): Field => new IntervalField(what);

/**
 * A domain name, held uncompressed in its original case. `compressible` only for the names of
 * RFC 1035 types (RFC 3597 §4); the others must arrive uncompressed too, except where
 * `acceptPointers` says a reader decompresses them anyway (RFC 3597 §4: RP, AFSDB, RT, SIG, PX,
 * NXT were once compressed by senders).
 */
class NameField implements Field {
  constructor(
    private readonly what: string,
    readonly compressible: boolean,
    private readonly acceptPointers: boolean = compressible,
  ) {}

  parse(tokens: readonly Token[], i: number, origin: Name, out: number[], fail: Fail): number {
    const text = plainToken(tokens, i, this.what, fail);
    let name: Name;
    try {
      name = Name.fromText(text, origin);
    } catch (err) {
      if (err instanceof NameError) fail(`${this.what}: ${err.message}`);
      throw err;
    }
    const wire = name.cased;
    for (let k = 0; k < wire.length; k++) out.push(wire.charCodeAt(k));
    return i + 1;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    let text = '';
    let i = pos;
    for (let len = rdata[i]!; len !== 0; len = rdata[i]!) {
      text += formatLabel(rdata, i + 1, i + 1 + len) + '.';
      i += len + 1;
    }
    parts.push(text === '' ? '.' : text);
    return i + 1;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    return readName(msg, pos, end, out, this.acceptPointers, this.what, fail);
  }

  skip(rdata: Uint8Array, pos: number): number {
    return nameEnd(rdata, pos);
  }
}

export const name = (what: string, compressible: boolean): Field => new NameField(what, compressible);
/** A name never compressed by us but decompressed when it arrives compressed (RFC 3597 §4, last paragraph). */
export const nameDecompressed = (what: string): Field => new NameField(what, false, true);

/** One label in presentation form; escaping is left to name.ts unless the label plainly needs none. */
function formatLabel(b: Uint8Array, start: number, end: number): string {
  let plain = '';
  for (let k = start; k < end; k++) {
    const c = b[k]!;
    const l = c | 0x20;
    if (!((l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f || c === 0x2a)) {
      return escapeLabel(bytesToLatin1(b, start, end));
    }
    plain += String.fromCharCode(c);
  }
  return plain;
}

/** The offset after the uncompressed name at `pos` of valid rdata. */
export function nameEnd(rdata: Uint8Array, pos: number): number {
  let i = pos;
  while (rdata[i] !== 0) i += rdata[i]! + 1;
  return i + 1;
}

/**
 * Reads the name at `pos` of a message whose rdata ends at `end`, appending it uncompressed to
 * `out`; returns the position after it in the message. With `allowPointers`, follows compression
 * pointers (RFC 1035 §4.1.4), each of which must point before the start of the labels it ends:
 * the starts then strictly decrease, so no chain of pointers can loop.
 */
export function readName(msg: Uint8Array, pos: number, end: number, out: number[], allowPointers: boolean, what: string, fail: Fail): number {
  let i = pos;
  let segmentStart = pos;
  let after = -1;
  let limit = end;
  let length = 0;
  for (;;) {
    if (i >= limit) fail(`${what} runs past the rdata`);
    const len = msg[i]!;
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (!allowPointers) fail(`${what} is compressed, which its type does not allow (RFC 3597 §4)`);
      if (i + 1 >= limit) fail(`${what} has a truncated compression pointer`);
      const target = ((len & 0x3f) << 8) | msg[i + 1]!;
      if (target >= segmentStart) fail(`${what} has a compression pointer that does not point backwards`);
      if (after < 0) after = i + 2;
      i = segmentStart = target;
      limit = msg.length;
      continue;
    }
    // RFC 1035 §4.1.4: the 01 and 10 prefixes are reserved (RFC 6891 §5 retired extended labels).
    if (kind !== 0) fail(`${what} has an unknown label type 0x${len.toString(16)}`);
    if (i + 1 + len > limit) fail(`${what} runs past the rdata`);
    length += len + 1;
    // RFC 1035 §2.3.4: 255 octets at most, root label included.
    if (length > MAX_NAME_LENGTH) fail(`${what} is longer than ${MAX_NAME_LENGTH} octets`);
    for (let k = 0; k <= len; k++) out.push(msg[i + k]!);
    if (len === 0) break;
    i += len + 1;
  }
  return after >= 0 ? after : i + 1;
}

/**
 * An address of fixed size: IPv4 (A, RFC 1035 §3.4.1) or IPv6 (AAAA, RFC 3596 §2.2, written in
 * the RFC 5952 form).
 */
class AddressField implements Field {
  readonly compressible = false;

  constructor(
    private readonly size: 4 | 16,
    private readonly what: string,
    private readonly rule: string,
    private readonly parseText: (text: string, out: number[]) => boolean,
    private readonly formatBytes: (rdata: Uint8Array, pos: number) => string,
  ) {}

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    const text = plainToken(tokens, i, this.what, fail);
    if (!this.parseText(text, out)) fail(`"${abbreviate(text)}" is not an ${this.what}${this.rule}`);
    return i + 1;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    parts.push(this.formatBytes(rdata, pos));
    return pos + this.size;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    return copyOctets(msg, pos, end, this.size, out, `an ${this.what}`, fail);
  }

  skip(_rdata: Uint8Array, pos: number): number {
    return pos + this.size;
  }
}

export const ipv4: Field = new AddressField(4, 'IPv4 address', ' (four decimals 0..255, no leading zeros)', (text, out) => parseIPv4(text, out), formatIPv4);
export const ipv6: Field = new AddressField(16, 'IPv6 address', '', (text, out) => parseIPv6(text, out), formatIPv6);

/**
 * One length octet and then that many octets, written as one token: character-strings
 * (RFC 1035 §3.3), NSEC3 salts and hashes (RFC 5155 §3.3), CAA tags (RFC 8659 §4.1).
 */
export abstract class LengthPrefixedField implements Field {
  readonly compressible = false;

  constructor(
    protected readonly what: string,
    private readonly minLength: number,
    private readonly quotable: boolean,
  ) {}

  /** Appends the octets that `text` (a raw token) stands for. */
  protected abstract encode(text: string, out: number[], fail: Fail): void;
  /** The text of the octets in [start, end). */
  protected abstract decode(rdata: Uint8Array, start: number, end: number): string;
  /** Checks octets that arrived in wire form; the default accepts any. */
  protected checkWire(_msg: Uint8Array, _start: number, _end: number, _fail: Fail): void {}

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    const token = tokens[i];
    if (token === undefined) fail(`missing ${this.what}`);
    if (token.quoted && !this.quotable) fail(`${this.what} must not be quoted, got "${abbreviate(token.text)}"`);
    const lengthAt = out.length;
    out.push(0);
    this.encode(token.text, out, fail);
    const length = out.length - lengthAt - 1;
    if (length > 255) fail(`${this.what} holds at most 255 octets, got ${length}`);
    if (length < this.minLength) fail(`${this.what} must not be empty`);
    out[lengthAt] = length;
    return i + 1;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    const end = pos + 1 + rdata[pos]!;
    parts.push(this.decode(rdata, pos + 1, end));
    return end;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    if (pos >= end) fail(`missing ${this.what}: the rdata ends before it`);
    const length = msg[pos]!;
    if (length < this.minLength) fail(`${this.what} must not be empty`);
    if (pos + 1 + length > end) fail(`${this.what} runs past the rdata`);
    this.checkWire(msg, pos + 1, pos + 1 + length, fail);
    return copyOctets(msg, pos, end, 1 + length, out, this.what, fail);
  }

  skip(rdata: Uint8Array, pos: number): number {
    return pos + 1 + rdata[pos]!;
  }
}

/** A character-string (RFC 1035 §3.3, §5.1): up to 255 octets, quoted or not, with escapes. */
class CharStringField extends LengthPrefixedField {
  constructor(what: string) {
    super(what, 0, true);
  }

  protected encode(text: string, out: number[], fail: Fail): void {
    decodeEscapes(text, out, this.what, fail);
  }

  protected decode(rdata: Uint8Array, start: number, end: number): string {
    return quoteString(rdata, start, end);
  }
}

export const charString = (what: string): Field => new CharStringField(what);

/** One or more character-strings filling the rest of the rdata (TXT, RFC 1035 §3.3.14). */
class CharStringsField implements Field {
  readonly compressible = false;
  private readonly one: CharStringField;

  constructor(private readonly what: string) {
    this.one = new CharStringField(what);
  }

  parse(tokens: readonly Token[], i: number, origin: Name, out: number[], fail: Fail): number {
    if (i >= tokens.length) fail(`missing ${this.what}`);
    let k = i;
    while (k < tokens.length) k = this.one.parse(tokens, k, origin, out, fail);
    return k;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    let p = pos;
    while (p < rdata.length) p = this.one.format(rdata, p, parts);
    return p;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    if (pos >= end) fail(`missing ${this.what}: the rdata holds no character-string`);
    let p = pos;
    while (p < end) p = this.one.read(msg, p, end, out, fail);
    return p;
  }

  skip(rdata: Uint8Array): number {
    return rdata.length;
  }
}

export const charStrings = (what: string): Field => new CharStringsField(what);

/** Octets filling the rest of the rdata, in an encoding whose text may be split into tokens. */
abstract class RestField implements Field {
  readonly compressible = false;

  constructor(protected readonly what: string) {}

  protected abstract encode(text: string, out: number[], fail: Fail): void;
  protected abstract decode(rdata: Uint8Array, start: number): string;

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    const text = joinRest(tokens, i, this.what, fail);
    if (text.length === 0) fail(`missing ${this.what}`);
    this.encode(text, out, fail);
    return tokens.length;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    parts.push(this.decode(rdata, pos));
    return rdata.length;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    if (pos >= end) fail(`missing ${this.what}`);
    return copyOctets(msg, pos, end, end - pos, out, this.what, fail);
  }

  skip(rdata: Uint8Array): number {
    return rdata.length;
  }
}

/** Hex to the end of the rdata: DS digests (RFC 4034 §5.3), TLSA data, SSHFP fingerprints. */
class HexRestField extends RestField {
  protected encode(text: string, out: number[], fail: Fail): void {
    hexToBytes(text, out, this.what, fail);
  }

  protected decode(rdata: Uint8Array, start: number): string {
    return toHex(rdata, start);
  }
}

/** Base64 to the end of the rdata: keys and signatures (RFC 4034 §2.2, §3.2). */
class Base64RestField extends RestField {
  protected encode(text: string, out: number[], fail: Fail): void {
    base64ToBytes(text, out, this.what, fail);
  }

  protected decode(rdata: Uint8Array, start: number): string {
    return toBase64(rdata, start);
  }
}

export const hexRest = (what: string): Field => new HexRestField(what);
export const base64Rest = (what: string): Field => new Base64RestField(what);

/** CAA tag (RFC 8659 §4.1): 1..255 ASCII letters and digits, an unquoted token. */
class CaaTagField extends LengthPrefixedField {
  constructor() {
    super('tag', 1, false);
  }

  protected encode(text: string, out: number[], fail: Fail): void {
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (!isAlnum(c)) fail(`tag "${abbreviate(text)}" must be letters and digits only (RFC 8659 §4.1)`);
      out.push(c);
    }
  }

  protected decode(rdata: Uint8Array, start: number, end: number): string {
    return bytesToLatin1(rdata, start, end);
  }

  protected override checkWire(msg: Uint8Array, start: number, end: number, fail: Fail): void {
    for (let k = start; k < end; k++) if (!isAlnum(msg[k]!)) fail('tag must be letters and digits only (RFC 8659 §4.1)');
  }
}

function isAlnum(c: number): boolean {
  const l = c | 0x20;
  return (c >= 0x30 && c <= 0x39) || (l >= 0x61 && l <= 0x7a);
}

/**
 * CAA value (RFC 8659 §4.1.1): the rest of the rdata, no length octet; one token in text, quoted
 * or not, always written quoted.
 */
class CaaValueField implements Field {
  readonly compressible = false;

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    const token = tokens[i];
    if (token === undefined) fail('missing value');
    if (i + 1 < tokens.length) fail('value must be a single token; quote it if it holds spaces');
    decodeEscapes(token.text, out, 'value', fail);
    return i + 1;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    parts.push(quoteString(rdata, pos));
    return rdata.length;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    return copyOctets(msg, pos, end, end - pos, out, 'value', fail);
  }

  skip(rdata: Uint8Array): number {
    return rdata.length;
  }
}

export const caaTag: Field = new CaaTagField();
export const caaValue: Field = new CaaValueField();

/** A field that may be left out at the end of the rdata (ISDN's subaddress, RFC 1183 §3.2). */
class OptionalField implements Field {
  readonly compressible: boolean;

  constructor(private readonly field: Field) {
    this.compressible = field.compressible;
  }

  parse(tokens: readonly Token[], i: number, origin: Name, out: number[], fail: Fail): number {
    return i < tokens.length ? this.field.parse(tokens, i, origin, out, fail) : i;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    return pos < rdata.length ? this.field.format(rdata, pos, parts) : pos;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    return pos < end ? this.field.read(msg, pos, end, out, fail) : pos;
  }

  skip(rdata: Uint8Array, pos: number): number {
    return pos < rdata.length ? this.field.skip(rdata, pos) : pos;
  }
}

export const optional = (field: Field): Field => new OptionalField(field);

/**
 * URI target (RFC 7553 §4.5): the rest of the rdata, no length octet; in text one quoted string
 * (BIND refuses it unquoted, so we do too), printed quoted.
 */
class UriTargetField implements Field {
  readonly compressible = false;

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    const token = tokens[i];
    if (token === undefined) fail('missing target');
    if (!token.quoted) fail(`target must be a quoted string (RFC 7553 §4.5), got ${abbreviate(token.text)}`);
    decodeEscapes(token.text, out, 'target', fail);
    return i + 1;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    parts.push(quoteString(rdata, pos));
    return rdata.length;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    return copyOctets(msg, pos, end, end - pos, out, 'target', fail);
  }

  skip(rdata: Uint8Array): number {
    return rdata.length;
  }
}

export const uriTarget: Field = new UriTargetField();
