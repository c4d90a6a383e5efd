import type { Condition } from '../crds/v1alpha1/meta';
import type { Logger } from '../dataplane/log/log';
import type { StoreHealthState } from '../dataplane/store/store-health';
import { getCondition, setCondition } from './conditions';
import { describeKubeError, type DnsfleetKind, type KindTypes, type KubeClient, type StatusOf } from './kube/client';

/**
 * While the zone store cannot be reached a reconcile cannot tell what the clouds serve, so the
 * status it last wrote may be stale. This says so, in one place for every kind (the work queue's
 * error path): `Ready` becomes Unknown with reason `StoreUnavailable`, naming since when. The
 * rest of the status, `observedGeneration` included, stays as last written, so a changed spec
 * shows as not yet observed. The next successful reconcile writes `Ready` afresh.
 */

export const STORE_UNAVAILABLE = 'StoreUnavailable';

export function staleCondition(health: StoreHealthState): { type: string; status: 'Unknown'; reason: string; message: string } {
  return {
    type: 'Ready',
    status: 'Unknown',
    reason: STORE_UNAVAILABLE,
    message: `the zone store (Redis) is unreachable since ${new Date(health.since).toISOString()}: this status may be stale`,
  };
}

/**
 * Marks one object stale, once per outage (nothing is written when it already says so). The
 * object is the informer cache's copy: the status write is a merge patch of `status`, so it
 * needs no fresher version.
 */
export async function markStale<K extends DnsfleetKind>(kube: KubeClient, log: Logger, kind: K, object: KindTypes[K] | undefined, health: StoreHealthState, now?: () => Date): Promise<void> {
  if (!object || object.metadata.deletionTimestamp) return;
  const { namespace = 'default', name } = object.metadata;
  try {
    const status = (object.status ?? {}) as StatusOf<K> & { conditions?: Condition[] };
    const ready = staleCondition(health);
    const was = getCondition(status.conditions, 'Ready');
    if (was?.reason === STORE_UNAVAILABLE && was.message === ready.message) return;
    const conditions = setCondition(status.conditions, ready, object.metadata.generation, now);
    await kube.patchStatus(kind, namespace, name, { ...status, conditions } as StatusOf<K>);
  } catch (err) {
    log.warn('could not mark a status stale', { kind, namespace, name, error: describeKubeError(err) });
  }
}
