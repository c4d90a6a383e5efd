import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { Agent } from 'node:https';
import type { Zone } from '../../crds/v1alpha1/zone';
import type { NameserverCloud } from '../../crds/v1alpha1/nameservercloud';
import type { SecondaryZone } from '../../crds/v1alpha1/secondaryzone';
import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import { API_GROUP } from '../../crds/v1alpha1/meta';
import type { OwnedObject, OwnedSecret, OwnerReference } from './owned-object';

/**
 * The operator's view of the API server, over @kubernetes/client-node. The library is an ES
 * module and this package is CommonJS, so it is loaded with a dynamic import (types with
 * `resolution-mode: import`); everything else in the operator sees only this small interface,
 * which keeps the reconcile code testable and the library in one place.
 */

const VERSION = 'v1alpha1';
const FIELD_MANAGER = 'dnsfleet-operator';

/** The dnsfleet kinds and their REST plural. */
export const PLURALS = { Zone: 'zones', NameserverCloud: 'nameserverclouds', SecondaryZone: 'secondaryzones', DNSSECPolicy: 'dnssecpolicies' } as const;

/** The TypeScript type of each dnsfleet kind. */
export interface KindTypes {
  Zone: Zone;
  NameserverCloud: NameserverCloud;
  SecondaryZone: SecondaryZone;
  DNSSECPolicy: DNSSECPolicy;
}
export type DnsfleetKind = keyof KindTypes;
export type StatusOf<K extends DnsfleetKind> = NonNullable<KindTypes[K]['status']>;

export interface WatchEvents<T> {
  onChange(obj: T): void;
  onDelete(obj: T): void;
  onError(err: unknown): void;
}

/** What a coordination.k8s.io Lease says about the current leader. */
export interface LeaseState {
  readonly holder: string | undefined;
  readonly renewTime: Date | undefined;
  readonly durationSeconds: number;
  readonly resourceVersion: string | undefined;
}

/** The part of a Deployment's status a controller reads (the cloud controller's `status.readyReplicas`). */
export interface DeploymentState {
  readonly readyReplicas: number;
  readonly uid: string;
}

/** The object an Event is about. */
export interface EventSubject {
  readonly kind: DnsfleetKind;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly uid?: string; readonly resourceVersion?: string };
}

export interface EventRecord {
  readonly type: 'Normal' | 'Warning';
  /** The same words as the condition reasons (cert-manager's habit). */
  readonly reason: string;
  /** What the controller did, machine-readable (events.k8s.io/v1 `action`). */
  readonly action: string;
  readonly note: string;
}

export interface KubeClient {
  /** Watches a kind in every namespace; the informer lists, watches, re-lists on 410 and reconnects. */
  watch<K extends DnsfleetKind>(kind: K, events: WatchEvents<KindTypes[K]>): Promise<() => Promise<void>>;
  get<K extends DnsfleetKind>(kind: K, namespace: string, name: string): Promise<KindTypes[K] | undefined>;
  /** Merge-patches the status subresource (the patch needs the merge-patch content type). */
  patchStatus<K extends DnsfleetKind>(kind: K, namespace: string, name: string, status: StatusOf<K>): Promise<void>;
  setFinalizers(kind: DnsfleetKind, namespace: string, name: string, finalizers: readonly string[], resourceVersion: string | undefined): Promise<void>;
  /** Server-side apply as the operator's field manager: creates or updates the fields it owns. */
  apply(object: OwnedObject): Promise<void>;
  readDeployment(namespace: string, name: string): Promise<DeploymentState | undefined>;
  /** A Secret's data, decoded to text; undefined when it does not exist. */
  readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** Server-side apply of a Secret the operator owns (a zone's DNSSEC keys): creates it or replaces its data. */
  applySecret(secret: OwnedSecret): Promise<void>;
  /** Creates a Secret; false when one of that name exists already (409), which is left as it is. */
  createSecret(secret: OwnedSecret): Promise<boolean>;
  /** Records an events.k8s.io/v1 Event about `subject` (shown by `kubectl describe`). */
  recordEvent(subject: EventSubject, event: EventRecord): Promise<void>;
  readLease(namespace: string, name: string): Promise<LeaseState | undefined>;
  /**
   * Creates the Lease (no `resourceVersion`) or replaces the version read (optimistic lock).
   * Returns false when someone else wrote it first (409 Conflict).
   */
  writeLease(namespace: string, name: string, holder: string, durationSeconds: number, acquired: boolean, resourceVersion: string | undefined, owner?: OwnerReference): Promise<boolean>;
  /** Gives the Lease up (holder cleared) if `holder` still has it, so a successor need not wait for it to expire. */
  releaseLease(namespace: string, name: string, holder: string): Promise<void>;
}

type Lib = typeof K8s;

let lib: Promise<Lib> | undefined;
function load(): Promise<Lib> {
  lib ??= import('@kubernetes/client-node');
  return lib;
}

/** A client from a kubeconfig file, or from the default places (in-cluster, $KUBECONFIG, ~/.kube). */
export async function kubeClient(kubeconfigPath?: string, identity = FIELD_MANAGER): Promise<KubeClient> {
  const k8s = await load();
  const kc = new k8s.KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromDefault();
  const config = await apiConfiguration(kc);
  const api = new k8s.CustomObjectsApi(config);
  const leases = new k8s.CoordinationV1Api(config);
  const apps = new k8s.AppsV1Api(config);
  const events = new k8s.EventsV1Api(config);
  const core = new k8s.CoreV1Api(config);
  // Every object the operator applies names its namespace, so the client's default namespace is never used.
  const objects = new k8s.KubernetesObjectApi(config);
  const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  const ref = (kind: DnsfleetKind, namespace: string, name: string) => ({ group: API_GROUP, version: VERSION, namespace, plural: PLURALS[kind], name });
  const notFoundAsUndefined = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  };

