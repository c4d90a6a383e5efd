import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { RRset, Zone } from '../zone/zone';
import { DnsfleetError } from '../dns/error';
import type { Algorithm, DigestType } from './keys';
import { importKey } from './keys';
import type { KeyRole, LifecycleState } from './lifecycle';
import { isPublished, isSigning } from './lifecycle';
import { nsecRRsets } from './nsec';
import { nsec3RRsets } from './nsec3';
import type { SignZoneOptions, ZoneKey } from './signzone';

/**
 * A signing order: how a zone is to be signed right now, handed from whoever runs the key
 * lifecycle (the operator, or `dnsfleet serve` for itself) to whoever signs (the control server,
 * or `dnsfleet serve`). It holds the signature parameters of the policy and every key that is
 * published or signs, with what it does in this version of the zone (RFC 7583: published,
 * signing the DNSKEY RRset, signing the zone, CDS). Pure data: JSON through the store, with the
 * private keys sealed (`sealOrder`) so they are never in clear outside the two ends.
 */

export type DenialParameters =
  | { readonly type: 'NSEC' }
  /** RFC 5155 §3.1; RFC 9276 §3.1 defaults: 0 iterations, no salt (hex, '' for none), no opt-out. */
  | { readonly type: 'NSEC3'; readonly iterations: number; readonly salt: string; readonly optOut: boolean };

/** The policy's signature settings, in seconds. */
export interface SignatureParameters {
  readonly validity: number;
  readonly refresh: number;
  readonly jitter: number;
  readonly dnskeyTtl: number;
  readonly denial: DenialParameters;
  /** CDS digest types (RFC 7344 §4 with RFC 8624 §3.3); CDNSKEY is published beside CDS. */
  readonly cdsDigestTypes: readonly DigestType[];
}

export interface OrderKey<P> {
  /** The lifecycle's id of the key (where its private part is kept). */
  readonly id: string;
  readonly tag: number;
  readonly algorithm: Algorithm;
  /** The key's role in the lifecycle: gives the DNSKEY flags (257 KSK/CSK, 256 ZSK). */
  readonly role: KeyRole;
  readonly flags: number;
  readonly published: boolean;
  /** Signs the DNSKEY, CDS and CDNSKEY RRsets. */
  readonly signsKeys: boolean;
  /** Signs every other RRset. */
  readonly signsZone: boolean;
  /** CDS/CDNSKEY published for it (RFC 7344 §4). */
  readonly cds: boolean;
  /** PKCS#8 PEM in the process that holds it; a `SealedKey` in the store. */
  readonly privateKey: P;
}

export interface SigningOrder<P = string> {
  readonly parameters: SignatureParameters;
  /** RFC 8078 §4: publish `CDS 0 0 0 00` / `CDNSKEY 0 3 0 AA==` (unsigning). */
  readonly cdsDelete: boolean;
  readonly keys: ReadonlyArray<OrderKey<P>>;
}

/** A private key sealed with AES-256-GCM under the fleet's key-encryption key: `v1:iv:tag:data`, base64. */
export type SealedKey = string;

export class SigningOrderError extends DnsfleetError {}

/**
 * The order for `state` as the lifecycle left it: the keys that are published or sign, with the
 * private parts from `privateKeys` (by key id). Undefined when the zone is not signed (phase
 * `unsigned`, or no key in the zone yet).
 */
export function orderOf(state: LifecycleState, privateKeys: Readonly<Record<string, string>>, parameters: SignatureParameters): SigningOrder | undefined {
  if (state.phase === 'unsigned') return undefined;
  const cds = state.cds === 'delete' ? new Set<number>() : new Set(state.cds);
  const keys: Array<OrderKey<string>> = [];
  for (const k of state.keys) {
    const published = isPublished(k);
    const signsKeys = isSigning(k, 'keys');
    const signsZone = isSigning(k, 'zone');
    if (!published && !signsKeys && !signsZone) continue;
    const privateKey = privateKeys[k.id];
    if (privateKey === undefined) throw new SigningOrderError(`the private part of key ${k.tag} (${k.id}) is missing`, { keyId: k.id, tag: k.tag });
    keys.push({ id: k.id, tag: k.tag, algorithm: k.algorithm as Algorithm, role: k.role, flags: k.role === 'ZSK' ? 256 : 257, published, signsKeys, signsZone, cds: cds.has(k.tag), privateKey });
  }
  if (!keys.some((k) => k.signsKeys) || !keys.some((k) => k.signsZone)) return undefined;
  return { parameters, cdsDelete: state.cds === 'delete', keys };
}

