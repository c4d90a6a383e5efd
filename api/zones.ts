import { isIP } from 'node:net';
import { Name, NameError } from '../dataplane/dns/name';
import { DnsfleetError } from '../dataplane/dns/error';
import { API_VERSION, type Condition, type ServerAddress } from '../crds/v1alpha1/meta';
import type { Zone } from '../crds/v1alpha1/zone';
import type { SecondaryZone } from '../crds/v1alpha1/secondaryzone';
import { BadRequestError } from './errors';
import type { ApiZone } from './types';

/**
 * RcodeZero's zones and dnsfleet's objects: a `master` zone is a Zone, a `slave` zone a
 * SecondaryZone (RcodeZero: "Slave Zones: requires a hidden master name server on customer side
 * … the RcodeZero Network receives DNS NOTIFYs on changes, and subsequently performs transfers").
 * An object made by the API is named after its zone (`example.com`), so the zone of a URL is a
 * single GET; objects made with kubectl under other names are found by `spec.zoneName`.
 */

// The zone-name pattern of the CRDs (crds/v1alpha1/zone.ts, spec.zoneName), without the wildcard
// the CRD lets through for the admission policy to refuse with its own message.
const ZONE_NAME = /^([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/;
// A DNS-1123 subdomain: what Kubernetes takes as an object name.
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A zone name from a request, checked: lower case, without the trailing dot. */
export function parseDomain(text: unknown, field = 'domain'): string {
  if (typeof text !== 'string' || text.length === 0) throw new BadRequestError(`${field} must be a zone name such as "example.com"`, { field });
  const shown = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  const fail = (why: string): never => {
    throw new BadRequestError(`invalid zone name ${shown}: ${why}`, { field, domain: text });
  };
  try {
    Name.fromText(text.endsWith('.') ? text : `${text}.`);
  } catch (err) {
    // NameError's message ends with the input (with the dot added here): the caller's text is named already.
    if (err instanceof NameError) fail(err.message.slice(0, err.message.length - JSON.stringify(err.input).length - 2));
    if (err instanceof DnsfleetError) fail(err.message);
    throw err;
  }
  if (!ZONE_NAME.test(text)) fail('only letters, digits, "-" and "_" in labels of 1 to 63 characters, separated by single dots');
  const domain = text.replace(/\.$/, '').toLowerCase();
  // The same rule as operator/admission.yaml: a top-level domain is no customer's zone.
  if (!domain.includes('.')) fail('a zone name needs at least two labels');
  return domain;
}

/** The object name the API gives a zone: its name, when Kubernetes accepts that as a name. */
export function objectNameFor(domain: string): string {
  if (domain.length > 253 || !OBJECT_NAME.test(domain)) {
    throw new BadRequestError(`zone name "${domain}" cannot be an object name (letters, digits, "-" and "." only; "_" is not allowed); add it with kubectl under a name of your choice`, { domain });
  }
  return domain;
}

/** The primaries of a slave zone: `192.0.2.1`, `192.0.2.1:5353`, `2001:db8::1` or `[2001:db8::1]:5353`. */
export function parseMasters(raw: unknown, field = 'masters'): ServerAddress[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new BadRequestError(`${field} must be a list of 1 to 16 primary addresses ("192.0.2.1", "[2001:db8::1]:5353")`, { field });
  if (raw.length > 16) throw new BadRequestError(`${field}: at most 16 primaries, got ${raw.length}`, { field });
  const seen = new Set<string>();
  return raw.map((item, i) => {
    const where = `${field}[${i}]`;
    if (typeof item !== 'string') throw new BadRequestError(`${where} must be a string such as "192.0.2.1"`, { field: where });
    const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(item) ?? (isIP(item) === 0 ? /^([^:]+):(\d{1,5})$/.exec(item) : null);
    const address = m ? m[1]! : item;
    const port = m ? Number(m[2]) : 53;
    if (isIP(address) === 0) throw new BadRequestError(`${where}: "${item}" is not an IPv4 or IPv6 address (with an optional :port)`, { field: where });
    if (port < 1 || port > 65535) throw new BadRequestError(`${where}: port ${port} is not between 1 and 65535`, { field: where });
    const key = `${address.toLowerCase()} ${port}`;
    if (seen.has(key)) throw new BadRequestError(`${where}: "${item}" is listed twice`, { field: where });
    seen.add(key);
    return { address, port };
  });
}

export function formatMaster(p: ServerAddress): string {
  const port = p.port ?? 53;
  if (port === 53) return p.address;
  return isIP(p.address) === 6 ? `[${p.address}]:${port}` : `${p.address}:${port}`;
}

export type RequestedType = 'master' | 'slave';

export function parseType(raw: unknown, field = 'type'): RequestedType {
  if (typeof raw === 'string' && /^(master|slave)$/i.test(raw)) return raw.toLowerCase() as RequestedType;
  throw new BadRequestError(`${field} must be "master" or "slave", got ${JSON.stringify(raw)}`, { field });
}

export interface CreateRequest {
  readonly domain: string;
  readonly type: RequestedType;
  readonly primaries?: ServerAddress[];
}

/** POST /api/v2/zones: `{"domain": "example.com", "type": "slave", "masters": ["192.0.2.1"]}`. */
export function parseCreateRequest(body: unknown): CreateRequest {
  const o = objectBody(body, '{"domain": "example.com", "type": "master"}');
  unknownFields(o, ['domain', 'type', 'masters']);
  const domain = parseDomain(o.domain);
  const type = parseType(o.type);
  if (type === 'master') {
    if (o.masters !== undefined && !(Array.isArray(o.masters) && o.masters.length === 0)) throw new BadRequestError('masters: only a slave zone has masters', { field: 'masters' });
    return { domain, type };
  }
  return { domain, type, primaries: parseMasters(o.masters) };
}

/** PUT /api/v2/zones/{zone}: the masters of a slave zone. */
export function parseUpdateRequest(body: unknown, current: RequestedType): ServerAddress[] {
  const o = objectBody(body, '{"masters": ["192.0.2.1"]}');
  unknownFields(o, ['type', 'masters']);
  if (o.type !== undefined && parseType(o.type) !== current) {
    throw new BadRequestError(`type: the zone is a ${current} zone and stays one; delete it and add it again to change its type`, { field: 'type' });
  }
  if (current === 'master') throw new BadRequestError('a master zone has nothing to update here: change its records with PATCH /api/v2/zones/{zone}/rrsets', {});
  return parseMasters(o.masters);
}

export function objectBody(body: unknown, example: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError(`the request body must be a JSON object such as ${example} (with Content-Type: application/json)`);
  return body as Record<string, unknown>;
}

function unknownFields(o: Record<string, unknown>, known: readonly string[]): void {
  const extra = Object.keys(o).filter((k) => !known.includes(k));
  if (extra.length > 0) throw new BadRequestError(`unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')}: expected ${known.join(', ')}`, { fields: extra });
}

export function newZoneObject(namespace: string, domain: string): Zone {
  return { apiVersion: API_VERSION, kind: 'Zone', metadata: { name: objectNameFor(domain), namespace, labels: { [CREATED_BY]: 'api' } }, spec: { zoneName: domain } };
}

export function newSecondaryZoneObject(namespace: string, domain: string, primaries: ServerAddress[]): SecondaryZone {
  return { apiVersion: API_VERSION, kind: 'SecondaryZone', metadata: { name: objectNameFor(domain), namespace, labels: { [CREATED_BY]: 'api' } }, spec: { zoneName: domain, primaries } };
}

/** Marks objects the API made (kubectl users can tell them apart: `-l dnsfleet.io/created-by=api`). */
export const CREATED_BY = 'dnsfleet.io/created-by';

/** The domain of a Zone or SecondaryZone as the API shows it. */
export function domainOf(obj: Zone | SecondaryZone): string {
  return obj.spec.zoneName.replace(/\.$/, '').toLowerCase();
}

function readiness(conditions: readonly Condition[] | undefined): { ready: boolean | null; problem: string | null } {
  const ready = conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'Unknown') return { ready: null, problem: ready?.message || null };
  return ready.status === 'True' ? { ready: true, problem: null } : { ready: false, problem: ready.message || ready.reason };
}

export function zoneToApi(z: Zone): ApiZone {
  return {
    id: z.metadata.name,
    domain: domainOf(z),
    type: 'MASTER',
    masters: [],
    serial: z.status?.serial ?? null,
    created: z.metadata.creationTimestamp ?? null,
    last_check: null,
    dnssec_status: z.status?.dnssec?.state ?? 'disabled',
    ...readiness(z.status?.conditions),
  };
}

export function secondaryToApi(z: SecondaryZone): ApiZone {
  const r = readiness(z.status?.conditions);
  return {
    id: z.metadata.name,
    domain: domainOf(z),
    type: 'SLAVE',
    masters: z.spec.primaries.map(formatMaster),
    serial: z.status?.serial ?? null,
    created: z.metadata.creationTimestamp ?? null,
    last_check: z.status?.lastTransfer ?? null,
    dnssec_status: z.status?.dnssec?.state ?? 'disabled',
    ready: r.ready,
    problem: r.ready === true ? null : (z.status?.problem || r.problem),
  };
}
