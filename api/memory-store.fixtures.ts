import { ConflictError } from './errors';
import type { TenantStore, ZoneKind, ZoneKinds, ZonePatch } from './store';

/** A TenantStore in a Map, for the unit tests of the HTTP layer: resourceVersions, 409 on create and stale patches as the API server does them. */
export class MemoryTenantStore implements TenantStore {
  readonly objects = new Map<string, ZoneKinds[ZoneKind]>();
  readonly secrets = new Map<string, Record<string, string>>();
  private version = 1;
  /** Counts writes, so a test can say "nothing was changed". */
  writes = 0;

  private key = (kind: ZoneKind, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

  async list<K extends ZoneKind>(kind: K, namespace: string): Promise<Array<ZoneKinds[K]>> {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(`${kind}/${namespace}/`)).map(([, v]) => structuredClone(v) as ZoneKinds[K]);
  }

  async get<K extends ZoneKind>(kind: K, namespace: string, name: string): Promise<ZoneKinds[K] | undefined> {
    const o = this.objects.get(this.key(kind, namespace, name));
    return o ? (structuredClone(o) as ZoneKinds[K]) : undefined;
  }

  async create<K extends ZoneKind>(kind: K, object: ZoneKinds[K]): Promise<ZoneKinds[K]> {
    const key = this.key(kind, object.metadata.namespace ?? '', object.metadata.name);
    if (this.objects.has(key)) throw new ConflictError(`${kind} ${object.metadata.name} exists`);
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(this.version++);
    stored.metadata.creationTimestamp = '2026-12-07T00:00:00Z';
    this.objects.set(key, stored);
    this.writes++;
    return structuredClone(stored);
  }

  async patch(kind: ZoneKind, namespace: string, name: string, resourceVersion: string, patch: ZonePatch): Promise<boolean> {
    const o = this.objects.get(this.key(kind, namespace, name));
    if (!o || o.metadata.resourceVersion !== resourceVersion) return false;
    const annotations: Record<string, string> = { ...o.metadata.annotations };
    for (const [k, v] of Object.entries(patch.annotations ?? {})) {
      if (v === null) delete annotations[k];
      else annotations[k] = v;
    }
    o.metadata.annotations = annotations;
    const spec = o.spec as Record<string, unknown>;
    for (const [k, v] of Object.entries(structuredClone(patch.spec))) {
      if (v === null) delete spec[k];
      else spec[k] = v;
    }
    o.metadata.resourceVersion = String(this.version++);
    this.writes++;
    return true;
  }

  /** What the operator would write: a status for the tests (the API never writes status). */
  setStatus(kind: 'Zone' | 'SecondaryZone', namespace: string, name: string, status: NonNullable<ZoneKinds[typeof kind]['status']>): void {
    const o = this.objects.get(this.key(kind, namespace, name));
    if (!o) throw new Error(`no ${kind} ${namespace}/${name}`);
    (o as { status?: unknown }).status = structuredClone(status);
    o.metadata.resourceVersion = String(this.version++);
  }

  async delete(kind: ZoneKind, namespace: string, name: string): Promise<boolean> {
    this.writes++;
    return this.objects.delete(this.key(kind, namespace, name));
  }

  async readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    return this.secrets.get(`${namespace}/${name}`);
  }
}
