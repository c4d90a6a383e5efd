import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import { DS_PUBLISHED_ANNOTATION, ROTATE_KSK_ANNOTATION, ROTATE_ZSK_ANNOTATION } from '../../crds/v1alpha1/dnssecpolicy';
import type { Condition, ObjectMeta } from '../../crds/v1alpha1/meta';
import type { ZoneDNSSECStatus } from '../../crds/v1alpha1/zone';
import { Name } from '../../dataplane/dns/name';
import { view, wantedDsKeys } from '../../dataplane/dnssec/lifecycle';
import { queryParentDs, type ParentDsResult, type ParentNameserver } from '../../dataplane/transfer/parent-ds';
import { openOrder, sealOrder, type SigningOrder } from '../../dataplane/dnssec/signing-order';
import { driveSigning, emptyRecord, type SigningInput, type SigningPolicy, type SigningRecord } from '../../dataplane/dnssec/zone-signing';
import { signingPolicy } from '../../dataplane/manifest/dnssec-policy';
import type { Logger } from '../../dataplane/log/log';
import type { SigningReport, UnsignedZone, ZoneStore } from '../../dataplane/store/zone-store';
import type { Zone as DnsZone } from '../../dataplane/zone/zone';
import { getCondition, type ConditionInput } from '../conditions';
import type { EventRecord } from '../kube/client';
import { step } from '../reconcile-error';
import { DNSSEC_CONDITION, policyProblem } from '../dnssecpolicy/signing-status';
import { dnssecStatus, DS_PUBLISHED_CONDITION, dsPublishedCondition, signingCondition, SigningReason, signingEvents } from './dnssec-status';
import type { KeyEncryptionKey } from './kek';
import type { KeyRecords } from './key-secret';

/**
 * One zone's signing as the Zone and SecondaryZone controllers run it on every reconcile (ADR
 * 0015): read the zone's `SigningRecord` (its Secret), take one step of the key lifecycle
 * (`driveSigning`, with the annotations), write the record back BEFORE acting on the step, then
 * hand the control server the signing order, its private keys sealed with the key-encryption key
 * (`putSigned`), or take the zone back from it once it is unsigned (`deleteSigned`). What comes
 * back says what the status, the conditions and the Events show and when to look again
 * (`nextWakeAt`). The unsigned zone itself is the controller's to write (`putZone`) whenever the
 * store holds no signed entry for it.
 */

export interface ZoneSigningOptions {
  readonly store: ZoneStore;
  readonly log: Logger;
  readonly records: KeyRecords;
  /** Undefined when the operator runs no control server: nothing can sign. */
  readonly kek?: KeyEncryptionKey;
  readonly now?: () => Date;
  /** The store's epoch as last read: a new one means the store lost the entries handed over. */
  readonly storeEpoch?: () => string | undefined;
  /** Mode Parent: asks the parent's nameservers for the zone's DS (dataplane/transfer/parent-ds.ts by default). */
  readonly parentDs?: (origin: string, servers: readonly ParentNameserver[]) => Promise<ParentDsResult>;
}

export interface SigningSubject {
  readonly kind: 'Zone' | 'SecondaryZone';
  readonly metadata: ObjectMeta & { readonly name: string };
  readonly conditions: readonly Condition[] | undefined;
  /** The zone's name in the store (absolute, lower case). */
  readonly origin: string;
  readonly owner: string;
  readonly policyName: string | undefined;
  /** The named DNSSECPolicy as the informer's cache holds it. */
  readonly policy: DNSSECPolicy | undefined;
  /** The unsigned zone, for its TTLs (RFC 7583 §3.2.1); undefined when there is none yet (a secondary zone not yet transferred). */
  readonly zone: DnsZone | undefined;
  /** A primary zone's unsigned version, for the control server to sign. */
  readonly unsigned?: UnsignedZone;
  /** The zone was never written for the clouds unsigned (a new Zone with a policy). */
  readonly neverServedUnsigned?: boolean;
}

export interface SigningOutcome {
  /** The store holds a signed entry for the zone: the clouds serve the control server's version, not `putZone`'s. */
  readonly signed: boolean;
  /** `status.dnssec`; undefined: the zone has nothing to say about signing (never signed, names no policy). */
  readonly status?: ZoneDNSSECStatus;
  /** `DNSSEC` and `DSPublished` (undefined input: the condition goes). */
  readonly conditions: ReadonlyArray<{ readonly type: string; readonly input: ConditionInput | undefined }>;
  readonly events: readonly EventRecord[];
  readonly report?: SigningReport;
  /** Look again then at the latest (the lifecycle's next timer). */
  readonly requeueAfterMs?: number;
  /** The signed entry was just taken back: the unsigned zone must go out with a serial newer than this (RFC 1982). */
  readonly unsignedAfterSerial?: number;
}

