import { isIP } from 'node:net';
import { API_VERSION } from '../../crds/v1alpha1/meta';
import { DS_PUBLISHED_ANNOTATION, ROTATE_KSK_ANNOTATION, ROTATE_ZSK_ANNOTATION, type DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import type { SigningPolicy } from '../dnssec/zone-signing';
import { checkAgainstCrd } from './crd-schema';
import { parseDuration, signingPolicy } from './dnssec-policy';
import { ManifestError, formatPath, type ManifestDocument, type PathSegment } from './documents';

/**
 * A `kind: DNSSECPolicy` manifest as `dnsfleet serve` reads it (the resource the operator reads,
 * crds/v1alpha1/dnssecpolicy.ts): checked against the generated CRD schema, then what the schema
 * says in CEL rules (the API server runs those; serve has none), then turned into the signer's
 * units with the API server's defaults. Errors name file, line and field.
 */

export interface DnssecPolicyManifest {
  /** `metadata.name`: what a Zone's `spec.dnssecPolicy` names. */
  readonly name: string;
  readonly policy: SigningPolicy;
}

export function isDnssecPolicyDocument(doc: ManifestDocument): boolean {
  const v = doc.value as { kind?: unknown } | null;
  return typeof v === 'object' && v !== null && v.kind === 'DNSSECPolicy';
}

/** `metadata.name` of a policy document, even a broken one; undefined when it has none. */
export function policyNameOf(doc: ManifestDocument): string | undefined {
  const name = (doc.value as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}

/** Throws ManifestError at the first thing the API server would refuse. */
export function readDnssecPolicy(doc: ManifestDocument): DnssecPolicyManifest {
  const fail = (path: readonly PathSegment[], detail: string): never => {
    throw new ManifestError(doc.source, doc.lineOf(path), formatPath(path), detail);
  };
  const root = doc.value as { apiVersion?: unknown } | null;
  if (typeof root === 'object' && root !== null && !Array.isArray(root) && root.apiVersion !== API_VERSION) {
    fail(['apiVersion'], `must be ${API_VERSION}, got ${JSON.stringify(root.apiVersion)}`);
  }
  checkAgainstCrd(doc, 'DNSSECPolicy');
  const resource = doc.value as DNSSECPolicy;
  const name = policyNameOf(doc);
  if (name === undefined) fail(['metadata', 'name'], 'must be a non-empty string');
  const spec = resource.spec;
  // The CEL rules of crds/v1alpha1/dnssecpolicy.ts, with the defaults the API server fills in first.
  const keys = spec.keys ?? {};
  const strategy = keys.strategy ?? 'KSK+ZSK';
  if (strategy !== 'KSK+ZSK' && (keys.kskLifetime !== undefined || keys.zskLifetime !== undefined)) fail(['spec', 'keys'], 'kskLifetime and zskLifetime need strategy KSK+ZSK');
  if (strategy !== 'CSK' && keys.cskLifetime !== undefined) fail(['spec', 'keys'], 'cskLifetime needs strategy CSK');
  const sig = spec.signatures ?? {};
  const seconds = (text: string | undefined, fallback: string): number => parseDuration(text ?? fallback) ?? NaN;
  const validity = seconds(sig.validity, '336h');
  const refresh = seconds(sig.refresh, '120h');
  const jitter = seconds(sig.jitter, '12h');
  if (!(refresh < validity)) fail(['spec', 'signatures'], 'refresh must be less than validity');
  if (!(jitter < validity - refresh)) fail(['spec', 'signatures'], 'jitter must be less than validity minus refresh');
  if (spec.denial?.nsec3 !== undefined && spec.denial.type !== 'NSEC3') fail(['spec', 'denial', 'nsec3'], 'nsec3 parameters need type NSEC3');
  const ds = spec.dsConfirmation ?? {};
  const mode = ds.mode ?? 'Manual';
  if (mode !== 'Parent' && ds.checkInterval !== undefined) fail(['spec', 'dsConfirmation', 'checkInterval'], 'checkInterval needs mode Parent');
  if (mode === 'Parent' && !(ds.parentNameservers?.length)) fail(['spec', 'dsConfirmation', 'parentNameservers'], 'mode Parent needs parentNameservers');
  if (mode !== 'Parent' && ds.parentNameservers !== undefined) fail(['spec', 'dsConfirmation', 'parentNameservers'], 'parentNameservers needs mode Parent');
  const seen = new Set<string>();
  (ds.parentNameservers ?? []).forEach((s, i) => {
    const path = ['spec', 'dsConfirmation', 'parentNameservers', i];
    if (isIP(s.address) === 0) fail([...path, 'address'], `"${s.address}" is not an IPv4 or IPv6 address`);
    const key = `${s.address.toLowerCase()} ${String(s.port ?? 53)}`;
    if (seen.has(key)) fail(path, 'must not repeat an address and port');
    seen.add(key);
  });
  const policy = signingPolicy(spec);
  // The schema's duration pattern admits only what parseDuration reads; this is a guard.
  if (!policy) fail(['spec'], 'a duration cannot be read');
  return { name: name!, policy: policy! };
}

/** The annotations of a Zone or SecondaryZone that the key lifecycle reads (driveSigning's `annotations`). */
export interface SigningAnnotations {
  readonly dsPublished?: string;
  readonly rotateKsk?: string;
  readonly rotateZsk?: string;
}

/** Those annotations of a manifest's `metadata.annotations`, by their Kubernetes names. */
export function signingAnnotationsOf(annotations: Readonly<Record<string, unknown>> | undefined): SigningAnnotations {
  const a = annotations ?? {};
  const pick = (key: string): string | undefined => (typeof a[key] === 'string' ? (a[key] as string) : undefined);
  const dsPublished = pick(DS_PUBLISHED_ANNOTATION);
  const rotateKsk = pick(ROTATE_KSK_ANNOTATION);
  const rotateZsk = pick(ROTATE_ZSK_ANNOTATION);
  return { ...(dsPublished !== undefined ? { dsPublished } : {}), ...(rotateKsk !== undefined ? { rotateKsk } : {}), ...(rotateZsk !== undefined ? { rotateZsk } : {}) };
}
