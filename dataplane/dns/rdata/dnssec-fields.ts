import type { Name } from '../name';
import { typeFromString, typeToString } from '../constants';
import type { Token } from './codec';
import { copyOctets, hexRest, LengthPrefixedField, plainToken, readUint, UintField, type Field } from './fields';
import { abbreviate, base32HexToBytes, hexToBytes, parseDecimal, toBase32Hex, toHex, type Fail } from './text';

/** Fields of the DNSSEC types: RRSIG (RFC 4034 §3), NSEC (§4), NSEC3 and NSEC3PARAM (RFC 5155). */

/** A record type as its mnemonic or TYPEnnn (RFC 3597 §5), two octets on the wire. */
class TypeField extends UintField {
  constructor(what: string) {
    super(2, what);
  }

  protected override valueOf(text: string, fail: Fail): number {
    const type = typeFromString(text);
    if (type === undefined) fail(`${this.what}: unknown type "${abbreviate(text)}"`);
    return type;
  }

  override format(rdata: Uint8Array, pos: number, parts: string[]): number {
    parts.push(typeToString((rdata[pos]! << 8) | rdata[pos + 1]!));
    return pos + 2;
  }
}

export const typeField = (what: string): Field => new TypeField(what);

const MAX_TIME = 0xffffffff;

/**
 * RRSIG expiration and inception (RFC 4034 §3.2): YYYYMMDDHHmmSS in UTC or seconds since the
 * epoch in text, 32-bit seconds on the wire. Times outside 1970..2106 have no 32-bit value that
 * reads back as the same text, so they are refused.
 */
class TimeField extends UintField {
  constructor(what: string) {
    super(4, what);
  }

  protected override valueOf(text: string, fail: Fail): number {
    // RFC 4034 §3.2: fourteen digits are always the calendar form.
    if (text.length !== 14) {
      const seconds = parseDecimal(text, MAX_TIME);
      if (seconds < 0) fail(`${this.what}: expected YYYYMMDDHHmmSS or seconds since 1970, got "${abbreviate(text)}"`);
      return seconds;
    }
    const year = digitsAt(text, 0, 4);
    const month = digitsAt(text, 4, 2);
    const day = digitsAt(text, 6, 2);
    const hour = digitsAt(text, 8, 2);
    const minute = digitsAt(text, 10, 2);
    const second = digitsAt(text, 12, 2);
    const valid =
      year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
    if (!valid) fail(`${this.what}: "${text}" is not a valid YYYYMMDDHHmmSS time`);
    const seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
    if (year < 1970 || seconds > MAX_TIME) fail(`${this.what}: "${text}" is outside 19700101000000..21060207062815`);
    return seconds;
  }

  // The RRSIGs of one signing share their inception, and their expirations fall within the
  // jitter (an hour or so): texts are kept by value, so a signed zone's millions of RRSIGs format
  // a few thousand times between them. Bounded: cleared when full.
  private readonly texts = new Map<number, string>();

  override format(rdata: Uint8Array, pos: number, parts: string[]): number {
    const value = readUint(rdata, pos, 4);
    let text = this.texts.get(value);
    if (text === undefined) {
      const d = new Date(value * 1000);
      text = String(d.getUTCFullYear()) + pad2(d.getUTCMonth() + 1) + pad2(d.getUTCDate()) + pad2(d.getUTCHours()) + pad2(d.getUTCMinutes()) + pad2(d.getUTCSeconds());
      if (this.texts.size >= 8192) this.texts.clear();
      this.texts.set(value, text);
    }
    parts.push(text);
    return pos + 4;
  }
}

