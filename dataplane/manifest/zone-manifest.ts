import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { Name } from '../dns/name';
import { DnsfleetError } from '../dns/error';
import { RRType, typeFromString, typeToString } from '../dns/constants';
import { parseRdata } from '../dns/rdata/registry';
import { readZoneRecords, unknownTypeMessage, ZoneFileError, type IncludeReader } from '../dns/zonefile/reader';
import { tokenizeRdata } from '../dns/zonefile/tokenizer';
import { ZoneBuilder, ZoneCheckError, type ZoneProblem, type ZoneRecord } from '../zone/zone-builder';
import type { Zone } from '../zone/zone';
import { nextSerial } from '../zone/serial';
import { API_VERSION } from '../../crds/v1alpha1/meta';
import type { Zone as ZoneResource, ZoneSpec, RRsetSpec, SOASpec } from '../../crds/v1alpha1/zone';
import { ManifestError, formatPath, type ManifestDocument, type PathSegment } from './documents';

/**
 * A `Zone` manifest turned into a zone: shape checks with the field path and line of every
 * mistake, then records, the managed SOA, and the zone checks.
 */

/** Defaults for a managed SOA; RFC 1912 §2.2 ranges, negative TTL per RFC 2308 §5. */
export const SOA_DEFAULTS = { refresh: 3600, retry: 600, expire: 1209600, minimum: 3600, ttl: 3600 } as const;
export const DEFAULT_TTL = 3600;

export interface ManagedSerial {
  /** Digest of the spec the serial was made for. */
  readonly specDigest: string;
  readonly serial: number;
}

export interface BuiltZone {
  readonly zone: Zone;
  readonly resource: ZoneResource;
  /** Set when dnsfleet made the SOA; the next build keeps the serial if the spec is unchanged. */
  readonly managedSerial?: ManagedSerial;
  readonly warnings: readonly string[];
}

export function isZoneDocument(doc: ManifestDocument): boolean {
  const v = doc.value as { kind?: unknown } | null;
  return typeof v === 'object' && v !== null && v.kind === 'Zone';
}

