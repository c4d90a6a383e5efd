import { isDeepStrictEqual } from 'node:util';
import type { OwnedSecret } from '../kube/owned-object';
import { PLURALS, type DeploymentState, type DnsfleetKind, type EventRecord, type EventSubject, type KindTypes, type KubeClient, type LeaseState, type StatusOf, type WatchEvents } from '../kube/client';

/**
 * An in-memory `KubeClient` for unit tests of the controllers (cert-manager tests its controllers
 * on client-go's fake clientset the same way): an object store keyed by kind/namespace/name with
 * resourceVersions and generations, watches that list first and then deliver changes as an
 * informer does, optimistic-lock conflicts, and failures a test can inject into the next call of
 * any method. Errors have the shape client-node's `ApiException` has (`code`, `body` with the API
 * server's Status as JSON text, `headers`), so `statusCode()` and `describeKubeError()` read them as
 * they read real ones.
 *
 * Not a model of the API server's validation, defaulting or server-side apply field ownership:
 * `apply` replaces the object it is given and records it.
 */

/** The error client-node throws for a refused request (`ApiException`), with the API server's Status. */
export class FakeApiError extends Error {
  readonly body: string;
  readonly headers: Record<string, string> = {};
  constructor(
    readonly code: number,
    reason: string,
    message: string,
  ) {
    const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
    super(`HTTP-Code: ${code}\nMessage: Unknown API Status Code!\nBody: ${JSON.stringify(body)}\nHeaders: {}`);
    this.name = 'ApiException';
    this.body = body;
  }
}

export const conflictError = (what: string): FakeApiError =>
  new FakeApiError(409, 'Conflict', `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`);
export const notFoundError = (what: string): FakeApiError => new FakeApiError(404, 'NotFound', `${what} not found`);
export const serverError = (message = 'etcdserver: request timed out'): FakeApiError => new FakeApiError(500, 'InternalError', message);

/** An object the operator applied (server-side apply), as the fake stores it. */
export type AppliedObject = Parameters<KubeClient['apply']>[0];

/** One call to the client, in order; `args` as given (not copied). */
export interface FakeCall {
  readonly method: keyof KubeClient;
  readonly args: readonly unknown[];
}

export interface RecordedEvent {
  readonly subject: EventSubject;
  readonly event: EventRecord;
}

interface StoredLease {
  holder: string;
  durationSeconds: number;
  renewTime: Date;
  resourceVersion: string;
}

type AnyObject = KindTypes[DnsfleetKind];
type Handlers = WatchEvents<AnyObject>;

const WRITES: ReadonlySet<keyof KubeClient> = new Set<keyof KubeClient>(['patchStatus', 'setFinalizers', 'apply', 'applySecret', 'createSecret', 'recordEvent', 'writeLease', 'releaseLease']);

/** RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeKubeClient implements KubeClient {
  /** Every call, in order (reads too), for tests that assert what a reconcile did or did not do. */
  readonly calls: FakeCall[] = [];
  /** Every Event recorded, in order. */
  readonly events: RecordedEvent[] = [];
  /** Every object applied, in order (one entry per call, including applies of an unchanged object). */
  readonly applied: AppliedObject[] = [];

  private readonly objects = new Map<string, AnyObject>();
  private readonly owned = new Map<string, AppliedObject>();
  private readonly deployments = new Map<string, { readyReplicas: number }>();
  private readonly secrets = new Map<string, Record<string, string>>();
  private readonly secretObjects = new Map<string, OwnedSecret>();
  private readonly leases = new Map<string, StoredLease>();
  private readonly watchers = new Map<DnsfleetKind, Set<Handlers>>();
  private readonly failures = new Map<keyof KubeClient, unknown[]>();
  private readonly deliveries: Array<() => void> = [];
  private version = 1;
  private uids = 0;
  private clock: () => Date;

  constructor(options: { readonly now?: () => Date } = {}) {
    this.clock = options.now ?? (() => new Date());
  }

  // ---- what tests do to the cluster ------------------------------------------------------------

  /**
   * Creates or updates a dnsfleet object as a user's `kubectl apply` would: a new object gets a
   * uid, creationTimestamp and generation 1; a change of `spec` bumps the generation. An update
   * that leaves out `status` or `metadata.finalizers` keeps the stored ones (the status is a
   * subresource; a user's apply does not drop the controller's finalizer); given ones replace them
   * (a test may start from any state). An update that changes nothing is a no-op, as on the API
   * server: no new resourceVersion, no watch event. Returns the stored copy.
   */
  put<K extends DnsfleetKind>(kind: K, object: KindTypes[K]): KindTypes[K] {
    const key = this.key(kind, object.metadata.namespace, object.metadata.name);
    const before = this.objects.get(key) as KindTypes[K] | undefined;
    const next = structuredClone(object);
    next.metadata.namespace ??= 'default';
    if (before) {
      if (object.status === undefined && before.status !== undefined) next.status = structuredClone(before.status) as typeof next.status;
      if (object.metadata.finalizers === undefined && before.metadata.finalizers !== undefined) next.metadata.finalizers = [...before.metadata.finalizers];
      next.metadata.resourceVersion = before.metadata.resourceVersion;
      next.metadata.uid = before.metadata.uid;
      next.metadata.creationTimestamp = before.metadata.creationTimestamp;
      next.metadata.generation = (before.metadata.generation ?? 1) + (isDeepStrictEqual(before.spec, next.spec) ? 0 : 1);
      if (next.metadata.deletionTimestamp === undefined && before.metadata.deletionTimestamp !== undefined) next.metadata.deletionTimestamp = before.metadata.deletionTimestamp;
    } else {
      next.metadata.uid ??= `uid-${++this.uids}`;
      next.metadata.creationTimestamp ??= this.clock().toISOString();
      next.metadata.generation ??= 1;
    }
    if (before && isDeepStrictEqual(before, next)) return structuredClone(before);
    this.store(kind, key, next);
    return structuredClone(next);
  }

  /**
   * Deletes as the API server does: an object with finalizers gets a deletionTimestamp (an update
   * event) and stays until they are removed; one without goes at once (a delete event).
   */
  delete(kind: DnsfleetKind, namespace: string, name: string): void {
    const key = this.key(kind, namespace, name);
    const object = this.objects.get(key);
    if (!object) return;
    if ((object.metadata.finalizers ?? []).length === 0) {
      this.remove(kind, key, object);
      return;
    }
    if (object.metadata.deletionTimestamp) return;
    const next = structuredClone(object);
    next.metadata.deletionTimestamp = this.clock().toISOString();
    this.store(kind, key, next);
  }

  /** A copy of a stored dnsfleet object (what an up-to-date informer cache holds), or undefined. */
  object<K extends DnsfleetKind>(kind: K, namespace: string, name: string): KindTypes[K] | undefined {
    const o = this.objects.get(this.key(kind, namespace, name));
    return o === undefined ? undefined : (structuredClone(o) as KindTypes[K]);
  }

  /** Copies of every stored object of a kind. */
  list<K extends DnsfleetKind>(kind: K): Array<KindTypes[K]> {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${kind}/`)).map(([, o]) => structuredClone(o) as KindTypes[K]);
  }

  /** The object last applied with this kind (e.g. `Deployment`), namespace and name. */
  ownedObject(kind: string, namespace: string, name: string): AppliedObject | undefined {
    const o = this.owned.get(`${kind}/${namespace}/${name}`);
    return o === undefined ? undefined : structuredClone(o);
  }

  /** Sets what a Deployment's status says (as its pods become ready); `readDeployment` sees it. */
  setDeploymentStatus(namespace: string, name: string, status: { readonly readyReplicas: number }): void {
    this.deployments.set(`${namespace}/${name}`, { ...status });
  }

  setSecret(namespace: string, name: string, data: Record<string, string> | undefined): void {
    if (data === undefined) this.secrets.delete(`${namespace}/${name}`);
    else this.secrets.set(`${namespace}/${name}`, { ...data });
  }

  /** The Secret last written by `applySecret` or `createSecret` (labels, owner references, base64 data). */
  secretObject(namespace: string, name: string): OwnedSecret | undefined {
    const o = this.secretObjects.get(`${namespace}/${name}`);
    return o === undefined ? undefined : structuredClone(o);
  }

  /** Sets a Lease as another replica would have written it. */
  setLease(namespace: string, name: string, holder: string, durationSeconds: number, renewTime: Date): void {
    this.leases.set(`${namespace}/${name}`, { holder, durationSeconds, renewTime, resourceVersion: String(++this.version) });
  }

  /** The next call of `method` throws `error` (a 500 by default); several calls queue several failures. */
  failNext(method: keyof KubeClient, error: unknown = serverError()): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(error);
    this.failures.set(method, queue);
  }

  /** The calls that change something in the cluster (status, finalizers, applies, Events, Leases). */
  writes(): FakeCall[] {
    return this.calls.filter((c) => WRITES.has(c.method));
  }

  /** The calls of one method. */
  callsOf(method: keyof KubeClient): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Forgets the calls, Events and applies seen so far (the cluster's state stays). */
  resetCalls(): void {
    this.calls.length = 0;
    this.events.length = 0;
    this.applied.length = 0;
  }

  /** Resolves once every watch event queued so far (and any queued while delivering) reached its handlers. */
  async settle(): Promise<void> {
    while (this.deliveries.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  // ---- KubeClient --------------------------------------------------------------------------------

  async watch<K extends DnsfleetKind>(kind: K, events: WatchEvents<KindTypes[K]>): Promise<() => Promise<void>> {
    this.enter('watch', [kind]);
    const handlers = events as unknown as Handlers;
    // The informer's initial list: every object as an add, before start() resolves.
    for (const o of this.list(kind)) handlers.onChange(o);
    const set = this.watchers.get(kind) ?? new Set<Handlers>();
    set.add(handlers);
    this.watchers.set(kind, set);
    return async () => {
      set.delete(handlers);
    };
  }

  async get<K extends DnsfleetKind>(kind: K, namespace: string, name: string): Promise<KindTypes[K] | undefined> {
    this.enter('get', [kind, namespace, name]);
    return this.object(kind, namespace, name);
  }

  async patchStatus<K extends DnsfleetKind>(kind: K, namespace: string, name: string, status: StatusOf<K>): Promise<void> {
    this.enter('patchStatus', [kind, namespace, name, status]);
    const key = this.key(kind, namespace, name);
    const object = this.objects.get(key);
    if (!object) throw notFoundError(`${PLURALS[kind]}.dnsfleet.io "${name}"`);
    const next = structuredClone(object);
    next.status = mergePatch(next.status, status) as typeof next.status;
    // An unchanged patch is a no-op on the API server: no new resourceVersion, no watch event.
    if (isDeepStrictEqual(next.status, object.status)) return;
    this.store(kind, key, next);
  }

  async setFinalizers(kind: DnsfleetKind, namespace: string, name: string, finalizers: readonly string[], resourceVersion: string | undefined): Promise<void> {
    this.enter('setFinalizers', [kind, namespace, name, finalizers, resourceVersion]);
    const key = this.key(kind, namespace, name);
    const object = this.objects.get(key);
    const what = `${PLURALS[kind]}.dnsfleet.io "${name}"`;
    if (!object) throw notFoundError(what);
    if (resourceVersion !== undefined && resourceVersion !== object.metadata.resourceVersion) throw conflictError(what);
    const next = structuredClone(object);
    next.metadata.finalizers = [...finalizers];
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    if (next.metadata.deletionTimestamp && finalizers.length === 0) {
      this.remove(kind, key, next);
      return;
    }
    if (isDeepStrictEqual(next.metadata.finalizers, object.metadata.finalizers)) return;
    this.store(kind, key, next);
  }

  async apply(object: AppliedObject): Promise<void> {
    this.enter('apply', [object]);
    const copy = structuredClone(object);
    this.applied.push(copy);
    this.owned.set(`${object.kind}/${object.metadata.namespace}/${object.metadata.name}`, copy);
  }

  async readDeployment(namespace: string, name: string): Promise<DeploymentState | undefined> {
    this.enter('readDeployment', [namespace, name]);
    const status = this.deployments.get(`${namespace}/${name}`);
    // A Deployment applied but not yet progressed has an empty status: zeros.
    if (status === undefined && !this.owned.has(`Deployment/${namespace}/${name}`)) return undefined;
    return { readyReplicas: status?.readyReplicas ?? 0, uid: `uid-deployment-${namespace}-${name}` };
  }

  async readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    this.enter('readSecret', [namespace, name]);
    const data = this.secrets.get(`${namespace}/${name}`);
    return data === undefined ? undefined : { ...data };
  }

  async applySecret(secret: OwnedSecret): Promise<void> {
    this.enter('applySecret', [secret]);
    this.keepSecret(secret);
  }

  async createSecret(secret: OwnedSecret): Promise<boolean> {
    this.enter('createSecret', [secret]);
    if (this.secrets.has(`${secret.metadata.namespace}/${secret.metadata.name}`)) return false;
    this.keepSecret(secret);
    return true;
  }

  async recordEvent(subject: EventSubject, event: EventRecord): Promise<void> {
    this.enter('recordEvent', [subject, event]);
    this.events.push({ subject: structuredClone(subject), event: { ...event } });
  }

  async readLease(namespace: string, name: string): Promise<LeaseState | undefined> {
    this.enter('readLease', [namespace, name]);
    const lease = this.leases.get(`${namespace}/${name}`);
    if (!lease) return undefined;
    return { holder: lease.holder, renewTime: lease.renewTime, durationSeconds: lease.durationSeconds, resourceVersion: lease.resourceVersion };
  }

  async writeLease(namespace: string, name: string, holder: string, durationSeconds: number, acquired: boolean, resourceVersion: string | undefined): Promise<boolean> {
    this.enter('writeLease', [namespace, name, holder, durationSeconds, acquired, resourceVersion]);
    const key = `${namespace}/${name}`;
    const current = this.leases.get(key);
    // Create when absent (no resourceVersion), replace the version read: anything else is a 409.
    if (resourceVersion === undefined ? current !== undefined : current?.resourceVersion !== resourceVersion) return false;
    this.leases.set(key, { holder, durationSeconds, renewTime: this.clock(), resourceVersion: String(++this.version) });
    return true;
  }

  async releaseLease(namespace: string, name: string, holder: string): Promise<void> {
    this.enter('releaseLease', [namespace, name, holder]);
    const lease = this.leases.get(`${namespace}/${name}`);
    if (!lease || lease.holder !== holder) return;
    this.leases.set(`${namespace}/${name}`, { holder: '', durationSeconds: 1, renewTime: this.clock(), resourceVersion: String(++this.version) });
  }

  // ---- inside ------------------------------------------------------------------------------------

  private enter(method: keyof KubeClient, args: readonly unknown[]): void {
    this.calls.push({ method, args });
    const queue = this.failures.get(method);
    if (queue && queue.length > 0) throw queue.shift();
  }

  private keepSecret(secret: OwnedSecret): void {
    const key = `${secret.metadata.namespace}/${secret.metadata.name}`;
    this.secretObjects.set(key, structuredClone(secret));
    this.secrets.set(key, Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])));
  }

  private key(kind: DnsfleetKind, namespace: string | undefined, name: string): string {
    return `${kind}/${namespace ?? 'default'}/${name}`;
  }

  private store(kind: DnsfleetKind, key: string, object: AnyObject): void {
    object.metadata.resourceVersion = String(++this.version);
    this.objects.set(key, object);
    this.deliver(kind, (h) => h.onChange(structuredClone(object)));
  }

  private remove(kind: DnsfleetKind, key: string, object: AnyObject): void {
    this.objects.delete(key);
    this.deliver(kind, (h) => h.onDelete(structuredClone(object)));
  }

  /** Watch events arrive after the write that caused them returned, in order, as an informer's do. */
  private deliver(kind: DnsfleetKind, send: (h: Handlers) => void): void {
    const handlers = [...(this.watchers.get(kind) ?? [])];
    if (handlers.length === 0) return;
    const run = (): void => {
      for (const h of handlers) send(h);
    };
    this.deliveries.push(run);
    if (this.deliveries.length === 1) setImmediate(() => this.drain());
  }

  private drain(): void {
    while (this.deliveries.length > 0) {
      const next = this.deliveries[0]!;
      try {
        next();
      } finally {
        this.deliveries.shift();
      }
    }
  }
}
