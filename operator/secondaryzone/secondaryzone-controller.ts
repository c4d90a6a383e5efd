import { objectDetail, type ObjectDetail } from '../metrics';
import { createHash } from 'node:crypto';
import type { NameserverCloud } from '../../crds/v1alpha1/nameservercloud';
import type { CloudNameservers, SecondaryZone, SecondaryZoneStatus } from '../../crds/v1alpha1/secondaryzone';
import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import type { CloudServingStatus } from '../../crds/v1alpha1/zone';
import type { Logger } from '../../dataplane/log/log';
import { storeOrigin, ZoneOwnedError, type PodReport, type SecondaryConfig, type ZoneStore } from '../../dataplane/store/zone-store';
import { admissionOfOwnedError, OwnershipReason, ownerTag, reportRefused, type Admission, type ZoneNames } from '../ownership';
import type { ConditionInput } from '../conditions';
import type { KubeClient } from '../kube/client';
import type { ReconcileResult } from '../queue';
import { causeOf, step } from '../reconcile-error';
import { ensureFinalizer, hasFinalizer, lookAgainOnConflict, removeFinalizer } from '../finalizers';
import { StatusMemory, writeStatus } from '../status-writer';
import { SECRET_RECHECK_MS, TsigSecrets } from '../tsig-secrets';
import { CUSTOMER_SECONDARIES_CONDITION, customerSecondariesCondition, logLeftOut, readCustomerSecondaries } from '../customer-secondaries';
import { cloudProgress } from '../zone/zone-status';
import { firstOfEachName } from '../cloud/cloud-controller';
import { DNSSEC_CONDITION } from '../dnssecpolicy/signing-status';
import { DS_PUBLISHED_CONDITION } from '../dnssec/dnssec-status';
import { KeyRecords } from '../dnssec/key-secret';
import { ZoneSigning, type SigningOutcome } from '../dnssec/zone-dnssec';
import { getCondition } from '../conditions';
import { describeKubeError } from '../kube/client';
import { zoneOf } from '../../dataplane/store/snapshot';
import type { Zone as DnsZone } from '../../dataplane/zone/zone';
import { SecondaryReason, secondaryConfigOf, secondaryReadyCondition, statusFields } from './secondary-status';

/**
 * Reconciles one SecondaryZone, a straight list of steps. The control server does the
 * transfers (dataplane/control); this controller hands it the zone and reports what it says. The
 * SecondaryZone is read from the informer's cache, never from the API server.
 *
 * 1. gone → nothing; being deleted → remove it from the control server and the clouds, then the
 *    finalizer;
 * 2. the finalizer, so a deletion reaches step 1 (a write ends the reconcile: its watch event
 *    runs it again);
 * 3. a name the object may not have (ADR 0008) → refused, nothing written;
 * 4. read the TSIG Secret when one is named (a missing or malformed one is a `TransferFailed`
 *    status naming the Secret and field; nothing is handed over without its key);
 * 5. hand the configuration to the control server (the store) when it changed since it was last
 *    handed over (or the store's epoch did) — a new value of the `dnsfleet.io/retrieve`
 *    annotation asks for a transfer now;
 * 6. read the control server's report and the clouds' pods, and write the status: `Ready`
 *    `Transferred` once every pod serves the transferred serial. The report does not come as a
 *    watch event, so look again soon while not ready, and every half minute after.
 *
 * 5b. with `spec.dnssecPolicy` (or while being unsigned): one step of the key lifecycle
 *    (operator/dnssec) timed by the TTLs of the last copy, and the sealed signing order handed to
 *    the control server, which signs every copy it transfers (no unsigned version goes with it).
 *
 * Beside `Ready` it owns `DNSSEC`, `DSPublished` and `CustomerSecondaries`, as the zone controller
 * does for Zones.
 */

export const SECONDARY_ZONE_FINALIZER = 'dnsfleet.io/secondary-cleanup';