/** Validates the shape of a Zone manifest; throws ManifestError naming file, line and field. */
export function validateZoneDocument(doc: ManifestDocument): ZoneResource {
  const v = new Validator(doc);
  const root = v.object(doc.value, []);
  if (root.apiVersion !== API_VERSION) v.fail(['apiVersion'], `must be ${API_VERSION}, got ${JSON.stringify(root.apiVersion)}`);
  const meta = v.object(root.metadata, ['metadata']);
  v.string(meta.name, ['metadata', 'name']);
  const spec = v.object(root.spec, ['spec']);
  v.string(spec.zoneName, ['spec', 'zoneName']);
  v.known(spec, ['spec'], ['zoneName', 'defaultTTL', 'soa', 'rrsets', 'zoneFile', 'nameserverClouds', 'dnssecPolicy', 'secondaries']);
  if (spec.nameserverClouds !== undefined) {
    if (!Array.isArray(spec.nameserverClouds) || spec.nameserverClouds.length === 0) v.fail(['spec', 'nameserverClouds'], 'must be a non-empty list');
    (spec.nameserverClouds as unknown[]).forEach((c, i) => v.string(c, ['spec', 'nameserverClouds', i]));
  }
  if (spec.defaultTTL !== undefined) v.ttl(spec.defaultTTL, ['spec', 'defaultTTL']);
  if (spec.zoneFile !== undefined) v.string(spec.zoneFile, ['spec', 'zoneFile']);
  if (spec.soa !== undefined) {
    const soa = v.object(spec.soa, ['spec', 'soa']);
    v.known(soa, ['spec', 'soa'], ['mname', 'rname', 'refresh', 'retry', 'expire', 'minimum', 'ttl']);
    for (const f of ['mname', 'rname'] as const) if (soa[f] !== undefined) v.string(soa[f], ['spec', 'soa', f]);
    for (const f of ['refresh', 'retry', 'expire', 'minimum', 'ttl'] as const) if (soa[f] !== undefined) v.ttl(soa[f], ['spec', 'soa', f]);
  }
  if (spec.secondaries !== undefined) {
    if (!Array.isArray(spec.secondaries)) v.fail(['spec', 'secondaries'], 'must be a list');
    const seen = new Set<string>();
    (spec.secondaries as unknown[]).forEach((item, i) => {
      const path = ['spec', 'secondaries', i];
      const s = v.object(item, path);
      v.known(s, path, ['address', 'port', 'tsigKeySecretRef']);
      const address = v.string(s.address, [...path, 'address']);
      if (isIP(address) === 0) v.fail([...path, 'address'], `"${address}" is not an IPv4 or IPv6 address`);
      if (s.port !== undefined && (typeof s.port !== 'number' || !Number.isInteger(s.port) || s.port < 1 || s.port > 65535)) {
        v.fail([...path, 'port'], `must be an integer from 1 to 65535, got ${JSON.stringify(s.port)}`);
      }
      const key = `${address.toLowerCase()} ${String(s.port ?? 53)}`;
      if (seen.has(key)) v.fail(path, 'must not repeat an address and port');
      seen.add(key);
      if (s.tsigKeySecretRef !== undefined) {
        const ref = v.object(s.tsigKeySecretRef, [...path, 'tsigKeySecretRef']);
        v.known(ref, [...path, 'tsigKeySecretRef'], ['name']);
        v.string(ref.name, [...path, 'tsigKeySecretRef', 'name']);
      }
    });
  }
  if (spec.rrsets !== undefined) {
    if (!Array.isArray(spec.rrsets)) v.fail(['spec', 'rrsets'], 'must be a list');
    (spec.rrsets as unknown[]).forEach((item, i) => {
      const path = ['spec', 'rrsets', i];
      const rrset = v.object(item, path);
      v.known(rrset, path, ['name', 'type', 'ttl', 'records']);
      v.string(rrset.name, [...path, 'name']);
      v.string(rrset.type, [...path, 'type']);
      if (rrset.ttl !== undefined) v.ttl(rrset.ttl, [...path, 'ttl']);
      if (!Array.isArray(rrset.records) || rrset.records.length === 0) v.fail([...path, 'records'], 'must be a non-empty list');
      (rrset.records as unknown[]).forEach((r, j) => v.string(r, [...path, 'records', j]));
    });
  }
  return doc.value as ZoneResource;
}

/**
 * Where a resource came from, for error messages: a manifest file (with lines) or an object of
 * the API server (`Zone default/example-com`, no lines).
 */
export interface ResourceLocator {
  readonly source: string;
  lineOf(path: readonly PathSegment[]): number | undefined;
  /** The file line of line `line` of the text at `path` (a zone file in a `|` block), if known. */
  textLineOf?(path: readonly PathSegment[], line: number): number | undefined;
}

/** The locator of an object read from the API server. */
export function apiObjectLocator(kind: string, namespace: string | undefined, name: string): ResourceLocator {
  return { source: `${kind} ${namespace ? `${namespace}/` : ''}${name}`, lineOf: () => undefined };
}

const ZONE_FILE: readonly PathSegment[] = ['spec', 'zoneFile'];

/**
 * Builds the zone of a validated Zone resource. `previous` is the managed serial of the version
 * being served, so an unchanged spec keeps its serial and a changed one gets a newer one
 * (RFC 1982). Used by `dnsfleet serve` for manifests and by the operator for API objects.
 */
export interface BuildOptions {
  /** Reads `$INCLUDE` files of spec.zoneFile; without it `$INCLUDE` is an error (API objects have no files). */
  readonly include?: IncludeReader;
}

