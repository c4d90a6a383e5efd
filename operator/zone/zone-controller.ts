import { isDeepStrictEqual } from 'node:util';
import type { Zone, ZoneStatus } from '../../crds/v1alpha1/zone';
import { ManifestError } from '../../dataplane/manifest/documents';
import { apiObjectLocator, buildZone } from '../../dataplane/manifest/zone-manifest';
import { snapshotOf } from '../../dataplane/store/snapshot';
import { storeOrigin, ZoneOwnedError, type PodReport, type ZoneStore } from '../../dataplane/store/zone-store';
import { admissionOfOwnedError, ownerTag, reportRefused, type ZoneNames } from '../ownership';
import type { Logger } from '../../dataplane/log/log';
import type { KubeClient } from '../kube/client';
import type { ReconcileResult } from '../queue';
import { getCondition, setCondition } from '../conditions';
import { describeKubeError, type EventRecord } from '../kube/client';
import { cloudProgress, ownSerialProblem, readyCondition, ZoneReason, type BuildOutcome } from './zone-status';
import { keepStoredSerial } from './stored-serial';
import { resolveSecondaries, SECONDARIES_CONDITION, secondariesCondition } from '../outbound-secondaries';
import { conditionEvents, withCondition } from '../condition-events';
import { DNSSEC_CONDITION, dnssecCondition } from '../dnssecpolicy/signing-status';
import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import { DnsfleetError } from '../../dataplane/dns/error';

/**
 * Reconciles one Zone: a straight list of steps that each return early (CloudNativePG's shape).
 * It owns the Zone's `Ready` condition and `status.serial`, `status.clouds`.
 *
 * 1. gone → nothing; being deleted → remove it from the store, then the finalizer;
 * 2. make sure the finalizer is there, so a deletion reaches step 1;
 * 3. build the zone (the same code as `dnsfleet serve`), keeping the managed serial while the spec
 *    is unchanged (from the status, or from the store when a status write was lost); an invalid
 *    zone leaves the store alone, so the last good version keeps serving;
 * 4. write the snapshot when the store does not have it;
 * 5. read what the clouds' pods serve, decide `Ready`, and write the status if it changed;
 *    until every pod serves the serial, look again soon, then less often.
 *
 * Beside `Ready` (served or not) it owns `DNSSEC` (while the zone names a policy: not signed, and
 * why) and `CustomerSecondaries` (while it lists some: whether each one's key could be read).
 * A Secret is not watched, so a zone whose secondary waits for one looks again every 30 s.
 */

export const ZONE_FINALIZER = 'dnsfleet.io/zone-cleanup';

export interface ZoneControllerOptions {
  readonly kube: KubeClient;
  readonly store: ZoneStore;
  readonly log: Logger;
  /** The NameserverClouds that exist, for zones that do not name theirs. */
  readonly clouds: () => readonly string[];
  readonly now?: () => Date;
  /** How soon to look again while pods catch up. */
  readonly progressPollMs?: number;
  /** Told the Ready reason of each Zone after a reconcile, and undefined when it is gone. */
  readonly onState?: (key: string, reason: string | undefined) => void;
  /** The DNSSECPolicy `name` in `namespace` (the informer's cache); read from the API server when not given. */
  readonly policy?: (namespace: string, name: string) => DNSSECPolicy | undefined;
  /** Who owns each zone name (ADR 0008); without it every Zone may write (its writes still carry its owner tag). */
  readonly names?: ZoneNames;
}

/** While a Secret a customer secondary needs is missing: the operator does not watch Secrets. */
export const SECRET_RECHECK_MS = 30_000;
/** The slowest look at a zone whose pods are still catching up (a cloud whose pods never come). */
const SLOWEST_PROGRESS_POLL_MS = 5000;

export class ZoneController {
  /** Key → when its current serial was first seen propagating, for polling less the longer it takes. */
  private readonly propagatingSince = new Map<string, { serial: number; since: number }>();

  constructor(private readonly o: ZoneControllerOptions) {}

