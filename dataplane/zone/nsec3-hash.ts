import { createHash } from 'node:crypto';
import { latin1ToBytes, type Name } from '../dns/name';
import { toBase32Hex } from '../dns/rdata/text';

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
  return toBase32Hex(nsec3Hash(name, params)).toLowerCase();
}
