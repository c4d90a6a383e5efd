import type { Zone } from '../crds/v1alpha1/zone';
import type { SecondaryZone } from '../crds/v1alpha1/secondaryzone';
import { BadRequestError, ConflictError, NotFoundError } from './errors';
import { checkQuota, quotaView, type QuotaUsage } from './quota';
import { applyChanges, DISABLED_ANNOTATION, originOf, parsePatch, recordCount, toSpec, viewRRsets } from './rrsets';
import type { TenantStore } from './store';
import type { Tenant } from './tokens';
import type { ApiRRset, ApiZone, Quota, StatusResponse } from './types';
import { checkZone } from './zone-check';
import { domainOf, newSecondaryZoneObject, newZoneObject, objectNameFor, parseCreateRequest, parseDomain, parseUpdateRequest, secondaryToApi, zoneToApi } from './zones';

/**
 * The API's operations for one tenant, over a TenantStore: every call names the tenant, and
 * every read and write is in the tenant's namespace only, so another tenant's zone is simply not
 * there (404). The HTTP layer (app.ts) only moves requests and answers in and out of this.
 */

/** A zone of the tenant's namespace: a Zone (master) or a SecondaryZone (slave). */
export type Found = { kind: 'Zone'; object: Zone } | { kind: 'SecondaryZone'; object: SecondaryZone };

/** Attempts of a read-change-write before a request gives up to concurrent writers. */
const WRITE_ATTEMPTS = 5;

