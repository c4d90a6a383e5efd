import { objectDetail, type ObjectDetail } from '../metrics';
import { createHash } from 'node:crypto';
import type { Zone, ZoneStatus } from '../../crds/v1alpha1/zone';
import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import { storeOrigin, type OutboundTarget, type PodReport, type ZoneStore } from '../../dataplane/store/zone-store';
import type { Logger } from '../../dataplane/log/log';
import { admissionOfOwnedError, ownerTag, reportRefused, type Admission, type ZoneNames } from '../ownership';
import { describeKubeError, type EventRecord, type KubeClient } from '../kube/client';
import type { ReconcileResult } from '../queue';
import { step } from '../reconcile-error';
import { ensureFinalizer, hasFinalizer, lookAgainOnConflict, removeFinalizer } from '../finalizers';
import { StatusMemory, updateStatus } from '../status-writer';
import { SECRET_RECHECK_MS, TsigSecrets } from '../tsig-secrets';
import { CUSTOMER_SECONDARIES_CONDITION, customerSecondariesCondition, logLeftOut, readCustomerSecondaries } from '../customer-secondaries';
import { DNSSEC_CONDITION } from '../dnssecpolicy/signing-status';
import { DS_PUBLISHED_CONDITION } from '../dnssec/dnssec-status';
import { KeyRecords } from '../dnssec/key-secret';
import { ZoneSigning, type SigningOutcome } from '../dnssec/zone-dnssec';
import type { ConditionInput } from '../conditions';
import { cloudProgress, readyCondition, ZoneReason, zoneReadyEvent } from './zone-status';
import { writeUnsigned, writeZone, type BuiltUnsigned, type ZoneWritten } from './zone-write';

/**
 * Reconciles one Zone: a straight list of steps that each return early (CloudNativePG's shape).
 * It owns the Zone's `Ready` condition and `status.serial`, `status.clouds`. The Zone is read from
 * the informer's cache, never from the API server.
 *
 * 1. gone → nothing; being deleted → remove it from the store, then the finalizer;
 * 2. make sure the finalizer is there, so a deletion reaches step 1 (a write ends the reconcile:
 *    its watch event runs it again);
 * 3. a name the Zone may not have (ADR 0008) → refused, nothing written;
 * 4. when the Zone or an input of its zone changed since the last pass (its generation, the keys
 *    of its customer secondaries, the store's epoch): build, check, serialise and write it
 *    (zone-write.ts). Otherwise this is a progress check and none of that runs again;
 * 5. read what the clouds' pods serve, decide `Ready`, and write the status if it changed;
 *    until every pod serves the serial, look again soon, then less often.
 *
 * A Zone that names a DNSSECPolicy (or is still being unsigned) is built and checked the same way
 * but not written by step 4: step 4b runs its key lifecycle every reconcile (operator/dnssec) and
 * hands the control server the sealed signing order with the unsigned version; the control server
 * writes the signed snapshot under the Zone's owner tag. While the store holds no signed entry
 * (no key signs yet, or the zone was just unsigned) step 4b writes the unsigned version itself.
 *
 * Beside `Ready` (served or not) it owns `DNSSEC` and `DSPublished` (while the zone takes part in
 * signing: where it is, and what the user must do at the parent) and `CustomerSecondaries`
 * (while it lists some: whether each one's key could be read).
 * A Secret is not watched, so a zone whose customer secondary waits for one looks again every 30 s.
 */

export const ZONE_FINALIZER = 'dnsfleet.io/zone-cleanup';

export interface ZoneControllerOptions {
  readonly kube: KubeClient;
  readonly store: ZoneStore;
  readonly log: Logger;
  /** The Zone `name` in `namespace` as the informer's cache holds it. */
  readonly zone: (namespace: string, name: string) => Zone | undefined;
  /** The NameserverClouds that exist, for zones that do not name theirs. */
  readonly clouds: () => readonly string[];
  /** The DNSSECPolicy `name` in `namespace` (the informer's cache). */
  readonly policy: (namespace: string, name: string) => DNSSECPolicy | undefined;
  /** The TSIG Secrets of customer secondaries (shared with the SecondaryZone controller); one of its own when not given. */
  readonly secrets?: TsigSecrets;
  /** The store's epoch as last read (StoreWatch): a new one means the store lost what was written, so every zone is written again. */
  readonly storeEpoch?: () => string | undefined;
  readonly now?: () => Date;
  /** How soon to look again while pods catch up. */
  readonly progressPollMs?: number;
  /** Told the Ready reason of each Zone after a reconcile, and undefined when it is gone. */
  readonly onState?: (key: string, reason: string | undefined, detail?: ObjectDetail) => void;
  /** Who owns each zone name (ADR 0008); without it every Zone may write (its writes still carry its owner tag). */
  readonly names?: ZoneNames;
  /** The zones' key lifecycles (shared with the SecondaryZone controller); one without a key-encryption key (nothing signs) when not given. */
  readonly signing?: ZoneSigning;
}

