import { DS_PUBLISHED_ANNOTATION, ROTATE_KSK_ANNOTATION, ROTATE_ZSK_ANNOTATION } from '../crds/v1alpha1/dnssecpolicy';
import type { SecondaryZone } from '../crds/v1alpha1/secondaryzone';
import type { Zone } from '../crds/v1alpha1/zone';
import { ApiError, BadRequestError, ConflictError, NotFoundError } from './errors';
import { DEFAULT_ALGORITHM, dsMismatch, dsRecordsOf, dsText, newPolicyObject, parseConfirmRequest, parseEnableRequest, policyNameFor, scaiKey, scaiState } from './dnssec';
import { acknowledgedOf, ACKED_ANNOTATION, byAge, messagesOf, UNSIGNED_ANNOTATION } from './messages';
import type { Found, ZoneService } from './service';
import type { TenantStore, ZonePatch } from './store';
import type { Tenant } from './tokens';
import type { ApiMessage, IonosAxfrStatus, IonosSecondaryZone, ProblematicZone, ScaiActionResponse, ScaiDnssecState, StatusResponse } from './types';
import { domainOf, formatMaster } from './zones';

/**
 * Issue #16 phase 2: the DNSSEC workflow, the message queue, retrieve, IONOS's /secondaryzones
 * and the problematic-zones report, each mapped onto what the operator acts on:
 * `spec.dnssecPolicy`, the annotations `dnsfleet.io/rotate-ksk`, `rotate-zsk`, `ds-published`
 * (docs/api.md "Annotations") and `dnsfleet.io/retrieve` (docs/api.md, SecondaryZone). Nothing
 * here signs or transfers: the API writes what a kubectl user would, the operator does the rest.
 */

/** 501: the operator has no counterpart for the action. */
export class NotImplementedError extends ApiError {
  readonly status = 501;
}

/** Written by retrieve and the IONOS axfr PUT (operator/secondaryzone/secondary-status.ts RETRIEVE_ANNOTATION; api/ may not import the operator). */
export const RETRIEVE_ANNOTATION = 'dnsfleet.io/retrieve';

const WRITE_ATTEMPTS = 5;
/** States in which the zone is signed with keys the operator drives. */
const SIGNED = new Set(['pending_ds', 'active', 'rotating_zsk', 'rotating_ksk']);

export class LifecycleService {
  constructor(
    private readonly store: TenantStore,
    private readonly zones: ZoneService,
    private readonly now: () => number = Date.now,
  ) {}

  // --- RcodeZero: sign, unsign, keyrollover, dsupdate -------------------------------------------

  /** RcodeZero "sign the domain: POST /zones/<zone>/sign": names the tenant's default policy (ECDSAP256SHA256). */
  async sign(tenant: Tenant, zone: string, algorithm = DEFAULT_ALGORITHM): Promise<StatusResponse> {
    // 404 before a policy is made for nothing.
    await this.zones.mustFind(tenant, zone);
    const policy = await this.ensurePolicy(tenant, algorithm);
    const domain = await this.change(tenant, zone, (found) => {
      if (found.object.spec.dnssecPolicy !== undefined) throw new ConflictError(`zone ${domainOf(found.object)} is signed already (DNSSECPolicy ${found.object.spec.dnssecPolicy})`, { zone });
      return { spec: { dnssecPolicy: policy }, annotations: { [UNSIGNED_ANNOTATION]: null } };
    });
    return { status: 'ok', message: `Zone ${domain} is being signed with DNSSECPolicy ${tenant.namespace}/${policy}: wait for the DSUPDATE message (GET /api/v2/messages), then publish the DS` };
  }

  /** Removes spec.dnssecPolicy: the operator unsigns (state `unsigning`, then DSREMOVED). */
  async unsign(tenant: Tenant, zone: string): Promise<StatusResponse> {
    const domain = await this.change(tenant, zone, (found) => {
      if (found.object.spec.dnssecPolicy === undefined) throw new ConflictError(`zone ${domainOf(found.object)} is not signed`, { zone });
      return { spec: { dnssecPolicy: null }, annotations: { [UNSIGNED_ANNOTATION]: new Date(this.now()).toISOString() } };
    });
    return { status: 'ok', message: `Zone ${domain} is being unsigned: remove the DS at the parent, then POST /api/v2/zones/${domain}/dsupdate; the DSREMOVED message says when it is done` };
  }