export class ZoneSigning {
  /** `kind/namespace/name` → digest of the (unsealed) order and unsigned zone last handed over. */
  private readonly handed = new Map<string, string>();
  /** Mode Parent: `kind/namespace/name` → when the parent was last asked (ms) and what it said. */
  private readonly asked = new Map<string, { readonly at: number; readonly result: ParentDsResult }>();

  constructor(private readonly o: ZoneSigningOptions) {}

  /**
   * Whether the zone takes part in signing: it names a policy, or it is not yet unsigned (its
   * status, or its record as kept, says so). A zone that never named a policy costs nothing.
   */
  involved(kind: 'Zone' | 'SecondaryZone', metadata: ObjectMeta & { name: string }, policyName: string | undefined, status: ZoneDNSSECStatus | undefined): boolean {
    if (policyName !== undefined) return true;
    if (status !== undefined && status.state !== 'disabled') return true;
    const kept = this.o.records.kept(kind, metadata.namespace ?? 'default', metadata.name);
    return kept !== undefined && kept.state.phase !== 'unsigned';
  }

  async step(s: SigningSubject): Promise<SigningOutcome> {
    const namespace = s.metadata.namespace ?? 'default';
    const key = `${s.kind}/${namespace}/${s.metadata.name}`;
    const stored = await step(`read the DNSSEC keys of ${key}`, () => this.o.records.read(s.kind, s.metadata));
    const signedNow = stored !== undefined && stored.state.phase !== 'unsigned';

    // A policy named but missing or invalid: nothing is driven (see signing-status.ts).
    const problem = policyProblem(namespace, s.policyName, s.policy, signedNow);
    if (problem) return this.hold(s, stored, problem);
    if (!this.o.kek) {
      const input: ConditionInput = { type: DNSSEC_CONDITION, status: 'False', reason: SigningReason.NoKeyEncryptionKey, message: 'the operator runs no control server (--control-namespace), so nothing signs zones; the zone is served as it is' };
      return this.hold(s, stored, input);
    }
    if (!s.zone) {
      // A secondary zone not transferred yet: there is nothing to sign, and no TTL to time the keys by.
      return { signed: false, ...(s.policyName !== undefined ? { status: { state: 'disabled' } } : {}), conditions: [{ type: DNSSEC_CONDITION, input: { type: DNSSEC_CONDITION, status: 'False', reason: SigningReason.Disabled, event: 'Normal', message: 'not signed yet: waiting for the first copy of the zone' } }], events: [] };
    }
    const policy = s.policy ? signingPolicy(s.policy.spec) : undefined;
    const now = Math.floor((this.o.now?.() ?? new Date()).getTime() / 1000);
    const record = stored ?? emptyRecord();
    const parent = await this.askParent(key, s.origin, policy, record);
    const input: SigningInput = {
      now,
      origin: Name.fromText(s.origin),
      ...(policy ? { policy } : {}),
      zone: s.zone,
      ...(stored === undefined && s.neverServedUnsigned ? { neverServedUnsigned: true } : {}),
      annotations: annotationsOf(s.metadata),
      ...(parent?.result.confirmed ? { parentDsTags: parent.result.tags } : {}),
    };
    const result = driveSigning(record, input);

    // The record first: a key generated now is kept before its DNSKEY is handed to the signer.
    if (stored !== undefined || result.record.state.phase !== 'unsigned') {
      const written = await step(`write the DNSSEC keys of ${key} (Secret)`, () => this.o.records.write(s.kind, s.metadata, result.record));
      if (written) this.o.log.info('DNSSEC keys written', { key, state: result.view.state, keys: result.view.keys.map((k) => `${k.role} ${k.keyTag}`).join(',') });
    }

    let unsignedAfterSerial: number | undefined;
    let report: SigningReport | undefined;
    if (result.order) {
      await this.handOver(key, s, result.order);
      report = await step(`read the control server's signing report on ${s.origin}`, () => this.o.store.signingReport(s.origin));
    } else {
      unsignedAfterSerial = await this.takeBack(key, s);
    }

    const events = signingEvents(result.messages, result.dsCheck);
    if (parent?.fresh && !parent.result.confirmed) this.o.log.warn('the parent nameservers do not agree on the DS, or some did not answer', { key, zone: s.origin, problem: parentProblem(parent.result) });
    for (const e of events) this.o.log.info('DNSSEC step', { key, reason: e.reason, note: e.note });
    const requeueAfterMs = result.nextWakeAt !== undefined ? Math.max(0, result.nextWakeAt * 1000 - (this.o.now?.() ?? new Date()).getTime()) : undefined;
    const unsigned = result.view.state === 'disabled' && s.policyName === undefined;
    return {
      signed: result.order !== undefined,
      ...(unsigned && stored === undefined ? {} : { status: dnssecStatus(result.view, report) }),
      conditions: [
        { type: DNSSEC_CONDITION, input: unsigned ? undefined : signingCondition(result.view, report) },
        { type: DS_PUBLISHED_CONDITION, input: withParent(dsPublishedCondition(result.view, result.dsCheck, getCondition(s.conditions, DS_PUBLISHED_CONDITION)), parent?.result) },
      ],
      events,
      ...(report ? { report } : {}),
      ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
      ...(unsignedAfterSerial !== undefined ? { unsignedAfterSerial } : {}),
    };
  }

