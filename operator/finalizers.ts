import { statusCode, type DnsfleetKind, type KindTypes, type KubeClient } from './kube/client';
import { causeOf, step } from './reconcile-error';
import type { ReconcileResult } from './queue';

/**
 * The finalizer steps the Zone and SecondaryZone controllers share. A finalizer keeps a deleted
 * object until the controller has removed what it wrote to the store (Kubernetes' finalizers). Each
 * write names the resourceVersion it was decided on, so a write based on a stale view of the object
 * (the informer's cache behind the API server) fails with 409 Conflict instead of overwriting a
 * newer list; `isConflict` tells the controller to look again soon rather than report a failure.
 */

export function hasFinalizer(object: KindTypes[DnsfleetKind], finalizer: string): boolean {
  return (object.metadata.finalizers ?? []).includes(finalizer);
}

/**
 * Adds `finalizer` when the object lacks it. True when it wrote: the write comes back as a watch
 * event (its finalizers changed), which runs the reconcile again on the object as it now is, so
 * the caller returns at once (controller-runtime's habit).
 */
export async function ensureFinalizer<K extends DnsfleetKind>(kube: KubeClient, kind: K, object: KindTypes[K], finalizer: string): Promise<boolean> {
  if (hasFinalizer(object, finalizer)) return false;
  const { namespace = 'default', name, resourceVersion } = object.metadata;
  await step(`add the finalizer ${finalizer}`, () => kube.setFinalizers(kind, namespace, name, [...(object.metadata.finalizers ?? []), finalizer], resourceVersion));
  return true;
}

/** Removes `finalizer` once the cleanup it stands for is done; the API server then deletes the object. */
export async function removeFinalizer<K extends DnsfleetKind>(kube: KubeClient, kind: K, object: KindTypes[K], finalizer: string): Promise<void> {
  const { namespace = 'default', name, resourceVersion } = object.metadata;
  const rest = (object.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  await step(`remove the finalizer ${finalizer}`, () => kube.setFinalizers(kind, namespace, name, rest, resourceVersion));
}

/** A write refused with 409 Conflict (through any step wrappers): the object changed since it was read. */
export function isConflict(err: unknown): boolean {
  return statusCode(causeOf(err)) === 409;
}

/** How soon a reconcile whose write met a conflict runs again (the watch event of the change usually comes first). */
export const CONFLICT_RETRY_MS = 1000;

/**
 * Runs a reconcile's steps; a 409 Conflict from any of its writes is not a failure but a sign the
 * object changed since the cache showed it: look again soon (its watch event usually comes first).
 */
export async function lookAgainOnConflict(steps: () => Promise<ReconcileResult | void>): Promise<ReconcileResult | void> {
  try {
    return await steps();
  } catch (err) {
    if (isConflict(err)) return { requeueAfterMs: CONFLICT_RETRY_MS };
    throw err;
  }
}
