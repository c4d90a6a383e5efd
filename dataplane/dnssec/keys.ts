import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { DnsfleetError } from '../dns/error';
import { Name } from '../dns/name';
import { toHex } from '../dns/rdata/text';

/**
 * DNSSEC keys: the five algorithms of the signing service, key generation with node:crypto, the
 * DNSKEY rdata of a key (RFC 4034 §2), its key tag (RFC 4034 App. B), its DS (RFC 4034 §5, RFC
 * 4509, RFC 6605 §3), CDS/CDNSKEY (RFC 7344 §3) and their delete form (RFC 8078 §4). Pure and
 * synchronous: the private key is a PKCS#8 PEM string the caller stores (a Secret, a state dir).
 */

/** DNSSEC algorithm numbers (IANA "DNS Security Algorithm Numbers", RFC 8624 §3.1). */
export const Algorithm = {
  RSASHA256: 8,
  RSASHA512: 10,
  ECDSAP256SHA256: 13,
  ECDSAP384SHA384: 14,
  ED25519: 15,
} as const;
export type Algorithm = (typeof Algorithm)[keyof typeof Algorithm];
export type AlgorithmName = keyof typeof Algorithm;

const ALGORITHM_NAMES: ReadonlyMap<number, AlgorithmName> = new Map(Object.entries(Algorithm).map(([k, v]) => [v, k as AlgorithmName]));

/** DS digest types (RFC 4509 §2.1 SHA-256 = 2, RFC 6605 §2 SHA-384 = 4). SHA-1 (1) is not made (RFC 8624 §3.3). */
export const DigestType = { SHA256: 2, SHA384: 4 } as const;
export type DigestType = (typeof DigestType)[keyof typeof DigestType];

/** DNSKEY flags (RFC 4034 §2.1.1; RFC 5011 §3 for REVOKE). */
export const DnskeyFlag = {
  ZONE: 0x0100,
  REVOKE: 0x0080,
  SEP: 0x0001,
} as const;
/** RFC 4034 §2.1.1: a ZSK has the Zone Key flag only (256); a KSK or CSK also SEP (257). */
export const ZSK_FLAGS = DnskeyFlag.ZONE;
export const KSK_FLAGS = DnskeyFlag.ZONE | DnskeyFlag.SEP;

/** RFC 4034 §2.1.2: the Protocol field is always 3. */
const DNSKEY_PROTOCOL = 3;

export class DnssecKeyError extends DnsfleetError {}

export function isAlgorithm(n: number): n is Algorithm {
  return ALGORITHM_NAMES.has(n);
}

/** The mnemonic of an algorithm number (RFC 4034 App. A.1), or its number as text. */
export function algorithmName(algorithm: number): string {
  return ALGORITHM_NAMES.get(algorithm) ?? String(algorithm);
}

/** An algorithm from its mnemonic (any case) or its number. */
export function algorithmFromString(text: string): Algorithm {
  const upper = text.toUpperCase();
  const byName = (Algorithm as Record<string, Algorithm>)[upper];
  if (byName !== undefined) return byName;
  if (/^\d{1,3}$/.test(text) && isAlgorithm(Number(text))) return Number(text) as Algorithm;
  throw new DnssecKeyError(`unsupported DNSSEC algorithm "${text}" (supported: ${[...ALGORITHM_NAMES.values()].join(', ')})`, { algorithm: text });
}

/**
 * A key that signs: everything the signer and the DNSKEY need, serialisable as JSON (the private
 * key is PKCS#8 PEM). `flags` says its role: 256 a ZSK, 257 a KSK or CSK; with REVOKE set (RFC
 * 5011 §2.1) it still signs the DNSKEY RRset.
 */
export interface SigningKey {
  readonly algorithm: Algorithm;
  readonly flags: number;
  /** PKCS#8, PEM. Secret: never logged, never in status. */
  readonly privateKeyPem: string;
  /** The DNSKEY Public Key field (RFC 3110 §2, RFC 6605 §4, RFC 8080 §3). */
  readonly publicKey: Uint8Array;
}

export interface GenerateOptions {
  readonly flags?: number;
  /** RSA modulus size; 2048 by default (RFC 8624 §3.1 and RFC 6781 §3.5 sizes). */
  readonly rsaBits?: number;
}