/** The signer's keys of an order: the signing role is what the key signs in this version. */
export function zoneKeysOf(order: SigningOrder): ZoneKey[] {
  return order.keys.map((k): ZoneKey => {
    const role: KeyRole = k.signsKeys && k.signsZone ? 'CSK' : k.signsKeys ? 'KSK' : k.signsZone ? 'ZSK' : k.role;
    return { key: importKey(k.algorithm, k.flags, k.privateKey), role, published: k.published, active: k.signsKeys || k.signsZone, cds: k.cds };
  });
}

/** `signZone`'s options for an order at `now` (seconds), with the denial chain of its parameters. */
export function signOptionsOf(order: SigningOrder<unknown>, now: number): SignZoneOptions {
  const p = order.parameters;
  return {
    now,
    validity: p.validity,
    refresh: p.refresh,
    jitter: p.jitter,
    dnskeyTtl: p.dnskeyTtl,
    cdsDigestTypes: p.cdsDigestTypes,
    cdnskey: true,
    cdsDelete: order.cdsDelete,
    denial: denialOf(p.denial),
  };
}

/** The denial step of `signZone` for the parameters: the whole chain of the zone it is given. */
export function denialOf(d: DenialParameters): (zone: Zone) => readonly RRset[] {
  if (d.type === 'NSEC') return nsecRRsets;
  const options = { iterations: d.iterations, salt: Buffer.from(d.salt, 'hex'), optOut: d.optOut };
  return (zone) => {
    const { nsec3, nsec3param } = nsec3RRsets(zone, options);
    return [...nsec3, nsec3param];
  };
}

/** The same order with its private keys sealed under `kek` (32 octets); see `openOrder`. */
export function sealOrder(order: SigningOrder, kek: Uint8Array, origin: string): SigningOrder<SealedKey> {
  return { ...order, keys: order.keys.map((k) => ({ ...k, privateKey: sealKey(k.privateKey, kek, `${origin}/${k.id}`) })) };
}

/** The order with its private keys opened; throws `SigningOrderError` for a wrong key-encryption key or a damaged key. */
export function openOrder(order: SigningOrder<SealedKey>, kek: Uint8Array, origin: string): SigningOrder {
  return { ...order, keys: order.keys.map((k) => ({ ...k, privateKey: openKey(k.privateKey, kek, `${origin}/${k.id}`) })) };
}

/**
 * AES-256-GCM (NIST SP 800-38D) with a random 96-bit IV; `context` (zone and key id) is the
 * additional data, so a sealed key copied to another zone or key does not open.
 */
export function sealKey(pem: string, kek: Uint8Array, context: string): SealedKey {
  checkKek(kek);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(context));
  const data = Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()]);
  return `v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${data.toString('base64')}`;
}

export function openKey(sealed: SealedKey, kek: Uint8Array, context: string): string {
  checkKek(kek);
  const parts = sealed.split(':');
  if (parts.length !== 4 || parts[0] !== 'v1') throw new SigningOrderError(`sealed key of ${context} is not in the v1 form`, { context });
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(parts[1]!, 'base64'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(parts[2]!, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(parts[3]!, 'base64')), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new SigningOrderError(`sealed key of ${context} does not open: wrong key-encryption key, or damaged`, { context }, { cause: err });
  }
}

function checkKek(kek: Uint8Array): void {
  if (kek.length !== 32) throw new SigningOrderError(`the key-encryption key has ${kek.length} octets, not 32 (AES-256)`, { length: kek.length });
}