export class ZoneService {
  /** Writes of one namespace, one at a time: a quota check and the write it allows are not interleaved with another's (in this process). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: TenantStore,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async listZones(tenant: Tenant): Promise<ApiZone[]> {
    const [zones, secondaries] = await Promise.all([this.store.list('Zone', tenant.namespace), this.store.list('SecondaryZone', tenant.namespace)]);
    const all = [...zones.map(zoneToApi), ...secondaries.map(secondaryToApi)];
    return all.sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.type < b.type ? -1 : 1));
  }

  async getZone(tenant: Tenant, zoneParam: string): Promise<ApiZone> {
    const found = await this.mustFind(tenant, zoneParam);
    return found.kind === 'Zone' ? zoneToApi(found.object) : secondaryToApi(found.object);
  }

  async addZone(tenant: Tenant, body: unknown): Promise<StatusResponse> {
    const request = parseCreateRequest(body);
    const name = objectNameFor(request.domain);
    return this.serialized(tenant.namespace, async () => {
      const existing = await this.find(tenant, request.domain);
      if (existing) throw new ConflictError(`zone ${request.domain} exists already`, { zone: request.domain });
      const before = await this.usage(tenant.namespace);
      const after = request.type === 'master' ? { ...before, zones: before.zones + 1 } : { ...before, secondaryZones: before.secondaryZones + 1 };
      checkQuota(tenant.quota, before, after);
      if (request.type === 'master') await this.store.create('Zone', newZoneObject(tenant.namespace, request.domain));
      else await this.store.create('SecondaryZone', newSecondaryZoneObject(tenant.namespace, request.domain, request.primaries!));
      return { status: 'ok', message: `Zone ${request.domain} successfully added (${request.type === 'master' ? 'Zone' : 'SecondaryZone'} ${tenant.namespace}/${name})` };
    });
  }

  async updateZone(tenant: Tenant, zoneParam: string, body: unknown): Promise<StatusResponse> {
    const domain = parseDomain(zoneParam, 'zone');
    return this.serialized(tenant.namespace, async () => {
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        const found = await this.mustFind(tenant, domain);
        const primaries = parseUpdateRequest(body, found.kind === 'Zone' ? 'master' : 'slave');
        const { name, resourceVersion } = found.object.metadata;
        if (await this.store.patch(found.kind, tenant.namespace, name, resourceVersion ?? '', { spec: { primaries } })) {
          return { status: 'ok', message: `Zone ${domain} successfully updated` };
        }
      }
      throw this.tooManyConflicts(domain);
    });
  }

  async deleteZone(tenant: Tenant, zoneParam: string): Promise<StatusResponse> {
    const found = await this.mustFind(tenant, zoneParam);
    await this.store.delete(found.kind, tenant.namespace, found.object.metadata.name);
    return { status: 'ok', message: `Zone ${domainOf(found.object)} successfully deleted` };
  }

  async getRRsets(tenant: Tenant, zoneParam: string): Promise<ApiRRset[]> {
    return viewRRsets(this.primary(await this.mustFind(tenant, zoneParam)));
  }

  /** PATCH: all changes or none, checked by the zone model and the quota before the one write. */
  async patchRRsets(tenant: Tenant, zoneParam: string, body: unknown): Promise<StatusResponse> {
    const domain = parseDomain(zoneParam, 'zone');
    // Only a record quota needs the namespace's usage, and the writes of the namespace in turn so
    // that two PATCHes cannot both pass it; without one, each PATCH stands alone on its zone's
    // resourceVersion, and PATCHes of different zones run side by side.
    const counted = tenant.quota.records !== undefined;
    const inTurn = <T>(task: () => Promise<T>): Promise<T> => (counted ? this.serialized(tenant.namespace, task) : task());
    return inTurn(async () => {
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        const zone = this.primary(await this.mustFind(tenant, domain));
        if (zone.spec.zoneFile !== undefined) {
          throw new ConflictError(`zone ${domain} is written as a zone file (spec.zoneFile of Zone ${tenant.namespace}/${zone.metadata.name}): change it with kubectl, the API changes only spec.rrsets`, { zone: domain });
        }
        const origin = originOf(zone);
        const changes = parsePatch(body, origin);
        const next = applyChanges(viewRRsets(zone), changes, zone.spec.defaultTTL);
        const { rrsets, disabled } = toSpec(next, origin);
        const annotations = { ...zone.metadata.annotations };
        if (disabled.length > 0) annotations[DISABLED_ANNOTATION] = JSON.stringify(disabled);
        else delete annotations[DISABLED_ANNOTATION];
        const candidate: Zone = { ...zone, metadata: { ...zone.metadata, annotations }, spec: { ...zone.spec, rrsets } };
        checkZone(candidate, disabled, this.nowSeconds());
        if (counted) {
          const before = await this.usage(tenant.namespace);
          checkQuota(tenant.quota, before, { ...before, records: before.records - recordCount(zone) + recordCount(candidate) });
        }
        const annotationPatch = disabled.length > 0 ? { [DISABLED_ANNOTATION]: JSON.stringify(disabled) } : zone.metadata.annotations?.[DISABLED_ANNOTATION] !== undefined ? { [DISABLED_ANNOTATION]: null } : undefined;
        const ok = await this.store.patch('Zone', tenant.namespace, zone.metadata.name, zone.metadata.resourceVersion ?? '', { spec: { rrsets }, ...(annotationPatch ? { annotations: annotationPatch } : {}) });
        if (ok) return { status: 'ok', message: `RRsets of zone ${domain} updated (${changes.length} change${changes.length === 1 ? '' : 's'})` };
      }
      throw this.tooManyConflicts(domain);
    });
  }

  async quota(tenant: Tenant): Promise<Quota> {
    return quotaView(tenant.quota, await this.usage(tenant.namespace));
  }

  async usage(namespace: string): Promise<QuotaUsage> {
    const [zones, secondaries] = await Promise.all([this.store.list('Zone', namespace), this.store.list('SecondaryZone', namespace)]);
    return { zones: zones.length, secondaryZones: secondaries.length, records: zones.reduce((n, z) => n + recordCount(z), 0) };
  }

  private primary(found: Found): Zone {
    if (found.kind === 'Zone') return found.object;
    throw new BadRequestError(`zone ${domainOf(found.object)} is a slave zone: its records come from its masters by zone transfer and are not kept or changed here`, { zone: domainOf(found.object) });
  }

  /** The zone of a URL, or 404. */
  async mustFind(tenant: Tenant, zoneParam: string): Promise<Found> {
    const domain = parseDomain(zoneParam, 'zone');
    const found = await this.find(tenant, domain);
    if (!found) throw new NotFoundError(`zone ${domain} not found`, { zone: domain });
    return found;
  }

  /**
   * The object of a zone in the tenant's namespace: by the name the API gives (one GET per kind),
   * else by `spec.zoneName` among all (an object made with kubectl under another name).
   */
  private async find(tenant: Tenant, domain: string): Promise<Found | undefined> {
    const ns = tenant.namespace;
    let name: string | undefined;
    try {
      name = objectNameFor(domain);
    } catch {
      name = undefined;
    }
    if (name !== undefined) {
      const [zone, secondary] = await Promise.all([this.store.get('Zone', ns, name), this.store.get('SecondaryZone', ns, name)]);
      if (zone && domainOf(zone) === domain) return { kind: 'Zone', object: zone };
      if (secondary && domainOf(secondary) === domain) return { kind: 'SecondaryZone', object: secondary };
    }
    const [zones, secondaries] = await Promise.all([this.store.list('Zone', ns), this.store.list('SecondaryZone', ns)]);
    const zone = zones.find((z) => domainOf(z) === domain);
    if (zone) return { kind: 'Zone', object: zone };
    const secondary = secondaries.find((z) => domainOf(z) === domain);
    return secondary ? { kind: 'SecondaryZone', object: secondary } : undefined;
  }

  private tooManyConflicts(domain: string): ConflictError {
    return new ConflictError(`zone ${domain} was changed by someone else ${WRITE_ATTEMPTS} times while this request was applied; nothing was changed, try again`, { zone: domain });
  }

  private serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }
}
