import { kubeClient, type KubeClient } from './kube/client';
import { WorkQueue } from './queue';
import { ZoneController } from './zone/zone-controller';
import { LeaderElector } from './leader';
import { OperatorMetrics } from './metrics';
import type { ZoneStore } from '../dataplane/store/zone-store';
import type { Logger } from '../dataplane/server/log';

/**
 * `dnsfleet operator`: watches Zones and reconciles each through the work queue. A resync puts
 * every known Zone back on the queue now and then, so nothing depends on a single missed event.
 */

export interface OperatorOptions {
  readonly store: ZoneStore;
  readonly log: Logger;
  readonly kubeconfig?: string;
  readonly kube?: KubeClient;
  /** The nameserver clouds, for zones that do not name theirs. */
  readonly clouds: readonly string[];
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

export async function runOperator(options: OperatorOptions): Promise<RunningOperator> {
  const kube = options.kube ?? (await kubeClient(options.kubeconfig));
  let depth = (): number => 0;
  const metrics = options.metrics ?? new OperatorMetrics(() => depth());
  const o: OperatorOptions & { metrics: OperatorMetrics; setDepth: (f: () => number) => void } = { ...options, metrics, setDepth: (f) => (depth = f) };
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
      elector.stop();
      await stopControllers?.();
      await o.store.close();
    },
  };
}

async function startControllers(
  kube: KubeClient,
  o: OperatorOptions & { metrics: OperatorMetrics; setDepth: (f: () => number) => void },
): Promise<() => Promise<void>> {
  const controller = new ZoneController({ kube, store: o.store, log: o.log, clouds: () => o.clouds, onState: (key, reason) => o.metrics.zoneState(key, reason) });
  const queue = new WorkQueue((key) => o.metrics.observe('Zone', () => controller.reconcile(key)), {
    onError: (key, err, retryInMs) => o.log.warn('reconcile failed; retrying', { key, error: String(err), retryInMs }),
  });
  o.setDepth(() => queue.depth);
  // Key → what of the Zone a reconcile depends on, as last seen (controller-runtime's
  // GenerationChangedPredicate, with finalizers and deletion): an update of the status alone, which
  // is the controller's own write coming back, does not run it again.
  const known = new Map<string, string>();
  const stopWatch = await kube.watchZones({
    onChange: (z) => {
      const key = ZoneController.key(z.metadata.namespace ?? 'default', z.metadata.name);
      const seen = JSON.stringify([z.metadata.uid, z.metadata.generation, z.metadata.deletionTimestamp, z.metadata.finalizers]);
      if (known.get(key) === seen) return;
      known.set(key, seen);
      queue.add(key);
    },
    onDelete: (z) => {
      const key = ZoneController.key(z.metadata.namespace ?? 'default', z.metadata.name);
      known.delete(key);
      queue.add(key);
    },
    onError: (err) => o.log.warn('zone watch failed; restarting it', { error: String(err) }),
  });
  const resync = setInterval(() => {
    for (const key of known.keys()) queue.addBackground(key);
  }, o.resyncMs ?? 60_000);
  o.log.info('controllers started', { clouds: o.clouds.join(',') });
  return async () => {
    clearInterval(resync);
    queue.stop();
    await stopWatch();
  };
}