/** Generates a new key of `algorithm` (node:crypto `generateKeyPairSync`). */
export function generateKey(algorithm: Algorithm, options: GenerateOptions = {}): SigningKey {
  const flags = options.flags ?? ZSK_FLAGS;
  let privateKey: KeyObject;
  switch (algorithm) {
    case Algorithm.RSASHA256:
    case Algorithm.RSASHA512: {
      const bits = options.rsaBits ?? 2048;
      // RFC 5702 §2: moduli of 512..4096 bits for SHA-256, 1024..4096 for SHA-512.
      const min = algorithm === Algorithm.RSASHA512 ? 1024 : 512;
      if (!Number.isInteger(bits) || bits < min || bits > 4096) throw new DnssecKeyError(`RSA key size ${bits} outside ${min}..4096 (RFC 5702 §2)`, { algorithm, bits });
      privateKey = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 65537 }).privateKey;
      break;
    }
    case Algorithm.ECDSAP256SHA256:
      privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      break;
    case Algorithm.ECDSAP384SHA384:
      privateKey = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
      break;
    case Algorithm.ED25519:
      privateKey = generateKeyPairSync('ed25519').privateKey;
      break;
    default:
      throw new DnssecKeyError(`unsupported DNSSEC algorithm ${String(algorithm)}`, { algorithm });
  }
  return keyFromPrivateKey(algorithm, flags, privateKey);
}

/** A `SigningKey` from a stored PKCS#8 PEM private key; checks the key fits the algorithm. */
export function importKey(algorithm: Algorithm, flags: number, privateKeyPem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: privateKeyPem, format: 'pem' });
  } catch (err) {
    throw new DnssecKeyError('private key is not a PEM key node:crypto reads', { algorithm }, { cause: err });
  }
  return keyFromPrivateKey(algorithm, flags, privateKey);
}

function keyFromPrivateKey(algorithm: Algorithm, flags: number, privateKey: KeyObject): SigningKey {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffff) throw new DnssecKeyError(`DNSKEY flags ${flags} outside 0..65535`, { flags });
  const publicKey = dnskeyPublicKey(algorithm, createPublicKey(privateKey));
  const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  return { algorithm, flags, privateKeyPem, publicKey };
}

/** The same key with other flags (e.g. REVOKE set, RFC 5011 §2.1): the key tag changes with them. */
export function withFlags(key: SigningKey, flags: number): SigningKey {
  return { ...key, flags };
}

const EXPECTED_KEY: Record<Algorithm, { type: string; curve?: string; length?: number }> = {
  [Algorithm.RSASHA256]: { type: 'rsa' },
  [Algorithm.RSASHA512]: { type: 'rsa' },
  [Algorithm.ECDSAP256SHA256]: { type: 'ec', curve: 'P-256', length: 32 },
  [Algorithm.ECDSAP384SHA384]: { type: 'ec', curve: 'P-384', length: 48 },
  [Algorithm.ED25519]: { type: 'ed25519', length: 32 },
};

