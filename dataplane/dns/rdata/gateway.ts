import type { Name } from '../name';
import type { Token } from './codec';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './address';
import { copyOctets, name as nameField, nameEnd, plainToken, pushUint, readName, readUint, type Field } from './fields';
import { abbreviate, base64ToBytes, hexToBytes, parseDecimal, toBase64, toHex, type Fail } from './text';

/**
 * Fields whose form depends on an earlier octet: the gateway of IPSECKEY (RFC 4025 §2.5) and the
 * relay of AMTRELAY (RFC 8777 §4.2.3), both none (`.`), IPv4, IPv6 or an uncompressed name by a
 * type octet; and the whole of HIP (RFC 8005 §5), whose lengths come before the data they count.
 */

const GATEWAY_NONE = 0;
const GATEWAY_IPV4 = 1;
const GATEWAY_IPV6 = 2;
const GATEWAY_NAME = 3;

const anyName = nameField('gateway', false);

/**
 * The gateway; its type is in the octet `back` positions before it, under `mask`. Fields run in
 * order, so that octet is already in `out` when parsing and in the rdata when reading.
 */
class GatewayField implements Field {
  readonly compressible = false;

  constructor(
    private readonly back: number,
    private readonly mask: number,
    private readonly rfc: string,
  ) {}

  parse(tokens: readonly Token[], i: number, origin: Name, out: number[], fail: Fail): number {
    const type = out[out.length - this.back]! & this.mask;
    const text = plainToken(tokens, i, 'gateway', fail);
    switch (type) {
      case GATEWAY_NONE:
        if (text !== '.') fail(`gateway type 0 means no gateway, written ".", got "${abbreviate(text)}" (${this.rfc})`);
        return i + 1;
      case GATEWAY_IPV4:
        if (!parseIPv4(text, out)) fail(`gateway type 1 needs an IPv4 address, got "${abbreviate(text)}"`);
        return i + 1;
      case GATEWAY_IPV6:
        if (!parseIPv6(text, out)) fail(`gateway type 2 needs an IPv6 address, got "${abbreviate(text)}"`);
        return i + 1;
      case GATEWAY_NAME:
        return anyName.parse(tokens, i, origin, out, fail);
      default:
        return fail(`gateway type ${type} is not 0..3 (${this.rfc})`);
    }
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    switch (rdata[pos - this.back]! & this.mask) {
      case GATEWAY_NONE:
        parts.push('.');
        return pos;
      case GATEWAY_IPV4:
        parts.push(formatIPv4(rdata, pos));
        return pos + 4;
      case GATEWAY_IPV6:
        parts.push(formatIPv6(rdata, pos));
        return pos + 16;
      default:
        return anyName.format(rdata, pos, parts);
    }
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    const type = msg[pos - this.back]! & this.mask;
    switch (type) {
      case GATEWAY_NONE:
        return pos;
      case GATEWAY_IPV4:
        return copyOctets(msg, pos, end, 4, out, 'IPv4 gateway', fail);
      case GATEWAY_IPV6:
        return copyOctets(msg, pos, end, 16, out, 'IPv6 gateway', fail);
      case GATEWAY_NAME:
        return readName(msg, pos, end, out, false, 'gateway', fail);
      default:
        return fail(`gateway type ${type} is not 0..3 (${this.rfc})`);
    }
  }

  skip(rdata: Uint8Array, pos: number): number {
    const type = rdata[pos - this.back]! & this.mask;
    return type === GATEWAY_NONE ? pos : type === GATEWAY_IPV4 ? pos + 4 : type === GATEWAY_IPV6 ? pos + 16 : nameEnd(rdata, pos);
  }
}

/** IPSECKEY: precedence, gateway type, algorithm, then the gateway (type two octets back). */
export const ipseckeyGateway: Field = new GatewayField(2, 0xff, 'RFC 4025 §2.3');
/** AMTRELAY: precedence, then D bit and type in one octet, then the relay. */
export const amtRelay: Field = new GatewayField(1, 0x7f, 'RFC 8777 §4.2.3');

/** AMTRELAY's discovery-optional bit and relay type (RFC 8777 §4.3): two tokens, one octet. */
class DiscoveryAndTypeField implements Field {
  readonly compressible = false;

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    const d = parseDecimal(plainToken(tokens, i, 'discovery-optional bit', fail), 1);
    if (d < 0) fail(`discovery-optional bit must be 0 or 1, got "${abbreviate(tokens[i]!.text)}"`);
    const type = parseDecimal(plainToken(tokens, i + 1, 'relay type', fail), 3);
    if (type < 0) fail(`relay type must be from 0 to 3, got "${abbreviate(tokens[i + 1]!.text)}"`);
    out.push((d << 7) | type);
    return i + 2;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    parts.push(String(rdata[pos]! >> 7), String(rdata[pos]! & 0x7f));
    return pos + 1;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    return copyOctets(msg, pos, end, 1, out, 'relay type', fail);
  }

  skip(_rdata: Uint8Array, pos: number): number {
    return pos + 1;
  }
}

export const discoveryAndType: Field = new DiscoveryAndTypeField();

/**
 * HIP (RFC 8005 §5): text `algorithm HIT public-key [rendezvous-server …]`, wire HIT length,
 * algorithm, public key length, HIT, public key, servers. The servers are names that are never
 * compressed (RFC 8005 §5).
 */
class HipField implements Field {
  readonly compressible = false;

  parse(tokens: readonly Token[], i: number, origin: Name, out: number[], fail: Fail): number {
    const algorithm = parseDecimal(plainToken(tokens, i, 'PK algorithm', fail), 255);
    if (algorithm < 0) fail(`PK algorithm: expected a number from 0 to 255, got "${abbreviate(tokens[i]!.text)}"`);
    const hit: number[] = [];
    hexToBytes(plainToken(tokens, i + 1, 'HIT', fail), hit, 'HIT', fail);
    if (hit.length === 0 || hit.length > 255) fail('HIT must be 1 to 255 octets');
    const key: number[] = [];
    base64ToBytes(plainToken(tokens, i + 2, 'public key', fail), key, 'public key', fail);
    if (key.length === 0 || key.length > 0xffff) fail('public key must be 1 to 65535 octets');
    out.push(hit.length, algorithm);
    pushUint(out, key.length, 2);
    for (const b of hit) out.push(b);
    for (const b of key) out.push(b);
    let k = i + 3;
    while (k < tokens.length) k = anyServer.parse(tokens, k, origin, out, fail);
    return k;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    const hitLength = rdata[pos]!;
    const keyLength = readUint(rdata, pos + 2, 2);
    const hitStart = pos + 4;
    const keyStart = hitStart + hitLength;
    parts.push(String(rdata[pos + 1]), toHex(rdata, hitStart, keyStart), toBase64(rdata, keyStart, keyStart + keyLength));
    let p = keyStart + keyLength;
    while (p < rdata.length) p = anyServer.format(rdata, p, parts);
    return p;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    if (pos + 4 > end) fail('rdata ends inside the HIP header');
    const hitLength = msg[pos]!;
    const keyLength = readUint(msg, pos + 2, 2);
    if (hitLength === 0) fail('HIT must not be empty');
    if (keyLength === 0) fail('public key must not be empty');
    let p = copyOctets(msg, pos, end, 4 + hitLength + keyLength, out, 'HIT and public key', fail);
    while (p < end) p = readName(msg, p, end, out, false, 'rendezvous server', fail);
    return p;
  }

  skip(rdata: Uint8Array): number {
    return rdata.length;
  }
}

const anyServer = nameField('rendezvous server', false);

export const hip: Field = new HipField();