export interface SecondaryZoneControllerOptions {
  readonly kube: KubeClient;
  readonly store: ZoneStore;
  readonly log: Logger;
  /** The SecondaryZone `name` in `namespace` as the informer's cache holds it. */
  readonly secondaryZone: (namespace: string, name: string) => SecondaryZone | undefined;
  readonly clouds: () => Iterable<NameserverCloud>;
  /** The DNSSECPolicy `name` in `namespace` (the informer's cache). */
  readonly policy: (namespace: string, name: string) => DNSSECPolicy | undefined;
  /** The TSIG Secrets (shared with the zone controller); one of its own when not given. */
  readonly secrets?: TsigSecrets;
  /** The store's epoch as last read (StoreWatch): a new one means the store lost the configuration handed over. */
  readonly storeEpoch?: () => string | undefined;
  /** Told the Ready reason of each SecondaryZone, and undefined when it is gone (metrics). */
  readonly onState?: (key: string, reason: string | undefined, detail?: ObjectDetail) => void;
  readonly now?: () => Date;
  /** Who owns each zone name (ADR 0008); without it every SecondaryZone may write (tagged with its owner). */
  readonly names?: ZoneNames;
  /** The zones' key lifecycles (shared with the zone controller); one without a key-encryption key (nothing signs) when not given. */
  readonly signing?: ZoneSigning;
}

/** While not Ready: the control server's report is not a watch event. */
const NOT_READY_POLL_MS = 2000;
const READY_POLL_MS = 30_000;

/** What was last handed to the control server for a SecondaryZone, and from which version of it. */
interface Handed {
  readonly uid: string | undefined;
  readonly generation: number | undefined;
  /** Digest of the configuration and the store's epoch. */
  readonly inputs: string;
}

export class SecondaryZoneController {
  private readonly handed = new Map<string, Handed>();
  private readonly statuses = new StatusMemory<'SecondaryZone'>();
  private readonly secrets: TsigSecrets;
  private readonly signing: ZoneSigning;
  /** Key → the last copy read for the key lifecycle's TTLs, by serial (parsed once per serial). */
  private readonly copies = new Map<string, { readonly serial: number; readonly zone: DnsZone }>();

  constructor(private readonly o: SecondaryZoneControllerOptions) {
    this.secrets = o.secrets ?? new TsigSecrets(o.kube);
    this.signing = o.signing ?? new ZoneSigning({ store: o.store, log: o.log, records: new KeyRecords(o.kube), ...(o.now ? { now: o.now } : {}) });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.o.secondaryZone(namespace, name);
    if (!cached) {
      this.forget(key);
      this.o.onState?.(key, undefined);
      return;
    }
    const zone = this.statuses.current(key, cached);
    return lookAgainOnConflict(() => this.steps(key, zone));
  }

