import { describeKubeError, kubeClient, type DnsfleetKind, type KindTypes, type KubeClient } from './kube/client';
import type { OwnerReference } from './kube/owned-object';
import { DnsfleetError } from '../dataplane/dns/error';
import { isDeepStrictEqual } from 'node:util';
import { WorkQueue, type ReconcileResult } from './queue';
import { ZoneController } from './zone/zone-controller';
import { CloudController, firstOfEachName } from './cloud/cloud-controller';
import { SecondaryZoneController } from './secondaryzone/secondaryzone-controller';
import { PolicyController } from './dnssecpolicy/policy-controller';
import type { PodSettings } from './cloud/cloud-objects';
import { CONTROL_NAME, type ControlServerSettings } from './control/control-objects';
import { ControlServerController } from './control/control-controller';
import { KeyEncryptionKey } from './dnssec/kek';
import { KeyRecords } from './dnssec/key-secret';
import { ZoneSigning } from './dnssec/zone-dnssec';
import { DS_PUBLISHED_ANNOTATION, ROTATE_KSK_ANNOTATION, ROTATE_ZSK_ANNOTATION } from '../crds/v1alpha1/dnssecpolicy';
import { LeaderElector } from './leader';
import { OperatorMetrics } from './metrics';
import { ZoneNames, type ClaimKind } from './ownership';
import type { ZonePolicy } from './zone-policy';
import type { NameserverCloud } from '../crds/v1alpha1/nameservercloud';
import type { Zone } from '../crds/v1alpha1/zone';
import type { SecondaryZone } from '../crds/v1alpha1/secondaryzone';
import type { DNSSECPolicy } from '../crds/v1alpha1/dnssecpolicy';
import { StoreFullError, StoreUnavailableError, type ZoneStore } from '../dataplane/store/zone-store';
import type { Logger } from '../dataplane/log/log';
import { logStoreHealth } from '../dataplane/store/store-health';
import { StoreWatch } from './store-watch';
import { StoreRewrite } from './store-rewrite';
import { markReady, staleCondition, STORE_FULL, storeFullCondition, type ReadyFromErrorPath } from './stale-status';
import { TsigSecrets } from './tsig-secrets';
import { causeOf } from './reconcile-error';

/**
 * `dnsfleet operator`: watches Zones and NameserverClouds and reconciles each object through one
 * work queue keyed `Kind/namespace/name`, so one object is never reconciled twice at once. A
 * resync puts every known object back on the queue now and then, so nothing depends on a single
 * missed event. A change of the clouds puts every Zone back too: their `Ready` depends on them.
 *
 * The zone store is watched (ADR 0007): while it cannot be reached, reconciles that fail on it are
 * parked instead of retried (the queue stays as long as the objects are many, no more), their
 * `Ready` says Unknown/StoreUnavailable, and they all run again the moment it answers. A store that
 * lost its data has every Zone and SecondaryZone written again at once, then its epoch completed.
 */

export interface OperatorOptions {
  readonly store: ZoneStore;
  readonly log: Logger;
  readonly kubeconfig?: string;
  readonly kube?: KubeClient;
  /** How the dataplane pods of the clouds run (image, the Redis they read). */
  readonly pods: PodSettings;
  /** The control server to run; none when left out (e.g. a test of the clouds alone). */
  readonly controlServer?: Omit<ControlServerSettings, 'pods'>;
  readonly resyncMs?: number;
  /** Which zone names may be hosted, and by which namespaces (operator/zone-policy.ts). */
  readonly zonePolicy?: ZonePolicy;
  /** Where the controllers report; one is made when not given. */
  readonly metrics?: OperatorMetrics;
  /**
   * The operator's own Deployment (the Helm chart's): the objects of the installation that no
   * resource owns — the control server's Deployment and Service, the key-encryption key Secret,
   * the leader-election Lease — get it as their owner, so deleting it (`helm uninstall`) deletes
   * them too. Read once at start; a name that does not exist stops the start with an error.
   */
  readonly ownerDeployment?: { readonly namespace: string; readonly name: string };
  /** With this set, the controllers run only while this replica holds the Lease. */
  readonly leaderElection?: { readonly namespace: string; readonly name?: string; readonly identity: string; readonly leaseSeconds?: number; readonly renewEveryMs?: number; readonly retryEveryMs?: number };
}