function base64url(text: string | undefined, what: string): Uint8Array {
  if (text === undefined) throw new DnssecKeyError(`public key has no ${what}`);
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

/** The DNSKEY Public Key field of a node:crypto public key. */
export function dnskeyPublicKey(algorithm: Algorithm, publicKey: KeyObject): Uint8Array {
  const want = EXPECTED_KEY[algorithm];
  if (want === undefined) throw new DnssecKeyError(`unsupported DNSSEC algorithm ${String(algorithm)}`, { algorithm });
  const details = publicKey.asymmetricKeyDetails;
  if (publicKey.asymmetricKeyType !== want.type || (want.curve !== undefined && details?.namedCurve !== want.curve && details?.namedCurve !== curveOid(want.curve))) {
    throw new DnssecKeyError(`key of type ${publicKey.asymmetricKeyType ?? '?'} does not fit ${algorithmName(algorithm)}`, { algorithm });
  }
  const jwk = publicKey.export({ format: 'jwk' });
  if (want.type === 'rsa') {
    // RFC 3110 §2: exponent length (one octet, or zero and two octets when above 255), exponent, modulus.
    const e = stripZeros(base64url(jwk.e, 'exponent'));
    const n = stripZeros(base64url(jwk.n, 'modulus'));
    const head = e.length <= 255 ? [e.length] : [0, e.length >> 8, e.length & 0xff];
    const out = new Uint8Array(head.length + e.length + n.length);
    out.set(head, 0);
    out.set(e, head.length);
    out.set(n, head.length + e.length);
    return out;
  }
  if (want.type === 'ec') {
    // RFC 6605 §4: the point as x | y, each the curve's size, without the SEC1 0x04 prefix.
    const x = leftPad(base64url(jwk.x, 'x'), want.length!);
    const y = leftPad(base64url(jwk.y, 'y'), want.length!);
    const out = new Uint8Array(2 * want.length!);
    out.set(x, 0);
    out.set(y, want.length!);
    return out;
  }
  // RFC 8080 §3: the 32-octet Ed25519 public key (RFC 8032 §5.1.5).
  return base64url(jwk.x, 'public key');
}

function curveOid(curve: string): string {
  return curve === 'P-256' ? 'prime256v1' : curve === 'P-384' ? 'secp384r1' : curve;
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

function leftPad(b: Uint8Array, length: number): Uint8Array {
  if (b.length === length) return b;
  if (b.length > length) throw new DnssecKeyError(`coordinate of ${b.length} octets, expected ${length}`);
  const out = new Uint8Array(length);
  out.set(b, length - b.length);
  return out;
}

/** The node:crypto public key of a DNSKEY Public Key field (for verifying signatures). */
export function publicKeyObject(algorithm: number, publicKey: Uint8Array): KeyObject {
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
  const bad = (why: string): never => {
    throw new DnssecKeyError(`DNSKEY public key of ${algorithmName(algorithm)}: ${why}`, { algorithm });
  };
  switch (algorithm) {
    case Algorithm.RSASHA256:
    case Algorithm.RSASHA512: {
      if (publicKey.length < 1) bad('empty');
      let p = 1;
      let elen = publicKey[0]!;
      if (elen === 0) {
        if (publicKey.length < 3) bad('truncated exponent length');
        elen = (publicKey[1]! << 8) | publicKey[2]!;
        p = 3;
      }
      if (elen === 0 || p + elen >= publicKey.length) bad('truncated');
      const e = publicKey.subarray(p, p + elen);
      const n = publicKey.subarray(p + elen);
      return createPublicKey({ key: { kty: 'RSA', e: b64(e), n: b64(n) }, format: 'jwk' });
    }
    case Algorithm.ECDSAP256SHA256:
    case Algorithm.ECDSAP384SHA384: {
      const size = algorithm === Algorithm.ECDSAP256SHA256 ? 32 : 48;
      if (publicKey.length !== 2 * size) bad(`${publicKey.length} octets, expected ${2 * size}`);
      const crv = algorithm === Algorithm.ECDSAP256SHA256 ? 'P-256' : 'P-384';
      return createPublicKey({ key: { kty: 'EC', crv, x: b64(publicKey.subarray(0, size)), y: b64(publicKey.subarray(size)) }, format: 'jwk' });
    }
    case Algorithm.ED25519:
      if (publicKey.length !== 32) bad(`${publicKey.length} octets, expected 32`);
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64(publicKey) }, format: 'jwk' });
    default:
      return bad('unsupported algorithm');
  }
}

/** DNSKEY rdata (RFC 4034 §2.1): flags, protocol 3, algorithm, public key. */
export function dnskeyRdata(key: Pick<SigningKey, 'flags' | 'algorithm' | 'publicKey'>): Uint8Array {
  const out = new Uint8Array(4 + key.publicKey.length);
  out[0] = key.flags >> 8;
  out[1] = key.flags & 0xff;
  out[2] = DNSKEY_PROTOCOL;
  out[3] = key.algorithm;
  out.set(key.publicKey, 4);
  return out;
}

/** The fields of DNSKEY rdata. */
export interface DnskeyFields {
  readonly flags: number;
  readonly protocol: number;
  readonly algorithm: number;
  readonly publicKey: Uint8Array;
}

