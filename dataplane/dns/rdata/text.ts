/**
 * Presentation-format helpers shared by the rdata fields: decimal numbers, character-string
 * escapes (RFC 1035 §5.1), hex, base64 (RFC 4648 §4) and base32hex (RFC 4648 §7).
 *
 * Decoders append octets to `out` and report problems through `fail`, prefixed with `what` (the
 * field being read). They take `what` instead of a wrapping closure so that parsing a zone of a
 * million records allocates no function per field.
 */

/** Throws; a codec passes one that turns `message` into an RdataError naming the type. */
export type Fail = (message: string) => never;

/**
 * An unsigned decimal of 1 to 10 digits whose value is at most `max`, or -1. Leading zeros are
 * accepted, as every master-file reader does.
 */
export function parseDecimal(text: string, max: number): number {
  const n = text.length;
  if (n === 0 || n > 10) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= max ? v : -1;
}

/**
 * Decodes a raw token into octets, appended to `out`: `\DDD` is the octet DDD and `\X` is X
 * (RFC 1035 §5.1). Characters above U+007F become their UTF-8 octets, so text typed into a
 * manifest keeps its meaning.
 */
export function decodeEscapes(text: string, out: number[], what: string, fail: Fail): void {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c === 0x5c) {
      if (i + 1 >= n) fail(`${what}: dangling backslash in "${abbreviate(text)}"`);
      const d1 = text.charCodeAt(i + 1) - 0x30;
      if (d1 >= 0 && d1 <= 9) {
        // RFC 1035 §5.1: \DDD, exactly three decimal digits, one octet.
        const d2 = text.charCodeAt(i + 2) - 0x30;
        const d3 = text.charCodeAt(i + 3) - 0x30;
        if (!(d2 >= 0 && d2 <= 9 && d3 >= 0 && d3 <= 9)) fail(`${what}: escape "\\${text.slice(i + 1, i + 4)}" needs three digits`);
        const v = d1 * 100 + d2 * 10 + d3;
        if (v > 255) fail(`${what}: escape "\\${text.slice(i + 1, i + 4)}" is above 255`);
        out.push(v);
        i += 3;
        continue;
      }
      i += 1;
      c = text.charCodeAt(i);
    }
    if (c < 0x80) {
      out.push(c);
    } else {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) i++;
      pushUtf8(out, cp);
    }
  }
}

function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/**
 * A character-string in quotes: printable ASCII as is, `"` and `\` escaped with a backslash,
 * every other octet as \DDD (RFC 1035 §5.1), so the text reads back to the same octets.
 */
export function quoteString(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '"';
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0x22 || c === 0x5c) out += c === 0x22 ? '\\"' : '\\\\';
    else if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
    else out += c < 10 ? `\\00${c}` : c < 100 ? `\\0${c}` : `\\${c}`;
  }
  return out + '"';
}

const HEX = '0123456789ABCDEF';

export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  for (let i = start; i < end; i++) out += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 0xf]!;
  return out;
}

/** Hex digits (either case), an even number of them, appended to `out` as octets. */
export function hexToBytes(text: string, out: number[], what: string, fail: Fail): void {
  if (text.length % 2 !== 0) fail(`${what}: hex "${abbreviate(text)}" has an odd number of digits`);
  for (let i = 0; i < text.length; i += 2) {
    const hi = hexDigit(text.charCodeAt(i));
    const lo = hexDigit(text.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) fail(`${what}: "${abbreviate(text)}" is not hex`);
    out.push((hi << 4) | lo);
  }
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/**
 * Base64 (RFC 4648 §4) of `bytes[start, end)`. Node's own encoder: a signed zone's text holds
 * millions of signatures, and one made a character at a time cost several times as much.
 */
export function toBase64(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('base64');
}

/**
 * Strict base64 (RFC 4648 §4): whole quanta, `=` padding only at the end, and the bits that
 * padding leaves over must be zero (§3.5), so that every accepted text has one encoding.
 */
export function base64ToBytes(text: string, out: number[], what: string, fail: Fail): void {
  if (text.length % 4 !== 0) fail(`${what}: base64 "${abbreviate(text)}" length is not a multiple of 4`);
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    let n = 0;
    let pad = 0;
    for (let k = 0; k < 4; k++) {
      const ch = text.charCodeAt(i + k);
      if (ch === 0x3d && last && k >= 2) {
        pad++;
        n <<= 6;
        continue;
      }
      const v = ch < 128 ? B64_INDEX[ch]! : -1;
      if (v < 0 || pad > 0) fail(`${what}: "${abbreviate(text)}" is not base64`);
      n = (n << 6) | v;
    }
    if ((pad === 2 && (n & 0xffff) !== 0) || (pad === 1 && (n & 0xff) !== 0)) fail(`${what}: base64 "${abbreviate(text)}" has non-zero padding bits`);
    out.push((n >> 16) & 0xff);
    if (pad < 2) out.push((n >> 8) & 0xff);
    if (pad < 1) out.push(n & 0xff);
  }
}

const B32 = '0123456789ABCDEFGHIJKLMNOPQRSTUV';

/** base32hex without padding, as NSEC3 writes hashed owner names (RFC 5155 §3.3). */
export function toBase32Hex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = start; i < end; i++) {
    value = ((value << 8) | bytes[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31]!;
  return out;
}

/** base32hex (RFC 4648 §7), either case, no padding; leftover bits must be zero. */
export function base32HexToBytes(text: string, out: number[], what: string, fail: Fail): void {
  let bits = 0;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20; // fold letters to lower case
    const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x76 ? c - 0x57 : -1;
    if (v < 0) fail(`${what}: "${abbreviate(text)}" is not base32hex`);
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  // RFC 4648 §6: what is left must be fewer than 5 bits (a partial quantum), all zero.
  if (bits >= 5 || (value & ((1 << bits) - 1)) !== 0) fail(`${what}: "${abbreviate(text)}" has trailing base32hex bits`);
}

/** Shortens user input quoted in an error message. */
export function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
