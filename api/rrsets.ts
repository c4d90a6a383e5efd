import { Name, canonicalCompare } from '../dataplane/dns/name';
import { DnsfleetError } from '../dataplane/dns/error';
import { typeFromString, typeToString } from '../dataplane/dns/constants';
import { unknownTypeMessage } from '../dataplane/dns/zonefile/reader';
import type { RRsetSpec, Zone } from '../crds/v1alpha1/zone';
import { BadRequestError, ConflictError, UnprocessableError } from './errors';
import type { ApiRecord, ApiRRset } from './types';

/**
 * RRsets in RcodeZero's shape over a Zone's `spec.rrsets`, and PATCH with `changetype` add,
 * update or delete on whole RRsets (RcodeZero's PATCH /zones/{zone}/rrsets, after PowerDNS's
 * API it follows: names absolute with the trailing dot, records as `{content, disabled}`).
 *
 * A disabled record is kept but not served: it is not in `spec.rrsets` (which is what the
 * operator serves) but in the annotation `dnsfleet.io/disabled-records` of the Zone, a JSON list
 * of `{name, type, ttl, content}`. kubectl users see it there; the API merges it back into its
 * RRset. An RRset whose records are all disabled exists only in the annotation.
 */

export const DISABLED_ANNOTATION = 'dnsfleet.io/disabled-records';

export interface DisabledRecord {
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly content: string;
}

export type ChangeType = 'add' | 'update' | 'delete';

/** One change of a PATCH, checked: an absolute name inside the zone, a known type. */
export interface RRsetChangeOp {
  readonly owner: Name;
  readonly type: string;
  readonly ttl?: number;
  readonly changetype: ChangeType;
  readonly records: readonly ApiRecord[];
}

const DEFAULT_TTL = 3600;
const MAX_TTL = 2147483647;

const keyOf = (owner: Name, type: string): string => `${owner.key}/${type}`;
const label = (owner: Name, type: string): string => `${owner.toString()} ${type}`;

/** The canonical mnemonic of a type (`a` → `A`, `TYPE1` → `A`); undefined when unknown. */
export function canonicalType(text: string): string | undefined {
  const n = typeFromString(text.toUpperCase());
  return n === undefined ? undefined : typeToString(n);
}