/** How often a signed zone reads the control server's report once it serves. */
const SIGNED_REPORT_POLL_MS = 60_000;

/** The slowest look at a zone whose pods are still catching up (a cloud whose pods never come). */
const SLOWEST_PROGRESS_POLL_MS = 5000;

/** The last pass of step 4 for a Zone, and what it was run on. */
interface Pass {
  readonly uid: string | undefined;
  readonly generation: number | undefined;
  /** Digest of the inputs: uid, generation, customer secondaries' targets, store epoch. */
  readonly inputs: string;
  readonly written: ZoneWritten;
  /** A signed Zone's last good unsigned version (kept when a later version is refused). */
  readonly unsigned?: BuiltUnsigned;
}

export class ZoneController {
  /** Key → when its current serial was first seen propagating, for polling less the longer it takes. */
  private readonly propagatingSince = new Map<string, { serial: number; since: number }>();
  private readonly passes = new Map<string, Pass>();
  private readonly statuses = new StatusMemory<'Zone'>();
  private readonly secrets: TsigSecrets;
  private readonly signing: ZoneSigning;

  constructor(private readonly o: ZoneControllerOptions) {
    this.secrets = o.secrets ?? new TsigSecrets(o.kube);
    this.signing = o.signing ?? new ZoneSigning({ store: o.store, log: o.log, records: new KeyRecords(o.kube), ...(o.now ? { now: o.now } : {}) });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.o.zone(namespace, name);
    if (!cached) {
      this.forget(key);
      this.o.onState?.(key, undefined);
      return;
    }
    const zone = this.statuses.current(key, cached);
    return lookAgainOnConflict(() => this.steps(key, zone));
  }

  private async steps(key: string, zone: Zone): Promise<ReconcileResult | void> {
    const namespace = zone.metadata.namespace ?? 'default';
    // Every write carries it; the store removes and replaces only what this Zone wrote (ADR 0008).
    const owner = ownerTag('Zone', namespace, zone.metadata.name);

    if (zone.metadata.deletionTimestamp) {
      if (hasFinalizer(zone, ZONE_FINALIZER)) await this.remove(key, zone, owner);
      return;
    }
    if (await ensureFinalizer(this.o.kube, 'Zone', zone, ZONE_FINALIZER)) return;

    const admission = this.o.names?.admit('Zone', zone);
    if (admission && !admission.ok) {
      // A renamed Zone whose new name is refused still gives up its old one (only its own write goes).
      const written = zone.status?.writtenZoneName;
      if (written) await step(`remove the old name ${written} from the store`, () => this.o.store.deleteZone(written, owner));
      return this.refuse(key, zone, admission);
    }

    // A changed Zone reads its customer secondaries' Secrets afresh; a progress check takes a recent read.
    let pass = this.passes.get(key);
    const changed = !pass || pass.uid !== zone.metadata.uid || pass.generation !== zone.metadata.generation;
    const customer = await readCustomerSecondaries(this.secrets, namespace, zone.spec.secondaries, changed);
    const signing = this.signing.involved('Zone', zone.metadata, zone.spec.dnssecPolicy, zone.status?.dnssec);
    const inputs = digest([zone.metadata.uid, zone.metadata.generation, customer.targets, this.o.storeEpoch?.(), signing]);
    const context = { store: this.o.store, log: this.o.log, now: this.o.now, event: (e: EventRecord) => this.event(zone, e) };
    if (pass?.inputs !== inputs) {
      const written = await writeZone(context, key, zone, owner, customer.targets, signing);
      if ('refused' in written) return this.refuse(key, zone, admissionOfOwnedError(written.refused));
      const unsigned = written.unsigned ?? (signing && pass && pass.uid === zone.metadata.uid ? pass.unsigned : undefined);
      pass = { uid: zone.metadata.uid, generation: zone.metadata.generation, inputs, written, ...(unsigned ? { unsigned } : {}) };
      this.passes.set(key, pass);
    }
    let dnssec: SigningOutcome | undefined;
    let serial: number | undefined;
    if (signing && pass.unsigned) {
      // Step 4b: the key lifecycle, every reconcile (its timers and the annotations are not in the Zone's generation).
      const built = pass.unsigned;
      const snap = built.snapshot;
      dnssec = await this.signing.step({
        kind: 'Zone',
        metadata: zone.metadata,
        conditions: zone.status?.conditions,
        origin: snap.origin,
        owner,
        policyName: zone.spec.dnssecPolicy,
        policy: zone.spec.dnssecPolicy === undefined ? undefined : this.o.policy(namespace, zone.spec.dnssecPolicy),
        zone: built.zone,
        unsigned: { serial: snap.serial, text: snap.text, clouds: snap.clouds, ...(snap.secondaries ? { secondaries: snap.secondaries } : {}) },
        neverServedUnsigned: zone.status?.writtenZoneName === undefined,
      });
      for (const e of dnssec.events) this.event(zone, e);
      if (!dnssec.signed) {
        const out = await writeUnsigned(context, key, built, dnssec.unsignedAfterSerial);
        if ('refused' in out) return this.refuse(key, zone, admissionOfOwnedError(out.refused));
        serial = out.serial;
      }
    }
    return this.report(key, zone, pass.written, customer.problems, dnssec, serial);
  }

