import { Name, NameError, MAX_NAME_LENGTH, MAX_LABEL_LENGTH } from '../name';
import { typeFromString, typeToString } from '../constants';
import type { Token } from './codec';
import {
  abbreviate,
  decodeEscapes,
  fromBase32Hex,
  fromBase64,
  fromHex,
  quoteString,
  toBase32Hex,
  toBase64,
  toHex,
} from './text';

/**
 * The building blocks of rdata: each field knows its presentation format, its wire format, and
 * how far it reaches in uncompressed rdata. A record type is a list of fields (see types.ts).
 */

export type Fail = (message: string) => never;

export interface Field {
  /** Parses tokens from `i`, appends wire octets to `out`, returns the next token index. */
  parse(tokens: readonly Token[], i: number, origin: Name, out: number[], fail: Fail): number;
  /** Presentation text of the field at `pos` in uncompressed rdata, and where the next one starts. */
  format(rdata: Uint8Array, pos: number): [string, number];
  /**
   * Reads the field at `pos` of a whole message (rdata ends at `end`), appending uncompressed octets
   * to `out`; returns the position after it. Throws through `fail` when malformed.
   */
  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number;
  /** Offset after the field in uncompressed rdata. */
  skip(rdata: Uint8Array, pos: number): number;
  /** A domain name that RFC 3597 §4 lets an encoder compress. */
  readonly compressible?: boolean;
  readonly isName?: boolean;
}

function take(tokens: readonly Token[], i: number, what: string, fail: Fail): Token {
  const t = tokens[i];
  if (!t) fail(`missing ${what}`);
  return t!;
}

function readFixed(size: number, what: string) {
  return (msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number => {
    if (pos + size > end) fail(`rdata ends inside ${what}`);
    for (let k = 0; k < size; k++) out.push(msg[pos + k]!);
    return pos + size;
  };
}

function integer(size: 1 | 2 | 4, what: string): Field {
  const max = size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
  return {
    parse(tokens, i, _origin, out, fail) {
      const t = take(tokens, i, what, fail);
      if (t.quoted || !/^\d{1,10}$/.test(t.text) || Number(t.text) > max) {
        fail(`${what}: expected a number from 0 to ${max}, got "${abbreviate(t.text)}"`);
      }
      pushInt(out, Number(t.text), size);
      return i + 1;
    },
    format(rdata, pos) {
      return [String(readInt(rdata, pos, size)), pos + size];
    },
    read: readFixed(size, what),
    skip: (_rdata, pos) => pos + size,
  };
}

function pushInt(out: number[], v: number, size: number): void {
  for (let k = size - 1; k >= 0; k--) out.push(Math.floor(v / 2 ** (8 * k)) & 0xff);
}

function readInt(b: Uint8Array, pos: number, size: number): number {
  let v = 0;
  for (let k = 0; k < size; k++) v = v * 256 + b[pos + k]!;
  return v;
}

export const u8 = (what: string): Field => integer(1, what);
export const u16 = (what: string): Field => integer(2, what);
export const u32 = (what: string): Field => integer(4, what);

const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Parses a TTL: seconds, or BIND's units (`1h30m`, `2d`, `1w`). RFC 2181 §8 caps it at 2^31-1. */
export function parseTtl(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    return v <= 0x7fffffff ? v : undefined;
  }
  const m = text.toLowerCase().match(/^(\d+[smhdw])+$/);
  if (!m) return undefined;
  let total = 0;
  for (const part of text.toLowerCase().match(/\d+[smhdw]/g)!) total += Number(part.slice(0, -1)) * TTL_UNITS[part.slice(-1)]!;
  return total <= 0x7fffffff ? total : undefined;
}

/** A 32-bit time interval as SOA timers use: seconds or BIND units. */
export function interval(what: string): Field {
  const base = integer(4, what);
  return {
    ...base,
    parse(tokens, i, _origin, out, fail) {
      const t = take(tokens, i, what, fail);
      const v = t.quoted ? undefined : /^\d+$/.test(t.text) && Number(t.text) <= 0xffffffff ? Number(t.text) : parseTtl(t.text);
      if (v === undefined) fail(`${what}: expected a number or a duration like 1h, got "${abbreviate(t.text)}"`);
      pushInt(out, v!, 4);
      return i + 1;
    },
  };
}