/** The decimal of `count` digits at `start`, or -1. */
function digitsAt(text: string, start: number, count: number): number {
  let v = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export const timeField = (what: string): Field => new TimeField(what);

/**
 * The type bit map of NSEC and NSEC3 (RFC 4034 §4.1.2, RFC 5155 §3.2.1): the rest of the rdata,
 * a list of type mnemonics in text. May be empty (an NSEC3 for an empty non-terminal).
 */
class TypeBitmapField implements Field {
  readonly compressible = false;
  private readonly bits = new Uint8Array(32);

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    const types: number[] = [];
    for (let k = i; k < tokens.length; k++) {
      const text = plainToken(tokens, k, 'type bit map', fail);
      const type = typeFromString(text);
      if (type === undefined) fail(`type bit map: unknown type "${abbreviate(text)}"`);
      types.push(type);
    }
    types.sort(byNumber);
    this.encode(types, out);
    return tokens.length;
  }

  /** Appends the windows for sorted `types` (duplicates allowed). */
  private encode(types: readonly number[], out: number[]): void {
    const bits = this.bits;
    let k = 0;
    while (k < types.length) {
      const window = types[k]! >> 8;
      bits.fill(0);
      let used = 0;
      for (; k < types.length && types[k]! >> 8 === window; k++) {
        const low = types[k]! & 0xff;
        bits[low >> 3]! |= 0x80 >> (low & 7);
        used = (low >> 3) + 1;
      }
      // RFC 4034 §4.1.2: one window per block holding types, trailing zero octets left out.
      out.push(window, used);
      for (let b = 0; b < used; b++) out.push(bits[b]!);
    }
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    let text = '';
    for (let p = pos; p + 2 <= rdata.length; p += 2 + rdata[p + 1]!) {
      const base = rdata[p]! * 256;
      const len = rdata[p + 1]!;
      for (let i = 0; i < len; i++) {
        const octet = rdata[p + 2 + i]!;
        for (let bit = 0; bit < 8; bit++) {
          if (octet & (0x80 >> bit)) text += (text === '' ? '' : ' ') + typeToString(base + i * 8 + bit);
        }
      }
    }
    if (text !== '') parts.push(text);
    return rdata.length;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    let lastWindow = -1;
    for (let p = pos; p < end; ) {
      if (p + 2 > end) fail('type bit map: truncated window header');
      const window = msg[p]!;
      const len = msg[p + 1]!;
      // RFC 4034 §4.1.2: windows in increasing order, 1..32 octets, no trailing zero octet.
      if (window <= lastWindow) fail(`type bit map: window ${window} out of order or repeated`);
      if (len < 1 || len > 32) fail(`type bit map: window ${window} has length ${len}, outside 1..32`);
      if (p + 2 + len > end) fail(`type bit map: window ${window} runs past the rdata`);
      if (msg[p + 1 + len] === 0) fail(`type bit map: window ${window} ends with a zero octet`);
      lastWindow = window;
      p += 2 + len;
    }
    return copyOctets(msg, pos, end, end - pos, out, 'type bit map', fail);
  }

  skip(rdata: Uint8Array): number {
    return rdata.length;
  }
}

function byNumber(a: number, b: number): number {
  return a - b;
}

export const typeBitmap: Field = new TypeBitmapField();

/** NSEC3 salt (RFC 5155 §3.3): length octet and hex, `-` for no salt. */
class SaltField extends LengthPrefixedField {
  constructor() {
    super('salt', 0, false);
  }

  protected encode(text: string, out: number[], fail: Fail): void {
    if (text !== '-') hexToBytes(text, out, this.what, fail);
  }

  protected decode(rdata: Uint8Array, start: number, end: number): string {
    return start === end ? '-' : toHex(rdata, start, end);
  }
}

/** NSEC3 next hashed owner name (RFC 5155 §3.3): length octet, base32hex without padding. */
class HashedOwnerField extends LengthPrefixedField {
  constructor() {
    super('next hashed owner name', 1, false);
  }

  protected encode(text: string, out: number[], fail: Fail): void {
    base32HexToBytes(text, out, this.what, fail);
  }

  protected decode(rdata: Uint8Array, start: number, end: number): string {
    return toBase32Hex(rdata, start, end);
  }
}

export const salt: Field = new SaltField();
export const hashedOwner: Field = new HashedOwnerField();

/** RFC 8976 §2.2.4: digest lengths of the defined hash algorithms, and the shortest of any. */
const ZONEMD_DIGEST_LENGTHS: ReadonlyMap<number, number> = new Map([
  [1, 48], // SHA-384
  [2, 64], // SHA-512
]);
const ZONEMD_MIN_DIGEST = 12;

/** The ZONEMD digest: hex to the end, its length checked against the hash algorithm just before it. */
class ZonemdDigestField implements Field {
  readonly compressible = false;
  private readonly hex = hexRest('digest');

  private check(length: number, algorithm: number, fail: Fail): void {
    const want = ZONEMD_DIGEST_LENGTHS.get(algorithm);
    if (want !== undefined && length !== want) fail(`digest of hash algorithm ${algorithm} must be ${want} octets, got ${length} (RFC 8976 §2.2.4)`);
    if (length < ZONEMD_MIN_DIGEST) fail(`digest must be at least ${ZONEMD_MIN_DIGEST} octets, got ${length} (RFC 8976 §2.2.4)`);
  }

  parse(tokens: readonly Token[], i: number, origin: Name, out: number[], fail: Fail): number {
    const start = out.length;
    const next = this.hex.parse(tokens, i, origin, out, fail);
    this.check(out.length - start, out[start - 1]!, fail);
    return next;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    return this.hex.format(rdata, pos, parts);
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    this.check(end - pos, msg[pos - 1]!, fail);
    return this.hex.read(msg, pos, end, out, fail);
  }

  skip(rdata: Uint8Array): number {
    return rdata.length;
  }
}

export const zonemdDigest: Field = new ZonemdDigestField();