/** Reads a PATCH body: a JSON array of changes. Every mistake is a BadRequestError naming the change. */
export function parsePatch(body: unknown, origin: Name): RRsetChangeOp[] {
  if (!Array.isArray(body)) {
    throw new BadRequestError('the request body must be a JSON array of RRset changes such as [{"name": "www.example.com.", "type": "A", "ttl": 3600, "changetype": "add", "records": [{"content": "192.0.2.1", "disabled": false}]}]');
  }
  if (body.length === 0) throw new BadRequestError('the patch has no changes');
  const seen = new Set<string>();
  return body.map((raw, i) => {
    const where = `change ${i + 1}`;
    const fail = (why: string, what = where): never => {
      throw new BadRequestError(`${what}: ${why}`, { change: i + 1 });
    };
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('must be an object with name, type, changetype and records');
    const c = raw as Record<string, unknown>;
    const extra = Object.keys(c).filter((k) => !['name', 'type', 'ttl', 'changetype', 'records'].includes(k));
    if (extra.length > 0) fail(`unknown field ${extra.map((k) => `"${k}"`).join(', ')}: expected name, type, ttl, changetype, records`);
    if (typeof c.name !== 'string' || c.name.length === 0) return fail('name must be the RRset\'s absolute owner name, e.g. "www.example.com."');
    if (!c.name.endsWith('.')) fail(`name "${c.name}" must be absolute, with the trailing dot (e.g. "${c.name}.${origin.isRoot() ? '' : origin.toString()}")`);
    let owner: Name;
    try {
      owner = Name.fromText(c.name);
    } catch (err) {
      if (err instanceof DnsfleetError) return fail(`invalid name "${c.name}": ${err.message}`);
      throw err;
    }
    if (!owner.isSubdomainOf(origin)) fail(`name "${c.name}" is not in the zone ${origin.toString()}`);
    if (typeof c.type !== 'string') return fail('type must be a record type such as "A"');
    const type = canonicalType(c.type) ?? fail(unknownTypeMessage(c.type));
    const what = `${where} (${label(owner, type)})`;
    // RcodeZero: "the serial number of the SOA-record is updated automatically"; the operator makes and manages it.
    if (type === 'SOA') fail('the SOA record is managed by dnsfleet (its serial goes up with every change) and cannot be changed through the API', what);
    if (typeof c.changetype !== 'string' || !/^(add|update|delete)$/i.test(c.changetype)) {
      fail(`unknown changetype ${JSON.stringify(c.changetype)}: expected add, update or delete`, what);
    }
    const changetype = (c.changetype as string).toLowerCase() as ChangeType;
    let ttl: number | undefined;
    if (c.ttl !== undefined) {
      if (typeof c.ttl !== 'number' || !Number.isInteger(c.ttl) || c.ttl < 0 || c.ttl > MAX_TTL) fail(`ttl must be a whole number of seconds from 0 to ${MAX_TTL}, got ${JSON.stringify(c.ttl)}`, what);
      ttl = c.ttl as number;
    }
    const key = keyOf(owner, type);
    if (seen.has(key)) fail('the same RRset is changed twice in one patch', what);
    seen.add(key);
    if (changetype === 'delete') return { owner, type, changetype, records: [] };
    if (!Array.isArray(c.records) || c.records.length === 0) return fail(`${changetype} needs records: a list of at least one {"content": "…", "disabled": false}`, what);
    const contents = new Set<string>();
    const records = c.records.map((r, j): ApiRecord => {
      const rWhere = `${what}, record ${j + 1}`;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) return fail('must be an object {"content": "…", "disabled": false}', rWhere);
      const rec = r as Record<string, unknown>;
      const rExtra = Object.keys(rec).filter((k) => k !== 'content' && k !== 'disabled');
      if (rExtra.length > 0) fail(`unknown field ${rExtra.map((k) => `"${k}"`).join(', ')}: expected content, disabled`, rWhere);
      if (typeof rec.content !== 'string' || rec.content.trim().length === 0) return fail('content must be the record\'s data in presentation format, e.g. "192.0.2.1"', rWhere);
      if (/[\r\n]/.test(rec.content)) fail('content must be one line', rWhere);
      if (rec.disabled !== undefined && typeof rec.disabled !== 'boolean') fail('disabled must be true or false', rWhere);
      const content = rec.content.trim();
      if (contents.has(content)) fail(`"${content}" is listed twice`, rWhere);
      contents.add(content);
      return { content, disabled: rec.disabled === true };
    });
    return { owner, type, changetype, records, ...(ttl !== undefined ? { ttl } : {}) };
  });
}

/** The zone's origin, from its spec. */
export function originOf(zone: Zone): Name {
  const n = zone.spec.zoneName;
  return Name.fromText(n.endsWith('.') ? n : `${n}.`);
}

interface Entry {
  owner: Name;
  rrset: ApiRRset;
}

/** The RRsets the API shows for a Zone: `spec.rrsets` merged by name and type, with the disabled records. */
export function viewRRsets(zone: Zone): ApiRRset[] {
  const origin = originOf(zone);
  const defaultTtl = zone.spec.defaultTTL ?? DEFAULT_TTL;
  const entries = new Map<string, Entry>();
  const put = (ownerText: string, typeText: string, ttl: number, record: ApiRecord): void => {
    let owner: Name;
    try {
      owner = Name.fromText(ownerText, origin);
    } catch {
      // Written by hand with a name the operator refuses too (the Zone is then InvalidZone): shown as written.
      owner = Name.root;
    }
    const type = canonicalType(typeText) ?? typeText;
    const key = owner.isRoot() ? `raw:${ownerText}/${type}` : keyOf(owner, type);
    let e = entries.get(key);
    if (!e) {
      e = { owner, rrset: { name: owner.isRoot() ? ownerText : owner.toString(), type, ttl, records: [] } };
      entries.set(key, e);
    }
    if (!e.rrset.records.some((r) => r.content === record.content)) e.rrset.records.push(record);
  };
  for (const s of zone.spec.rrsets ?? []) for (const content of s.records) put(s.name, s.type, s.ttl ?? defaultTtl, { content, disabled: false });
  for (const d of disabledRecordsOf(zone)) put(d.name, d.type, d.ttl, { content: d.content, disabled: true });
  return [...entries.values()]
    .sort((a, b) => canonicalCompare(a.owner, b.owner) || (a.rrset.type < b.rrset.type ? -1 : a.rrset.type > b.rrset.type ? 1 : 0))
    .map((e) => e.rrset);
}