  private async steps(key: string, zone: SecondaryZone): Promise<ReconcileResult | void> {
    const namespace = zone.metadata.namespace ?? 'default';
    const origin = storeOrigin(zone.spec.zoneName);
    // Every write carries it; the store removes and replaces only what this object wrote (ADR 0008).
    const owner = ownerTag('SecondaryZone', namespace, zone.metadata.name);
    if (zone.metadata.deletionTimestamp) {
      if (!hasFinalizer(zone, SECONDARY_ZONE_FINALIZER)) return;
      // The configuration first: the control server writes a secondary zone's unsigned copy again
      // when its signed entry goes, unless the configuration went before it.
      for (const name of new Set([origin, zone.status?.writtenZoneName ?? origin])) await step(`remove ${name} from the control server`, () => this.o.store.deleteSecondary(name, owner));
      await this.signing.remove('SecondaryZone', zone.metadata, origin, owner);
      for (const name of new Set([origin, zone.status?.writtenZoneName ?? origin])) await this.removeFromStore(name, owner);
      this.o.log.info('secondary zone removed from the control server and the clouds', { zone: origin, key });
      await removeFinalizer(this.o.kube, 'SecondaryZone', zone, SECONDARY_ZONE_FINALIZER);
      this.forget(key);
      return;
    }
    if (await ensureFinalizer(this.o.kube, 'SecondaryZone', zone, SECONDARY_ZONE_FINALIZER)) return;
    const admission = this.o.names?.admit('SecondaryZone', zone);
    if (admission && !admission.ok) {
      // A guardrail set after the zone was written takes it away; only this object's own write goes.
      if (admission.reason === OwnershipReason.ZoneNameNotAllowed) await this.removeFromStore(origin, owner);
      return this.refuse(key, zone, admission);
    }

    const nameservers = servingClouds(zone, this.o.clouds());
    const missing = missingClouds(zone, this.o.clouds());
    const policyName = zone.spec.dnssecPolicy;
    const policy = policyName === undefined ? undefined : this.o.policy(namespace, policyName);
    // A changed object reads its Secrets afresh; a progress check takes a recent read.
    const last = this.handed.get(key);
    const changed = !last || last.uid !== zone.metadata.uid || last.generation !== zone.metadata.generation;
    const customer = await readCustomerSecondaries(this.secrets, namespace, zone.spec.secondaries, changed);
    const customerCondition = customerSecondariesCondition(zone.spec.secondaries?.length ?? 0, customer.problems);
    // Every status write carries these, so a write on an early return does not drop them (the DNSSEC ones as they are).
    const kept = (type: string) => {
      const c = getCondition(zone.status?.conditions, type);
      return { type, input: c ? { type, status: c.status, reason: c.reason, message: c.message } : undefined };
    };
    const others = [kept(DNSSEC_CONDITION), kept(DS_PUBLISHED_CONDITION), { type: CUSTOMER_SECONDARIES_CONDITION, input: customerCondition }];
    const unsigned = {};
    let tsig: SecondaryConfig['tsig'];
    if (zone.spec.tsigKeySecretRef) {
      const secret = await this.secrets.read(namespace, zone.spec.tsigKeySecretRef.name, changed);
      if (!secret.ok) {
        const problem = `TSIG key: ${secret.problem}`;
        const ready = { type: 'Ready', status: 'False' as const, reason: SecondaryReason.TransferFailed, message: problem };
        await this.status(key, zone, { nameservers, ...unsigned, problem: problem.slice(0, 200) }, ready, 'Warning', others);
        this.o.onState?.(key, ready.reason);
        return { requeueAfterMs: SECRET_RECHECK_MS };
      }
      tsig = secret.key;
    }
    logLeftOut(this.o.log, key, zone.status?.conditions, customerCondition, customer.problems);
    const config: SecondaryConfig = { ...secondaryConfigOf(zone, tsig, customer.targets), owner };
    const written = zone.status?.writtenZoneName;
    if (written && written !== origin) {
      // Renamed: the old name leaves the control server and the clouds (only this object's write).
      await this.removeFromStore(written, owner);
      this.o.log.info('renamed secondary zone: old name removed', { old: written, zone: origin, key });
    }
    const inputs = createHash('sha256').update(JSON.stringify([config, this.o.storeEpoch?.()])).digest('hex');
    if (last?.inputs !== inputs || changed) {
      const current = await step(`read the configuration of ${origin} from the store`, () => this.o.store.getSecondary(origin));
      if (!current || JSON.stringify(current) !== JSON.stringify(config)) {
        try {
          await step(`hand ${origin} to the control server`, () => this.o.store.putSecondary(config));
        } catch (err) {
          // The store's guard: another owner wrote the name first (a racing replica, a stale view).
          const cause = causeOf(err);
          if (cause instanceof ZoneOwnedError) return this.refuse(key, zone, admissionOfOwnedError(cause));
          throw err;
        }
        this.o.log.info('secondary zone handed to the control server', { zone: origin, key });
      }
      this.handed.set(key, { uid: zone.metadata.uid, generation: zone.metadata.generation, inputs });
    }

    let dnssec: SigningOutcome | undefined;
    if (this.signing.involved('SecondaryZone', zone.metadata, policyName, zone.status?.dnssec)) {
      dnssec = await this.signing.step({ kind: 'SecondaryZone', metadata: zone.metadata, conditions: zone.status?.conditions, origin, owner, policyName, policy, zone: await this.copy(key, origin, owner) });
      for (const e of dnssec.events) {
        await this.o.kube.recordEvent({ kind: 'SecondaryZone', metadata: zone.metadata }, e).catch((err: unknown) => this.o.log.warn('could not record an event', { key, error: describeKubeError(err) }));
      }
      others.splice(0, 2, ...dnssec.conditions);
    } else others.splice(0, 2, { type: DNSSEC_CONDITION, input: undefined }, { type: DS_PUBLISHED_CONDITION, input: undefined });

    const state = await step(`read the control server's report on ${origin}`, () => this.o.store.secondaryState(origin));
    // Nothing transferred yet: no pod can serve it, so none is asked.
    let progress: CloudServingStatus[] = [];
    if (state?.serial !== undefined) {
      const cloudNames = nameservers.map((n) => n.cloud);
      const reports = new Map<string, PodReport[]>();
      for (const cloud of cloudNames) reports.set(cloud, await step(`read the reports of cloud ${cloud}'s pods`, () => this.o.store.servedBy(cloud)));
      progress = cloudProgress(origin, state.serial, cloudNames, reports);
    }
    const ready = secondaryReadyCondition(zone, state, progress, missing);
    // Propagating is progress, not a fault: a Normal Event (docs/operator.md).
    const eventType = ready.status === 'False' && ready.reason !== SecondaryReason.Propagating ? 'Warning' : 'Normal';
    const conditions = await this.status(key, zone, { ...statusFields(state, progress), nameservers, writtenZoneName: origin, ...(dnssec?.status ? { dnssec: dnssec.status } : {}) }, ready, eventType, others);
    this.o.onState?.(key, ready.reason, objectDetail(progress, conditions));
    // A missing cloud is not waited for at 2 s: a new cloud requeues every SecondaryZone.
    const poll = ready.status === 'True' || ready.reason === SecondaryReason.UnknownCloud || ready.reason === SecondaryReason.NoNameserverCloud ? READY_POLL_MS : NOT_READY_POLL_MS;
    return { requeueAfterMs: Math.min(poll, dnssec?.requeueAfterMs ?? poll) };
  }

