import type { CloudServingStatus } from '../../crds/v1alpha1/zone';
import type { PodReport } from '../../dataplane/store/zone-store';
import { serialCompare } from '../../dataplane/zone/serial';
import type { ConditionInput } from '../conditions';

/**
 * Pure policy for a Zone's status: how far each cloud has come, and what `Ready` says. `Ready`
 * means every pod of every cloud that should serve the zone answers with its serial.
 * The controller that owns the Zone's `Ready` condition is the zone controller (operator/zone).
 */

/** Reasons of the Zone's `Ready` condition; Events use the same words. */
export const ZoneReason = {
  Serving: 'Serving',
  Propagating: 'Propagating',
  InvalidZone: 'InvalidZone',
  NoNameserverCloud: 'NoNameserverCloud',
  /** Not a condition reason: the Event of a new version written for the clouds. */
  Updated: 'Updated',
} as const;

/** Per cloud: pods reporting, and how many serve `serial` or newer (RFC 1982 order). */
export function cloudProgress(origin: string, serial: number, clouds: readonly string[], reports: ReadonlyMap<string, readonly PodReport[]>): CloudServingStatus[] {
  return clouds.map((name) => {
    const pods = reports.get(name) ?? [];
    const served = pods.map((p) => p.serials.get(origin)).filter((s): s is number => s !== undefined);
    const lowest = served.reduce<number | undefined>((low, s) => (low === undefined || serialCompare(s, low) < 0 ? s : low), undefined);
    return {
      name,
      ...(lowest !== undefined ? { serial: lowest } : {}),
      pods: pods.length,
      podsInSync: served.filter((s) => serialCompare(s, serial) >= 0).length,
    };
  });
}

export type BuildOutcome = { readonly ok: true; readonly serial: number } | { readonly ok: false; readonly message: string };

/** The `Ready` condition, decided by a chain of checks in order: the first that fails says why. */
export function readyCondition(build: BuildOutcome, progress: readonly CloudServingStatus[]): ConditionInput {
  const not = (reason: string, message: string): ConditionInput => ({ type: 'Ready', status: 'False', reason, message });
  if (!build.ok) return not(ZoneReason.InvalidZone, build.message);
  if (progress.length === 0) return not(ZoneReason.NoNameserverCloud, 'no NameserverCloud serves this zone');
  const lagging = progress.filter((c) => c.pods === 0 || c.podsInSync < c.pods);
  if (lagging.length > 0) {
    const detail = lagging.map((c) => (c.pods === 0 ? `${c.name}: no pods report yet` : `${c.name}: ${c.podsInSync}/${c.pods} pods`)).join(', ');
    return not(ZoneReason.Propagating, `serial ${build.serial} not yet served everywhere (${detail})`);
  }
  const pods = progress.reduce((n, c) => n + c.pods, 0);
  return { type: 'Ready', status: 'True', reason: ZoneReason.Serving, message: `serial ${build.serial} served by ${pods} pods in ${progress.length} clouds` };
}
