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
import { checkAgainstCrd } from './crd-schema';

/**
 * A `Zone` manifest turned into a zone: the CRD schema's checks with the field path and line of
 * every mistake, then records, the managed SOA, and the zone checks.
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

/**
 * Validates a Zone manifest against the generated CRD schema (crd-schema.ts), then what the schema
 * says only in CEL or not at all; throws ManifestError naming file, line and field.
 */
export function validateZoneDocument(doc: ManifestDocument): ZoneResource {
  const fail = (path: readonly PathSegment[], detail: string): never => {
    throw new ManifestError(doc.source, doc.lineOf(path), formatPath(path), detail);
  };
  // The API server routes by apiVersion and requires a name: neither is in the CRD schema.
  const root = doc.value as { apiVersion?: unknown } | null;
  if (typeof root === 'object' && root !== null && !Array.isArray(root) && root.apiVersion !== API_VERSION) {
    fail(['apiVersion'], `must be ${API_VERSION}, got ${JSON.stringify(root.apiVersion)}`);
  }
  checkAgainstCrd(doc, 'Zone');
  const resource = doc.value as ZoneResource;
  const name: unknown = resource.metadata?.name;
  if (typeof name !== 'string' || name.length === 0) fail(['metadata', 'name'], 'must be a non-empty string');
  // The schema's CEL rules for secondaries: an IP address each, each address and port once.
  const seen = new Set<string>();
  (resource.spec.secondaries ?? []).forEach((s, i) => {
    const path = ['spec', 'secondaries', i];
    if (isIP(s.address) === 0) fail([...path, 'address'], `"${s.address}" is not an IPv4 or IPv6 address`);
    const key = `${s.address.toLowerCase()} ${String(s.port ?? 53)}`;
    if (seen.has(key)) fail(path, 'must not repeat an address and port');
    seen.add(key);
  });
  return resource;
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