  /** Step 1: the Zone leaves the clouds (its current and its last written name), then the finalizer goes. */
  private async remove(key: string, zone: Zone, owner: string): Promise<void> {
    const origin = storeOrigin(zone.spec.zoneName);
    const written = zone.status?.writtenZoneName;
    // The signer first, or it would write the signed version again; the key Secret goes with the Zone (owner reference).
    if (written && written !== origin) await step(`remove the signed entry of ${written} from the store`, () => this.o.store.deleteSigned(written, owner));
    await this.signing.remove('Zone', zone.metadata, origin, owner);
    if (written) await step(`remove zone ${written} from the store`, () => this.o.store.deleteZone(written, owner));
    const version = await step(`remove zone ${origin} from the store`, () => this.o.store.deleteZone(origin, owner));
    this.o.log.info('zone removed from the clouds', { zone: zone.spec.zoneName, key, version });
    await removeFinalizer(this.o.kube, 'Zone', zone, ZONE_FINALIZER);
    this.forget(key);
  }

  /** Step 5: the cheap part, run on every reconcile: the pods' reports, the conditions, the status. */
  private async report(key: string, zone: Zone, written: ZoneWritten, problems: readonly string[], dnssec?: SigningOutcome, writtenSerial?: number): Promise<ReconcileResult | void> {
    const origin = storeOrigin(zone.spec.zoneName);
    const status: ZoneStatus = zone.status ?? {};
    // `status.serial` is the unsigned version's; a signed zone is served with the control server's serial.
    const serial = writtenSerial ?? written.fields.serial ?? status.serial ?? 0;
    const signedReport = dnssec?.signed ? dnssec.report : undefined;
    const awaitingSigner = dnssec?.signed === true && (signedReport?.signedSerial === undefined || signedReport.unsignedSerial !== serial);
    const servedSerial = dnssec?.signed && signedReport?.signedSerial !== undefined ? signedReport.signedSerial : serial;
    // Named clouds that do not exist are reported, not waited for: a new cloud requeues every Zone.
    const known = this.o.clouds();
    const named = zone.spec.nameserverClouds;
    const missing = named ? named.filter((c) => !known.includes(c)) : [];
    const clouds = named ? named.filter((c) => known.includes(c)) : [...known];
    // A refused version keeps the last good one's counts: the pods serve that one.
    let progress = status.clouds ?? [];
    if (written.build.ok) {
      const reports = new Map<string, PodReport[]>();
      for (const cloud of clouds) reports.set(cloud, await step(`read the reports of cloud ${cloud}'s pods`, () => this.o.store.servedBy(cloud)));
      progress = cloudProgress(origin, servedSerial, clouds, reports);
    }
    let ready: ConditionInput = readyCondition(written.build.ok ? { ok: true, serial: servedSerial } : written.build, progress, missing);
    if (written.build.ok && awaitingSigner && (ready.status === 'True' || ready.reason === ZoneReason.Propagating)) ready = { type: 'Ready', status: 'False', reason: ZoneReason.Propagating, message: `serial ${serial} waiting for the control server to sign it` };
    const customer = customerSecondariesCondition(zone.spec.secondaries?.length ?? 0, problems);
    logLeftOut(this.o.log, key, status.conditions, customer, problems);
    const fields = {
      ...written.fields,
      ...(writtenSerial !== undefined ? { serial: writtenSerial } : {}),
      clouds: progress,
      // `kubectl get zones` shows the state in the DNSSEC column.
      ...(dnssec?.status ? { dnssec: dnssec.status } : {}),
    };
    const now = await updateStatus(this.o.kube, this.o.log, 'Zone', zone, {
      fields,
      ready,
      now: this.o.now,
      readyEvent: zoneReadyEvent,
      others: [
        ...(dnssec?.conditions ?? [
          { type: DNSSEC_CONDITION, input: undefined },
          { type: DS_PUBLISHED_CONDITION, input: undefined },
        ]),
        { type: CUSTOMER_SECONDARIES_CONDITION, input: customer },
      ],
    });
    this.statuses.remember(key, zone, now);
    this.o.onState?.(key, ready.reason, objectDetail(written.build.ok ? progress : [], now.conditions));
    const polls: number[] = [];
    if (written.build.ok && ready.reason === ZoneReason.Propagating) polls.push(this.progressPoll(key, servedSerial));
    else this.propagatingSince.delete(key);
    if (problems.length > 0) polls.push(SECRET_RECHECK_MS);
    if (dnssec?.requeueAfterMs !== undefined) polls.push(dnssec.requeueAfterMs);
    // The control server's report is not a watch event: a signed zone looks at it now and then (signature refreshes, problems).
    if (dnssec?.signed) polls.push(SIGNED_REPORT_POLL_MS);
    return polls.length > 0 ? { requeueAfterMs: Math.min(...polls) } : undefined;
  }

