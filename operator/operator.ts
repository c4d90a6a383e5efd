import { kubeClient, type KubeClient } from './kube/client';
import { WorkQueue } from './queue';
import { ZoneController } from './zone/zone-controller';
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
}

export interface RunningOperator {
  readonly queue: WorkQueue;
  stop(): Promise<void>;
}

export async function runOperator(o: OperatorOptions): Promise<RunningOperator> {
  const kube = o.kube ?? (await kubeClient(o.kubeconfig));
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
  o.log.info('operator started', { clouds: o.clouds.join(',') });
  return {
    queue,
    stop: async () => {
      clearInterval(resync);
      queue.stop();
      await stopWatch();
      await o.store.close();
    },
  };
}