  return {
    async watch(kind, handlers) {
      type Obj = KindTypes[typeof kind] & K8s.KubernetesObject;
      const plural = PLURALS[kind];
      const informer = k8s.makeInformer<Obj>(
        kc,
        `/apis/${API_GROUP}/${VERSION}/${plural}`,
        () => api.listClusterCustomObject({ group: API_GROUP, version: VERSION, plural }) as Promise<K8s.KubernetesListObject<Obj>>,
      );
      let stopped = false;
      let restart: NodeJS.Timeout | undefined;
      informer.on('add', (o) => handlers.onChange(o));
      informer.on('update', (o) => handlers.onChange(o));
      informer.on('delete', (o) => handlers.onDelete(o));
      informer.on('error', (err) => {
        if (stopped) return;
        handlers.onError(err);
        // The informer stops on error; start it again after a pause (it lists afresh).
        restart = setTimeout(() => void informer.start().catch((e: unknown) => handlers.onError(e)), 1000);
      });
      await informer.start();
      return async () => {
        stopped = true;
        if (restart) clearTimeout(restart);
        await informer.stop();
      };
    },

    async get(kind, namespace, name) {
      return notFoundAsUndefined(async () => (await api.getNamespacedCustomObject(ref(kind, namespace, name))) as KindTypes[typeof kind]);
    },

    async patchStatus(kind, namespace, name, status) {
      await api.patchNamespacedCustomObjectStatus({ ...ref(kind, namespace, name), body: { status } }, mergePatch);
    },

    async setFinalizers(kind, namespace, name, finalizers, resourceVersion) {
      // The resourceVersion makes the patch fail on conflict instead of overwriting a newer list.
      const metadata: Record<string, unknown> = { finalizers: [...finalizers] };
      if (resourceVersion) metadata.resourceVersion = resourceVersion;
      await api.patchNamespacedCustomObject({ ...ref(kind, namespace, name), body: { metadata } }, mergePatch);
    },

    async apply(object) {
      await objects.patch(object as unknown as K8s.KubernetesObject, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
    },

    async readDeployment(namespace, name) {
      const d = await notFoundAsUndefined(() => apps.readNamespacedDeployment({ namespace, name }));
      if (!d) return undefined;
      return { readyReplicas: d.status?.readyReplicas ?? 0, uid: d.metadata?.uid ?? '' };
    },

    async readSecret(namespace, name) {
      const secret = await notFoundAsUndefined(() => core.readNamespacedSecret({ namespace, name }));
      if (!secret) return undefined;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
      return out;
    },

    async applySecret(secret) {
      await objects.patch(secret as unknown as K8s.KubernetesObject, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
    },

    async createSecret(secret) {
      try {
        await core.createNamespacedSecret({ namespace: secret.metadata.namespace, body: secret });
        return true;
      } catch (err) {
        if (statusCode(err) === 409) return false;
        throw err;
      }
    },

    async recordEvent(subject, event) {
      const namespace = subject.metadata.namespace ?? 'default';
      await events.createNamespacedEvent({
        namespace,
        body: {
          // Named as client-go names Events: the object's name and a hex timestamp.
          metadata: { name: `${subject.metadata.name}.${(process.hrtime.bigint() + BigInt(Date.now()) * 1_000_000n).toString(16)}`, namespace },
          // events.k8s.io/v1 needs a MicroTime here; a Date serialises with second precision and is refused.
          eventTime: new k8s.V1MicroTime(),
          type: event.type,
          reason: event.reason,
          action: event.action,
          note: event.note.slice(0, 1024),
          reportingController: `${API_GROUP}/operator`,
          reportingInstance: identity,
          regarding: { apiVersion: `${API_GROUP}/${VERSION}`, kind: subject.kind, name: subject.metadata.name, namespace, uid: subject.metadata.uid, resourceVersion: subject.metadata.resourceVersion },
        },
      });
    },

    async readLease(namespace, name) {
      const lease = await notFoundAsUndefined(() => leases.readNamespacedLease({ namespace, name }));
      if (!lease) return undefined;
      return {
        holder: lease.spec?.holderIdentity,
        renewTime: lease.spec?.renewTime ? new Date(lease.spec.renewTime) : undefined,
        durationSeconds: lease.spec?.leaseDurationSeconds ?? 15,
        resourceVersion: lease.metadata?.resourceVersion,
      };
    },

    async writeLease(namespace, name, holder, durationSeconds, acquired, resourceVersion, owner) {
      const now = new k8s.V1MicroTime();
      const body: K8s.V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}), ...(owner ? { ownerReferences: [owner] } : {}) },
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

    async releaseLease(namespace, name, holder) {
      const lease = await notFoundAsUndefined(() => leases.readNamespacedLease({ namespace, name }));
      if (!lease?.spec || lease.spec.holderIdentity !== holder) return;
      // client-go's ReleaseOnCancel: an empty holder and a 1 s duration let the next candidate in at once.
      const body: K8s.V1Lease = { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new k8s.V1MicroTime() } };
      try {
        await leases.replaceNamespacedLease({ namespace, name, body });
      } catch (err) {
        if (statusCode(err) !== 409) throw err;
      }
    },
  };
}

