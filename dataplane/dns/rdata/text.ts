/**
 * Presentation-format helpers shared by the rdata fields: escapes (RFC 1035 §5.1), base64
 * (RFC 4648 §4), base32hex (RFC 4648 §7) and hex.
 */

/**
 * Decodes the escapes of a raw token into octets: `\DDD` is one octet, `\X` is X. Other characters
 * are written as UTF-8, so text typed into a manifest keeps its meaning.
 * Returns undefined with a reason through `onError` when an escape is malformed.
 */
export function decodeEscapes(text: string, fail: (msg: string) => never): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      const next = text.charCodeAt(i + 1);
      if (Number.isNaN(next)) fail('dangling backslash');
      if (next >= 0x30 && next <= 0x39) {
        const digits = text.slice(i + 1, i + 4);
        if (!/^\d{3}$/.test(digits)) fail(`escape \\${digits} needs three digits`);
        const v = Number(digits);
        if (v > 255) fail(`escape \\${digits} is above 255`);
        out.push(v);
        i += 3;
      } else {
        i += 1;
        pushUtf8(out, text.codePointAt(i)!);
        if (text.codePointAt(i)! > 0xffff) i++;
      }
    } else {
      const cp = text.codePointAt(i)!;
      pushUtf8(out, cp);
      if (cp > 0xffff) i++;
    }
  }
  return out;
}

function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/** Quotes octets as a character-string: printable ASCII as is, `"` and `\` escaped, the rest \DDD. */
export function quoteString(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '"';
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0x22 || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c < 0x20 || c > 0x7e) out += '\\' + String(c).padStart(3, '0');
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

const HEX = '0123456789ABCDEF';

export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  for (let i = start; i < end; i++) out += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 0xf]!;
  return out;
}

export function fromHex(text: string, fail: (msg: string) => never): number[] {
  if (text.length % 2 !== 0) fail(`hex "${abbreviate(text)}" has an odd number of digits`);
  const out: number[] = new Array(text.length / 2);
  for (let i = 0; i < text.length; i += 2) {
    const hi = hexDigit(text.charCodeAt(i));
    const lo = hexDigit(text.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) fail(`"${abbreviate(text)}" is not hex`);
    out[i / 2] = (hi << 4) | lo;
  }
  return out;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function toBase64(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  for (let i = start; i < end; i += 3) {
    const n = (bytes[i]! << 16) | ((i + 1 < end ? bytes[i + 1]! : 0) << 8) | (i + 2 < end ? bytes[i + 2]! : 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    out += i + 1 < end ? B64[(n >> 6) & 63]! : '=';
    out += i + 2 < end ? B64[n & 63]! : '=';
  }
  return out;
}

/** Strict base64 (RFC 4648 §4): padding required, no stray characters. */
export function fromBase64(text: string, fail: (msg: string) => never): number[] {
  if (text.length % 4 !== 0) fail(`base64 "${abbreviate(text)}" length is not a multiple of 4`);
  const out: number[] = [];
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
      if (v < 0 || pad > 0) fail(`"${abbreviate(text)}" is not base64`);
      n = (n << 6) | v;
    }
    out.push((n >> 16) & 0xff);
    if (pad < 2) out.push((n >> 8) & 0xff);
    if (pad < 1) out.push(n & 0xff);
  }
  return out;
}

const B32 = '0123456789ABCDEFGHIJKLMNOPQRSTUV';

/** base32hex without padding, as NSEC3 writes hashed owner names (RFC 5155 §3.3). */
export function toBase32Hex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = start; i < end; i++) {
    value = (value << 8) | bytes[i]!;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31]!;
  return out;
}

export function fromBase32Hex(text: string, fail: (msg: string) => never): number[] {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text.toUpperCase()) {
    const v = B32.indexOf(ch);
    if (v < 0) fail(`"${abbreviate(text)}" is not base32hex`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
      value &= (1 << bits) - 1;
    }
  }
  // RFC 4648 §6: leftover bits must be zero padding of less than a byte.
  if (bits >= 5 || value !== 0) fail(`"${abbreviate(text)}" has trailing base32hex bits`);
  return out;
}

export function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