  /** A new value of `dnsfleet.io/rotate-ksk` starts one KSK (or CSK) rollover. */
  async keyrollover(tenant: Tenant, zone: string): Promise<StatusResponse> {
    const domain = await this.change(tenant, zone, (found) => {
      this.mustBeSigned(found, 'a key rollover');
      if (found.object.status?.dnssec?.state === 'rotating_ksk') throw new ConflictError(`zone ${domainOf(found.object)} is in a KSK rollover already: confirm its DS (dsupdate) first`, { zone });
      return { spec: {}, annotations: { [ROTATE_KSK_ANNOTATION]: new Date(this.now()).toISOString() } };
    });
    return { status: 'ok', message: `KSK rollover of zone ${domain} started: wait for the DSUPDATE message with the new DS` };
  }

  /**
   * RcodeZero "Acknowledge that the DNSKEY/DS has been added to the parent zone … POST
   * /zones/<zone>/dsupdate (this automatically deletes all DSUPDATE notification for this
   * domain)": `dnsfleet.io/ds-published` set to the DS records the operator asks for, or `none`
   * while unsigning (the DS is removed). The operator checks them (mode Manual; in mode Parent it
   * asks the parent itself and this is refused).
   */
  async dsupdate(tenant: Tenant, zone: string): Promise<StatusResponse> {
    const { object } = await this.zones.mustFind(tenant, zone);
    const policy = object.spec.dnssecPolicy === undefined ? undefined : await this.store.get('DNSSECPolicy', tenant.namespace, object.spec.dnssecPolicy);
    if (policy?.spec.dsConfirmation?.mode === 'Parent') {
      throw new ConflictError(`zone ${domainOf(object)}: DNSSECPolicy ${policy.metadata.name} confirms the DS by asking the parent's nameservers (dsConfirmation.mode Parent); dsupdate is for mode Manual`, { zone });
    }
    let confirmed = '';
    const domain = await this.change(tenant, zone, (found) => {
      const d = domainOf(found.object);
      const dnssec = found.object.status?.dnssec;
      const ds = dnssec?.dsRecords ?? [];
      let value: string;
      if (dnssec?.state === 'unsigning') value = 'none';
      else if ((dnssec?.state === 'pending_ds' || dnssec?.state === 'rotating_ksk') && ds.length > 0) value = ds.join('\n');
      else throw new ConflictError(`zone ${d} waits for no DS change (DNSSEC state ${dnssec?.state ?? 'disabled'}${dnssec?.state === 'pending_ds' || dnssec?.state === 'rotating_ksk' ? ', no DS to publish yet: wait for the DSUPDATE message' : ''})`, { zone: d });
      confirmed = value === 'none' ? 'the DS removal' : `${ds.length} DS record${ds.length === 1 ? '' : 's'}`;
      const ids = messagesOf(found.object).filter((m) => m.type === 'DSUPDATE').map((m) => m.id);
      return { spec: {}, annotations: { [DS_PUBLISHED_ANNOTATION]: value, ...this.ackPatch(found.object, ids) } };
    });
    return { status: 'ok', message: `Zone ${domain}: ${confirmed} confirmed at the parent` };
  }

  // --- messages -------------------------------------------------------------------------------

  async messages(tenant: Tenant): Promise<ApiMessage[]> {
    const all = await this.all(tenant);
    return all.flatMap((o) => {
      const acked = new Set(acknowledgedOf(o));
      return messagesOf(o).filter((m) => !acked.has(m.id));
    }).sort(byAge);
  }

