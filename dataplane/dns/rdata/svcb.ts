import type { Field, Fail } from './fields';
import { formatIPv6, parseIPv4, parseIPv6 } from './fields';
import { decodeEscapes, fromBase64, quoteString, toBase64, abbreviate } from './text';

/**
 * SvcParams of SVCB and HTTPS records (RFC 9460 §2.1, §7): `key=value` pairs in any order in
 * text, sorted by key number on the wire, each key at most once.
 */

const KEY_NAMES = ['mandatory', 'alpn', 'no-default-alpn', 'port', 'ipv4hint', 'ech', 'ipv6hint'];

function keyNumber(text: string, fail: Fail): number {
  const known = KEY_NAMES.indexOf(text);
  if (known >= 0) return known;
  const m = /^key(\d{1,5})$/.exec(text);
  if (!m || Number(m[1]) > 65535) fail(`unknown SvcParamKey "${abbreviate(text)}"`);
  // RFC 9460 §14.3.2: key65535 is reserved.
  if (Number(m![1]) === 65535) fail('SvcParamKey 65535 is reserved');
  return Number(m![1]);
}

function keyName(key: number): string {
  return KEY_NAMES[key] ?? `key${key}`;
}

/**
 * Splits a value list on commas; a comma or backslash preceded by a backslash is literal
 * (RFC 9460 Appendix A.1, applied after character-string escapes are decoded).
 */
function splitList(bytes: number[]): number[][] {
  const items: number[][] = [[]];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x5c && i + 1 < bytes.length) items[items.length - 1]!.push(bytes[++i]!);
    else if (b === 0x2c) items.push([]);
    else items[items.length - 1]!.push(b);
  }
  return items;
}

function ascii(bytes: number[]): string {
  return String.fromCharCode(...bytes);
}

function encodeValue(key: number, raw: string | undefined, fail: Fail): number[] {
  const bytes = raw === undefined ? [] : decodeEscapes(raw, (m) => fail(`${keyName(key)}: ${m}`));
  const list = (): string[] => splitList(bytes).map(ascii);
  switch (key) {
    case 0: {
      // mandatory: key names, sorted, no duplicates, never "mandatory" itself (RFC 9460 §8).
      const keys = list().map((k) => keyNumber(k, fail));
      if (keys.includes(0)) fail('mandatory must not list itself');
      const sorted = [...new Set(keys)].sort((a, b) => a - b);
      if (sorted.length !== keys.length) fail('mandatory lists a key twice');
      return sorted.flatMap((k) => [k >> 8, k & 0xff]);
    }
    case 1: {
      const ids = splitList(bytes);
      if (ids.some((id) => id.length === 0 || id.length > 255)) fail('alpn: each protocol id is 1..255 octets');
      return ids.flatMap((id) => [id.length, ...id]);
    }
    case 2:
      if (raw !== undefined) fail('no-default-alpn takes no value');
      return [];
    case 3: {
      const text = ascii(bytes);
      if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) fail(`port "${abbreviate(text)}" is not a number 0..65535`);
      return [Number(text) >> 8, Number(text) & 0xff];
    }
    case 4:
      return list().flatMap((a) => parseIPv4(a) ?? fail(`ipv4hint: "${abbreviate(a)}" is not an IPv4 address`));
    case 5:
      return fromBase64(ascii(bytes), (m) => fail(`ech: ${m}`));
    case 6:
      return list().flatMap((a) => parseIPv6(a) ?? fail(`ipv6hint: "${abbreviate(a)}" is not an IPv6 address`));
    default:
      return bytes;
  }
}

function formatValue(key: number, v: Uint8Array): string | undefined {
  switch (key) {
    case 0: {
      const keys: string[] = [];
      for (let i = 0; i + 1 < v.length; i += 2) keys.push(keyName((v[i]! << 8) | v[i + 1]!));
      return keys.join(',');
    }
    case 1: {
      const ids: string[] = [];
      for (let i = 0; i < v.length; i += 1 + v[i]!) {
        // Escape list separators inside an id; quoteString escapes the backslash once more.
        let id = '';
        for (const b of v.subarray(i + 1, i + 1 + v[i]!)) id += b === 0x2c || b === 0x5c ? `\\${String.fromCharCode(b)}` : String.fromCharCode(b);
        ids.push(id);
      }
      return quoteString(Uint8Array.from(ids.join(','), (c) => c.charCodeAt(0)));
    }
    case 2:
      return undefined;
    case 3:
      return String((v[0]! << 8) | v[1]!);
    case 4: {
      const out: string[] = [];
      for (let i = 0; i < v.length; i += 4) out.push(`${v[i]}.${v[i + 1]}.${v[i + 2]}.${v[i + 3]}`);
      return out.join(',');
    }
    case 5:
      return toBase64(v);
    case 6: {
      const out: string[] = [];
      for (let i = 0; i < v.length; i += 16) out.push(formatIPv6(v, i));
      return out.join(',');
    }
    default:
      return quoteString(v);
  }
}