/**
 * client-node 1.4 makes a new https.Agent for every API call (kubernetes-client/javascript#2893):
 * `KubeConfig.applySecurityAuthentication` ends with `context.setAgent(this.createAgent(...))`, so
 * every request paid a new TLS connection, and with a thousand Zones the handshakes were the largest
 * part of the operator's CPU. The API clients are therefore made from a `Configuration` of our own
 * (client-node's `createConfiguration`, as `KubeConfig.makeApiClient` makes its own) whose `default`
 * authentication method is the KubeConfig followed by one step: the agent it made is swapped for a
 * shared keep-alive agent with the same TLS options. No method of the library is replaced.
 *
 * Proxy agents (another class) are left as made. Credentials can be re-read (rotated
 * certificates): a change of the TLS options makes a new agent. kube/client.test.ts fails if a
 * client-node upgrade stops handing out an https.Agent here (then this would share nothing).
 */
export function keepAliveAuthentication(kc: K8s.KubeConfig): K8s.SecurityAuthentication {
  let shared: { key: string; agent: Agent } | undefined;
  return {
    getName: () => kc.getName(),
    async applySecurityAuthentication(context) {
      await kc.applySecurityAuthentication(context);
      const made = context.getAgent();
      if (made?.constructor !== Agent) return;
      const o = (made as Agent).options;
      const key = [o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername].map((v) => (v === undefined ? '' : String(v))).join('\0');
      if (shared?.key !== key) {
        shared?.agent.destroy();
        shared = { key, agent: new Agent({ ...o, keepAlive: true }) };
      }
      context.setAgent(shared.agent);
    },
  };
}

/** The API clients' configuration: the current cluster's server, authenticated by `keepAliveAuthentication`. */
export async function apiConfiguration(kc: K8s.KubeConfig): Promise<K8s.Configuration> {
  const k8s = await load();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no current cluster');
  return k8s.createConfiguration({ baseServer: new k8s.ServerConfiguration(cluster.server, {}), authMethods: { default: keepAliveAuthentication(kc) } });
}

export function statusCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } };
  const code = e?.code ?? e?.statusCode ?? e?.response?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * A one-line description of an API error: client-node's errors carry the whole response (body
 * and headers); people reading logs and Events need the API server's message.
 */
export function describeKubeError(err: unknown): string {
  const code = statusCode(err);
  const body = (err as { body?: unknown })?.body;
  let message: string | undefined;
  const text = typeof body === 'string' ? body : undefined;
  try {
    const parsed = (text ? JSON.parse(text) : body) as { message?: unknown } | undefined;
    if (parsed && typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: fall back below
  }
  if (message === undefined) message = (String((err as Error)?.message ?? err).split('\n').find((l) => l.startsWith('Message: ')) ?? String(err)).replace(/^Message: /, '');
  return code !== undefined ? `${code}: ${message}` : message;
}