/** The disabled records kept in the annotation; a malformed annotation (edited by hand) counts as none. */
export function disabledRecordsOf(zone: Zone): DisabledRecord[] {
  const text = zone.metadata.annotations?.[DISABLED_ANNOTATION];
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (d): d is DisabledRecord => typeof d === 'object' && d !== null && typeof d.name === 'string' && typeof d.type === 'string' && typeof d.ttl === 'number' && typeof d.content === 'string',
    );
  } catch {
    return [];
  }
}

/**
 * Applies the changes to the RRsets, all or none: `add` of an RRset that exists and `delete` of
 * one that does not refuse the whole patch. `update` replaces the RRset, or adds it (PowerDNS's
 * REPLACE); its TTL stays when the change gives none.
 */
export function applyChanges(current: readonly ApiRRset[], changes: readonly RRsetChangeOp[], defaultTtl = DEFAULT_TTL): ApiRRset[] {
  const byKey = new Map<string, ApiRRset>();
  const owners = new Map<string, Name>();
  for (const r of current) {
    const owner = Name.fromText(r.name);
    byKey.set(keyOf(owner, r.type), r);
    owners.set(keyOf(owner, r.type), owner);
  }
  for (const c of changes) {
    const key = keyOf(c.owner, c.type);
    const existing = byKey.get(key);
    if (c.changetype === 'add' && existing) throw new ConflictError(`RRset ${label(c.owner, c.type)} exists already: use changetype "update" to replace it; nothing was changed`, { rrset: label(c.owner, c.type) });
    if (c.changetype === 'delete') {
      if (!existing) throw new UnprocessableError(`there is no RRset ${label(c.owner, c.type)} to delete; nothing was changed`, { rrset: label(c.owner, c.type) });
      byKey.delete(key);
      continue;
    }
    byKey.set(key, { name: c.owner.toString(), type: c.type, ttl: c.ttl ?? existing?.ttl ?? defaultTtl, records: c.records.map((r) => ({ ...r })) });
    owners.set(key, c.owner);
  }
  return [...byKey.entries()]
    .sort(([a, ra], [b, rb]) => canonicalCompare(owners.get(a)!, owners.get(b)!) || (ra.type < rb.type ? -1 : ra.type > rb.type ? 1 : 0))
    .map(([, r]) => r);
}

/** The spec and annotation that hold these RRsets: enabled records in `spec.rrsets` (names relative to the zone), disabled ones in the annotation. */
export function toSpec(rrsets: readonly ApiRRset[], origin: Name): { rrsets: RRsetSpec[]; disabled: DisabledRecord[] } {
  const spec: RRsetSpec[] = [];
  const disabled: DisabledRecord[] = [];
  for (const r of rrsets) {
    const enabled = r.records.filter((x) => !x.disabled).map((x) => x.content);
    if (enabled.length > 0) spec.push({ name: Name.fromText(r.name).toRelativeString(origin), type: r.type, ttl: r.ttl, records: enabled });
    for (const x of r.records) if (x.disabled) disabled.push({ name: r.name, type: r.type, ttl: r.ttl, content: x.content });
  }
  return { rrsets: spec, disabled };
}

/** Records of a Zone as the quota counts them: every record of `spec.rrsets` and every disabled one (a zone file's are not counted). */
export function recordCount(zone: Zone): number {
  let n = 0;
  for (const r of zone.spec.rrsets ?? []) n += r.records.length;
  return n + disabledRecordsOf(zone).length;
}
