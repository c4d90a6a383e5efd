import type { CloudServingStatus } from '../../crds/v1alpha1/zone';
import type { PodReport } from '../../dataplane/store/zone-store';
import { serialCompare } from '../../dataplane/zone/serial';
import type { Condition } from '../../crds/v1alpha1/meta';
import type { ConditionInput } from '../conditions';
import type { EventRecord } from '../kube/client';

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
  /** The zone's own SOA serial went back, or the zone changed without raising it: refused. */
  SerialNotIncreased: 'SerialNotIncreased',
  NoNameserverCloud: 'NoNameserverCloud',
  /** `spec.nameserverClouds` names a cloud that does not exist. */
  UnknownCloud: 'UnknownCloud',
  /** Not a condition reason: the Event of a new version written for the clouds. */
  Updated: 'Updated',
  /** Not a condition reason: the Warning Event of a version written with warnings (e.g. no apex NS). */
  ZoneWarnings: 'ZoneWarnings',
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

/** `reason` of a refused build: InvalidZone unless said otherwise. */
export type BuildOutcome = { readonly ok: true; readonly serial: number } | { readonly ok: false; readonly message: string; readonly reason?: string };

/**
 * The `Ready` condition, decided by a chain of checks in order: the first that fails says why.
 * `missing`: the clouds `spec.nameserverClouds` names that do not exist. The message of `Serving`
 * counts no pods, so the Event recorded when a zone turns `Serving` says what the condition
 * keeps saying while pods come and go (`status.clouds` has the counts).
 */
export function readyCondition(build: BuildOutcome, progress: readonly CloudServingStatus[], missing: readonly string[] = []): ConditionInput {
  const not = (reason: string, message: string): ConditionInput => ({ type: 'Ready', status: 'False', reason, message });
  if (!build.ok) return not(build.reason ?? ZoneReason.InvalidZone, build.message);
  if (missing.length > 0) {
    const served = progress.length > 0 ? `written for ${progress.map((c) => c.name).join(', ')}` : 'no cloud serves it';
    return not(ZoneReason.UnknownCloud, `spec.nameserverClouds: no NameserverCloud named ${missing.join(', ')} (${served}; it is written for the missing ones too, served once they exist)`);
  }
  if (progress.length === 0) return not(ZoneReason.NoNameserverCloud, 'no NameserverCloud serves this zone');
  const lagging = progress.filter((c) => c.pods === 0 || c.podsInSync < c.pods);
  if (lagging.length > 0) {
    const detail = lagging.map((c) => (c.pods === 0 ? `${c.name}: no pods report yet` : `${c.name}: ${c.podsInSync}/${c.pods} pods`)).join(', ');
    return not(ZoneReason.Propagating, `serial ${build.serial} not yet served everywhere (${detail})`);
  }
  return { type: 'Ready', status: 'True', reason: ZoneReason.Serving, message: `serial ${build.serial} served by every pod of ${progress.map((c) => c.name).join(', ')}` };
}

/**
 * Why a zone with its own SOA may not replace the version the clouds serve (`stored`): its serial
 * is lower (RFC 1982 order), or its content changed under the same serial. Secondaries decide by
 * the serial alone whether to transfer (RFC 1034 §4.3.5), so either would leave the customer's
 * secondaries, and the serial check behind `Ready`, on the old data. Undefined when it may.
 */
export function ownSerialProblem(serial: number, text: string, stored: { readonly serial: number; readonly text: string } | undefined): string | undefined {
  if (!stored) return undefined;
  const order = serialCompare(serial, stored.serial);
  if (order < 0) return `the SOA serial ${serial} is lower than ${stored.serial}, the serial being served (RFC 1982 order); secondaries would never take this version: give it a serial above ${stored.serial}. Serial ${stored.serial} keeps serving`;
  if (order === 0 && text !== stored.text) return `the zone changed but its SOA serial is still ${serial}; secondaries would keep the old version: raise the serial. The served version keeps serving`;
  return undefined;
}

/**
 * The Event a change of a Zone's `Ready` is worth: one per change of reason, and one per new
 * message of a refused version (it says what is wrong); none for `Propagating`, which every
 * change passes through. Normal when True, else Warning. Pure.
 */
export function zoneReadyEvent(before: Condition | undefined, ready: ConditionInput): EventRecord | undefined {
  const refused = ready.reason === ZoneReason.InvalidZone || ready.reason === ZoneReason.SerialNotIncreased;
  if (before?.reason === ready.reason && !(refused && before.message !== ready.message)) return undefined;
  if (ready.reason === ZoneReason.Propagating) return undefined;
  return { type: ready.status === 'True' ? 'Normal' : 'Warning', reason: ready.reason, action: 'Reconcile', note: ready.message };
}