export function buildZone(doc: ResourceLocator, resource: ZoneResource, previous: ManagedSerial | undefined, nowSeconds: number, build: BuildOptions = {}): BuiltZone {
  const spec = resource.spec;
  const fail = (path: readonly PathSegment[], detail: string): never => {
    throw new ManifestError(doc.source, doc.lineOf(path), formatPath(path), detail);
  };
  let origin: Name;
  try {
    origin = Name.fromText(spec.zoneName.endsWith('.') ? spec.zoneName : `${spec.zoneName}.`);
  } catch (err) {
    return fail(['spec', 'zoneName'], (err as Error).message);
  }
  const defaultTtl = spec.defaultTTL ?? DEFAULT_TTL;
  // Records go straight into the builder: a zone of a million records is not held twice.
  const builder = new ZoneBuilder(origin);
  let hasSoa = false;
  let apexNs: Uint8Array | undefined;
  const add = (record: ZoneRecord, source: string): void => {
    if (record.type === RRType.SOA) hasSoa = true;
    else if (!apexNs && record.type === RRType.NS && record.owner.key === origin.key) apexNs = record.rdata;
    builder.add(record, source);
  };

  if (spec.zoneFile !== undefined) {
    // A zone-file line is reported at its line in the manifest where the text is a `|` block,
    // else at the zoneFile field; the zone-file line is always named too.
    const fileLine = (line: number): number | undefined => doc.textLineOf?.(ZONE_FILE, line) ?? doc.lineOf(ZONE_FILE);
    try {
      // spec.defaultTTL, when given, is a `$TTL` at the top; otherwise an SOA without a TTL takes
      // its MINIMUM as BIND does, and other records the default 3600 (where BIND rejects the zone).
      const options = { origin, source: 'spec.zoneFile', defaultTtl, initialTtl: spec.defaultTTL, include: build.include };
      for (const r of readZoneRecords(spec.zoneFile, options)) {
        // A record of an included file is placed at its $INCLUDE line, and named by its own file and line.
        if (r.includedAt !== undefined) add({ ...r, line: fileLine(r.includedAt) }, `spec.zoneFile line ${r.includedAt}: ${r.source}:${r.line}`);
        else add({ ...r, line: fileLine(r.line) }, `spec.zoneFile line ${r.line}`);
      }
    } catch (err) {
      if (err instanceof ZoneFileError) throw new ManifestError(doc.source, fileLine(err.line), `spec.zoneFile line ${err.line}`, err.detail);
      throw err;
    }
  }

  (spec.rrsets ?? []).forEach((rrset: RRsetSpec, i) => {
    const path = ['spec', 'rrsets', i];
    let owner: Name;
    try {
      owner = Name.fromText(rrset.name, origin);
    } catch (err) {
      return fail([...path, 'name'], (err as Error).message);
    }
    const type = typeFromString(rrset.type);
    if (type === undefined) return fail([...path, 'type'], unknownTypeMessage(rrset.type));
    rrset.records.forEach((text, j) => {
      const recordPath = [...path, 'records', j];
      let rdata: Uint8Array;
      try {
        rdata = parseRdata(type, tokenizeRdata(text), origin);
      } catch (err) {
        // Any of our errors here is a problem of the record's text; anything else is a bug.
        if (err instanceof DnsfleetError) {
          return fail(recordPath, `${typeToString(type)} "${text}": ${err.message}`);
        }
        throw err;
      }
      add({ owner, type, ttl: rrset.ttl ?? defaultTtl, rdata, line: doc.lineOf(recordPath) }, formatPath(recordPath));
    });
  });

  const warnings: string[] = [];
  let managedSerial: ManagedSerial | undefined;
  if (!hasSoa) {
    const specDigest = digest(spec);
    const serial = previous?.specDigest === specDigest ? previous.serial : nextSerial(previous?.serial, nowSeconds);
    managedSerial = { specDigest, serial };
    const soaRecord = managedSoa(origin, spec.soa ?? {}, apexNs, serial, doc);
    builder.add(soaRecord, 'spec.soa');
    if (spec.soa?.mname === undefined && !apexNs) {
      // RFC 1035 §3.3.13: MNAME names the zone's primary; with no NS and no spec.soa.mname there is nothing true to put there.
      warnings.push(`${doc.source}: spec.soa.mname: not set and no NS record at the apex, so the SOA's MNAME is the made-up ns1.${origin}; add the zone's NS records or set spec.soa.mname`);
    }
  } else if (spec.soa) {
    warnings.push(`${doc.source}: spec.soa is ignored because the zone data has its own SOA record`);
  }

  // Problems carry the field (or zone-file line) as their source and the manifest line as their line.
  const placed = (p: ZoneProblem): string => {
    if (!p.source) return `${doc.source}: ${p.message}`;
    return `${doc.source}${p.source.line !== undefined ? `:${p.source.line}` : ''}: ${p.source.source}: ${p.message}`;
  };
  const placedAfterFirst = (p: ZoneProblem): string => {
    if (!p.source) return p.message;
    // A zone-file source names its own line already; a field's line is the manifest's.
    const line = p.source.line !== undefined && !p.source.source.startsWith('spec.zoneFile') ? ` (line ${p.source.line})` : '';
    return `${p.source.source}${line}: ${p.message}`;
  };
  try {
    const zone = builder.build();
    warnings.push(...builder.warnings.map(placed));
    return { zone, resource, managedSerial, warnings };
  } catch (err) {
    if (err instanceof ZoneCheckError) {
      // The error is placed at the first problem that has a place; the others follow it.
      const first = err.problems.find((p) => p.source !== undefined) ?? err.problems[0]!;
      // The error names the file once, in front; the others name only their field (and line).
      const rest = err.problems.filter((p) => p !== first).map(placedAfterFirst);
      const detail = [first.message, ...rest].join('; ');
      if (!first.source) throw new ManifestError(doc.source, doc.lineOf(['spec']), 'spec', detail);
      throw new ManifestError(doc.source, first.source.line, first.source.source, detail);
    }
    throw err;
  }
}