  static key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const zone = await this.o.kube.get('Zone', namespace, name);
    if (!zone) {
      this.o.onState?.(key, undefined);
      this.propagatingSince.delete(key);
      return;
    }
    const finalizers = zone.metadata.finalizers ?? [];
    // Every write carries it; the store removes and replaces only what this Zone wrote (ADR 0008).
    const owner = ownerTag('Zone', namespace, name);

    if (zone.metadata.deletionTimestamp) {
      if (!finalizers.includes(ZONE_FINALIZER)) return;
      if (zone.status?.writtenZoneName) await this.o.store.deleteZone(zone.status.writtenZoneName, owner);
      const version = await this.o.store.deleteZone(storeOrigin(zone.spec.zoneName), owner);
      this.o.log.info('zone removed from the clouds', { zone: zone.spec.zoneName, key, version });
      await this.o.kube.setFinalizers('Zone', namespace, name, finalizers.filter((f) => f !== ZONE_FINALIZER), zone.metadata.resourceVersion);
      return;
    }

    if (!finalizers.includes(ZONE_FINALIZER)) {
      await this.o.kube.setFinalizers('Zone', namespace, name, [...finalizers, ZONE_FINALIZER], zone.metadata.resourceVersion);
    }
    const admission = this.o.names?.admit('Zone', zone);
    if (admission && !admission.ok) {
      // A renamed Zone whose new name is refused still gives up its old one (only its own write goes).
      if (zone.status?.writtenZoneName) await this.o.store.deleteZone(zone.status.writtenZoneName, owner);
      return reportRefused(this.o, 'Zone', zone, admission);
    }