/** Checks the value of one key in wire form (RFC 9460 §7). */
function checkWireValue(key: number, v: Uint8Array, fail: Fail): void {
  const ok = ((): boolean => {
    switch (key) {
      case 0:
        if (v.length === 0 || v.length % 2 !== 0) return false;
        for (let i = 2; i < v.length; i += 2) if (((v[i]! << 8) | v[i + 1]!) <= ((v[i - 2]! << 8) | v[i - 1]!)) return false;
        return true;
      case 1: {
        if (v.length === 0) return false;
        let i = 0;
        while (i < v.length) {
          if (v[i] === 0) return false;
          i += 1 + v[i]!;
        }
        return i === v.length;
      }
      case 2:
        return v.length === 0;
      case 3:
        return v.length === 2;
      case 4:
        return v.length > 0 && v.length % 4 === 0;
      case 6:
        return v.length > 0 && v.length % 16 === 0;
      default:
        return true;
    }
  })();
  if (!ok) fail(`malformed value for SvcParamKey ${keyName(key)}`);
}

export const svcParams: Field = {
  parse(tokens, i, _origin, out, fail) {
    const params = new Map<number, number[]>();
    for (let k = i; k < tokens.length; k++) {
      const t = tokens[k]!;
      const eq = t.text.indexOf('=');
      let keyText = eq < 0 ? t.text : t.text.slice(0, eq);
      let value: string | undefined = eq < 0 ? undefined : t.text.slice(eq + 1);
      // `key="quoted value"` arrives as `key=` followed by a quoted token.
      if (value === '' && k + 1 < tokens.length && tokens[k + 1]!.quoted) value = tokens[++k]!.text;
      keyText = keyText.toLowerCase();
      const key = keyNumber(keyText, fail);
      if (params.has(key)) fail(`SvcParamKey ${keyText} appears twice`);
      if (value === '' && key !== 2) value = '';
      params.set(key, encodeValue(key, value, fail));
    }
    const keys = [...params.keys()].sort((a, b) => a - b);
    const mandatory = params.get(0);
    if (mandatory) {
      for (let m = 0; m < mandatory.length; m += 2) {
        const needed = (mandatory[m]! << 8) | mandatory[m + 1]!;
        if (!params.has(needed)) fail(`mandatory lists ${keyName(needed)}, which is not present`);
      }
    }
    for (const key of keys) {
      const v = params.get(key)!;
      if (v.length > 65535) fail(`value of ${keyName(key)} is too long`);
      checkWireValue(key, Uint8Array.from(v), fail);
      out.push(key >> 8, key & 0xff, v.length >> 8, v.length & 0xff, ...v);
    }
    return tokens.length;
  },
  format(rdata, pos) {
    const parts: string[] = [];
    let p = pos;
    while (p + 4 <= rdata.length) {
      const key = (rdata[p]! << 8) | rdata[p + 1]!;
      const len = (rdata[p + 2]! << 8) | rdata[p + 3]!;
      const value = formatValue(key, rdata.subarray(p + 4, p + 4 + len));
      parts.push(value === undefined ? keyName(key) : `${keyName(key)}=${value}`);
      p += 4 + len;
    }
    return [parts.join(' '), rdata.length];
  },
  read(msg, pos, end, out, fail) {
    let p = pos;
    let last = -1;
    while (p < end) {
      if (p + 4 > end) fail('SvcParam header runs past the rdata');
      const key = (msg[p]! << 8) | msg[p + 1]!;
      const len = (msg[p + 2]! << 8) | msg[p + 3]!;
      // RFC 9460 §2.2: keys in strictly increasing order.
      if (key <= last) fail('SvcParamKeys out of order or repeated');
      if (p + 4 + len > end) fail(`value of ${keyName(key)} runs past the rdata`);
      checkWireValue(key, msg.subarray(p + 4, p + 4 + len), fail);
      last = key;
      p += 4 + len;
    }
    for (let k = pos; k < end; k++) out.push(msg[k]!);
    return end;
  },
  skip: (rdata) => rdata.length,
};