/** A domain name; `compressible` only for the RFC 1035 types (RFC 3597 §4). */
export function name(what: string, compressible: boolean): Field {
  return {
    compressible,
    isName: true,
    parse(tokens, i, origin, out, fail) {
      const t = take(tokens, i, what, fail);
      let n: Name;
      try {
        n = Name.fromText(t.text, origin);
      } catch (err) {
        if (err instanceof NameError) fail(`${what}: ${err.message}`);
        throw err;
      }
      for (let k = 0; k < n!.cased.length; k++) out.push(n!.cased.charCodeAt(k));
      return i + 1;
    },
    format(rdata, pos) {
      const end = nameEnd(rdata, pos);
      return [Name.fromWire(rdata.subarray(pos, end)).toString(), end];
    },
    read(msg, pos, end, out, fail) {
      return readName(msg, pos, end, out, compressible, fail, what);
    },
    skip: (rdata, pos) => nameEnd(rdata, pos),
  };
}

function nameEnd(rdata: Uint8Array, pos: number): number {
  let i = pos;
  while (rdata[i] !== 0) i += rdata[i]! + 1;
  return i + 1;
}

/**
 * Reads a name from a message, following compression pointers when allowed (RFC 1035 §4.1.4):
 * each pointer must go backwards, which also rules out loops.
 */
export function readName(msg: Uint8Array, pos: number, end: number, out: number[], allowPointers: boolean, fail: Fail, what = 'name'): number {
  let i = pos;
  let after = -1;
  let length = 0;
  let limit = end;
  for (;;) {
    if (i >= limit) fail(`${what} runs past the rdata`);
    const len = msg[i]!;
    if ((len & 0xc0) === 0xc0) {
      if (!allowPointers) fail(`${what} is compressed, which its type does not allow (RFC 3597 §4)`);
      if (i + 1 >= limit) fail(`${what} has a truncated pointer`);
      const target = ((len & 0x3f) << 8) | msg[i + 1]!;
      if (after < 0) after = i + 2;
      if (target >= i) fail(`${what} has a pointer that does not point backwards`);
      i = target;
      limit = msg.length;
      continue;
    }
    if (len > MAX_LABEL_LENGTH) fail(`${what} has an unknown label type`);
    if (i + 1 + len > limit) fail(`${what} runs past the rdata`);
    length += len + 1;
    if (length + 1 > MAX_NAME_LENGTH) fail(`${what} is longer than 255 octets`);
    for (let k = 0; k <= len; k++) out.push(msg[i + k]!);
    if (len === 0) break;
    i += len + 1;
  }
  return after >= 0 ? after : i + 1;
}

export const ipv4: Field = {
  parse(tokens, i, _origin, out, fail) {
    const t = take(tokens, i, 'IPv4 address', fail);
    const bytes = parseIPv4(t.text);
    if (!bytes || t.quoted) fail(`"${abbreviate(t.text)}" is not an IPv4 address`);
    out.push(...bytes!);
    return i + 1;
  },
  format: (rdata, pos) => [`${rdata[pos]}.${rdata[pos + 1]}.${rdata[pos + 2]}.${rdata[pos + 3]}`, pos + 4],
  read: readFixed(4, 'an IPv4 address'),
  skip: (_r, pos) => pos + 4,
};

export function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    // Leading zeros are refused: some parsers read them as octal.
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out.push(Number(p));
  }
  return out;
}

export const ipv6: Field = {
  parse(tokens, i, _origin, out, fail) {
    const t = take(tokens, i, 'IPv6 address', fail);
    const bytes = parseIPv6(t.text);
    if (!bytes || t.quoted) fail(`"${abbreviate(t.text)}" is not an IPv6 address`);
    out.push(...bytes!);
    return i + 1;
  },
  format: (rdata, pos) => [formatIPv6(rdata, pos), pos + 16],
  read: readFixed(16, 'an IPv6 address'),
  skip: (_r, pos) => pos + 16,
};