  /** The zone as last transferred (signed or not), for its TTLs; undefined before the first transfer. */
  private async copy(key: string, origin: string, owner: string): Promise<DnsZone | undefined> {
    const stored = await step(`read zone ${origin} from the store`, () => this.o.store.getZone(origin));
    if (!stored || (stored.owner !== undefined && stored.owner !== owner)) return undefined;
    const kept = this.copies.get(key);
    if (kept?.serial === stored.serial) return kept.zone;
    const zone = zoneOf(stored);
    this.copies.set(key, { serial: stored.serial, zone });
    return zone;
  }

  /** Writes the status; returns its conditions as written (for the metrics). */
  private async status(key: string, zone: SecondaryZone, fields: Omit<SecondaryZoneStatus, 'conditions' | 'observedGeneration'>, ready: ConditionInput, eventType: 'Normal' | 'Warning', others: ReadonlyArray<{ readonly type: string; readonly input: ConditionInput | undefined }>): Promise<SecondaryZoneStatus['conditions']> {
    const written = await writeStatus(this.o.kube, this.o.log, 'SecondaryZone', zone, fields, ready, this.o.now, eventType, others);
    this.statuses.remember(key, zone, written);
    return written.conditions;
  }

  /** Removes what this object wrote under `origin`: the configuration and the control server's copy. */
  private async removeFromStore(origin: string, owner: string): Promise<void> {
    await step(`remove ${origin} from the control server`, () => this.o.store.deleteSecondary(origin, owner));
    await step(`remove zone ${origin} from the store`, () => this.o.store.deleteZone(origin, owner));
  }

  private async refuse(key: string, zone: SecondaryZone, refusal: Admission & { ok: false }): Promise<void> {
    this.handed.delete(key);
    this.statuses.remember(key, zone, await reportRefused(this.o, 'SecondaryZone', zone, refusal));
  }

  private forget(key: string): void {
    const [namespace, name] = key.split('/') as [string, string];
    this.signing.forget('SecondaryZone', namespace, name);
    this.copies.delete(key);
    this.handed.delete(key);
    this.statuses.forget(key);
  }
}

/** The clouds `spec.nameserverClouds` names that do not exist. Pure. */
export function missingClouds(zone: SecondaryZone, clouds: Iterable<NameserverCloud>): string[] {
  const names = new Set([...clouds].map((c) => c.metadata.name));
  return (zone.spec.nameserverClouds ?? []).filter((c) => !names.has(c));
}

/** The clouds that serve the zone, by name, with what they announce. Pure. */
export function servingClouds(zone: SecondaryZone, clouds: Iterable<NameserverCloud>): CloudNameservers[] {
  const wanted = zone.spec.nameserverClouds;
  const out = new Map<string, CloudNameservers>();
  // A DuplicateName cloud runs no pods and must not lend the first one its name servers.
  for (const c of firstOfEachName(clouds)) {
    if (wanted && !wanted.includes(c.metadata.name)) continue;
    const addresses = [...(c.spec.addresses?.ipv4 ?? []), ...(c.spec.addresses?.ipv6 ?? [])];
    out.set(c.metadata.name, { cloud: c.metadata.name, nameservers: [...c.spec.nameservers], ...(addresses.length > 0 ? { addresses } : {}) });
  }
  return [...out.values()].sort((a, b) => a.cloud.localeCompare(b.cloud));
}
