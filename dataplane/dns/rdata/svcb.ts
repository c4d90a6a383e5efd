import type { Name } from '../name';
import type { Token } from './codec';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './address';
import { copyOctets, type Field } from './fields';
import { abbreviate, base64ToBytes, decodeEscapes, parseDecimal, quoteString, toBase64, type Fail } from './text';

/**
 * The SvcParams of SVCB and HTTPS (RFC 9460 §2.1, §7): `key=value` pairs in any order in text,
 * sorted by key number on the wire, each key at most once. Text is checked for self-consistency
 * (§2.4.3, a SHOULD for zone files); wire data only for its structure, so that a zone transfer
 * is not refused over a record a client would merely ignore.
 */

const MANDATORY = 0;
const ALPN = 1;
const NO_DEFAULT_ALPN = 2;
const PORT = 3;
const IPV4HINT = 4;
const ECH = 5;
const IPV6HINT = 6;
/** RFC 9460 §14.3.2: key65535 is reserved ("invalid key"). */
const INVALID_KEY = 65535;

const KEY_NAMES: readonly string[] = ['mandatory', 'alpn', 'no-default-alpn', 'port', 'ipv4hint', 'ech', 'ipv6hint'];

function keyFromText(text: string, fail: Fail): number {
  const known = KEY_NAMES.indexOf(text);
  if (known >= 0) return known;
  // RFC 9460 §2.1: any key may be written keyNNNNN.
  const number = text.startsWith('key') ? parseDecimal(text.slice(3), 0xffff) : -1;
  if (number < 0) fail(`unknown SvcParamKey "${abbreviate(text)}"`);
  if (number === INVALID_KEY) fail('SvcParamKey key65535 is reserved (RFC 9460 §14.3.2)');
  return number;
}

function keyName(key: number): string {
  return KEY_NAMES[key] ?? `key${key}`;
}

/**
 * Splits a decoded value into the items of a value-list (RFC 9460 Appendix A.1): items are
 * separated by commas, and `\,` or `\\` stands for a literal comma or backslash inside one.
 */
function splitValueList(bytes: readonly number[], key: number, fail: Fail): number[][] {
  const items: number[][] = [];
  let item: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x5c) {
      if (i + 1 >= bytes.length) fail(`${keyName(key)}: value ends with a lone backslash`);
      item.push(bytes[++i]!);
    } else if (b === 0x2c) {
      items.push(item);
      item = [];
    } else {
      item.push(b);
    }
  }
  items.push(item);
  for (const it of items) if (it.length === 0) fail(`${keyName(key)}: empty item in the value list`);
  return items;
}

function ascii(bytes: readonly number[]): string {
  return String.fromCharCode(...bytes);
}

/** Appends the wire value of `key` written as `raw` (undefined when there was no `=`). */
function encodeValue(key: number, raw: string | undefined, out: number[], fail: Fail): void {
  const bytes: number[] = [];
  if (raw !== undefined) decodeEscapes(raw, bytes, keyName(key), fail);
  const needsValue = key === MANDATORY || key === ALPN || key === PORT || key === IPV4HINT || key === IPV6HINT;
  if (needsValue && bytes.length === 0) fail(`${keyName(key)} needs a value (RFC 9460 §7)`);
  switch (key) {
    case MANDATORY: {
      // RFC 9460 §8: a list of keys, never "mandatory" itself, no repeats; sorted on the wire.
      const keys = splitValueList(bytes, key, fail).map((item) => keyFromText(ascii(item), fail));
      if (keys.includes(MANDATORY)) fail('mandatory must not list itself (RFC 9460 §8)');
      keys.sort(byNumber);
      for (let k = 0; k < keys.length; k++) {
        if (k > 0 && keys[k] === keys[k - 1]) fail(`mandatory lists ${keyName(keys[k]!)} twice (RFC 9460 §8)`);
        out.push(keys[k]! >> 8, keys[k]! & 0xff);
      }
      return;
    }
    case ALPN:
      // RFC 9460 §7.1.1: each alpn-id is a length octet and 1..255 octets.
      for (const id of splitValueList(bytes, key, fail)) {
        if (id.length > 255) fail(`alpn: protocol id longer than 255 octets`);
        out.push(id.length, ...id);
      }
      return;
    case NO_DEFAULT_ALPN:
      // RFC 9460 §7.1.1: the value MUST be empty.
      if (bytes.length !== 0) fail('no-default-alpn takes no value (RFC 9460 §7.1.1)');
      return;
    case PORT: {
      const port = parseDecimal(ascii(bytes), 0xffff);
      if (port < 0) fail(`port "${abbreviate(ascii(bytes))}" is not a number from 0 to 65535`);
      out.push(port >> 8, port & 0xff);
      return;
    }
    case IPV4HINT:
      for (const item of splitValueList(bytes, key, fail)) {
        if (!parseIPv4(ascii(item), out)) fail(`ipv4hint: "${abbreviate(ascii(item))}" is not an IPv4 address`);
      }
      return;
    case ECH:
      base64ToBytes(ascii(bytes), out, 'ech', fail);
      return;
    case IPV6HINT:
      for (const item of splitValueList(bytes, key, fail)) {
        if (!parseIPv6(ascii(item), out)) fail(`ipv6hint: "${abbreviate(ascii(item))}" is not an IPv6 address`);
      }
      return;
    default:
      // RFC 9460 §2.1: other keys hold their octets as a character-string.
      for (const b of bytes) out.push(b);
  }
}