export function parseDnskeyRdata(rdata: Uint8Array): DnskeyFields {
  if (rdata.length < 4) throw new DnssecKeyError(`DNSKEY rdata of ${rdata.length} octets`);
  return { flags: (rdata[0]! << 8) | rdata[1]!, protocol: rdata[2]!, algorithm: rdata[3]!, publicKey: rdata.subarray(4) };
}

/** The key tag of DNSKEY rdata (RFC 4034 App. B; algorithm 1 is not supported, RFC 8624 §3.1). */
export function keyTagOfRdata(rdata: Uint8Array): number {
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

export function keyTag(key: Pick<SigningKey, 'flags' | 'algorithm' | 'publicKey'>): number {
  return keyTagOfRdata(dnskeyRdata(key));
}

const DIGESTS: ReadonlyMap<number, { hash: string; length: number }> = new Map([
  [DigestType.SHA256, { hash: 'sha256', length: 32 }],
  [DigestType.SHA384, { hash: 'sha384', length: 48 }],
]);

/** The fields of DS rdata (RFC 4034 §5.1). */
export interface DsFields {
  readonly keyTag: number;
  readonly algorithm: number;
  readonly digestType: number;
  readonly digest: Uint8Array;
}

/** RFC 4034 §5.1.4: digest = hash(owner name in canonical form | DNSKEY rdata). */
export function dsFields(owner: Name, dnskey: Uint8Array, digestType: DigestType): DsFields {
  const digest = DIGESTS.get(digestType);
  if (!digest) throw new DnssecKeyError(`unsupported DS digest type ${String(digestType)} (supported: 2 SHA-256, 4 SHA-384)`, { digestType });
  const fields = parseDnskeyRdata(dnskey);
  // RFC 4034 §6.2: the canonical form of the owner name is its wire form in lower case.
  const h = createHash(digest.hash).update(Buffer.from(owner.key, 'latin1')).update(dnskey);
  return { keyTag: keyTagOfRdata(dnskey), algorithm: fields.algorithm, digestType, digest: new Uint8Array(h.digest()) };
}

/** DS rdata (RFC 4034 §5.1): key tag, algorithm, digest type, digest. Also CDS rdata (RFC 7344 §3.1). */
export function dsRdataOf(ds: DsFields): Uint8Array {
  const out = new Uint8Array(4 + ds.digest.length);
  out[0] = ds.keyTag >> 8;
  out[1] = ds.keyTag & 0xff;
  out[2] = ds.algorithm;
  out[3] = ds.digestType;
  out.set(ds.digest, 4);
  return out;
}

export function dsRdata(owner: Name, key: SigningKey, digestType: DigestType): Uint8Array {
  return dsRdataOf(dsFields(owner, dnskeyRdata(key), digestType));
}

/** DS rdata in presentation format (RFC 4034 §5.3): `tag algorithm digest-type HEX` (upper case hex). */
export function dsRdataText(ds: DsFields): string {
  return `${ds.keyTag} ${ds.algorithm} ${ds.digestType} ${toHex(ds.digest).toUpperCase()}`;
}

/** The whole DS record as a user pastes it at a registrar: `owner. TTL IN DS tag alg type HEX`. */
export function dsRecordText(owner: Name, key: SigningKey, digestType: DigestType, ttl?: number): string {
  const fields = dsFields(owner, dnskeyRdata(key), digestType);
  return `${owner.toString()}${ttl === undefined ? '' : ` ${ttl}`} IN DS ${dsRdataText(fields)}`;
}

/** RFC 8078 §4: the CDS that asks the parent to remove every DS: `0 0 0 00`. */
export const CDS_DELETE_RDATA: Uint8Array = new Uint8Array([0, 0, 0, 0, 0]);
/** RFC 8078 §4: the CDNSKEY that asks the parent to remove every DS: `0 3 0 AA==`. */
export const CDNSKEY_DELETE_RDATA: Uint8Array = new Uint8Array([0, 0, 3, 0, 0]);

/** CDNSKEY rdata (RFC 7344 §3.2): the same as the DNSKEY's. */
export function cdnskeyRdata(key: SigningKey): Uint8Array {
  return dnskeyRdata(key);
}

/** CDS rdata (RFC 7344 §3.1): the same as the DS's. */
export function cdsRdata(owner: Name, key: SigningKey, digestType: DigestType): Uint8Array {
  return dsRdata(owner, key, digestType);
}

/** A DS the user says they published, parsed from text; `owner` when the text named one. */
export interface ParsedDs extends DsFields {
  readonly owner?: Name;
}

export class DsParseError extends DnsfleetError {}

/**
 * Parses a DS from presentation format: the rdata alone (`12345 13 2 ABCD…`) or a whole record
 * (`example.com. 3600 IN DS 12345 13 2 ABCD…`, TTL and class optional). The digest may be split
 * by white space (RFC 4034 §5.3) and in either case. Algorithm mnemonics are accepted.
 */
export function parseDs(text: string): ParsedDs {
  const fail = (why: string): never => {
    throw new DsParseError(`DS "${text.length > 120 ? `${text.slice(0, 117)}...` : text}": ${why}`, { ds: text });
  };
  const tokens = text.replace(/[()]/g, ' ').trim().split(/\s+/).filter((t) => t !== '');
  let owner: Name | undefined;
  const dsAt = tokens.findIndex((t) => t.toUpperCase() === 'DS' || t.toUpperCase() === 'CDS');
  let rest = tokens;
  if (dsAt >= 0) {
    const head = tokens.slice(0, dsAt);
    const first = head[0];
    if (first !== undefined && !/^\d+$/.test(first) && first.toUpperCase() !== 'IN') {
      try {
        owner = Name.fromText(first.endsWith('.') ? first : `${first}.`);
      } catch (err) {
        fail(`owner "${first}" is not a name: ${(err as Error).message}`);
      }
    }
    rest = tokens.slice(dsAt + 1);
  }
  if (rest.length < 4) fail('expected key tag, algorithm, digest type and digest');
  const tag = decimal(rest[0]!, 0xffff, 'key tag', fail);
  let algorithm: number;
  if (/^\d+$/.test(rest[1]!)) algorithm = decimal(rest[1]!, 0xff, 'algorithm', fail);
  else {
    const a = (Algorithm as Record<string, number>)[rest[1]!.toUpperCase()];
    algorithm = a ?? fail(`unknown algorithm "${rest[1]}"`);
  }
  const digestType = decimal(rest[2]!, 0xff, 'digest type', fail);
  const hex = rest.slice(3).join('');
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) fail('digest is not hexadecimal');
  const digest = new Uint8Array(Buffer.from(hex, 'hex'));
  const want = DIGESTS.get(digestType);
  if (want && digest.length !== want.length) fail(`digest of type ${digestType} must be ${want.length} octets, got ${digest.length}`);
  return { owner, keyTag: tag, algorithm, digestType, digest };
}

