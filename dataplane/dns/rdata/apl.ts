import type { Name } from '../name';
import type { Token } from './codec';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './address';
import { copyOctets, plainToken, pushUint, readUint, type Field } from './fields';
import { abbreviate, parseDecimal, type Fail } from './text';

/**
 * APL (RFC 3123 §4): zero or more items filling the rdata, each `[!]afi:address/prefix` in text;
 * on the wire ADDRESSFAMILY (16 bits), PREFIX, N and AFDLENGTH, and the address without its
 * trailing zero octets. Address families 1 (IPv4) and 2 (IPv6) are the ones with a text form
 * (RFC 3123 §4.1, §4.2); others are refused, as BIND does. Bits beyond the prefix are kept as
 * written, as BIND keeps them.
 */

interface Family {
  readonly size: 4 | 16;
  readonly parse: (text: string, out: number[]) => boolean;
  readonly format: (b: Uint8Array, pos: number) => string;
}

const FAMILIES: ReadonlyMap<number, Family> = new Map<number, Family>([
  [1, { size: 4, parse: (text, out) => parseIPv4(text, out), format: formatIPv4 }],
  [2, { size: 16, parse: (text, out) => parseIPv6(text, out), format: formatIPv6 }],
]);

const ITEM = /^(!?)(\d{1,5}):([^/]*)\/(\d{1,3})$/;

class AplField implements Field {
  readonly compressible = false;

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    for (let k = i; k < tokens.length; k++) {
      const text = plainToken(tokens, k, 'APL item', fail);
      const m = ITEM.exec(text);
      if (!m) fail(`"${abbreviate(text)}" is not an APL item [!]afi:address/prefix (RFC 3123 §5)`);
      const afi = parseDecimal(m[2]!, 0xffff);
      const family = FAMILIES.get(afi);
      if (family === undefined) fail(`"${abbreviate(text)}": address family ${m[2]} has no text form; only 1 (IPv4) and 2 (IPv6)`);
      const address: number[] = [];
      if (!family.parse(m[3]!, address)) fail(`"${abbreviate(text)}": "${abbreviate(m[3]!)}" is not an IPv${family.size === 4 ? 4 : 6} address`);
      const prefix = parseDecimal(m[4]!, family.size * 8);
      if (prefix < 0) fail(`"${abbreviate(text)}": prefix must be from 0 to ${family.size * 8}`);
      // RFC 3123 §4: the address part is sent without its trailing zero octets.
      let length = family.size;
      while (length > 0 && address[length - 1] === 0) length--;
      pushUint(out, afi, 2);
      out.push(prefix, (m[1] === '!' ? 0x80 : 0) | length);
      for (let b = 0; b < length; b++) out.push(address[b]!);
    }
    return tokens.length;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    let p = pos;
    while (p < rdata.length) {
      const afi = readUint(rdata, p, 2);
      const family = FAMILIES.get(afi)!;
      const length = rdata[p + 3]! & 0x7f;
      const padded = new Uint8Array(family.size);
      padded.set(rdata.subarray(p + 4, p + 4 + length));
      parts.push(`${rdata[p + 3]! & 0x80 ? '!' : ''}${afi}:${family.format(padded, 0)}/${rdata[p + 2]}`);
      p += 4 + length;
    }
    return p;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    for (let p = pos; p < end; ) {
      if (p + 4 > end) fail('APL item header runs past the rdata');
      const afi = readUint(msg, p, 2);
      const family = FAMILIES.get(afi);
      if (family === undefined) fail(`address family ${afi} has no text form; only 1 (IPv4) and 2 (IPv6)`);
      const length = msg[p + 3]! & 0x7f;
      if (msg[p + 2]! > family.size * 8) fail(`prefix ${msg[p + 2]} is longer than ${family.size * 8}`);
      if (length > family.size) fail(`address part of ${length} octets is longer than ${family.size}`);
      if (p + 4 + length > end) fail('APL address part runs past the rdata');
      // RFC 3123 §4: trailing zero octets are left out, so a last octet of zero is malformed.
      if (length > 0 && msg[p + 3 + length] === 0) fail('APL address part ends with a zero octet (RFC 3123 §4)');
      p += 4 + length;
    }
    return copyOctets(msg, pos, end, end - pos, out, 'APL items', fail);
  }

  skip(rdata: Uint8Array): number {
    return rdata.length;
  }
}

export const aplItems: Field = new AplField();
