import { createHash } from 'node:crypto';
import { latin1ToBytes, type Name } from '../dns/name';

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
  let digest = createHash('sha1').update(latin1ToBytes(name.key)).update(params.salt).digest();
  for (let i = 0; i < params.iterations; i++) digest = createHash('sha1').update(digest).update(params.salt).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

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
