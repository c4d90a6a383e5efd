import { createPrivateKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { RRType } from '../dns/constants';
import { DnsfleetError } from '../dns/error';
import { Name, bytesToLatin1, latin1ToBytes, wireNameEnd } from '../dns/name';
import { serialCompare } from '../zone/serial';
import type { RRset } from '../zone/zone';
import { canonicalRRsetRdata } from './canonical';
import { Algorithm, algorithmName, keyTag, parseDnskeyRdata, keyTagOfRdata, publicKeyObject, type SigningKey } from './keys';

/**
 * RRSIG records (RFC 4034 §3): the data a signature covers (§3.1.8.1, over the canonical RRset of
 * §6), the signature in each algorithm's encoding (RFC 5702 §3 RSA PKCS#1 v1.5, RFC 6605 §4 ECDSA
 * r | s, RFC 8080 §4 Ed25519), and a verifier. Times are 32-bit serial numbers (RFC 4034 §3.1.5,
 * RFC 1982).
 */

export class SignatureError extends DnsfleetError {}

/** RFC 1035 §3.2.4: the class of every record dnsfleet signs. */
const CLASS_IN = 1;
const TWO_32 = 0x1_0000_0000;

/** Inception and expiration in seconds since 1970 (any size; the wire holds them modulo 2^32). */
export interface SignatureTimes {
  readonly inception: number;
  readonly expiration: number;
}

/** The fields of RRSIG rdata (RFC 4034 §3.1). */
export interface RrsigFields {
  readonly typeCovered: number;
  readonly algorithm: number;
  readonly labels: number;
  readonly originalTtl: number;
  /** 32-bit serial values as on the wire. */
  readonly expiration: number;
  readonly inception: number;
  readonly keyTag: number;
  readonly signer: Name;
  readonly signature: Uint8Array;
  /** Octets before the signature: the part of the rdata the signature also covers (§3.1.8.1). */
  readonly headerLength: number;
}

const u32 = (rdata: Uint8Array, p: number): number => ((rdata[p]! << 24) >>> 0) + (rdata[p + 1]! << 16) + (rdata[p + 2]! << 8) + rdata[p + 3]!;

export function parseRrsig(rdata: Uint8Array): RrsigFields {
  if (rdata.length < 19) throw new SignatureError(`RRSIG rdata of ${rdata.length} octets`);
  const text = bytesToLatin1(rdata, 18);
  let end: number;
  try {
    end = wireNameEnd(text, 0);
  } catch (err) {
    throw new SignatureError('RRSIG signer name is malformed', {}, { cause: err });
  }
  return {
    typeCovered: (rdata[0]! << 8) | rdata[1]!,
    algorithm: rdata[2]!,
    labels: rdata[3]!,
    originalTtl: u32(rdata, 4),
    expiration: u32(rdata, 8),
    inception: u32(rdata, 12),
    keyTag: (rdata[16]! << 8) | rdata[17]!,
    signer: Name.fromWireString(text.slice(0, end)),
    signature: rdata.subarray(18 + end),
    headerLength: 18 + end,
  };
}

/** RFC 4034 §3.1.3: the labels of the owner, not counting the root nor a leading `*`. */
export function rrsigLabels(owner: Name): number {
  return owner.labelCount() - (owner.isWildcard() ? 1 : 0);
}

/** The RRSIG rdata before the signature (RFC 4034 §3.1.8.1: the signer's name in canonical form). */
export function rrsigHeader(rrset: Pick<RRset, 'owner' | 'type' | 'ttl'>, algorithm: number, tag: number, signer: Name, times: SignatureTimes): Uint8Array {
  const signerWire = signer.key;
  const out = new Uint8Array(18 + signerWire.length);
  out[0] = rrset.type >> 8;
  out[1] = rrset.type & 0xff;
  out[2] = algorithm;
  out[3] = rrsigLabels(rrset.owner);
  putU32(out, 4, rrset.ttl);
  putU32(out, 8, mod32(times.expiration));
  putU32(out, 12, mod32(times.inception));
  out[16] = tag >> 8;
  out[17] = tag & 0xff;
  for (let i = 0; i < signerWire.length; i++) out[18 + i] = signerWire.charCodeAt(i);
  return out;
}

function mod32(t: number): number {
  return ((t % TWO_32) + TWO_32) % TWO_32;
}

function putU32(out: Uint8Array, p: number, v: number): void {
  out[p] = (v >>> 24) & 0xff;
  out[p + 1] = (v >>> 16) & 0xff;
  out[p + 2] = (v >>> 8) & 0xff;
  out[p + 3] = v & 0xff;
}

/**
 * The octets a signature covers (RFC 4034 §3.1.8.1): the RRSIG header, then each record of the
 * RRset in canonical order as owner | type | class | original TTL | rdlength | rdata, the owner in
 * canonical form (lower case; RFC 4035 §5.3.2: `*.` and the rightmost `labels` labels when the
 * RRset came from a wildcard).
 */
export function signedData(header: Uint8Array, owner: Name, type: number, originalTtl: number, labels: number, canonical: readonly Uint8Array[]): Uint8Array {
  let ownerKey = owner.key;
  const count = owner.labelCount();
  if (labels < count) {
    let cut = 0;
    for (let i = 0; i < count - labels; i++) cut += ownerKey.charCodeAt(cut) + 1;
    ownerKey = '\x01*' + ownerKey.slice(cut);
  }
  const fixed = ownerKey.length + 10;
  let size = header.length;
  for (const r of canonical) size += fixed + r.length;
  const out = new Uint8Array(size);
  out.set(header, 0);
  let p = header.length;
  const ownerBytes = latin1ToBytes(ownerKey);
  for (const r of canonical) {
    out.set(ownerBytes, p);
    p += ownerBytes.length;
    out[p++] = type >> 8;
    out[p++] = type & 0xff;
    out[p++] = CLASS_IN >> 8;
    out[p++] = CLASS_IN & 0xff;
    putU32(out, p, originalTtl);
    p += 4;
    out[p++] = r.length >> 8;
    out[p++] = r.length & 0xff;
    out.set(r, p);
    p += r.length;
  }
  return out;
}

/** node:crypto's hash name and options for an algorithm. */
function cryptoParams(algorithm: number): { hash: string | null; ieee: boolean } {
  switch (algorithm) {
    case Algorithm.RSASHA256:
      return { hash: 'sha256', ieee: false };
    case Algorithm.RSASHA512:
      return { hash: 'sha512', ieee: false };
    case Algorithm.ECDSAP256SHA256:
      return { hash: 'sha256', ieee: true };
    case Algorithm.ECDSAP384SHA384:
      return { hash: 'sha384', ieee: true };
    case Algorithm.ED25519:
      return { hash: null, ieee: false };
    default:
      throw new SignatureError(`unsupported DNSSEC algorithm ${algorithm}`, { algorithm });
  }
}

/**
 * Signs `data` with a private key (node:crypto). ECDSA comes out as r | s, each the curve's size
 * (RFC 6605 §4: not DER), Ed25519 as its 64 octets (RFC 8080 §4), RSA as PKCS#1 v1.5 (RFC 5702 §3).
 */
export function signBytes(algorithm: number, privateKey: KeyObject, data: Uint8Array): Uint8Array {
  const { hash, ieee } = cryptoParams(algorithm);
  return cryptoSign(hash, data, ieee ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
}

export function verifyBytes(algorithm: number, publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const { hash, ieee } = cryptoParams(algorithm);
  return cryptoVerify(hash, data, ieee ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey, signature);
}

/**
 * The key objects last read, by PEM: a signer is made per signing, and reading a PEM costs about
 * a millisecond, as much as signing a one-record change. Bounded: rolled keys leave in time.
 */
const keyObjects = new Map<string, KeyObject>();
const MAX_KEY_OBJECTS = 64;

function privateKeyOf(pem: string): KeyObject {
  let key = keyObjects.get(pem);
  if (key) return key;
  key = createPrivateKey(pem);
  if (keyObjects.size >= MAX_KEY_OBJECTS) keyObjects.delete(keyObjects.keys().next().value!);
  keyObjects.set(pem, key);
  return key;
}

/** The data to sign for one RRset and key, and the RRSIG rdata header it goes behind. */
export interface SigningJob {
  readonly header: Uint8Array;
  readonly data: Uint8Array;
}

/**
 * Signs RRsets with one key for one zone: the private key is read once, the key tag computed
 * once. `prepare` gives what a worker thread needs (the data to sign); `sign` does it all here.
 */
export class RRsetSigner {
  readonly keyTag: number;
  private privateKeyObject: KeyObject | undefined;

  constructor(
    readonly key: SigningKey,
    /** The zone apex (RFC 4035 §2.2: the signer's name is the zone's). */
    readonly signer: Name,
  ) {
    this.keyTag = keyTag(key);
  }

  private get privateKey(): KeyObject {
    return (this.privateKeyObject ??= privateKeyOf(this.key.privateKeyPem));
  }

  prepare(rrset: RRset, times: SignatureTimes): SigningJob {
    if (rrset.type === RRType.RRSIG) throw new SignatureError('RRSIG RRsets are not signed (RFC 4035 §2.2)', { owner: rrset.owner.toString() });
    const header = rrsigHeader(rrset, this.key.algorithm, this.keyTag, this.signer, times);
    const data = signedData(header, rrset.owner, rrset.type, rrset.ttl, header[3]!, canonicalRRsetRdata(rrset));
    return { header, data };
  }

  /** The RRSIG rdata over `rrset`. */
  sign(rrset: RRset, times: SignatureTimes): Uint8Array {
    const job = this.prepare(rrset, times);
    return joinSignature(job.header, signBytes(this.key.algorithm, this.privateKey, job.data));
  }

  /** Signs a prepared job's data (the in-process twin of a worker's job). */
  signJob(job: Pick<SigningJob, 'data'>): Uint8Array {
    return signBytes(this.key.algorithm, this.privateKey, job.data);
  }
}

/** RRSIG rdata: the header and the signature. */
export function joinSignature(header: Uint8Array, signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + signature.length);
  out.set(header, 0);
  out.set(signature, header.length);
  return out;
}

/** Why a signature does not validate; `undefined` when it does. */
export type VerifyProblem =
  | 'type covered'
  | 'algorithm'
  | 'key tag'
  | 'labels'
  | 'signer'
  | 'not a zone key'
  | 'not yet valid'
  | 'expired'
  | 'original TTL'
  | 'signature';

export interface VerifyOptions {
  /** Seconds since 1970; the validity period is checked when given (RFC 4035 §5.3.1). */
  readonly now?: number;
  /** The zone the signer's name must be (RFC 4035 §5.3.1: the zone containing the RRset). */
  readonly zone?: Name;
}

/**
 * Checks one RRSIG over `rrset` with one DNSKEY (RFC 4035 §5.3): the fields match, the period
 * covers `now`, and the signature verifies over the canonical RRset with the original TTL.
 */
export function verifyRrsig(rrset: RRset, rrsig: Uint8Array, dnskey: Uint8Array, options: VerifyOptions = {}): VerifyProblem | undefined {
  const sig = parseRrsig(rrsig);
  const key = parseDnskeyRdata(dnskey);
  if (sig.typeCovered !== rrset.type) return 'type covered';
  if (sig.algorithm !== key.algorithm) return 'algorithm';
  if (sig.keyTag !== keyTagOfRdata(dnskey)) return 'key tag';
  // RFC 4035 §5.3.1: the Zone Key flag is set, the protocol is 3.
  if ((key.flags & 0x0100) === 0 || key.protocol !== 3) return 'not a zone key';
  if (sig.labels > rrsigLabels(rrset.owner)) return 'labels';
  if (options.zone !== undefined && !sig.signer.equals(options.zone)) return 'signer';
  if (!rrset.owner.isSubdomainOf(sig.signer)) return 'signer';
  if (options.now !== undefined) {
    const now = mod32(options.now);
    if (serialCompare(now, sig.inception) < 0) return 'not yet valid';
    if (serialCompare(now, sig.expiration) > 0) return 'expired';
  }
  const data = signedData(rrsig.subarray(0, sig.headerLength), rrset.owner, rrset.type, sig.originalTtl, sig.labels, canonicalRRsetRdata(rrset));
  let ok: boolean;
  try {
    ok = verifyBytes(sig.algorithm, publicKeyObject(sig.algorithm, key.publicKey), data, sig.signature);
  } catch {
    ok = false;
  }
  return ok ? undefined : 'signature';
}

/** A readable one-line account of an RRSIG, for errors and logs (no secret in it). */
export function describeRrsig(rrsig: Uint8Array): string {
  const s = parseRrsig(rrsig);
  return `RRSIG type ${s.typeCovered} ${algorithmName(s.algorithm)} tag ${s.keyTag} by ${s.signer}`;
}