  /** RcodeZero "GET /messages": the oldest unacknowledged message. */
  async oldestMessage(tenant: Tenant): Promise<ApiMessage> {
    const first = (await this.messages(tenant))[0];
    if (!first) throw new NotFoundError('no unacknowledged message');
    return first;
  }

  /** RcodeZero "ack the message: DELETE /messages/<id>": the id joins the zone's acknowledged ones. */
  async acknowledge(tenant: Tenant, id: string): Promise<StatusResponse> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const owner = (await this.all(tenant)).find((o) => messagesOf(o).some((m) => m.id === id));
      if (!owner || acknowledgedOf(owner).includes(id)) throw new NotFoundError(`message ${id} not found (or acknowledged already)`, { id });
      const kind = owner.kind;
      const ok = await this.store.patch(kind, tenant.namespace, owner.metadata.name, owner.metadata.resourceVersion ?? '', { spec: {}, annotations: this.ackPatch(owner, [id]) });
      if (ok) return { status: 'ok', message: `message ${id} acknowledged` };
    }
    throw new ConflictError(`the zone of message ${id} changed too often while it was acknowledged; try again`, { id });
  }

  // --- retrieve and IONOS /secondaryzones ------------------------------------------------------

  /** RcodeZero "retrieve": a transfer now, whatever the serial (a new value of `dnsfleet.io/retrieve`). */
  async retrieve(tenant: Tenant, zone: string): Promise<StatusResponse> {
    const domain = await this.change(tenant, zone, (found) => {
      if (found.kind !== 'SecondaryZone') throw new BadRequestError(`zone ${domainOf(found.object)} is a master zone: retrieve transfers a slave zone from its masters`, { zone });
      return { spec: {}, annotations: { [RETRIEVE_ANNOTATION]: String(this.now()) } };
    });
    return { status: 'ok', message: `Zone ${domain}: transfer from the masters requested` };
  }

  async secondaryZones(tenant: Tenant): Promise<IonosSecondaryZone[]> {
    const list = await this.store.list('SecondaryZone', tenant.namespace);
    return list.map(ionosZone).sort((a, b) => (a.properties.zoneName < b.properties.zoneName ? -1 : 1));
  }

  async secondaryZone(tenant: Tenant, id: string): Promise<IonosSecondaryZone> {
    return ionosZone(await this.mustGetSecondary(tenant, id));
  }

  /** IONOS "GET /secondaryzones/{id}/axfr": per primary, from the SecondaryZone's status.primaries. */
  async axfrStatus(tenant: Tenant, id: string): Promise<IonosAxfrStatus> {
    const z = await this.mustGetSecondary(tenant, id);
    const seen = z.status?.primaries ?? [];
    const items = z.spec.primaries.map((p) => {
      const s = seen.find((x) => x.address === p.address && x.port === (p.port ?? 53));
      return { primaryIp: formatMaster(p), status: s?.status ?? ('UNKNOWN' as const), errorMessage: s?.errorMessage ?? '' };
    });
    return { type: 'collection', items };
  }

  /** IONOS "PUT /secondaryzones/{id}/axfr": the same as retrieve. */
  async startAxfr(tenant: Tenant, id: string): Promise<StatusResponse> {
    const z = await this.mustGetSecondary(tenant, id);
    return this.retrieve(tenant, domainOf(z));
  }

  // --- reports --------------------------------------------------------------------------------

  /** RcodeZero "/reports/problematiczones": every zone whose Ready condition is not True. */
  async problematicZones(tenant: Tenant): Promise<ProblematicZone[]> {
    const out: ProblematicZone[] = [];
    for (const o of await this.all(tenant)) {
      const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status === 'True') continue;
      out.push({
        domain: domainOf(o),
        type: o.kind === 'Zone' ? 'MASTER' : 'SLAVE',
        id: o.metadata.name,
        ready: ready ? ready.status : 'Missing',
        reason: ready?.reason ?? 'NotReconciled',
        message: ready?.message ?? 'the operator has not reported on this zone yet',
        since: ready?.lastTransitionTime || null,
      });
    }
    return out.sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.type < b.type ? -1 : 1));
  }

  // --- ScaiDNS /api/v1/domains/{domain}/dnssec -------------------------------------------------

  async scaiGet(tenant: Tenant, domain: string): Promise<ScaiDnssecState> {
    const found = await this.zones.mustFind(tenant, domain);
    return scaiState(found.object.spec.dnssecPolicy, found.object.status?.dnssec);
  }

  /** ScaiDNS enable: 409 "DNSSEC already enabled", 400 "Unsupported algorithm". */
  async scaiEnable(tenant: Tenant, domain: string, body: unknown): Promise<ScaiActionResponse> {
    const algorithm = parseEnableRequest(body);
    const found = await this.zones.mustFind(tenant, domain);
    if (found.object.spec.dnssecPolicy !== undefined) throw new ConflictError(`DNSSEC already enabled on zone ${domainOf(found.object)} (DNSSECPolicy ${found.object.spec.dnssecPolicy})`, { zone: domain });
    await this.sign(tenant, domain, algorithm);
    return { domain_id: found.object.metadata.name, action: 'enable', message: `DNSSEC enabled (DNSSECPolicy ${policyNameFor(algorithm)}): the operator makes the keys; GET …/dnssec shows them and the DS records to publish`, ksk: null, zsk: null, ds_records: [] };
  }

  async scaiDisable(tenant: Tenant, domain: string): Promise<ScaiActionResponse> {
    const found = await this.zones.mustFind(tenant, domain);
    await this.unsign(tenant, domain);
    return { domain_id: found.object.metadata.name, action: 'disable', message: 'DNSSEC disabled: the zone is unsigned once the DS is gone from the parent (confirm-ds-published is not needed: set the removal with POST /api/v2/zones/{zone}/dsupdate)' };
  }

  async scaiRotate(tenant: Tenant, domain: string, role: 'KSK' | 'ZSK'): Promise<ScaiActionResponse> {
    let old: ScaiActionResponse['old_key'] = null;
    let name = '';
    await this.change(tenant, domain, (found) => {
      this.mustBeSigned(found, `a ${role} rollover`);
      const keys = found.object.status?.dnssec?.keys ?? [];
      const current = keys.find((k) => (role === 'ZSK' ? k.role === 'ZSK' : k.role !== 'ZSK') && k.state === 'active');
      if (role === 'ZSK' && !keys.some((k) => k.role === 'ZSK')) throw new ConflictError(`zone ${domainOf(found.object)} is signed with a CSK (no ZSK): use rotate-ksk`, { zone: domain });
      old = current ? scaiKey(current) : null;
      name = found.object.metadata.name;
      return { spec: {}, annotations: { [role === 'KSK' ? ROTATE_KSK_ANNOTATION : ROTATE_ZSK_ANNOTATION]: new Date(this.now()).toISOString() } };
    });
    const action = role === 'KSK' ? 'rotate-ksk' : 'rotate-zsk';
    return {
      domain_id: name,
      action,
      message: role === 'KSK' ? 'KSK rollover started: the new key and its DS records appear in GET …/dnssec once the operator has made them; publish them, then confirm-ds-published' : 'ZSK rollover started; nothing to do at the registrar',
      old_key: old,
      new_key: null,
      ...(role === 'KSK' ? { ds_records: [] } : {}),
    };
  }

  /** ScaiDNS confirm-ds-published: the DS given must be the current KSKs' (400 otherwise). */
  async scaiConfirm(tenant: Tenant, domain: string, body: unknown): Promise<ScaiActionResponse> {
    const given = parseConfirmRequest(body);
    let name = '';
    await this.change(tenant, domain, (found) => {
      const d = domainOf(found.object);
      const state = found.object.status?.dnssec?.state ?? 'disabled';
      if (state !== 'pending_ds' && state !== 'rotating_ksk') throw new ConflictError(`zone ${d} waits for no DS (DNSSEC state ${state})`, { zone: d });
      const problem = dsMismatch(given, dsRecordsOf(found.object.status?.dnssec));
      if (problem !== undefined) throw new BadRequestError(`the DS records do not match the zone's current KSK: ${problem}`, { zone: d });
      name = found.object.metadata.name;
      const ids = messagesOf(found.object).filter((m) => m.type === 'DSUPDATE').map((m) => m.id);
      return { spec: {}, annotations: { [DS_PUBLISHED_ANNOTATION]: given.map((g) => dsText(found.object.spec.zoneName, g)).join('\n'), ...this.ackPatch(found.object, ids) } };
    });
    return { domain_id: name, action: 'confirm-ds-published', message: 'DS publication confirmed' };
  }

  // --- helpers --------------------------------------------------------------------------------

  private mustBeSigned(found: Found, what: string): void {
    const state = found.object.status?.dnssec?.state ?? 'disabled';
    if (found.object.spec.dnssecPolicy === undefined || !SIGNED.has(state)) {
      throw new ConflictError(`zone ${domainOf(found.object)} is not signed (DNSSEC state ${state}): ${what} needs a signed zone`, { zone: domainOf(found.object) });
    }
  }

  /** The acknowledged-ids annotation with `ids` added, keeping only ids of messages still there. */
  private ackPatch(object: Zone | SecondaryZone, ids: readonly string[]): Record<string, string | null> {
    const live = new Set(messagesOf(object).map((m) => m.id));
    const kept = [...new Set([...acknowledgedOf(object), ...ids])].filter((id) => live.has(id));
    return { [ACKED_ANNOTATION]: kept.length > 0 ? JSON.stringify(kept) : null };
  }

  /** The policy of `algorithm` in the tenant's namespace, made when missing (dnssec.ts). */
  private async ensurePolicy(tenant: Tenant, algorithm: number): Promise<string> {
    const name = policyNameFor(algorithm);
    if (await this.store.get('DNSSECPolicy', tenant.namespace, name)) return name;
    try {
      await this.store.create('DNSSECPolicy', newPolicyObject(tenant.namespace, algorithm));
    } catch (err) {
      // Made by a concurrent request in the meantime: the same policy.
      if (!(err instanceof ConflictError)) throw err;
    }
    return name;
  }

  /** A read-check-patch of the zone of `zone`, retried on a conflict; returns its domain. */
  private async change(tenant: Tenant, zone: string, decide: (found: Found) => ZonePatch): Promise<string> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const found = await this.zones.mustFind(tenant, zone);
      const patch = decide(found);
      if (await this.store.patch(found.kind, tenant.namespace, found.object.metadata.name, found.object.metadata.resourceVersion ?? '', patch)) return domainOf(found.object);
    }
    throw new ConflictError(`zone ${zone} was changed by someone else ${WRITE_ATTEMPTS} times while this request was applied; nothing was changed, try again`, { zone });
  }

  private async mustGetSecondary(tenant: Tenant, id: string): Promise<SecondaryZone> {
    const z = await this.store.get('SecondaryZone', tenant.namespace, id);
    if (!z) throw new NotFoundError(`secondary zone ${id} not found`, { id });
    return z;
  }

  private async all(tenant: Tenant): Promise<Array<Zone | SecondaryZone>> {
    const [zones, secondaries] = await Promise.all([this.store.list('Zone', tenant.namespace), this.store.list('SecondaryZone', tenant.namespace)]);
    return [...zones, ...secondaries];
  }
}

function ionosZone(z: SecondaryZone): IonosSecondaryZone {
  const ready = z.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return {
    id: z.metadata.name,
    type: 'secondaryzone',
    href: `/api/v2/secondaryzones/${z.metadata.name}`,
    metadata: {
      createdDate: z.metadata.creationTimestamp ?? null,
      nameservers: [...new Set((z.status?.nameservers ?? []).flatMap((n) => n.nameservers))],
      state: ready === 'True' ? 'AVAILABLE' : ready === 'False' ? 'FAILED' : 'PROVISIONING',
    },
    properties: { description: '', primaryIps: z.spec.primaries.map(formatMaster), zoneName: domainOf(z) },
  };
}