function byNumber(a: number, b: number): number {
  return a - b;
}

/** The presentation value of a key whose non-empty wire value is in [start, end). */
function formatValue(key: number, v: Uint8Array, start: number, end: number): string {
  switch (key) {
    case MANDATORY: {
      let out = '';
      for (let i = start; i < end; i += 2) out += (i > start ? ',' : '') + keyName((v[i]! << 8) | v[i + 1]!);
      return out;
    }
    case ALPN: {
      // Escape list separators inside each id; quoteString then escapes those backslashes once more.
      const chars: number[] = [];
      for (let i = start; i < end; i += 1 + v[i]!) {
        if (i > start) chars.push(0x2c);
        for (let k = i + 1; k <= i + v[i]!; k++) {
          if (v[k] === 0x2c || v[k] === 0x5c) chars.push(0x5c);
          chars.push(v[k]!);
        }
      }
      return quoteString(Uint8Array.from(chars));
    }
    case PORT:
      return String((v[start]! << 8) | v[start + 1]!);
    case IPV4HINT: {
      let out = '';
      for (let i = start; i < end; i += 4) out += (i > start ? ',' : '') + formatIPv4(v, i);
      return out;
    }
    case ECH:
      return toBase64(v, start, end);
    case IPV6HINT: {
      let out = '';
      for (let i = start; i < end; i += 16) out += (i > start ? ',' : '') + formatIPv6(v, i);
      return out;
    }
    default:
      return quoteString(v, start, end);
  }
}

/** Checks the wire value of one key (RFC 9460 §7, §8); returns a problem or undefined. */
function wireValueProblem(key: number, v: Uint8Array, start: number, end: number): string | undefined {
  const length = end - start;
  switch (key) {
    case MANDATORY:
      if (length === 0 || length % 2 !== 0) return 'mandatory must hold one or more two-octet keys';
      for (let i = start; i < end; i += 2) {
        const listed = (v[i]! << 8) | v[i + 1]!;
        if (listed === MANDATORY) return 'mandatory must not list itself (RFC 9460 §8)';
        if (i > start && listed <= ((v[i - 2]! << 8) | v[i - 1]!)) return 'mandatory keys must be in increasing order (RFC 9460 §8)';
      }
      return undefined;
    case ALPN: {
      if (length === 0) return 'alpn must hold one or more protocol ids';
      let i = start;
      while (i < end) {
        if (v[i] === 0) return 'alpn holds an empty protocol id';
        i += 1 + v[i]!;
      }
      return i === end ? undefined : 'alpn protocol id runs past its value';
    }
    case NO_DEFAULT_ALPN:
      return length === 0 ? undefined : 'no-default-alpn must have an empty value';
    case PORT:
      return length === 2 ? undefined : 'port must be two octets';
    case IPV4HINT:
      return length > 0 && length % 4 === 0 ? undefined : 'ipv4hint must hold one or more 4-octet addresses';
    case IPV6HINT:
      return length > 0 && length % 16 === 0 ? undefined : 'ipv6hint must hold one or more 16-octet addresses';
    default:
      return key === INVALID_KEY ? 'SvcParamKey 65535 is reserved (RFC 9460 §14.3.2)' : undefined;
  }
}

