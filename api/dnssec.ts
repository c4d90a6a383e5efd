import type { DNSSECAlgorithm, DNSSECPolicy } from '../crds/v1alpha1/dnssecpolicy';
import { API_VERSION, type Condition } from '../crds/v1alpha1/meta';
import type { DNSSECKeyStatus, ZoneDNSSECStatus } from '../crds/v1alpha1/zone';
import { BadRequestError } from './errors';
import type { ScaiDnssecState, ScaiDsRecord, ScaiKey } from './types';
import { CREATED_BY, objectBody } from './zones';

/**
 * DNSSEC of the REST API, pure: which DNSSECPolicy a signed zone names, and the operator's
 * status (crds/v1alpha1/zone.ts `status.dnssec`) in ScaiDNS's shapes (reference:
 * scaidns-dnssec-api-reference.md). The API never signs: it sets `spec.dnssecPolicy` and the
 * lifecycle annotations the operator acts on (docs/api.md "Annotations"), and shows the status
 * the operator writes.
 */

/**
 * The policy of a zone signed through the API: `api-<algorithm>` (`api-ecdsap256sha256`) in the
 * tenant's namespace, made with `spec: {algorithm}` (every other field has its default) when it
 * does not exist; a tenant's admin may change it with kubectl, the API only creates it.
 */
export const ALGORITHMS: ReadonlyArray<{ readonly number: number; readonly mnemonic: DNSSECAlgorithm }> = [
  // ScaiDNS "Algorithms reference": 8, 10, 13, 14, 15; all five are dnsfleet's (crds/v1alpha1/dnssecpolicy.ts).
  { number: 8, mnemonic: 'RSASHA256' },
  { number: 10, mnemonic: 'RSASHA512' },
  { number: 13, mnemonic: 'ECDSAP256SHA256' },
  { number: 14, mnemonic: 'ECDSAP384SHA384' },
  { number: 15, mnemonic: 'ED25519' },
];
/** ScaiDNS: "algorithm … default 13"; RcodeZero's sign uses it too. */
export const DEFAULT_ALGORITHM = 13;

export function policyNameFor(algorithm: number): string {
  return `api-${mnemonicOf(algorithm).toLowerCase()}`;
}

export function mnemonicOf(algorithm: number): DNSSECAlgorithm {
  const a = ALGORITHMS.find((x) => x.number === algorithm);
  if (!a) throw new BadRequestError(`algorithm ${algorithm} is not supported: use ${ALGORITHMS.map((x) => `${x.number} (${x.mnemonic})`).join(', ')}`, { field: 'algorithm' });
  return a.mnemonic;
}

export function numberOf(mnemonic: string): number | undefined {
  return ALGORITHMS.find((x) => x.mnemonic === mnemonic)?.number;
}

export function newPolicyObject(namespace: string, algorithm: number): DNSSECPolicy {
  return { apiVersion: API_VERSION, kind: 'DNSSECPolicy', metadata: { name: policyNameFor(algorithm), namespace, labels: { [CREATED_BY]: 'api' } }, spec: { algorithm: mnemonicOf(algorithm) } };
}

/** POST …/dnssec/enable: `{}` or `{"algorithm": 13}`; an empty body is `{}`. */
export function parseEnableRequest(body: unknown): number {
  if (body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0)) return DEFAULT_ALGORITHM;
  const o = objectBody(body, '{"algorithm": 13}');
  const extra = Object.keys(o).filter((k) => k !== 'algorithm');
  if (extra.length > 0) throw new BadRequestError(`unknown field ${extra.map((k) => `"${k}"`).join(', ')}: expected algorithm`, { fields: extra });
  if (o.algorithm === undefined) return DEFAULT_ALGORITHM;
  if (typeof o.algorithm !== 'number' || !Number.isInteger(o.algorithm)) throw new BadRequestError(`algorithm must be an integer (8, 10, 13, 14 or 15), got ${JSON.stringify(o.algorithm)}`, { field: 'algorithm' });
  mnemonicOf(o.algorithm);
  return o.algorithm;
}

/** A DS record in presentation format (`example.com. 86400 IN DS 12345 13 2 A1B2…`), as status.dnssec.dsRecords has them. */
export function parseDsText(text: string): ScaiDsRecord | undefined {
  const m = /(?:^|\s)DS\s+(\d+)\s+(\d+)\s+(\d+)\s+([0-9A-Fa-f\s]+)$/.exec(text.trim());
  if (!m) return undefined;
  return { key_tag: Number(m[1]), algorithm: Number(m[2]), digest_type: Number(m[3]), digest: m[4]!.replace(/\s+/g, '').toUpperCase() };
}

export function dsRecordsOf(dnssec: ZoneDNSSECStatus | undefined): ScaiDsRecord[] {
  return (dnssec?.dsRecords ?? []).map(parseDsText).filter((d): d is ScaiDsRecord => d !== undefined);
}

/** The DS the annotation `dnsfleet.io/ds-published` takes, one per line (docs/api.md). */
export function dsText(zoneName: string, ds: ScaiDsRecord): string {
  return `${zoneName.replace(/\.?$/, '.')} IN DS ${ds.key_tag} ${ds.algorithm} ${ds.digest_type} ${ds.digest.toUpperCase()}`;
}

