import type { NameserverCloud } from '../../crds/v1alpha1/nameservercloud';
import type { CloudNameservers, SecondaryZone } from '../../crds/v1alpha1/secondaryzone';
import type { Logger } from '../../dataplane/log/log';
import { storeOrigin, ZoneOwnedError, type PodReport, type SecondaryConfig, type ZoneStore } from '../../dataplane/store/zone-store';
import { admissionOfOwnedError, OwnershipReason, ownerTag, reportRefused, type ZoneNames } from '../ownership';
import { parseTsigKey, TsigKeyError } from '../../dataplane/dns/tsig';
import type { KubeClient } from '../kube/client';
import type { ReconcileResult } from '../queue';
import { writeStatus } from '../status-writer';
import { resolveSecondaries, SECONDARIES_CONDITION, secondariesCondition } from '../outbound-secondaries';
import { cloudProgress } from '../zone/zone-status';
import { firstOfEachName } from '../cloud/cloud-controller';
import { DNSSEC_CONDITION, dnssecCondition } from '../dnssecpolicy/signing-status';
import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import { SecondaryReason, secondaryConfigOf, secondaryReadyCondition, statusFields } from './secondary-status';

/**
 * Reconciles one SecondaryZone, a straight list of steps. The control server does the
 * transfers (dataplane/control); this controller hands it the zone and reports what it says.
 *
 * 1. gone → nothing; being deleted → remove it from the control server and the clouds, then the
 *    finalizer;
 * 2. the finalizer, so a deletion reaches step 1;
 * 3. read the TSIG Secret when one is named (a missing or malformed one is a `TransferFailed`
 *    status naming the Secret and field; nothing is handed over without its key);
 * 4. hand the configuration to the control server (the store) when it changed — a new value of
 *    the `dnsfleet.io/retrieve` annotation asks for a transfer now;
 * 5. read the control server's report and the clouds' pods, and write the status: `Ready`
 *    `Transferred` once every pod serves the transferred serial. The report does not come as a
 *    watch event, so look again soon while not ready, and every half minute after.
 *
 * Beside `Ready` it owns `DNSSEC` and `CustomerSecondaries`, as the zone controller does for Zones.
 */

export const SECONDARY_FINALIZER = 'dnsfleet.io/secondary-cleanup';

export interface SecondaryZoneControllerOptions {
  readonly kube: KubeClient;
  readonly store: ZoneStore;
  readonly log: Logger;
  readonly clouds: () => Iterable<NameserverCloud>;
  /** Told the Ready reason of each SecondaryZone, and undefined when it is gone (metrics). */
  readonly onState?: (key: string, reason: string | undefined) => void;
  readonly now?: () => Date;
  /** The DNSSECPolicy `name` in `namespace` (the informer's cache); read from the API server when not given. */
  readonly policy?: (namespace: string, name: string) => DNSSECPolicy | undefined;
  /** Who owns each zone name (ADR 0008); without it every SecondaryZone may write (tagged with its owner). */
  readonly names?: ZoneNames;
}

export class SecondaryZoneController {
  constructor(private readonly o: SecondaryZoneControllerOptions) {}

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const zone = await this.o.kube.get('SecondaryZone', namespace, name);
    if (!zone) {
      this.o.onState?.(key, undefined);
      return;
    }
    const origin = storeOrigin(zone.spec.zoneName);
    const finalizers = zone.metadata.finalizers ?? [];
    // Every write carries it; the store removes and replaces only what this object wrote (ADR 0008).
    const owner = ownerTag('SecondaryZone', namespace, name);
    if (zone.metadata.deletionTimestamp) {
      if (!finalizers.includes(SECONDARY_FINALIZER)) return;
      for (const name of new Set([origin, zone.status?.writtenZoneName ?? origin])) {
        await this.o.store.deleteSecondary(name, owner);
        await this.o.store.deleteZone(name, owner);
      }
      this.o.log.info('secondary zone removed from the control server and the clouds', { zone: origin, key });
      await this.o.kube.setFinalizers('SecondaryZone', namespace, name, finalizers.filter((f) => f !== SECONDARY_FINALIZER), zone.metadata.resourceVersion);
      return;
    }
    if (!finalizers.includes(SECONDARY_FINALIZER)) {
      await this.o.kube.setFinalizers('SecondaryZone', namespace, name, [...finalizers, SECONDARY_FINALIZER], zone.metadata.resourceVersion);
    }
    const admission = this.o.names?.admit('SecondaryZone', zone);
    if (admission && !admission.ok) {
      if (admission.reason === OwnershipReason.ZoneNameNotAllowed) {
        // A guardrail set after the zone was written takes it away; only this object's own write goes.
        await this.o.store.deleteSecondary(origin, owner);
        await this.o.store.deleteZone(origin, owner);
      }
      return reportRefused(this.o, 'SecondaryZone', zone, admission);
    }