class SvcParamsField implements Field {
  readonly compressible = false;

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    const params: Array<{ key: number; value: number[] }> = [];
    const seen = new Set<number>();
    for (let k = i; k < tokens.length; k++) {
      const text = tokens[k]!.text;
      const eq = text.indexOf('=');
      const key = keyFromText((eq < 0 ? text : text.slice(0, eq)).toLowerCase(), fail);
      let raw = eq < 0 ? undefined : text.slice(eq + 1);
      // `key= "quoted value"` arrives as `key=` and then a quoted token.
      if (raw === '' && k + 1 < tokens.length && tokens[k + 1]!.quoted) raw = tokens[++k]!.text;
      // RFC 9460 §2.2: each key at most once.
      if (seen.has(key)) fail(`SvcParamKey ${keyName(key)} appears twice (RFC 9460 §2.2)`);
      seen.add(key);
      const value: number[] = [];
      encodeValue(key, raw, value, fail);
      if (value.length > 0xffff) fail(`value of ${keyName(key)} is longer than 65535 octets`);
      params.push({ key, value });
    }
    checkConsistency(params, seen, fail);
    // RFC 9460 §2.2: on the wire, SvcParams in strictly increasing key order.
    params.sort(byKey);
    for (const { key, value } of params) {
      out.push(key >> 8, key & 0xff, value.length >> 8, value.length & 0xff);
      for (const b of value) out.push(b);
    }
    return tokens.length;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    for (let p = pos; p + 4 <= rdata.length; ) {
      const key = (rdata[p]! << 8) | rdata[p + 1]!;
      const end = p + 4 + ((rdata[p + 2]! << 8) | rdata[p + 3]!);
      parts.push(end === p + 4 ? keyName(key) : `${keyName(key)}=${formatValue(key, rdata, p + 4, end)}`);
      p = end;
    }
    return rdata.length;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    let last = -1;
    for (let p = pos; p < end; ) {
      if (p + 4 > end) fail('SvcParam header runs past the rdata');
      const key = (msg[p]! << 8) | msg[p + 1]!;
      const valueEnd = p + 4 + ((msg[p + 2]! << 8) | msg[p + 3]!);
      // RFC 9460 §2.2: keys in strictly increasing order.
      if (key <= last) fail(`SvcParamKey ${keyName(key)} out of order or repeated (RFC 9460 §2.2)`);
      if (valueEnd > end) fail(`value of ${keyName(key)} runs past the rdata`);
      const problem = wireValueProblem(key, msg, p + 4, valueEnd);
      if (problem !== undefined) fail(problem);
      last = key;
      p = valueEnd;
    }
    return copyOctets(msg, pos, end, end - pos, out, 'SvcParams', fail);
  }

  skip(rdata: Uint8Array): number {
    return rdata.length;
  }
}

function byKey(a: { key: number }, b: { key: number }): number {
  return a.key - b.key;
}

/** RFC 9460 §2.4.3 self-consistency of the params of one record given in text. */
function checkConsistency(params: ReadonlyArray<{ key: number; value: number[] }>, present: ReadonlySet<number>, fail: Fail): void {
  const mandatory = params.find((p) => p.key === MANDATORY);
  if (mandatory) {
    // RFC 9460 §8: every key that mandatory lists must be present.
    for (let m = 0; m < mandatory.value.length; m += 2) {
      const listed = (mandatory.value[m]! << 8) | mandatory.value[m + 1]!;
      if (!present.has(listed)) fail(`mandatory lists ${keyName(listed)}, which is not present (RFC 9460 §8)`);
    }
  }
  // RFC 9460 §7.1.1: no-default-alpn only makes sense next to alpn.
  if (present.has(NO_DEFAULT_ALPN) && !present.has(ALPN)) fail('no-default-alpn needs alpn (RFC 9460 §7.1.1)');
}

export const svcParams: Field = new SvcParamsField();
