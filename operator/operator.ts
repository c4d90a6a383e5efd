import { kubeClient, type KubeClient } from './kube/client';
import { WorkQueue } from './queue';
import { ZoneController } from './zone/zone-controller';
import { LeaderElector } from './leader';
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
  /** With this set, the controllers run only while this replica holds the Lease. */
  readonly leaderElection?: { readonly namespace: string; readonly name?: string; readonly identity: string; readonly leaseSeconds?: number; readonly renewEveryMs?: number; readonly retryEveryMs?: number };
}

export interface RunningOperator {
  /** True while this replica runs the controllers. */
  readonly isLeader: boolean;
  stop(): Promise<void>;
}

export async function runOperator(o: OperatorOptions): Promise<RunningOperator> {
  const kube = o.kube ?? (await kubeClient(o.kubeconfig));
  if (!o.leaderElection) {
    const stop = await startControllers(kube, o);
    return {
      isLeader: true,
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

async function startControllers(kube: KubeClient, o: OperatorOptions): Promise<() => Promise<void>> {
  const controller = new ZoneController({ kube, store: o.store, log: o.log, clouds: () => o.clouds });
  const queue = new WorkQueue((key) => controller.reconcile(key), {
    onError: (key, err, retryInMs) => o.log.warn('reconcile failed; retrying', { key, error: String(err), retryInMs }),
  });
  const known = new Set<string>();
  const stopWatch = await kube.watchZones({
    onChange: (z) => {
      const key = ZoneController.key(z.metadata.namespace ?? 'default', z.metadata.name);
      known.add(key);
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
    for (const key of known) queue.add(key);
  }, o.resyncMs ?? 60_000);
  o.log.info('controllers started', { clouds: o.clouds.join(',') });
  return async () => {
    clearInterval(resync);
    queue.stop();
    await stopWatch();
  };
}
