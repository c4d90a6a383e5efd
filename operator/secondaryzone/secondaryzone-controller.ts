import type { NameserverCloud } from '../../crds/v1alpha1/nameservercloud';
import { SecondaryZoneReason, type CloudNameservers, type SecondaryZone } from '../../crds/v1alpha1/secondaryzone';
import type { Logger } from '../../dataplane/server/log';
import type { KubeClient } from '../kube/client';
import type { ConditionInput } from '../conditions';
import { writeStatus } from '../status-writer';

/**
 * Reconciles one SecondaryZone's status as far as the operator alone can tell it: where the zone
 * will be served (the nameservers and addresses of its clouds: what the customer delegates to and
 * allows transfers to), and `Ready`. Transfers are the control server's (issue #4): until it
 * reports one, `Ready` is `Unknown` with reason `Pending`, which is the truth.
 */
export interface SecondaryZoneControllerOptions {
  readonly kube: KubeClient;
  readonly log: Logger;
  readonly clouds: () => Iterable<NameserverCloud>;
  readonly now?: () => Date;
}

export class SecondaryZoneController {
  constructor(private readonly o: SecondaryZoneControllerOptions) {}

  async reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const zone = await this.o.kube.get('SecondaryZone', namespace, name);
    if (!zone || zone.metadata.deletionTimestamp) return;
    const nameservers = servingClouds(zone, this.o.clouds());
    await writeStatus(this.o.kube, this.o.log, 'SecondaryZone', zone, { nameservers, problem: '' }, pendingCondition(zone), this.o.now);
  }
}

/** The clouds that will serve the zone, by name, with what they announce. Pure. */
export function servingClouds(zone: SecondaryZone, clouds: Iterable<NameserverCloud>): CloudNameservers[] {
  const wanted = zone.spec.nameserverClouds;
  const out = new Map<string, CloudNameservers>();
  for (const c of clouds) {
    if (wanted && !wanted.includes(c.metadata.name)) continue;
    const addresses = [...(c.spec.addresses?.ipv4 ?? []), ...(c.spec.addresses?.ipv6 ?? [])];
    out.set(c.metadata.name, { cloud: c.metadata.name, nameservers: [...c.spec.nameservers], ...(addresses.length > 0 ? { addresses } : {}) });
  }
  return [...out.values()].sort((a, b) => a.cloud.localeCompare(b.cloud));
}

export function pendingCondition(zone: SecondaryZone): ConditionInput {
  const primaries = zone.spec.primaries.map((p) => `${p.address.includes(':') ? `[${p.address}]` : p.address}:${p.port ?? 53}`).join(', ');
  return { type: 'Ready', status: 'Unknown', reason: SecondaryZoneReason.Pending, message: `no transfer from ${primaries} yet` };
}