function managedSoa(origin: Name, soa: SOASpec, apexNs: Uint8Array | undefined, serial: number, doc: ResourceLocator): ZoneRecord {
  const mname = soa.mname ?? (apexNs ? Name.fromWire(apexNs).toString() : `ns1.${origin}`);
  const rname = soa.rname ?? `hostmaster.${origin}`;
  const fields = [
    mname,
    rname,
    String(serial),
    String(soa.refresh ?? SOA_DEFAULTS.refresh),
    String(soa.retry ?? SOA_DEFAULTS.retry),
    String(soa.expire ?? SOA_DEFAULTS.expire),
    String(soa.minimum ?? SOA_DEFAULTS.minimum),
  ];
  try {
    const rdata = parseRdata(RRType.SOA, fields.map((text) => ({ text, quoted: false })), origin);
    return { owner: origin, type: RRType.SOA, ttl: soa.ttl ?? SOA_DEFAULTS.ttl, rdata, line: doc.lineOf(['spec', 'soa']) };
  } catch (err) {
    throw new ManifestError(doc.source, doc.lineOf(['spec', 'soa']), 'spec.soa', (err as Error).message);
  }
}

function digest(spec: ZoneSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex');
}

/** Small shape checker that reports the first problem with its path and line. */
class Validator {
  constructor(private readonly doc: ManifestDocument) {}

  fail(path: readonly PathSegment[], detail: string): never {
    throw new ManifestError(this.doc.source, this.doc.lineOf(path), formatPath(path) || undefined, detail);
  }

  object(value: unknown, path: readonly PathSegment[]): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'must be an object');
    return value as Record<string, unknown>;
  }

  string(value: unknown, path: readonly PathSegment[]): string {
    if (typeof value !== 'string' || value.length === 0) this.fail(path, 'must be a non-empty string');
    return value as string;
  }

  ttl(value: unknown, path: readonly PathSegment[]): number {
    // RFC 2181 §8: 0 .. 2^31 - 1.
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
      this.fail(path, `must be an integer from 0 to 2147483647, got ${JSON.stringify(value)}`);
    }
    return value as number;
  }

  known(obj: Record<string, unknown>, path: readonly PathSegment[], fields: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!fields.includes(key)) this.fail([...path, key], `unknown field (expected one of ${fields.join(', ')})`);
    }
  }
}
