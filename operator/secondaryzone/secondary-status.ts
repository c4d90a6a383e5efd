import { SecondaryZoneReason, type PrimaryStatus, type SecondaryZone, type SecondaryZoneStatus } from '../../crds/v1alpha1/secondaryzone';
import type { CloudServingStatus } from '../../crds/v1alpha1/zone';
import type { SecondaryConfig, SecondaryState } from '../../dataplane/store/zone-store';
import { storeOrigin } from '../../dataplane/store/zone-store';
import type { ConditionInput } from '../conditions';

/**
 * Pure policy for a SecondaryZone: what the operator hands the control server, and how the
 * control server's report becomes status. The secondary-zone controller owns `Ready`.
 */

export const RETRIEVE_ANNOTATION = 'dnsfleet.io/retrieve';

/** Every reason of a SecondaryZone's `Ready`: the API type's, and the two about the clouds. */
export const SecondaryReason = {
  ...SecondaryZoneReason,
  /** Transferred, and not yet served by every pod: progress, so its Event is Normal. */
  Propagating: 'Propagating',
  /** `spec.nameserverClouds` names a cloud that does not exist. */
  UnknownCloud: 'UnknownCloud',
  /** No cloud at all serves it. */
  NoNameserverCloud: 'NoNameserverCloud',
} as const;

/** `tsig`: the Secret's fields when the zone names one (read by the controller). */
export function secondaryConfigOf(zone: SecondaryZone, tsig: SecondaryConfig['tsig'] | undefined, secondaries: SecondaryConfig['secondaries'] = []): SecondaryConfig {
  const retrieve = zone.metadata.annotations?.[RETRIEVE_ANNOTATION];
  return {
    origin: storeOrigin(zone.spec.zoneName),
    primaries: zone.spec.primaries.map((p) => ({ address: p.address, port: p.port ?? 53 })),
    ...(tsig ? { tsig } : {}),
    ...(zone.spec.refresh ? { refresh: { ...zone.spec.refresh } } : {}),
    clouds: zone.spec.nameserverClouds ?? 'all',
    ...(secondaries && secondaries.length > 0 ? { secondaries } : {}),
    ...(retrieve !== undefined ? { retrieve } : {}),
  };
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export function statusFields(state: SecondaryState | undefined, clouds: CloudServingStatus[]): Pick<SecondaryZoneStatus, 'serial' | 'lastTransfer' | 'primaries' | 'problem' | 'clouds'> {
  if (!state) return { problem: '', clouds };
  const primaries: PrimaryStatus[] = state.primaries.map((p) => ({
    address: p.address,
    port: p.port,
    status: p.ok ? 'OK' : 'FAILED',
    ...(p.error ? { errorMessage: p.error.slice(0, 1024) } : {}),
    ...(p.lastAttemptMs !== undefined ? { lastAttempt: iso(p.lastAttemptMs)! } : {}),
  }));
  return {
    ...(state.serial !== undefined ? { serial: state.serial } : {}),
    ...(state.lastTransferMs !== undefined ? { lastTransfer: iso(state.lastTransferMs)! } : {}),
    primaries,
    problem: state.problem,
    clouds,
  };
}

/**
 * `Ready`, by a chain of checks: the first that applies says why. `missing`: the clouds
 * `spec.nameserverClouds` names that do not exist. `Transferred` counts no pods, so its Event says
 * what the condition keeps saying while pods come and go (`status.clouds` has the counts).
 */
export function secondaryReadyCondition(zone: SecondaryZone, state: SecondaryState | undefined, clouds: readonly CloudServingStatus[], missing: readonly string[] = []): ConditionInput {
  const primaries = zone.spec.primaries.map((p) => `${p.address.includes(':') ? `[${p.address}]` : p.address}:${p.port ?? 53}`).join(', ');
  if (state?.expired) return { type: 'Ready', status: 'False', reason: SecondaryZoneReason.Expired, message: `no primary answered for the SOA expire time; the clouds no longer answer for the zone (${state.problem})` };
  if (!state || state.serial === undefined) {
    if (state?.problem) return { type: 'Ready', status: 'False', reason: SecondaryZoneReason.TransferFailed, message: `no transfer yet: ${state.problem}` };
    return { type: 'Ready', status: 'Unknown', reason: SecondaryZoneReason.Pending, message: `no transfer from ${primaries} yet` };
  }
  if (state.problem) return { type: 'Ready', status: 'False', reason: SecondaryZoneReason.TransferFailed, message: `serial ${state.serial} still served; the last check failed: ${state.problem}` };
  if (missing.length > 0) {
    return { type: 'Ready', status: 'False', reason: SecondaryReason.UnknownCloud, message: `spec.nameserverClouds: no NameserverCloud named ${missing.join(', ')}; serial ${state.serial} is served by the others and by it once it exists` };
  }
  if (clouds.length === 0) return { type: 'Ready', status: 'False', reason: SecondaryReason.NoNameserverCloud, message: `serial ${state.serial} transferred; no NameserverCloud serves this zone` };
  const lagging = clouds.filter((c) => c.pods === 0 || c.podsInSync < c.pods);
  if (lagging.length > 0) {
    return { type: 'Ready', status: 'False', reason: SecondaryReason.Propagating, message: `serial ${state.serial} not yet served everywhere (${lagging.map((c) => `${c.name}: ${c.podsInSync}/${c.pods} pods`).join(', ')})` };
  }
  return { type: 'Ready', status: 'True', reason: SecondaryZoneReason.Transferred, message: `serial ${state.serial} transferred and served by every pod of ${clouds.map((c) => c.name).join(', ')}` };
}
