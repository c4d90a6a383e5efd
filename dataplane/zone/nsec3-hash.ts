import * as crypto from 'node:crypto';
import { bytesToLatin1, latin1ToBytes, type Name } from '../dns/name';

/**
 * The NSEC3 hash of a name (RFC 5155 §5), shared by the answer code (zone/dnssec.ts), which looks
 * up the NSEC3 that matches or covers a query name, and the signer (dnssec/nsec3.ts), which builds
 * the chain.
 */

export interface Nsec3Params {
  /** RFC 5155 §4.1.1: 1 is SHA-1, the only algorithm defined. */
  readonly algorithm: number;
  readonly iterations: number;
  readonly salt: Uint8Array;
}

/**
 * RFC 5155 §5: IH(salt, x, 0) = H(x || salt); IH(salt, x, k) = H(IH(salt, x, k-1) || salt), x the
 * name in canonical wire form (lower case, RFC 4034 §6.2).
 */
export function nsec3Hash(name: Name, params: Nsec3Params): Uint8Array {
  const salt = params.salt;
  let input = latin1ToBytes(name.key + (salt.length === 0 ? '' : bytesToLatin1(salt)));
  let digest = sha1(input);
  if (params.iterations > 0) {
    input = new Uint8Array(digest.length + salt.length);
    input.set(salt, digest.length);
    for (let i = 0; i < params.iterations; i++) {
      input.set(digest, 0);
      digest = sha1(input);
    }
  }
  return digest;
}

/**
 * One-shot SHA-1: `crypto.hash` (Node 20.12 and later) is about twice as fast as a Hash object
 * per name, which counts for the million hashes of a large zone's chain.
 */
const sha1: (data: Uint8Array) => Uint8Array =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha1', data, 'buffer') : (data) => crypto.createHash('sha1').update(data).digest();

/** The hash as the first label of an NSEC3 owner: lower-case base32hex without padding (RFC 5155 §3.3). */
export function nsec3HashLabel(name: Name, params: Nsec3Params): string {
  return base32HexLower(nsec3Hash(name, params));
}

/** RFC 4648 §7 base32hex alphabet, lower case, as char codes. */
const LOWER_B32 = Array.from('0123456789abcdefghijklmnopqrstuv', (c) => c.charCodeAt(0));

/**
 * Lower-case base32hex without padding (RFC 4648 §7), written as one flat string: the label is a
 * map key a million times over in a signed zone, so it is built without concatenations.
 */
export function base32HexLower(bytes: Uint8Array): string {
  const codes: number[] = [];
  let bits = 0;
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    value = ((value << 8) | bytes[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      codes.push(LOWER_B32[(value >>> (bits - 5)) & 31]!);
      bits -= 5;
    }
  }
  if (bits > 0) codes.push(LOWER_B32[(value << (5 - bits)) & 31]!);
  return String.fromCharCode(...codes);
}

/**
 * Writes the octets of `label` (lower-case base32hex from `base32HexLower`) into `out` at
 * `offset`; returns the offset after them.
 */
export function base32HexLowerInto(label: string, out: Uint8Array, offset: number): number {
  let bits = 0;
  let value = 0;
  let o = offset;
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    value = ((value << 5) | (c <= 0x39 ? c - 0x30 : c - 0x57)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >>> bits) & 0xff;
    }
  }
  return o;
}
