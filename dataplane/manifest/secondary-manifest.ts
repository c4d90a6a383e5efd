import { isIP } from 'node:net';
import { ManifestError, formatPath, type ManifestDocument, type PathSegment } from './documents';
import { checkAgainstCrd } from './crd-schema';
import { API_VERSION } from '../../crds/v1alpha1/meta';
import type { SecondaryZone } from '../../crds/v1alpha1/secondaryzone';
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
  /** `spec.dnssecPolicy`: dnsfleet signs the transferred zone with it. */
  readonly dnssecPolicy?: string;
  /** `metadata.annotations` (the signing ones are read from it). */
  readonly annotations?: Record<string, string>;
}

export function isSecondaryZoneDocument(doc: ManifestDocument): boolean {
  const v = doc.value as { kind?: unknown } | null;
  return typeof v === 'object' && v !== null && v.kind === 'SecondaryZone';
}

/**
 * Validates a SecondaryZone manifest against the generated CRD schema (crd-schema.ts), then what
 * the schema says only in CEL; throws ManifestError naming file, line and field.
 */
export function readSecondaryZone(doc: ManifestDocument): SecondaryZoneManifest {
  const fail = (path: PathSegment[], detail: string): never => {
    throw new ManifestError(doc.source, doc.lineOf(path), formatPath(path), detail);
  };
  // The API server routes by apiVersion: it is not in the CRD schema.
  const root = doc.value as { apiVersion?: unknown } | null;
  if (typeof root === 'object' && root !== null && !Array.isArray(root) && root.apiVersion !== API_VERSION) {
    fail(['apiVersion'], `must be ${API_VERSION}, got ${JSON.stringify(root.apiVersion)}`);
  }
  checkAgainstCrd(doc, 'SecondaryZone');
  const spec = (doc.value as SecondaryZone).spec;
  // The schema's CEL rules: an IP address each, each address and port once; expire after refresh, refresh not below its floor.
  const seen = new Set<string>();
  const primaries = spec.primaries.map((p, i) => {
    if (isIP(p.address) === 0) fail(['spec', 'primaries', i, 'address'], `"${p.address}" is not an IPv4 or IPv6 address`);
    const port = p.port ?? 53;
    const key = `${p.address.toLowerCase()} ${port}`;
    if (seen.has(key)) fail(['spec', 'primaries', i], 'must not repeat an address and port');
    seen.add(key);
    return { address: p.address, port };
  });
  const r = spec.refresh;
  if (r?.refresh !== undefined && r.expire !== undefined && !(r.expire > r.refresh)) fail(['spec', 'refresh'], 'expire must be greater than refresh');
  if (r?.refresh !== undefined && r.minimumRefresh !== undefined && !(r.refresh >= r.minimumRefresh)) fail(['spec', 'refresh'], 'refresh must not be below minimumRefresh');
  const tsigSecret = spec.tsigKeySecretRef?.name;
  const refresh = r ? Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) : undefined;
  const annotations = (doc.value as SecondaryZone).metadata?.annotations;
  return {
    origin: storeOrigin(spec.zoneName),
    primaries,
    ...(tsigSecret ? { tsigSecret } : {}),
    ...(refresh ? { refresh } : {}),
    ...(spec.dnssecPolicy ? { dnssecPolicy: spec.dnssecPolicy } : {}),
    ...(annotations ? { annotations } : {}),
  };
}
