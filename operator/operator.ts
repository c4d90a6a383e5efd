import { describeKubeError, kubeClient, type DnsfleetKind, type KindTypes, type KubeClient } from './kube/client';
import { WorkQueue } from './queue';
import { ZoneController } from './zone/zone-controller';
import { CloudController } from './cloud/cloud-controller';
import type { PodSettings } from './cloud/cloud-objects';
import { buildControlDeployment, buildControlService, CONTROL_NAME, type ControlServerSettings } from './control/control-objects';
import { LeaderElector } from './leader';
import { OperatorMetrics } from './metrics';
import type { NameserverCloud } from '../crds/v1alpha1/nameservercloud';
import type { ZoneStore } from '../dataplane/store/zone-store';
import type { Logger } from '../dataplane/server/log';

/**
 * `dnsfleet operator`: watches Zones and NameserverClouds and reconciles each object through one
 * work queue keyed `Kind/namespace/name`, so one object is never reconciled twice at once. A
 * resync puts every known object back on the queue now and then, so nothing depends on a single
 * missed event. A change of the clouds puts every Zone back too: their `Ready` depends on them.
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
  /** Where the controllers report; one is made when not given. */
  readonly metrics?: OperatorMetrics;
  /** With this set, the controllers run only while this replica holds the Lease. */
  readonly leaderElection?: { readonly namespace: string; readonly name?: string; readonly identity: string; readonly leaseSeconds?: number; readonly renewEveryMs?: number; readonly retryEveryMs?: number };
}

export interface RunningOperator {
  /** True while this replica runs the controllers. */
  readonly isLeader: boolean;
  readonly metrics: OperatorMetrics;
  stop(): Promise<void>;
}

type Options = OperatorOptions & { metrics: OperatorMetrics; setDepth: (f: () => number) => void };

export async function runOperator(options: OperatorOptions): Promise<RunningOperator> {
  const kube = options.kube ?? (await kubeClient(options.kubeconfig, options.leaderElection?.identity));
  let depth = (): number => 0;
  const metrics = options.metrics ?? new OperatorMetrics(() => depth());
  const o: Options = { ...options, metrics, setDepth: (f) => (depth = f) };
  if (!o.leaderElection) {
    const stop = await startControllers(kube, o);
    return {
      isLeader: true,
      metrics,
      stop: async () => {
        await stop();
        await o.store.close();
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
  });
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
    get isLeader() {
      return elector.isLeader;
    },
    stop: async () => {
      await stopControllers?.();
      // Only after the controllers stopped: a successor must not reconcile beside them.
      await elector.stop();
      await o.store.close();
    },
  };
}

/** `Kind/namespace/name`: the work queue's key. */
export function objectKey(kind: DnsfleetKind, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? 'default'}/${name}`;
}

async function startControllers(kube: KubeClient, o: Options): Promise<() => Promise<void>> {
  const clouds = new Map<string, NameserverCloud>();
  const cloudNames = (): string[] => [...new Set([...clouds.values()].map((c) => c.metadata.name))].sort();
  const zoneController = new ZoneController({ kube, store: o.store, log: o.log, clouds: cloudNames, onState: (key, reason) => o.metrics.zoneState(key, reason) });
  const cloudController = new CloudController({ kube, store: o.store, log: o.log, pods: o.pods, known: () => clouds.values() });

  const queue = new WorkQueue(
    (key) => {
      const [kind, rest] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      if (kind === 'Zone') return o.metrics.observe('Zone', () => zoneController.reconcile(rest));
      if (kind === 'ControlServer') return o.metrics.observe('ControlServer', () => ensureControlServer(kube, { ...o.controlServer!, pods: o.pods }));
      return o.metrics.observe('NameserverCloud', () => cloudController.reconcile(rest));
    },
    { onError: (key, err, retryInMs) => o.log.warn('reconcile failed; retrying', { key, error: describeKubeError(err), retryInMs }) },
  );
  o.setDepth(() => queue.depth);
  const known = new Set<string>();
  const zoneKeys = new Set<string>();

  const watchKind = <K extends DnsfleetKind>(kind: K, onSeen: (obj: KindTypes[K], deleted: boolean) => void) =>
    kube.watch(kind, {
      onChange: (obj) => {
        const key = objectKey(kind, obj.metadata.namespace, obj.metadata.name);
        known.add(key);
        onSeen(obj, false);
        queue.add(key);
      },
      onDelete: (obj) => {
        const key = objectKey(kind, obj.metadata.namespace, obj.metadata.name);
        known.delete(key);
        onSeen(obj, true);
        queue.add(key);
      },
      onError: (err) => o.log.warn(`${kind} watch failed; restarting it`, { error: describeKubeError(err) }),
    });

  // Clouds first, so the first Zone reconciles already know every cloud.
  const stopClouds = await watchKind('NameserverCloud', (cloud, deleted) => {
    const id = `${cloud.metadata.namespace ?? 'default'}/${cloud.metadata.name}`;
    const before = cloudNames().join();
    if (deleted) clouds.delete(id);
    else clouds.set(id, cloud);
    if (cloudNames().join() !== before) for (const key of zoneKeys) queue.add(key);
  });
  const stopZones = await watchKind('Zone', (zone, deleted) => {
    const key = objectKey('Zone', zone.metadata.namespace, zone.metadata.name);
    if (deleted) zoneKeys.delete(key);
    else zoneKeys.add(key);
  });
  if (o.controlServer) {
    // Not a resource of its own: kept in shape by the same queue, at start and on every resync.
    const key = `ControlServer/${o.controlServer.namespace}/${CONTROL_NAME}`;
    known.add(key);
    queue.add(key);
  }
  const resync = setInterval(() => {
    for (const key of known) queue.add(key);
  }, o.resyncMs ?? 60_000);
  o.log.info('controllers started', { clouds: cloudNames().join(',') });
  return async () => {
    clearInterval(resync);
    queue.stop();
    await stopZones();
    await stopClouds();
  };
}

/** Applies the control server's Deployment and Service (server-side apply: unchanged means no write). */
async function ensureControlServer(kube: KubeClient, settings: ControlServerSettings): Promise<void> {
  await kube.apply(buildControlDeployment(settings));
  await kube.apply(buildControlService(settings));
}
