import { randomBytes, randomUUID } from 'node:crypto';
import type { Name } from '../dns/name';
import type { RRset, Zone } from '../zone/zone';
import { soaMinimum } from '../zone/zone';
import type { DsCheckResult } from './ds-check';
import { checkDsAnnotation } from './ds-check';
import type { Algorithm, DigestType } from './keys';
import { dsRecordText, generateKey, importKey, KSK_FLAGS, keyTag, ZSK_FLAGS } from './keys';
import type { DsMessage, KeyRole, LifecycleEvent, LifecyclePolicy, LifecycleState, LifecycleView, ZoneTimings } from './lifecycle';
import { initialState, run, view, wantedDsKeys } from './lifecycle';
import type { DenialParameters, SignatureParameters, SigningOrder } from './signing-order';
import { orderOf } from './signing-order';

/**
 * One zone's signing, driven: the part that the operator (per reconcile) and `dnsfleet serve`
 * (per load and timer) share between the key lifecycle (lifecycle.ts) and the signer. It takes
 * what the zone's owner persisted (`SigningRecord`: the lifecycle state, the private keys, what
 * it last acted on), the policy, the zone's timings, the annotations and what the parent
 * publishes, and returns the new record to persist, the DS messages to announce, the result of a
 * DS confirmation, and the signing order for the signer. Pure but for key generation.
 */

/** A DNSSECPolicy in the signer's units (dataplane/manifest/dnssec-policy.ts makes it from the API type). */
export interface SigningPolicy {
  readonly lifecycle: LifecyclePolicy;
  readonly digestTypes: readonly DigestType[];
  readonly signatures: { readonly validity: number; readonly refresh: number; readonly jitter: number };
  /** NSEC3 with `saltLength` octets of salt (made once per zone and kept), or NSEC. */
  readonly denial: { readonly type: 'NSEC' } | { readonly type: 'NSEC3'; readonly iterations: number; readonly saltLength: number; readonly optOut: boolean };
  readonly dsConfirmation: {
    readonly mode: 'Manual' | 'Parent';
    readonly checkInterval: number;
    /** Mode Parent: the parent zone's nameservers to ask for the DS (dataplane/transfer/parent-ds.ts). */
    readonly parentNameservers?: ReadonlyArray<{ readonly address: string; readonly port?: number }>;
  };
}

/** What the zone's owner persists (a Secret, or a file of the state directory). Private: never in status or logs. */
export interface SigningRecord {
  readonly version: 1;
  readonly state: LifecycleState;
  /** Key id → PKCS#8 PEM. */
  readonly keys: Readonly<Record<string, string>>;
  /** The signature parameters last used: kept for unsigning after the policy is gone. */
  readonly parameters?: SignatureParameters;
  /** The NSEC3 salt made for the zone (hex), kept so the chain does not change on every signing. */
  readonly salt?: string;
  /** The largest TTL the zone had while signed: RFC 7583 §3.2.1 TTLsig after a TTL decrease. */
  readonly maxTTL?: number;
  /** Annotation values already acted on (a forced rollover starts on a new value only). */
  readonly seen?: { readonly rotateKsk?: string; readonly rotateZsk?: string; readonly dsPublished?: string };
}

export interface SigningInput {
  /** Seconds since the epoch. */
  readonly now: number;
  readonly origin: Name;
  /** Undefined when the zone names no policy: it is unsigned, safely. */
  readonly policy?: SigningPolicy;
  /** The unsigned zone, for its TTLs. */
  readonly zone: Zone;
  /** The zone was never served unsigned (a new zone with a policy). */
  readonly neverServedUnsigned?: boolean;
  /** `dnsfleet.io/ds-published`, `dnsfleet.io/rotate-ksk`, `dnsfleet.io/rotate-zsk`. */
  readonly annotations?: { readonly dsPublished?: string; readonly rotateKsk?: string; readonly rotateZsk?: string };
  /** Mode `Parent`: the key tags of the DS RRset every parent nameserver returns ([] none). */
  readonly parentDsTags?: readonly number[];
}

export interface SigningResult {
  readonly record: SigningRecord;
  /** DSUpdate, DSSeen, DSRemoved in the order they happened. */
  readonly messages: readonly DsMessage[];
  /** The check of a new `dnsfleet.io/ds-published` value (a Warning when not `ok`). */
  readonly dsCheck?: DsCheckResult;
  /** What to sign now; undefined when the zone is served unsigned. */
  readonly order?: SigningOrder;
  /** Seconds since the epoch: drive again then if nothing happens before. */
  readonly nextWakeAt?: number;
  /** What `status.dnssec` shows. */
  readonly view: LifecycleView;
}

/** The default parameters of a zone that lost its policy before any signing: never used to sign. */
const NO_PARAMETERS: SignatureParameters = { validity: 14 * 86400, refresh: 5 * 86400, jitter: 0, dnskeyTtl: 3600, denial: { type: 'NSEC' }, cdsDigestTypes: [2] };

export function emptyRecord(): SigningRecord {
  return { version: 1, state: initialState(), keys: {} };
}

/** The zone's TTL facts (RFC 7583 §3.2.1 TTLsig, RFC 2308 §5 negative TTL). */
export function zoneTimings(zone: Zone, previousMax = 0): ZoneTimings {
  let maxTTL = previousMax;
  for (const node of zone.nodes.values()) for (const rrset of node.rrsets.values()) maxTTL = Math.max(maxTTL, maxTtlOf(rrset));
  return { maxTTL, negativeTTL: Math.min(zone.soa.ttl, soaMinimum(zone.soa.rdata[0]!)) };
}

function maxTtlOf(rrset: RRset): number {
  return rrset.ttls ? Math.max(rrset.ttl, ...rrset.ttls) : rrset.ttl;
}