/** POST …/dnssec/confirm-ds-published: `{"ds_records": [{key_tag, algorithm, digest_type, digest}]}`. */
export function parseConfirmRequest(body: unknown): ScaiDsRecord[] {
  const o = objectBody(body, '{"ds_records": [{"key_tag": 12345, "algorithm": 13, "digest_type": 2, "digest": "A1B2…"}]}');
  if (!Array.isArray(o.ds_records) || o.ds_records.length === 0) throw new BadRequestError('ds_records must be a list of at least one DS record {key_tag, algorithm, digest_type, digest}', { field: 'ds_records' });
  return o.ds_records.map((raw: unknown, i: number) => {
    const where = `ds_records[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new BadRequestError(`${where} must be an object {key_tag, algorithm, digest_type, digest}`, { field: where });
    const r = raw as Record<string, unknown>;
    const int = (k: string, max: number): number => {
      const v = r[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new BadRequestError(`${where}.${k} must be an integer from 0 to ${max}, got ${JSON.stringify(v)}`, { field: `${where}.${k}` });
      return v;
    };
    const digest = r.digest;
    if (typeof digest !== 'string' || !/^[0-9A-Fa-f]+$/.test(digest) || digest.length % 2 !== 0) throw new BadRequestError(`${where}.digest must be the digest in hex, got ${JSON.stringify(digest)}`, { field: `${where}.digest` });
    return { key_tag: int('key_tag', 65535), algorithm: int('algorithm', 255), digest_type: int('digest_type', 255), digest: digest.toUpperCase() };
  });
}

/**
 * ScaiDNS: "validates the provided DS records against the zone's current KSKs. Mismatches
 * return 400". The current KSKs' DS are the operator's status.dnssec.dsRecords (made from the
 * keys by dataplane/dnssec, which the API may not import: ADR 0001); every DS given must be one
 * of them, and every key wanted must have one. Returns the message of the first mismatch, in the
 * words of dataplane/dnssec/ds-check.ts, or undefined when all match.
 */
export function dsMismatch(given: readonly ScaiDsRecord[], wanted: readonly ScaiDsRecord[]): string | undefined {
  const tags = [...new Set(wanted.map((w) => w.key_tag))];
  const wantedText = tags.length === 0 ? 'no DS is wanted now' : `the DS wanted is for key tag ${tags.join(', ')}`;
  if (wanted.length === 0) return `${wantedText}: nothing to confirm`;
  for (const [i, ds] of given.entries()) {
    const sameTag = wanted.filter((w) => w.key_tag === ds.key_tag);
    if (sameTag.length === 0) return `ds_records[${i}]: key tag ${ds.key_tag} is not ${tags.join(' or ')} (${wantedText})`;
    if (!sameTag.some((w) => w.algorithm === ds.algorithm)) return `ds_records[${i}]: algorithm ${ds.algorithm} is not ${sameTag[0]!.algorithm} (${wantedText})`;
    const sameType = sameTag.filter((w) => w.digest_type === ds.digest_type);
    if (sameType.length === 0) return `ds_records[${i}]: digest type ${ds.digest_type} is not ${[...new Set(sameTag.map((w) => w.digest_type))].join(' or ')} (${wantedText})`;
    if (!sameType.some((w) => w.digest === ds.digest)) return `ds_records[${i}]: the digest of DS ${ds.key_tag} ${ds.algorithm} ${ds.digest_type} differs (${wantedText})`;
  }
  const missing = tags.filter((t) => !given.some((g) => g.key_tag === t));
  if (missing.length > 0) return `no DS for key tag ${missing.join(', ')}: ${wantedText}`;
  return undefined;
}

export function scaiKey(k: DNSSECKeyStatus): ScaiKey {
  return {
    key_tag: k.keyTag,
    algorithm: numberOf(k.algorithm) ?? 0,
    key_type: k.role,
    created_at: k.created,
    expires_at: k.nextActionAt ?? null,
    active: k.state === 'active' || k.state === 'signing',
    state: k.state,
  };
}

/** GET /api/v1/domains/{domain}/dnssec from a zone's spec.dnssecPolicy and status.dnssec. */
export function scaiState(policy: string | undefined, dnssec: ZoneDNSSECStatus | undefined): ScaiDnssecState {
  const keys = dnssec?.keys ?? [];
  const ksk = keys.filter((k) => k.role !== 'ZSK').map(scaiKey);
  const zsk = keys.filter((k) => k.role === 'ZSK').map(scaiKey);
  const fromPolicy = ALGORITHMS.find((a) => policy === policyNameFor(a.number))?.number;
  const algorithm = ksk.find((k) => k.active)?.algorithm ?? ksk[0]?.algorithm ?? fromPolicy ?? null;
  const status = dnssec?.state ?? 'disabled';
  // A policy named and no status yet: the operator has not made the keys; ScaiDNS has no such state, pending_ds is the nearest.
  return { enabled: policy !== undefined, status: policy !== undefined && status === 'disabled' ? 'pending_ds' : status, algorithm, ksk, zsk, ds_records: dsRecordsOf(dnssec) };
}

/** The condition of a type, if any. */
export function conditionOf(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
