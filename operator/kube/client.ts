import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { Agent } from 'node:https';
import type { Zone as ZoneResource, ZoneStatus } from '../../crds/v1alpha1/zone';
import { API_GROUP } from '../../crds/v1alpha1/meta';

/**
 * The operator's view of the API server, over @kubernetes/client-node. The library is an ES
 * module and this package is CommonJS, so it is loaded with a dynamic import (types with
 * `resolution-mode: import`); everything else in the operator sees only this small interface,
 * which keeps the reconcile code testable and the library in one place.
 */

const VERSION = 'v1alpha1';
const ZONES = 'zones';

export interface ZoneEvents {
  onChange(zone: ZoneResource): void;
  onDelete(zone: ZoneResource): void;
  onError(err: unknown): void;
}

/** What a coordination.k8s.io Lease says about the current leader. */
export interface LeaseState {
  readonly holder: string | undefined;
  readonly renewTime: Date | undefined;
  readonly durationSeconds: number;
  readonly resourceVersion: string | undefined;
}

export interface KubeClient {
  /** Watches Zones in every namespace; the informer lists, watches, re-lists on 410 and reconnects. */
  watchZones(events: ZoneEvents): Promise<() => Promise<void>>;
  getZone(namespace: string, name: string): Promise<ZoneResource | undefined>;
  /** Merge-patches the status subresource (the patch needs the merge-patch content type). */
  patchZoneStatus(namespace: string, name: string, status: ZoneStatus): Promise<void>;
  setZoneFinalizers(namespace: string, name: string, finalizers: readonly string[], resourceVersion: string | undefined): Promise<void>;
  readLease(namespace: string, name: string): Promise<LeaseState | undefined>;
  /**
   * Creates the Lease (no `resourceVersion`) or replaces the version read (optimistic lock).
   * Returns false when someone else wrote it first (409 Conflict).
   */
  writeLease(namespace: string, name: string, holder: string, durationSeconds: number, acquired: boolean, resourceVersion: string | undefined): Promise<boolean>;
}

type Lib = typeof K8s;

let lib: Promise<Lib> | undefined;
function load(): Promise<Lib> {
  lib ??= import('@kubernetes/client-node');
  return lib;
}

/** A client from a kubeconfig file, or from the default places (in-cluster, $KUBECONFIG, ~/.kube). */
export async function kubeClient(kubeconfigPath?: string): Promise<KubeClient> {
  const k8s = await load();
  const kc = new k8s.KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromDefault();
  reuseConnections(kc);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const leases = kc.makeApiClient(k8s.CoordinationV1Api);
  const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  const ref = (namespace: string, name: string) => ({ group: API_GROUP, version: VERSION, namespace, plural: ZONES, name });

  return {
    async watchZones(events) {
      const informer = k8s.makeInformer<ZoneResource & K8s.KubernetesObject>(
        kc,
        `/apis/${API_GROUP}/${VERSION}/${ZONES}`,
        () => api.listClusterCustomObject({ group: API_GROUP, version: VERSION, plural: ZONES }) as Promise<K8s.KubernetesListObject<ZoneResource & K8s.KubernetesObject>>,
      );
      let stopped = false;
      let restart: NodeJS.Timeout | undefined;
      informer.on('add', (z) => events.onChange(z));
      informer.on('update', (z) => events.onChange(z));
      informer.on('delete', (z) => events.onDelete(z));
      informer.on('error', (err) => {
        if (stopped) return;
        events.onError(err);
        // The informer stops on error; start it again after a pause (it lists afresh).
        restart = setTimeout(() => void informer.start().catch((e: unknown) => events.onError(e)), 1000);
      });
      await informer.start();
      return async () => {
        stopped = true;
        if (restart) clearTimeout(restart);
        await informer.stop();
      };
    },

    async getZone(namespace, name) {
      try {
        return (await api.getNamespacedCustomObject(ref(namespace, name))) as ZoneResource;
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },

    async patchZoneStatus(namespace, name, status) {
      await api.patchNamespacedCustomObjectStatus({ ...ref(namespace, name), body: { status } }, mergePatch);
    },

    async readLease(namespace, name) {
      try {
        const lease = await leases.readNamespacedLease({ namespace, name });
        return {
          holder: lease.spec?.holderIdentity,
          renewTime: lease.spec?.renewTime ? new Date(lease.spec.renewTime) : undefined,
          durationSeconds: lease.spec?.leaseDurationSeconds ?? 15,
          resourceVersion: lease.metadata?.resourceVersion,
        };
      } catch (err) {
        if (statusCode(err) === 404) return undefined;
        throw err;
      }
    },

    async writeLease(namespace, name, holder, durationSeconds, acquired, resourceVersion) {
      const now = new k8s.V1MicroTime();
      const body: K8s.V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
        spec: { holderIdentity: holder, leaseDurationSeconds: durationSeconds, renewTime: now, ...(acquired ? { acquireTime: now } : {}) },
      };
      try {
        if (resourceVersion) await leases.replaceNamespacedLease({ namespace, name, body });
        else await leases.createNamespacedLease({ namespace, body });
        return true;
      } catch (err) {
        if (statusCode(err) === 409) return false;
        throw err;
      }
    },

    async setZoneFinalizers(namespace, name, finalizers, resourceVersion) {
      // The resourceVersion makes the patch fail on conflict instead of overwriting a newer list.
      const metadata: Record<string, unknown> = { finalizers: [...finalizers] };
      if (resourceVersion) metadata.resourceVersion = resourceVersion;
      await api.patchNamespacedCustomObject({ ...ref(namespace, name), body: { metadata } }, mergePatch);
    },
  };
}

/**
 * client-node 1.4 makes a new https.Agent for every API call (kubernetes-client/javascript#2893),
 * so every request paid a new TLS connection: with a thousand Zones the handshakes were the largest
 * part of the operator's CPU. This keeps one keep-alive agent while the TLS options stay the same.
 */
function reuseConnections(kc: K8s.KubeConfig): void {
  const apply = kc.applySecurityAuthentication.bind(kc);
  let shared: { key: string; agent: Agent } | undefined;
  kc.applySecurityAuthentication = async (context) => {
    await apply(context);
    const made = context.getAgent();
    // Proxy agents are other classes: they keep their own behaviour.
    if (made?.constructor !== Agent) return;
    const o = (made as Agent).options;
    // Credentials can be re-read (rotated certificates): a change makes a new agent.
    const key = [o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername].map((v) => (v === undefined ? '' : String(v))).join('\0');
    if (shared?.key !== key) {
      shared?.agent.destroy();
      shared = { key, agent: new Agent({ ...o, keepAlive: true }) };
    }
    context.setAgent(shared.agent);
  };
}

export function statusCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } };
  const code = e?.code ?? e?.statusCode ?? e?.response?.statusCode;
  return typeof code === 'number' ? code : undefined;
}