export interface RunningOperator {
  /** True while this replica runs the controllers. */
  readonly isLeader: boolean;
  readonly metrics: OperatorMetrics;
  /** The store's epoch reads: connectivity (`store.health`) and resets. */
  readonly storeWatch: StoreWatch;
  stop(): Promise<void>;
}

type Options = OperatorOptions & { metrics: OperatorMetrics; setDepth: (f: () => number) => void; storeWatch: StoreWatch; owner?: OwnerReference };

/** The operator's options do not hold together, or what they name does not exist. */
export class OperatorStartError extends DnsfleetError {}

/** The owner reference to the installation's Deployment (`ownerDeployment`). */
async function installationOwner(kube: KubeClient, at: { readonly namespace: string; readonly name: string }): Promise<OwnerReference> {
  const d = await kube.readDeployment(at.namespace, at.name);
  if (!d?.uid) throw new OperatorStartError(`the owner Deployment ${at.namespace}/${at.name} does not exist`, { namespace: at.namespace, name: at.name });
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: at.name, uid: d.uid, controller: false, blockOwnerDeletion: false };
}

export async function runOperator(options: OperatorOptions): Promise<RunningOperator> {
  const kube = options.kube ?? (await kubeClient(options.kubeconfig, options.leaderElection?.identity));
  const owner = options.ownerDeployment ? await installationOwner(kube, options.ownerDeployment) : undefined;
  let depth = (): number => 0;
  const metrics = options.metrics ?? new OperatorMetrics(() => depth());
  metrics.watchStore(options.store.health);
  const stopLogging = logStoreHealth(options.store.health, options.log, options.store.where);
  // Every replica probes the store (its /readyz); only the leader acts on a reset.
  const storeWatch = new StoreWatch({ store: options.store, log: options.log });
  storeWatch.start();
  const closeStore = async (): Promise<void> => {
    storeWatch.stop();
    await o.store.close();
    stopLogging();
  };
  const o: Options = { ...options, metrics, setDepth: (f) => (depth = f), storeWatch, ...(owner ? { owner } : {}) };
  if (!o.leaderElection) {
    const stop = await startControllers(kube, o);
    return {
      isLeader: true,
      metrics,
      storeWatch,
      stop: async () => {
        await stop();
        await closeStore();
      },
    };
  }
  const le = o.leaderElection;
  const elector = new LeaderElector({
    kube,
    namespace: le.namespace,
    name: le.name ?? 'dnsfleet-operator',
    identity: le.identity,
    log: o.log,
    leaseSeconds: le.leaseSeconds,
    renewEveryMs: le.renewEveryMs,
    retryEveryMs: le.retryEveryMs,
    ...(o.owner ? { owner: o.owner } : {}),
  });
  metrics.leaderFrom(() => elector.isLeader);
  let stopControllers: (() => Promise<void>) | undefined;
  elector.run(
    async () => {
      stopControllers = await startControllers(kube, o);
    },
    async () => {
      await stopControllers?.();
      stopControllers = undefined;
    },
  );
  return {
    metrics,
    storeWatch,
    get isLeader() {
      return elector.isLeader;
    },
    stop: async () => {
      await stopControllers?.();
      // Only after the controllers stopped: a successor must not reconcile beside them.
      await elector.stop();
      await closeStore();
    },
  };
}

/** The kinds whose `Ready` the work queue's error path writes (stale, store full). */
type MarkedKind = 'Zone' | 'SecondaryZone' | 'NameserverCloud';