/** One step of the zone's signing; see the module comment. */
export function driveSigning(record: SigningRecord, input: SigningInput): SigningResult {
  const { now, origin, policy } = input;
  const events: LifecycleEvent[] = [];
  const seen = { ...record.seen };
  const annotations = input.annotations ?? {};

  // A forced rollover per new annotation value; the first value seen on a zone starts none.
  for (const [field, type] of [['rotateKsk', 'rotateKsk'], ['rotateZsk', 'rotateZsk']] as const) {
    const value = annotations[field];
    if (value !== undefined && value !== seen[field]) {
      if (record.state.phase === 'signing') events.push({ type });
      seen[field] = value;
    }
  }

  // The DS the parent publishes: the annotation (mode Manual) or the parent's answers (Parent).
  let dsCheck: DsCheckResult | undefined;
  const digestTypes = policy?.digestTypes ?? record.parameters?.cdsDigestTypes ?? [2];
  const wanted = wantedDsKeys(record.state);
  if (input.parentDsTags !== undefined) {
    const atParent = new Set(input.parentDsTags);
    const seenTags = wanted.filter((k) => atParent.has(k.tag) && k.dsSeen === undefined).map((k) => k.tag);
    if (seenTags.length > 0) events.push({ type: 'dsSeen', tags: seenTags });
    const goneTags = record.state.keys.filter((k) => (k.dsSeen !== undefined || k.dsSubmitted !== undefined) && k.dsGone === undefined && !atParent.has(k.tag)).map((k) => k.tag);
    if (goneTags.length > 0 && (record.state.phase === 'unsigning' || goneTags.some((t) => record.state.keys.some((k) => k.tag === t && k.dsSeen !== undefined)))) events.push({ type: 'dsGone', tags: goneTags });
  } else if (annotations.dsPublished !== undefined) {
    const keys = wanted.map((k) => importKey(k.algorithm as Algorithm, KSK_FLAGS, record.keys[k.id]!));
    const result = checkDsAnnotation(annotations.dsPublished, { owner: origin, keys, digestTypes });
    if (result.ok && result.kind === 'confirmed') {
      const fresh = result.tags.filter((t) => wanted.some((k) => k.tag === t && k.dsSeen === undefined));
      if (fresh.length > 0) events.push({ type: 'dsSeen', tags: fresh });
    } else if (result.ok && result.kind === 'removed') {
      if (record.state.keys.some((k) => k.dsSubmitted !== undefined && k.dsGone === undefined)) events.push({ type: 'dsGone' });
    }
    // Reported when the value is new, or when it now confirms something.
    if (annotations.dsPublished !== seen.dsPublished || events.some((e) => e.type === 'dsSeen' || e.type === 'dsGone')) dsCheck = result;
    seen.dsPublished = annotations.dsPublished;
  }

  const timings = zoneTimings(input.zone, record.maxTTL);
  const zone: ZoneTimings = { ...timings, ...(input.neverServedUnsigned ? { neverServedUnsigned: true } : {}) };
  const keys: Record<string, string> = { ...record.keys };
  const salt = record.salt ?? (policy?.denial.type === 'NSEC3' && policy.denial.saltLength > 0 ? randomBytes(policy.denial.saltLength).toString('hex') : undefined);
  const generate = (role: KeyRole, algorithm: number): Extract<LifecycleEvent, { type: 'keyGenerated' }>['key'] => {
    const key = generateKey(algorithm as Algorithm, { flags: role === 'ZSK' ? ZSK_FLAGS : KSK_FLAGS });
    const id = randomUUID();
    keys[id] = key.privateKeyPem;
    const ds = role === 'ZSK' ? [] : digestTypes.map((d) => dsRecordText(origin, key, d));
    return { id, tag: keyTag(key), algorithm, role, ds };
  };
  const result = run(record.state, { now, policy: policy?.lifecycle, zone, events }, generate);

  const messages: DsMessage[] = [];
  for (const action of result.actions) {
    if (action.type === 'message') messages.push(action.message);
    if (action.type === 'deleteKey') delete keys[action.keyId];
  }
  const parameters = policy ? parametersOf(policy, salt) : record.parameters;
  const order = orderOf(result.state, keys, parameters ?? NO_PARAMETERS);
  const signed = result.state.phase !== 'unsigned';
  const next: SigningRecord = {
    version: 1,
    state: result.state,
    keys,
    ...(parameters ? { parameters } : {}),
    ...(signed && salt !== undefined ? { salt } : {}),
    ...(signed ? { maxTTL: timings.maxTTL } : {}),
    seen,
  };
  let nextWakeAt = result.nextWakeAt;
  // Mode Parent asks the parent again after the interval while a DS is awaited or going.
  if (policy?.dsConfirmation.mode === 'Parent' && (wantedDsKeys(result.state).some((k) => k.dsSeen === undefined) || result.state.phase === 'unsigning')) {
    const ask = now + policy.dsConfirmation.checkInterval;
    nextWakeAt = nextWakeAt === undefined ? ask : Math.min(nextWakeAt, ask);
  }
  return { record: next, messages, ...(dsCheck ? { dsCheck } : {}), ...(order ? { order } : {}), ...(nextWakeAt !== undefined ? { nextWakeAt } : {}), view: view(result.state) };
}

function parametersOf(policy: SigningPolicy, salt: string | undefined): SignatureParameters {
  const d = policy.denial;
  const denial: DenialParameters = d.type === 'NSEC' ? { type: 'NSEC' } : { type: 'NSEC3', iterations: d.iterations, salt: salt ?? '', optOut: d.optOut };
  return { ...policy.signatures, dnskeyTtl: policy.lifecycle.dnskeyTTL, denial, cdsDigestTypes: policy.digestTypes };
}
