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
export const STORE_FULL = 'StoreFull';

export function staleCondition(health: StoreHealthState): { type: string; status: 'Unknown'; reason: string; message: string } {
  return {
    type: 'Ready',
    status: 'Unknown',
    reason: STORE_UNAVAILABLE,
    message: `the zone store (Redis) is unreachable since ${new Date(health.since).toISOString()}: this status may be stale`,
  };
}

/**
 * A version the zone store refused for want of memory (`StoreFullError`): `Ready` False with
 * reason `StoreFull`. Nothing of it reached the clouds; the version they have keeps serving, and
 * the reconcile is retried until Redis has room (raise `maxmemory`, or remove zones).
 */
export function storeFullCondition(reason: string): { type: string; status: 'False'; reason: string; message: string } {
  return {
    type: 'Ready',
    status: 'False',
    reason: STORE_FULL,
    message: `the zone store (Redis) is full and refused this version (${reason}); the version the clouds have keeps serving, and it is written once Redis has room`,
  };
}

/** What the work queue's error path writes as `Ready`: stale (once per outage) or store full. */
export type ReadyFromErrorPath = ReturnType<typeof staleCondition> | ReturnType<typeof storeFullCondition>;

/**
 * Writes `ready` as the object's `Ready` condition from the work queue's error path, when the
 * reconcile could not; true when it changed it. The object is the informer cache's copy: the
 * status write is a merge patch of `status`, so it needs no fresher version. The rest of the
 * status, `observedGeneration` included, stays as last written.
 */
export async function markReady<K extends DnsfleetKind>(kube: KubeClient, log: Logger, kind: K, object: KindTypes[K] | undefined, ready: ReadyFromErrorPath, now?: () => Date): Promise<boolean> {
  if (!object || object.metadata.deletionTimestamp) return false;
  const { namespace = 'default', name } = object.metadata;
  try {
    const status = (object.status ?? {}) as StatusOf<K> & { conditions?: Condition[] };
    const was = getCondition(status.conditions, 'Ready');
    if (was?.reason === ready.reason && was.message === ready.message) return false;
    const conditions = setCondition(status.conditions, ready, object.metadata.generation, now);
    await kube.patchStatus(kind, namespace, name, { ...status, conditions } as StatusOf<K>);
    return true;
  } catch (err) {
    log.warn('could not write a status from a failed reconcile', { kind, namespace, name, reason: ready.reason, error: describeKubeError(err) });
    return false;
  }
}
