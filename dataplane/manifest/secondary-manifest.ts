import { isIP } from 'node:net';
import { ManifestError, formatPath, type ManifestDocument, type PathSegment } from './documents';
import { storeOrigin, type SecondaryConfig } from '../zone/secondary-config';

/**
 * A `kind: SecondaryZone` manifest as `dnsfleet serve` reads it (the same resource the operator
 * reconciles, crds/v1alpha1/secondaryzone.ts): the zone, its primaries, the name of the Secret
 * (in the same files) holding its TSIG key, and refresh overrides. Errors name file, line, field.
 */

export interface SecondaryZoneManifest {
  readonly origin: string;
  readonly primaries: ReadonlyArray<{ readonly address: string; readonly port: number }>;
  readonly tsigSecret?: string;
  readonly refresh?: SecondaryConfig['refresh'];
}

export function isSecondaryZoneDocument(doc: ManifestDocument): boolean {
  const v = doc.value as { kind?: unknown } | null;
  return typeof v === 'object' && v !== null && v.kind === 'SecondaryZone';
}

export function readSecondaryZone(doc: ManifestDocument): SecondaryZoneManifest {
  const fail = (path: PathSegment[], detail: string): never => {
    throw new ManifestError(doc.source, doc.lineOf(path), formatPath(path), detail);
  };
  const v = doc.value as { apiVersion?: unknown; spec?: Record<string, unknown> };
  if (v.apiVersion !== 'dnsfleet.io/v1alpha1') fail(['apiVersion'], `must be dnsfleet.io/v1alpha1, got ${JSON.stringify(v.apiVersion)}`);
  const spec = v.spec;
  if (typeof spec !== 'object' || spec === null) return fail(['spec'], 'must be an object');
  if (typeof spec.zoneName !== 'string' || spec.zoneName.length === 0) fail(['spec', 'zoneName'], 'must be a non-empty string');
  if (!Array.isArray(spec.primaries) || spec.primaries.length === 0) fail(['spec', 'primaries'], 'must list at least one primary');
  const primaries = (spec.primaries as unknown[]).map((p, i) => {
    const entry = p as { address?: unknown; port?: unknown };
    if (typeof entry?.address !== 'string' || isIP(entry.address) === 0) fail(['spec', 'primaries', i, 'address'], 'must be an IPv4 or IPv6 address');
    const port = entry.port ?? 53;
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) fail(['spec', 'primaries', i, 'port'], 'must be a port from 1 to 65535');
    return { address: entry.address as string, port: port as number };
  });
  let tsigSecret: string | undefined;
  if (spec.tsigKeySecretRef !== undefined) {
    const name = (spec.tsigKeySecretRef as { name?: unknown }).name;
    if (typeof name !== 'string' || name.length === 0) fail(['spec', 'tsigKeySecretRef', 'name'], 'must name a Secret');
    tsigSecret = name as string;
  }
  let refresh: SecondaryConfig['refresh'];
  if (spec.refresh !== undefined) {
    const r = spec.refresh as Record<string, unknown>;
    const out: Record<string, number> = {};
    for (const field of ['refresh', 'retry', 'expire', 'minimumRefresh']) {
      if (r[field] === undefined) continue;
      if (!Number.isInteger(r[field]) || (r[field] as number) < 1) fail(['spec', 'refresh', field], 'must be a whole number of seconds, at least 1');
      out[field] = r[field] as number;
    }
    refresh = out;
  }
  return { origin: storeOrigin(spec.zoneName as string), primaries, ...(tsigSecret ? { tsigSecret } : {}), ...(refresh ? { refresh } : {}) };
}