function decimal(text: string, max: number, what: string, fail: (why: string) => never): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > max) fail(`${what} "${text}" is not a number in 0..${max}`);
  return Number(text);
}

/** What did not match when a published DS was checked against a key; empty when it matches. */
export type DsMismatch = 'owner' | 'keyTag' | 'algorithm' | 'digestType' | 'digest';

/**
 * Checks a DS against the key it should point at (RFC 4034 §5.2): same key tag, algorithm, a
 * digest type we can compute, and the same digest over `owner` and the key's DNSKEY. Returns what
 * differs, in that order; the caller turns it into a condition reason.
 */
export function checkDs(ds: ParsedDs, owner: Name, key: SigningKey): DsMismatch[] {
  const out: DsMismatch[] = [];
  if (ds.owner !== undefined && !ds.owner.equals(owner)) out.push('owner');
  const rdata = dnskeyRdata(key);
  if (ds.keyTag !== keyTagOfRdata(rdata)) out.push('keyTag');
  if (ds.algorithm !== key.algorithm) out.push('algorithm');
  if (!DIGESTS.has(ds.digestType)) {
    out.push('digestType');
    return out;
  }
  const mine = dsFields(owner, rdata, ds.digestType as DigestType);
  if (toHex(mine.digest) !== toHex(ds.digest)) out.push('digest');
  return out;
}