/** `Kind/namespace/name`: the work queue's key. */
export function objectKey(kind: DnsfleetKind, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? 'default'}/${name}`;
}

async function startControllers(kube: KubeClient, o: Options): Promise<() => Promise<void>> {
  // The informers' view, for the controllers that look across objects.
  const clouds = new Map<string, NameserverCloud>();
  const zones = new Map<string, Zone>();
  const secondaryZones = new Map<string, SecondaryZone>();
  const policies = new Map<string, DNSSECPolicy>();
  const policy = (namespace: string, name: string): DNSSECPolicy | undefined => policies.get(objectKey('DNSSECPolicy', namespace, name));
  // A DuplicateName cloud lends nothing to the zones (cloud/cloud-controller.ts).
  const servingClouds = (): NameserverCloud[] => firstOfEachName(clouds.values());
  const cloudNames = (): string[] => servingClouds().map((c) => c.metadata.name).sort();
  const zonesUsing = (namespace: string, policy: string): number =>
    [...zones.values(), ...secondaryZones.values()].filter((z) => (z.metadata.namespace ?? 'default') === namespace && z.spec.dnssecPolicy === policy).length;

  // Who owns each zone name (ADR 0008), from the informers' events below.
  const names = new ZoneNames(o.zonePolicy);
  // The Zone and SecondaryZone controllers read their objects from the informers' caches, share one
  // reader of TSIG Secrets, and write every zone again when the store has a new epoch.
  const secrets = new TsigSecrets(kube);
  const storeEpoch = (): string | undefined => o.storeWatch.latest?.id;
  const zone = (namespace: string, name: string): Zone | undefined => zones.get(objectKey('Zone', namespace, name));
  const secondaryZone = (namespace: string, name: string): SecondaryZone | undefined => secondaryZones.get(objectKey('SecondaryZone', namespace, name));
  // The zones' DNSSEC keys (a Secret per zone) and the key-encryption key in the control server's
  // namespace (the operator's own): without a control server nothing signs (ADR 0015).
  const kek = o.controlServer ? new KeyEncryptionKey(kube, o.controlServer.namespace, o.owner) : undefined;
  const signing = new ZoneSigning({ store: o.store, log: o.log, records: new KeyRecords(kube), ...(kek ? { kek } : {}), storeEpoch });
  const zoneController = new ZoneController({ kube, store: o.store, log: o.log, zone, names, clouds: cloudNames, policy, secrets, storeEpoch, signing, onState: (key, reason, detail) => o.metrics.zoneState(key, reason, detail) });
  const cloudController = new CloudController({ kube, store: o.store, log: o.log, pods: o.pods, cached: (namespace, name) => clouds.get(objectKey('NameserverCloud', namespace, name)), known: () => clouds.values() });
  const secondaryController = new SecondaryZoneController({ kube, store: o.store, log: o.log, secondaryZone, names, clouds: servingClouds, policy, secrets, storeEpoch, signing, onState: (key, reason, detail) => o.metrics.secondaryZoneState(key, reason, detail) });
  const policyController = new PolicyController({ kube, log: o.log, cached: policy, zonesUsing });
  const controlController = o.controlServer ? new ControlServerController({ kube, settings: { ...o.controlServer, pods: o.pods, ...(o.owner ? { owner: o.owner } : {}) }, ...(kek ? { kek } : {}) }) : undefined;
  const reconcilers: Record<string, (key: string) => Promise<ReconcileResult | void>> = {
    Zone: (key) => zoneController.reconcile(key),
    NameserverCloud: (key) => cloudController.reconcile(key),
    SecondaryZone: (key) => secondaryController.reconcile(key),
    DNSSECPolicy: (key) => policyController.reconcile(key),
    ControlServer: () => controlController!.reconcile(),
  };

  // Keys whose reconcile failed because the store could not be reached: they wait for it, not
  // for a timer, and all run again when it answers.
  const parked = new Set<string>();
  const health = o.store.health;
  const queue = new WorkQueue(
    async (key) => {
      const slash = key.indexOf('/');
      const kind = key.slice(0, slash);
      const started = Date.now();
      const result = await o.metrics.observe(kind, () => reconcilers[kind]!(key.slice(slash + 1)));
      rewrite.done(key, started);
      return result;
    },
    {
      onError: (key, err, retryInMs) => {
        // Parked only while the store is down: a failure that raced with its return retries as usual.
        if (!health.up) {
          parked.add(key);
          void markFromQueue(key, staleCondition(health.state));
          return false;
        }
        const cause = causeOf(err);
        if (cause instanceof StoreFullError) {
          // A refused write is not silent: the object says so, the alert on dnsfleet_zones fires,
          // and the retries (with backoff) write it once Redis has room.
          void reportStoreFull(key, cause);
          return true;
        }
        if (!(cause instanceof StoreUnavailableError)) o.log.warn('reconcile failed; retrying', { key, error: describeKubeError(err), retryInMs });
        return true;
      },
    },
  );
  o.setDepth(() => queue.depth);
  /**
   * Writes `ready` as the `Ready` condition of the object a work-queue key names, taken from the
   * informers' caches as the reconciles read them; the object's kind and metadata when that changed
   * the condition (for an Event), undefined when nothing was written.
   */
  const markFromQueue = async (key: string, ready: ReadyFromErrorPath): Promise<{ kind: MarkedKind; metadata: KindTypes[MarkedKind]['metadata'] } | undefined> => {
    const kind = key.slice(0, key.indexOf('/')) as MarkedKind;
    const object = kind === 'Zone' ? zones.get(key) : kind === 'SecondaryZone' ? secondaryZones.get(key) : kind === 'NameserverCloud' ? clouds.get(key) : undefined;
    if (!object) return undefined;
    return (await markReady(kube, o.log, kind, object, ready)) ? { kind, metadata: object.metadata } : undefined;
  };
  /** Ready False/StoreFull on a Zone or SecondaryZone whose version the store refused, with an Event once. */
  const reportStoreFull = async (key: string, cause: StoreFullError): Promise<void> => {
    const slash = key.indexOf('/');
    const kind = key.slice(0, slash);
    if (kind !== 'Zone' && kind !== 'SecondaryZone') return o.log.warn('zone store full', { key, error: cause.message });
    const ready = storeFullCondition(cause.reason);
    const subject = await markFromQueue(key, ready);
    if (kind === 'Zone') o.metrics.zoneState(key.slice(slash + 1), STORE_FULL);
    else o.metrics.secondaryZoneState(key.slice(slash + 1), STORE_FULL);
    if (!subject) return;
    o.log.warn('zone store full: version not written', { key, error: cause.message });
    await kube.recordEvent(subject, { type: 'Warning', reason: STORE_FULL, action: 'Reconcile', note: ready.message }).catch((err: unknown) => o.log.warn('could not record an event', { key, error: describeKubeError(err) }));
  };
  const unparkOnUp = health.onChange((now) => {
    if (now.state !== 'up') return;
    for (const key of parked) queue.add(key);
    parked.clear();
  });
  // Key → what of the object a reconcile depends on, as last seen (controller-runtime's
  // GenerationChangedPredicate, with finalizers and deletion): an update of the status alone, which
  // is the controller's own write coming back, does not run it again.
  const known = new Map<string, string>();
  // Nothing runs until every informer has listed: ownership is decided on the whole picture.
  let listed = false;
  const pending = new Set<string>();
  const enqueue = (key: string): void => void (listed ? queue.add(key) : pending.add(key));
  const rewrite = new StoreRewrite({
    store: o.store,
    log: o.log,
    keys: () => [...known.keys()].filter((k) => k.startsWith('Zone/') || k.startsWith('SecondaryZone/')),
    requeue: (key) => enqueue(key),
    // Copies exist where a SecondaryZone was transferred, and a control server runs to hold them.
    needsCopies: () => o.controlServer !== undefined && [...secondaryZones.values()].some((s) => s.status?.serial !== undefined),
  });
  const requeueKind = (kind: DnsfleetKind): void => {
    for (const key of known.keys()) if (key.startsWith(`${kind}/`)) queue.add(key);
  };

  const watchKind = <K extends DnsfleetKind>(kind: K, cache: Map<string, KindTypes[K]>, onChange?: (before: KindTypes[K] | undefined, after: KindTypes[K] | undefined) => void) =>
    kube.watch(kind, {
      onChange: (obj) => {
        const key = objectKey(kind, obj.metadata.namespace, obj.metadata.name);
        const before = cache.get(key);
        cache.set(key, obj);
        onChange?.(before, obj);
        // The DNSSEC annotations are acted on too (a DS confirmed, a rollover forced): they change no generation.
        const a = obj.metadata.annotations ?? {};
        const seen = JSON.stringify([obj.metadata.uid, obj.metadata.generation, obj.metadata.deletionTimestamp, obj.metadata.finalizers, a[DS_PUBLISHED_ANNOTATION], a[ROTATE_KSK_ANNOTATION], a[ROTATE_ZSK_ANNOTATION]]);
        if (known.get(key) === seen) return;
        known.set(key, seen);
        enqueue(key);
      },
      onDelete: (obj) => {
        const key = objectKey(kind, obj.metadata.namespace, obj.metadata.name);
        const before = cache.get(key);
        known.delete(key);
        rewrite.done(key);
        cache.delete(key);
        onChange?.(before, undefined);
        enqueue(key);
      },
      onError: (err) => o.log.warn(`${kind} watch failed; restarting it`, { error: describeKubeError(err) }),
    });
  // A changed policy reference changes the count of the policies involved.
  const policyUsers = (before: Zone | SecondaryZone | undefined, after: Zone | SecondaryZone | undefined): void => {
    if (before?.spec.dnssecPolicy !== after?.spec.dnssecPolicy) requeueKind('DNSSECPolicy');
  };

  // A name that changed hands (its owner gone or renamed): the other claimants decide again now.
  const claims = (kind: ClaimKind) => (before: Zone | SecondaryZone | undefined, after: Zone | SecondaryZone | undefined): void => {
    policyUsers(before, after);
    for (const other of names.update(kind, before, after)) enqueue(other);
  };

  // Clouds first, so the first Zone reconciles already know every cloud.
  const stops = [
    await watchKind('NameserverCloud', clouds as Map<string, NameserverCloud>, (before, after) => {
      // Zones' Ready and SecondaryZones' nameservers depend on the clouds.
      if (!isDeepStrictEqual(before?.spec, after?.spec)) {
        requeueKind('Zone');
        requeueKind('SecondaryZone');
      }
    }),
    await watchKind('DNSSECPolicy', policies, (before, after) => {
      // The zones naming a policy say whether it exists and is valid (their DNSSEC condition).
      if (isDeepStrictEqual(before?.spec, after?.spec)) return;
      const { namespace = 'default', name } = (after ?? before)!.metadata;
      for (const [key, z] of [...zones, ...secondaryZones]) if ((z.metadata.namespace ?? 'default') === namespace && z.spec.dnssecPolicy === name) enqueue(key);
    }),
    await watchKind('Zone', zones, claims('Zone')),
    await watchKind('SecondaryZone', secondaryZones, claims('SecondaryZone')),
  ];
  listed = true;
  for (const key of pending) queue.add(key);
  if (o.controlServer) {
    // Not a resource of its own: kept in shape by the same queue, at start and on every resync.
    const key = `ControlServer/${o.controlServer.namespace}/${CONTROL_NAME}`;
    known.set(key, '');
    queue.add(key);
  }
  const resync = setInterval(() => {
    // Nothing to gain while the store is away: the parked keys run when it answers.
    if (!health.up) return;
    for (const key of known.keys()) queue.addBackground(key);
  }, o.resyncMs ?? 60_000);
  const stopRewrite = o.storeWatch.onEpoch((epoch) => rewrite.epoch(epoch));
  o.log.info('controllers started', { clouds: cloudNames().join(',') });
  return async () => {
    stopRewrite();
    unparkOnUp();
    clearInterval(resync);
    queue.stop();
    for (const stop of stops.reverse()) await stop();
  };
}