  /** Step 3, or the store's guard behind it: `Ready` says why, and the next admitted pass writes afresh. */
  private async refuse(key: string, zone: Zone, refusal: Admission & { ok: false }): Promise<void> {
    this.passes.delete(key);
    this.propagatingSince.delete(key);
    this.statuses.remember(key, zone, await reportRefused(this.o, 'Zone', zone, refusal));
  }

  private forget(key: string): void {
    const [namespace, name] = key.split('/') as [string, string];
    this.signing.forget('Zone', namespace, name);
    this.passes.delete(key);
    this.propagatingSince.delete(key);
    this.statuses.forget(key);
  }

  /**
   * Soon at first (pods load a new version within a second or two), then less often the longer
   * the serial takes to reach every pod — a tenth of the time so far, so `Ready` comes at most
   * 10% late — and a cloud whose pods never come is not asked twice a second forever.
   */
  private progressPoll(key: string, serial: number): number {
    const base = this.o.progressPollMs ?? 500;
    const now = Date.now();
    let seen = this.propagatingSince.get(key);
    if (seen?.serial !== serial) {
      seen = { serial, since: now };
      this.propagatingSince.set(key, seen);
    }
    return Math.min(Math.max(base, (now - seen.since) / 10), Math.max(base, SLOWEST_PROGRESS_POLL_MS));
  }

  /** Events are for people: a failure to record one is logged, never fails the reconcile. */
  private event(zone: Zone, event: EventRecord): void {
    void this.o.kube.recordEvent({ kind: 'Zone', metadata: zone.metadata }, event).catch((err: unknown) => this.o.log.warn('could not record an event', { zone: zone.metadata.name, error: describeKubeError(err) }));
  }
}

/** The inputs of a pass, as one value to compare (the keys of customer secondaries are not kept in clear). */
function digest(inputs: readonly [string | undefined, number | undefined, readonly OutboundTarget[], string | undefined, boolean]): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}
