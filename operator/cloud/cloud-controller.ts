import type { NameserverCloud } from '../../crds/v1alpha1/nameservercloud';
import type { ZoneStore } from '../../dataplane/store/zone-store';
import type { Logger } from '../../dataplane/log/log';
import type { KubeClient } from '../kube/client';
import type { ReconcileResult } from '../queue';
import { writeStatus } from '../status-writer';
import { AppliedObjects } from '../kube/applied-objects';
import { step } from '../reconcile-error';
import { buildCloudDeployment, buildCloudDisruptionBudget, buildCloudService, cloudObjectName, cloudObjectNameOf, type PodSettings } from './cloud-objects';
import { cloudReadyCondition, CloudReason } from './cloud-status';

/**
 * Reconciles one NameserverCloud, a straight list of steps (CloudNativePG's shape). It owns the
 * cloud's `Ready` condition and `status`.
 *
 * 1. read the cloud from the informer's cache; gone or being deleted → nothing: the owner
 *    references let Kubernetes' garbage collector remove the Deployment, Service and PDB, and
 *    zones stop naming the cloud by themselves;
 * 2. a name another namespace had first → `DuplicateName`, nothing applied (zones and the store
 *    know clouds by name alone, so two pod sets must never report under one name);
 * 3. apply the Deployment, Service and PodDisruptionBudget when the builders produce something
 *    new (server-side apply: only the fields the builders set are the operator's; a rolling
 *    update follows any change of the pod template), and now and then to put back drift;
 * 4. count the pods that report serving the cloud's zones, decide `Ready`, write the status if it
 *    changed, and record an Event when the reason changes; look again soon while not ready.
 *
 * A failure comes out as a `ReconcileStepError` naming the step.
 */

export interface CloudControllerOptions {
  readonly kube: KubeClient;
  /** Where the pods report what they serve. */
  readonly store: Pick<ZoneStore, 'servedBy'>;
  readonly log: Logger;
  readonly pods: PodSettings;
  /** One NameserverCloud from the informer's cache. */
  readonly cached: (namespace: string, name: string) => NameserverCloud | undefined;
  /** Every NameserverCloud the operator knows of (the informer's cache). */
  readonly known: () => Iterable<NameserverCloud>;
  readonly now?: () => Date;
  readonly pollNotReadyMs?: number;
  readonly pollReadyMs?: number;
  /** How often an unchanged owned object is applied again (operator/kube/applied-objects.ts). */
  readonly reapplyMs?: number;
}

export class CloudController {
  private readonly applied: AppliedObjects;

  constructor(private readonly o: CloudControllerOptions) {
    this.applied = new AppliedObjects(o.kube, o.reapplyMs);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [namespace, name] = key.split('/') as [string, string];
    const cloud = this.o.cached(namespace, name);
    if (!cloud || cloud.metadata.deletionTimestamp) {
      // Its objects go with it (owner references); one made again under this name is applied at once.
      for (const kind of OWNED_KINDS) this.applied.forget(kind, namespace, cloudObjectNameOf(name));
      return;
    }

    const sameName = olderWithSameName(cloud, this.o.known());
    let podsServing = 0;
    let readyReplicas = 0;
    if (sameName.length === 0) {
      for (const object of [buildCloudDeployment(cloud, this.o.pods), buildCloudService(cloud), buildCloudDisruptionBudget(cloud)]) {
        await step(`apply ${object.kind} ${object.metadata.name}`, () => this.applied.apply(object));
      }
      const deployment = cloudObjectName(cloud);
      readyReplicas = (await step(`read Deployment ${deployment}`, () => this.o.kube.readDeployment(namespace, deployment)))?.readyReplicas ?? 0;
      podsServing = (await step('read the pods serving the cloud from the store', () => this.o.store.servedBy(name))).length;
    }
    const replicas = cloud.spec.replicas ?? 2;
    const ready = cloudReadyCondition({ replicas, podsServing, sameName });
    const eventType = ready.reason === CloudReason.DuplicateName ? 'Warning' : 'Normal';
    await writeStatus(this.o.kube, this.o.log, 'NameserverCloud', cloud, { replicas, readyReplicas, podsServing }, ready, this.o.now, eventType);
    return { requeueAfterMs: ready.status === 'True' ? (this.o.pollReadyMs ?? 30_000) : (this.o.pollNotReadyMs ?? 2000) };
  }
}

const OWNED_KINDS = ['Deployment', 'Service', 'PodDisruptionBudget'] as const;

/** Clouds elsewhere with this cloud's name that came first (created earlier, or same time and a lower namespace). */
export function olderWithSameName(cloud: NameserverCloud, all: Iterable<NameserverCloud>): string[] {
  const created = cloud.metadata.creationTimestamp ?? '';
  const ns = cloud.metadata.namespace ?? 'default';
  const out: string[] = [];
  for (const other of all) {
    const otherNs = other.metadata.namespace ?? 'default';
    if (other.metadata.name !== cloud.metadata.name || otherNs === ns) continue;
    const otherCreated = other.metadata.creationTimestamp ?? '';
    if (otherCreated < created || (otherCreated === created && otherNs < ns)) out.push(`${otherNs}/${other.metadata.name}`);
  }
  return out;
}

/**
 * The clouds that own their name: of several with one name (in different namespaces) only the
 * first, as the cloud controller decides; the others are `DuplicateName` and run no pods, so
 * nothing built from the cloud list (a SecondaryZone's `status.nameservers`, a Zone's clouds)
 * may take anything from them. Pure.
 */
export function firstOfEachName(all: Iterable<NameserverCloud>): NameserverCloud[] {
  const list = [...all];
  return list.filter((c) => olderWithSameName(c, list).length === 0);
}