    const origin = storeOrigin(zone.spec.zoneName);
    const status = zone.status ?? {};
    const previous = status.serial !== undefined && status.specDigest ? { serial: status.serial, specDigest: status.specDigest } : undefined;
    let build: BuildOutcome;
    let next: ZoneStatus = { ...status };
    // Customer secondaries whose key cannot be read are left out (never let in without it) and said so.
    const outbound = await resolveSecondaries(this.o.kube, namespace, zone.spec.secondaries);
    try {
      const now = Math.floor((this.o.now?.() ?? new Date()).getTime() / 1000);
      const locator = apiObjectLocator('Zone', namespace, name);
      const found = await this.o.store.getZone(origin);
      // Another owner's snapshot (a stale view) says nothing about this Zone's serial.
      const stored = found && (!found.owner || found.owner === owner) ? found : undefined;
      // A lost status write must not make the same zone be written again under a new serial.
      const built = keepStoredSerial(buildZone(locator, zone, previous, now), stored, previous, (p) => buildZone(locator, zone, p, now));
      const snapshot = { ...snapshotOf(built.zone, zone.spec.nameserverClouds ?? 'all', outbound.targets), owner };
      // A serial the user manages must go forward with every change, as a primary's must.
      const serialProblem = built.managedSerial ? undefined : ownSerialProblem(snapshot.serial, snapshot.text, stored);
      if (serialProblem) throw new SerialRefused(serialProblem);
      build = { ok: true, serial: built.zone.serial };
      next = { ...next, serial: built.zone.serial, ...(built.managedSerial ? { specDigest: built.managedSerial.specDigest } : {}) };
      if (status.writtenZoneName && status.writtenZoneName !== origin) {
        // The Zone was renamed: its old name leaves the clouds.
        await this.o.store.deleteZone(status.writtenZoneName, owner);
        this.o.log.info('renamed zone: old name removed from the clouds', { old: status.writtenZoneName, zone: origin, key });
      }
      next = { ...next, writtenZoneName: origin };
      // An untagged snapshot (written before owners) is written again, tagged.
      if (!stored || stored.owner !== owner || stored.serial !== snapshot.serial || stored.text !== snapshot.text || !isDeepStrictEqual(stored.clouds, snapshot.clouds) || !isDeepStrictEqual(stored.secondaries, snapshot.secondaries)) {
        const version = await this.o.store.putZone(snapshot);
        this.o.log.info('zone written for the clouds', { zone: origin, serial: snapshot.serial, version, key });
        this.event(zone, { type: 'Normal', reason: ZoneReason.Updated, action: 'WriteZone', note: `serial ${snapshot.serial} written for the nameserver clouds` });
        // Once per version written, so a warning is told once, not on every reconcile.
        if (built.warnings.length > 0) {
          this.o.log.warn('zone written with warnings', { key, serial: snapshot.serial, warnings: built.warnings.join('; ') });
          this.event(zone, { type: 'Warning', reason: ZoneReason.ZoneWarnings, action: 'WriteZone', note: `serial ${snapshot.serial}: ${built.warnings.join('; ')}` });
        }
      }
    } catch (err) {
      // The store's guard: another owner wrote the name first (a racing replica, a stale view).
      if (err instanceof ZoneOwnedError) return reportRefused(this.o, 'Zone', zone, admissionOfOwnedError(err));
      if (err instanceof SerialRefused) build = { ok: false, reason: ZoneReason.SerialNotIncreased, message: err.message };
      else if (err instanceof ManifestError) build = { ok: false, message: err.message };
      else throw err;
      this.o.log.warn('zone rejected; the last good version keeps serving', { key, error: err.message });
    }
    // Named clouds that do not exist are reported, not waited for: a new cloud requeues every Zone.
    const known = this.o.clouds();
    const named = zone.spec.nameserverClouds;
    const missing = named ? named.filter((c) => !known.includes(c)) : [];
    const clouds = named ? named.filter((c) => known.includes(c)) : [...known];
    const reports = new Map<string, PodReport[]>();
    for (const cloud of clouds) reports.set(cloud, await this.o.store.servedBy(cloud));
    const serial = next.serial ?? 0;
    const progress = build.ok ? cloudProgress(origin, serial, clouds, reports) : (status.clouds ?? []);
    const ready = readyCondition(build, progress, missing);
    const policyName = zone.spec.dnssecPolicy;
    const policy = policyName === undefined ? undefined : this.o.policy ? this.o.policy(namespace, policyName) : await this.o.kube.get('DNSSECPolicy', namespace, policyName);
    const dnssec = dnssecCondition(namespace, policyName, policy);
    const secondaries = secondariesCondition(zone.spec.secondaries?.length ?? 0, outbound.problems);
    const generation = zone.metadata.generation;
    let conditions = setCondition(status.conditions, ready, generation, this.o.now);
    conditions = withCondition(conditions, DNSSEC_CONDITION, dnssec, generation, this.o.now);
    conditions = withCondition(conditions, SECONDARIES_CONDITION, secondaries, generation, this.o.now);
    next = {
      ...next,
      clouds: progress,
      // Not signed: `kubectl get zones` shows it in the DNSSEC column.
      ...(policyName !== undefined ? { dnssec: { state: 'disabled' as const } } : {}),
      observedGeneration: generation,
      conditions,
    };
    if (!isDeepStrictEqual(next, status)) await this.o.kube.patchStatus('Zone', namespace, name, next);
    const was = getCondition(status.conditions, 'Ready');
    // One Event per change of reason (or of a rejection's message), not one per reconcile.
    const refused = ready.reason === ZoneReason.InvalidZone || ready.reason === ZoneReason.SerialNotIncreased;
    if (was?.reason !== ready.reason || (refused && was.message !== ready.message)) {
      if (ready.reason !== ZoneReason.Propagating) this.event(zone, { type: ready.status === 'True' ? 'Normal' : 'Warning', reason: ready.reason, action: 'Reconcile', note: ready.message });
    }
    for (const event of conditionEvents(status.conditions, [dnssec, secondaries])) {
      if (event.reason === secondaries?.reason && secondaries.status === 'False') this.o.log.warn('customer secondary left out', { key, problems: outbound.problems.join('; ') });
      this.event(zone, event);
    }
    this.o.onState?.(key, ready.reason);
    const polls: number[] = [];
    if (build.ok && ready.reason === ZoneReason.Propagating) polls.push(this.progressPoll(key, serial));
    else this.propagatingSince.delete(key);
    if (outbound.problems.length > 0) polls.push(SECRET_RECHECK_MS);
    return polls.length > 0 ? { requeueAfterMs: Math.min(...polls) } : undefined;
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

/** A zone with its own SOA that may not replace the served version (see ownSerialProblem). */
class SerialRefused extends DnsfleetError {
  override name = 'SerialRefused';
}