export function parseIPv6(text: string): number[] | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let k = 0; k < pieces.length; k++) {
      const p = pieces[k]!;
      if (p.includes('.')) {
        // RFC 4291 §2.2: an IPv4 tail, only as the last piece.
        if (k !== pieces.length - 1) return undefined;
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  let all: number[];
  if (halves.length === 2) {
    if (head.length + tail.length > 7) return undefined;
    all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    all = head;
  }
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** RFC 5952 §4: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
export function formatIPv6(b: Uint8Array, pos: number): string {
  const g: number[] = [];
  for (let k = 0; k < 8; k++) g.push((b[pos + 2 * k]! << 8) | b[pos + 2 * k + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/**
 * A field of one length octet and then that many octets, written as one token: character-strings,
 * NSEC3 salts and hashes, CAA tags.
 */
function lengthPrefixed(
  what: string,
  minLength: number,
  toBytes: (text: string, fail: Fail) => number[],
  toText: (rdata: Uint8Array, start: number, end: number) => string,
): Field {
  return {
    parse(tokens, i, _origin, out, fail) {
      const bytes = toBytes(take(tokens, i, what, fail).text, (m) => fail(`${what}: ${m}`));
      if (bytes.length > 255) fail(`${what} holds at most 255 octets, got ${bytes.length}`);
      if (bytes.length < minLength) fail(`${what} must not be empty`);
      out.push(bytes.length, ...bytes);
      return i + 1;
    },
    format(rdata, pos) {
      const end = pos + 1 + rdata[pos]!;
      return [toText(rdata, pos + 1, end), end];
    },
    read(msg, pos, end, out, fail) {
      if (pos >= end || msg[pos]! < minLength || pos + 1 + msg[pos]! > end) fail(`${what} runs past the rdata`);
      return readFixed(1 + msg[pos]!, what)(msg, pos, end, out, fail);
    },
    skip: (rdata, pos) => pos + 1 + rdata[pos]!,
  };
}

/** One character-string (RFC 1035 §3.3): at most 255 octets, quoted or not. */
export function charString(what: string): Field {
  return lengthPrefixed(what, 0, decodeEscapes, quoteString);
}

/** One or more character-strings up to the end of the rdata (TXT). */
export function charStrings(what: string): Field {
  const one = charString(what);
  return {
    parse(tokens, i, origin, out, fail) {
      if (i >= tokens.length) fail(`missing ${what}`);
      let k = i;
      while (k < tokens.length) k = one.parse(tokens, k, origin, out, fail);
      return k;
    },
    format(rdata, pos) {
      const parts: string[] = [];
      let p = pos;
      while (p < rdata.length) {
        const [text, next] = one.format(rdata, p);
        parts.push(text);
        p = next;
      }
      return [parts.join(' '), p];
    },
    read(msg, pos, end, out, fail) {
      if (pos >= end) fail(`${what}: empty rdata`);
      let p = pos;
      while (p < end) p = one.read(msg, p, end, out, fail);
      return p;
    },
    skip: (rdata) => rdata.length,
  };
}

/** Octets to the end of the rdata, written as hex that may be split into several tokens. */
export function hexRest(what: string, allowEmpty: boolean): Field {
  return {
    parse(tokens, i, _origin, out, fail) {
      const text = tokens.slice(i).map((t) => t.text).join('');
      if (!allowEmpty && text.length === 0) fail(`missing ${what}`);
      out.push(...fromHex(text, (m) => fail(`${what}: ${m}`)));
      return tokens.length;
    },
    format: (rdata, pos) => [toHex(rdata, pos), rdata.length],
    read(msg, pos, end, out, fail) {
      if (!allowEmpty && pos >= end) fail(`missing ${what}`);
      return readFixed(end - pos, what)(msg, pos, end, out, fail);
    },
    skip: (rdata) => rdata.length,
  };
}

/** Octets to the end of the rdata in base64 (keys, signatures), possibly split into tokens. */
export function base64Rest(what: string): Field {
  return {
    parse(tokens, i, _origin, out, fail) {
      const text = tokens.slice(i).map((t) => t.text).join('');
      if (text.length === 0) fail(`missing ${what}`);
      out.push(...fromBase64(text, (m) => fail(`${what}: ${m}`)));
      return tokens.length;
    },
    format: (rdata, pos) => [toBase64(rdata, pos), rdata.length],
    read(msg, pos, end, out, fail) {
      if (pos >= end) fail(`missing ${what}`);
      return readFixed(end - pos, what)(msg, pos, end, out, fail);
    },
    skip: (rdata) => rdata.length,
  };
}

/** A record type as a mnemonic or TYPEnnn (RRSIG's type covered). */
export function typeField(what: string): Field {
  const base = integer(2, what);
  return {
    ...base,
    parse(tokens, i, _origin, out, fail) {
      const t = take(tokens, i, what, fail);
      const type = typeFromString(t.text);
      if (type === undefined) fail(`${what}: unknown type "${abbreviate(t.text)}"`);
      pushInt(out, type!, 2);
      return i + 1;
    },
    format: (rdata, pos) => [typeToString((rdata[pos]! << 8) | rdata[pos + 1]!), pos + 2],
  };
}

/**
 * RRSIG times (RFC 4034 §3.2): YYYYMMDDHHmmSS in UTC, or seconds since the epoch. The wire value is
 * the time modulo 2^32 (serial arithmetic, RFC 4034 §3.1.5).
 */
export function timeField(what: string): Field {
  const base = integer(4, what);
  return {
    ...base,
    parse(tokens, i, _origin, out, fail) {
      const t = take(tokens, i, what, fail);
      let v: number;
      const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(t.text);
      if (m) {
        const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
        v = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) / 1000;
        const back = new Date(v * 1000);
        if (back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d! || h! > 23 || mi! > 59 || s! > 59) fail(`${what}: "${t.text}" is not a valid time`);
        v = ((v % 2 ** 32) + 2 ** 32) % 2 ** 32;
      } else if (/^\d{1,10}$/.test(t.text) && Number(t.text) <= 0xffffffff) {
        v = Number(t.text);
      } else {
        fail(`${what}: expected YYYYMMDDHHmmSS or seconds, got "${abbreviate(t.text)}"`);
      }
      pushInt(out, v!, 4);
      return i + 1;
    },
    format(rdata, pos) {
      const v = readInt(rdata, pos, 4);
      const d = new Date(v * 1000);
      const p = (n: number, w = 2): string => String(n).padStart(w, '0');
      const text = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
      return [text, pos + 4];
    },
  };
}

/** The type bit map of NSEC and NSEC3 (RFC 4034 §4.1.2): windows of up to 32 octets, in order. */
export const typeBitmap: Field = {
  parse(tokens, i, _origin, out, fail) {
    const types = new Set<number>();
    for (let k = i; k < tokens.length; k++) {
      const type = typeFromString(tokens[k]!.text);
      if (type === undefined) fail(`type bit map: unknown type "${abbreviate(tokens[k]!.text)}"`);
      types.add(type!);
    }
    out.push(...encodeTypeBitmap([...types]));
    return tokens.length;
  },
  format(rdata, pos) {
    return [decodeTypeBitmap(rdata, pos, rdata.length).map(typeToString).join(' '), rdata.length];
  },
  read(msg, pos, end, out, fail) {
    let p = pos;
    let lastWindow = -1;
    while (p < end) {
      if (p + 2 > end) fail('type bit map: truncated window header');
      const window = msg[p]!;
      const len = msg[p + 1]!;
      if (window <= lastWindow) fail('type bit map: windows out of order');
      if (len < 1 || len > 32) fail(`type bit map: window length ${len} outside 1..32`);
      if (p + 2 + len > end) fail('type bit map: window runs past the rdata');
      lastWindow = window;
      p += 2 + len;
    }
    return readFixed(end - pos, 'type bit map')(msg, pos, end, out, fail);
  },
  skip: (rdata) => rdata.length,
};

export function encodeTypeBitmap(types: readonly number[]): number[] {
  const sorted = [...new Set(types)].sort((a, b) => a - b);
  const out: number[] = [];
  let k = 0;
  while (k < sorted.length) {
    const window = sorted[k]! >> 8;
    const bits = new Array<number>(32).fill(0);
    let used = 0;
    while (k < sorted.length && sorted[k]! >> 8 === window) {
      const low = sorted[k]! & 0xff;
      bits[low >> 3]! |= 0x80 >> (low & 7);
      used = (low >> 3) + 1;
      k++;
    }
    out.push(window, used, ...bits.slice(0, used));
  }
  return out;
}

export function decodeTypeBitmap(b: Uint8Array, pos: number, end: number): number[] {
  const types: number[] = [];
  let p = pos;
  while (p + 2 <= end) {
    const window = b[p]!;
    const len = b[p + 1]!;
    for (let i = 0; i < len; i++) {
      for (let bit = 0; bit < 8; bit++) if (b[p + 2 + i]! & (0x80 >> bit)) types.push(window * 256 + i * 8 + bit);
    }
    p += 2 + len;
  }
  return types;
}

/** NSEC3 salt (RFC 5155 §3.3): length octet and hex, `-` for none. */
export const salt: Field = lengthPrefixed(
  'salt',
  0,
  (text, fail) => (text === '-' ? [] : fromHex(text, fail)),
  (rdata, start, end) => (start === end ? '-' : toHex(rdata, start, end)),
);

/** NSEC3 next hashed owner name (RFC 5155 §3.3): length octet and base32hex. */
export const hashedOwner: Field = lengthPrefixed('next hashed owner name', 1, fromBase32Hex, toBase32Hex);

/** CAA tag (RFC 8659 §4.1): letters and digits, 1..255 octets, length-prefixed. */
export const caaTag: Field = lengthPrefixed(
  'tag',
  1,
  (text, fail) => (/^[A-Za-z0-9]+$/.test(text) ? Array.from(text, (c) => c.charCodeAt(0)) : fail(`"${abbreviate(text)}" must be letters and digits`)),
  (rdata, start, end) => String.fromCharCode(...rdata.subarray(start, end)),
);

/** CAA value (RFC 8659 §4.1.1): the rest of the rdata, written as one quoted string. */
export const caaValue: Field = {
  parse(tokens, i, _origin, out, fail) {
    const t = take(tokens, i, 'value', fail);
    if (i + 1 < tokens.length) fail('value must be one (quoted) string');
    out.push(...decodeEscapes(t.text, (m) => fail(`value: ${m}`)));
    return i + 1;
  },
  format: (rdata, pos) => [quoteString(rdata, pos), rdata.length],
  read: (msg, pos, end, out, fail) => readFixed(end - pos, 'value')(msg, pos, end, out, fail),
  skip: (rdata) => rdata.length,
};