  /** Removes the zone's signed entry (the object is deleted); its Secret goes with it (owner reference). */
  async remove(kind: 'Zone' | 'SecondaryZone', metadata: ObjectMeta & { name: string }, origin: string, owner: string): Promise<void> {
    await step(`remove the signed entry of ${origin} from the store`, () => this.o.store.deleteSigned(origin, owner));
    this.forget(kind, metadata.namespace ?? 'default', metadata.name);
  }

  forget(kind: 'Zone' | 'SecondaryZone', namespace: string, name: string): void {
    this.handed.delete(`${kind}/${namespace}/${name}`);
    this.asked.delete(`${kind}/${namespace}/${name}`);
    this.o.records.forget(kind, namespace, name);
  }

  /**
   * Mode Parent (Knot's `ksk-submission`): while a DS is awaited at the parent or going from it,
   * ask every parent nameserver for the zone's DS at most once per `checkInterval`; the last
   * answer is kept between asks. Undefined in mode Manual or when nothing is awaited.
   */
  private async askParent(key: string, origin: string, policy: SigningPolicy | undefined, record: SigningRecord): Promise<{ result: ParentDsResult; fresh: boolean } | undefined> {
    const servers = policy?.dsConfirmation.mode === 'Parent' ? policy.dsConfirmation.parentNameservers : undefined;
    if (!policy || !servers || servers.length === 0) return undefined;
    const awaited = record.state.phase === 'unsigning' || wantedDsKeys(record.state).some((k) => k.dsSeen === undefined);
    if (!awaited) {
      this.asked.delete(key);
      return undefined;
    }
    const nowMs = (this.o.now?.() ?? new Date()).getTime();
    const last = this.asked.get(key);
    if (last && nowMs - last.at < policy.dsConfirmation.checkInterval * 1000) return { result: last.result, fresh: false };
    const result = await (this.o.parentDs ?? ((o, list) => queryParentDs(o, list)))(origin, servers);
    this.asked.set(key, { at: nowMs, result });
    return { result, fresh: true };
  }

  /** The order for the control server, sealed; written only when it or the unsigned zone changed. */
  private async handOver(key: string, s: SigningSubject, order: SigningOrder): Promise<void> {
    const digest = createHash('sha256')
      .update(JSON.stringify([order, s.unsigned ?? null, s.owner, this.o.storeEpoch?.() ?? null]))
      .digest('hex');
    if (this.handed.get(key) === digest) return;
    const kek = await step('read the key-encryption key', () => this.o.kek!.get());
    // After a start: the store may hold this very order already (sealed anew it would look changed and be signed again).
    if (!this.handed.has(key)) {
      const current = await step(`read the signed entry of ${s.origin}`, () => this.o.store.getSigned(s.origin));
      if (current && current.owner === s.owner && isDeepStrictEqual(current.unsigned ?? null, s.unsigned ?? null) && sameOrder(current.order, order, kek, s.origin)) {
        this.handed.set(key, digest);
        return;
      }
    }
    await step(`hand the signing order of ${s.origin} to the control server`, () => this.o.store.putSigned({ origin: s.origin, owner: s.owner, order: sealOrder(order, kek, s.origin), ...(s.unsigned ? { unsigned: s.unsigned } : {}) }));
    this.handed.set(key, digest);
    this.o.log.info('signing order handed to the control server', { key, zone: s.origin, keys: order.keys.map((k) => `${k.tag}${k.signsKeys ? '/keys' : ''}${k.signsZone ? '/zone' : ''}`).join(','), ...(s.unsigned ? { unsignedSerial: s.unsigned.serial } : {}) });
  }