    const nameservers = servingClouds(zone, this.o.clouds());
    const missing = missingClouds(zone, this.o.clouds());
    const policyName = zone.spec.dnssecPolicy;
    const policy = policyName === undefined ? undefined : this.o.policy ? this.o.policy(namespace, policyName) : await this.o.kube.get('DNSSECPolicy', namespace, policyName);
    const outbound = await resolveSecondaries(this.o.kube, namespace, zone.spec.secondaries);
    // Every status write carries these, so a write on an early return does not drop them.
    const others = [
      { type: DNSSEC_CONDITION, input: dnssecCondition(namespace, policyName, policy) },
      { type: SECONDARIES_CONDITION, input: secondariesCondition(zone.spec.secondaries?.length ?? 0, outbound.problems) },
    ];
    const unsigned = policyName !== undefined ? { dnssec: { state: 'disabled' as const } } : {};
    let tsig: SecondaryConfig['tsig'];
    if (zone.spec.tsigKeySecretRef) {
      const ref = zone.spec.tsigKeySecretRef.name;
      const data = await this.o.kube.readSecret(namespace, ref);
      let problem: string | undefined;
      try {
        if (!data) problem = `Secret ${namespace}/${ref} not found`;
        else {
          parseTsigKey(data, `Secret ${namespace}/${ref}`);
          tsig = { name: data.name!, algorithm: data.algorithm!, secret: data.secret! };
        }
      } catch (err) {
        if (!(err instanceof TsigKeyError)) throw err;
        problem = err.message;
      }
      if (problem !== undefined) {
        const ready = { type: 'Ready', status: 'False' as const, reason: 'TransferFailed', message: `TSIG key: ${problem}` };
        await writeStatus(this.o.kube, this.o.log, 'SecondaryZone', zone, { nameservers, ...unsigned, problem: `TSIG key: ${problem}`.slice(0, 200) }, ready, this.o.now, 'Warning', others);
        this.o.onState?.(key, ready.reason);
        return { requeueAfterMs: 30_000 };
      }
    }
    if (outbound.problems.length > 0 && zone.status?.conditions?.find((c) => c.type === SECONDARIES_CONDITION)?.message !== others[1]!.input?.message) {
      this.o.log.warn('customer secondary left out', { key, problems: outbound.problems.join('; ') });
    }
    const config: SecondaryConfig = { ...secondaryConfigOf(zone, tsig, outbound.targets), owner };
    const written = zone.status?.writtenZoneName;
    if (written && written !== origin) {
      // Renamed: the old name leaves the control server and the clouds (only this object's write).
      await this.o.store.deleteSecondary(written, owner);
      await this.o.store.deleteZone(written, owner);
      this.o.log.info('renamed secondary zone: old name removed', { old: written, zone: origin, key });
    }
    const current = await this.o.store.getSecondary(origin);
    if (!current || JSON.stringify(current) !== JSON.stringify(config)) {
      try {
        await this.o.store.putSecondary(config);
      } catch (err) {
        // The store's guard: another owner wrote the name first (a racing replica, a stale view).
        if (err instanceof ZoneOwnedError) return reportRefused(this.o, 'SecondaryZone', zone, admissionOfOwnedError(err));
        throw err;
      }
      this.o.log.info('secondary zone handed to the control server', { zone: origin, key });
    }

    const state = await this.o.store.secondaryState(origin);
    const cloudNames = nameservers.map((n) => n.cloud);
    const reports = new Map<string, PodReport[]>();
    for (const cloud of cloudNames) reports.set(cloud, await this.o.store.servedBy(cloud));
    const progress = state?.serial !== undefined ? cloudProgress(origin, state.serial, cloudNames, reports) : [];
    const ready = secondaryReadyCondition(zone, state, progress, missing);
    // Propagating is progress, not a fault: a Normal Event (docs/operator.md).
    const eventType = ready.status === 'False' && ready.reason !== SecondaryReason.Propagating ? 'Warning' : 'Normal';
    await writeStatus(this.o.kube, this.o.log, 'SecondaryZone', zone, { ...statusFields(state, progress), nameservers, writtenZoneName: origin, ...unsigned }, ready, this.o.now, eventType, others);
    this.o.onState?.(key, ready.reason);
    // A missing cloud is not waited for at 2 s: a new cloud requeues every SecondaryZone.
    return { requeueAfterMs: ready.status === 'True' || ready.reason === SecondaryReason.UnknownCloud || ready.reason === SecondaryReason.NoNameserverCloud ? 30_000 : 2000 };
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