  /** No order: the store must hold no signed entry of this owner. Returns the last signed serial when one was taken back. */
  private async takeBack(key: string, s: SigningSubject): Promise<number | undefined> {
    this.handed.delete(key);
    const current = await step(`read the signed entry of ${s.origin}`, () => this.o.store.getSigned(s.origin));
    if (!current || current.owner !== s.owner) return undefined;
    const report = await step(`read the control server's signing report on ${s.origin}`, () => this.o.store.signingReport(s.origin));
    await step(`remove the signed entry of ${s.origin} from the store`, () => this.o.store.deleteSigned(s.origin, s.owner));
    this.o.log.info('zone unsigned: taken back from the control server', { key, zone: s.origin, lastSignedSerial: report?.signedSerial });
    return report?.signedSerial ?? current.unsigned?.serial ?? 0;
  }

  /** The policy cannot be used now: the zone stays as it is, and says why. */
  private async hold(s: SigningSubject, stored: SigningRecord | undefined, input: ConditionInput): Promise<SigningOutcome> {
    const signed = stored !== undefined && stored.state.phase !== 'unsigned';
    const report = signed ? await step(`read the control server's signing report on ${s.origin}`, () => this.o.store.signingReport(s.origin)) : undefined;
    const v = stored ? view(stored.state) : undefined;
    return {
      // What the store holds stays: a signed zone keeps being re-signed by the control server with its last order.
      signed: signed && (await step(`read the signed entry of ${s.origin}`, () => this.o.store.getSigned(s.origin)))?.owner === s.owner,
      status: v ? dnssecStatus(v, report) : { state: 'disabled' },
      conditions: [
        { type: DNSSEC_CONDITION, input },
        { type: DS_PUBLISHED_CONDITION, input: v ? dsPublishedCondition(v, undefined, getCondition(s.conditions, DS_PUBLISHED_CONDITION)) : undefined },
      ],
      events: [],
      ...(report ? { report } : {}),
    };
  }
}

/** What the parent's nameservers said, in a few words (no server answered, or they disagree). */
function parentProblem(r: ParentDsResult): string {
  const errors = r.errors.map((e) => e.message);
  const answers = r.answers.map((a) => `${a.server}: ${a.tags.length > 0 ? `DS ${a.tags.join(', ')}` : 'no DS'}`);
  return [...errors, ...answers].join('; ');
}

/** Mode Parent: the DSPublished condition says what the parent's nameservers answered while the DS is awaited. */
function withParent(input: ConditionInput | undefined, r: ParentDsResult | undefined): ConditionInput | undefined {
  if (!input || !r || input.status === 'True') return input;
  return { ...input, message: `${input.message}; the parent's nameservers were asked: ${r.confirmed ? (r.tags.length > 0 ? `DS ${r.tags.join(', ')}` : 'no DS') : `no agreement (${parentProblem(r)})`}` };
}

/** The annotations `driveSigning` reads (dnssecpolicy.ts). */
export function annotationsOf(metadata: ObjectMeta): NonNullable<SigningInput['annotations']> {
  const a = metadata.annotations ?? {};
  const pick = (name: string): string | undefined => a[name];
  const dsPublished = pick(DS_PUBLISHED_ANNOTATION);
  const rotateKsk = pick(ROTATE_KSK_ANNOTATION);
  const rotateZsk = pick(ROTATE_ZSK_ANNOTATION);
  return { ...(dsPublished !== undefined ? { dsPublished } : {}), ...(rotateKsk !== undefined ? { rotateKsk } : {}), ...(rotateZsk !== undefined ? { rotateZsk } : {}) };
}

/** The same order, once opened (sealing uses a fresh IV every time, so sealed orders never compare equal). */
function sameOrder(sealed: SigningOrder<string>, order: SigningOrder, kek: Uint8Array, origin: string): boolean {
  try {
    return isDeepStrictEqual(openOrder(sealed, kek, origin), order);
  } catch {
    return false;
  }
}
