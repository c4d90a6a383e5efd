import type { DNSSECAlgorithm, DNSSECPolicySpec, DSDigestType } from '../../crds/v1alpha1/dnssecpolicy';
import type { DigestType } from '../dnssec/keys';
import type { LifecyclePolicy } from '../dnssec/lifecycle';
import type { SigningPolicy } from '../dnssec/zone-signing';

/** A Go-style duration (`720h`, `1h30m`, `90s`, `500ms`) in seconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * { h: 3600, m: 60, s: 1, ms: 0.001 }[m[2] as 'h' | 'm' | 's' | 'ms'];
    matched = re.lastIndex;
  }
  return matched === text.length && text.length > 0 ? total : undefined;
}

/**
 * A DNSSECPolicy's spec in the units of the key lifecycle (dataplane/dnssec/lifecycle.ts
 * `LifecyclePolicy`: algorithm numbers and seconds), with the API type's defaults filled in as
 * the API server does, so `dnsfleet serve` (which has no API server) gets the same policy. Pure.
 * The lifecycle's `LifecyclePolicy` plus the digest types.
 */
export interface LifecycleTimings extends LifecyclePolicy {
  /** DS digest type numbers (RFC 4509: 2, RFC 6605: 4). */
  readonly digestTypes: readonly DigestType[];
}

/** RFC 8624 §3.1 algorithm numbers of the five the policy offers. */
const ALGORITHM_NUMBERS: Record<DNSSECAlgorithm, number> = { RSASHA256: 8, RSASHA512: 10, ECDSAP256SHA256: 13, ECDSAP384SHA384: 14, ED25519: 15 };
const DIGEST_NUMBERS: Record<DSDigestType, DigestType> = { 'SHA-256': 2, 'SHA-384': 4 };

/** The policy's timings; undefined when a duration is malformed (`checkPolicy` says which). */
export function lifecycleTimings(spec: DNSSECPolicySpec): LifecycleTimings | undefined {
  const seconds = (text: string | undefined, fallback?: string): number | undefined | null => {
    const t = text ?? fallback;
    if (t === undefined) return undefined;
    return parseDuration(t) ?? null;
  };
  const strategy = spec.keys?.strategy ?? 'KSK+ZSK';
  const zsk = strategy === 'KSK+ZSK' ? seconds(spec.keys?.zskLifetime, '720h') : undefined;
  const ksk = strategy === 'KSK+ZSK' ? seconds(spec.keys?.kskLifetime) : undefined;
  const csk = strategy === 'CSK' ? seconds(spec.keys?.cskLifetime) : undefined;
  const propagation = seconds(spec.propagationDelay, '5m');
  const parentPropagation = seconds(spec.parentPropagationDelay, '1h');
  if ([zsk, ksk, csk, propagation, parentPropagation].includes(null)) return undefined;
  return {
    algorithm: ALGORITHM_NUMBERS[spec.algorithm ?? 'ECDSAP256SHA256'],
    strategy,
    ...(zsk ? { zskLifetime: zsk } : {}),
    ...(ksk ? { kskLifetime: ksk } : {}),
    ...(csk ? { cskLifetime: csk } : {}),
    dnskeyTTL: spec.dnskeyTTL ?? 3600,
    propagationDelay: propagation!,
    parentPropagationDelay: parentPropagation!,
    parentDSTTL: spec.parentDSTTL ?? 86400,
    publishCds: spec.publishCDS ?? true,
    digestTypes: (spec.dsDigestTypes ?? ['SHA-256']).map((d) => DIGEST_NUMBERS[d]),
  };
}

/**
 * The whole policy in the signer's units (dataplane/dnssec/zone-signing.ts), defaults filled in as
 * the API server does; undefined when a duration is malformed (`checkPolicy` says which).
 */
export function signingPolicy(spec: DNSSECPolicySpec): SigningPolicy | undefined {
  const timings = lifecycleTimings(spec);
  const validity = parseDuration(spec.signatures?.validity ?? '336h');
  const refresh = parseDuration(spec.signatures?.refresh ?? '120h');
  const jitter = parseDuration(spec.signatures?.jitter ?? '12h');
  const checkInterval = parseDuration(spec.dsConfirmation?.checkInterval ?? '1h');
  if (!timings || validity === undefined || refresh === undefined || jitter === undefined || checkInterval === undefined) return undefined;
  const { digestTypes, ...lifecycle } = timings;
  const nsec3 = spec.denial?.nsec3;
  return {
    lifecycle,
    digestTypes,
    signatures: { validity, refresh, jitter },
    denial: spec.denial?.type === 'NSEC3' ? { type: 'NSEC3', iterations: nsec3?.iterations ?? 0, saltLength: nsec3?.saltLength ?? 0, optOut: nsec3?.optOut ?? false } : { type: 'NSEC' },
    dsConfirmation: {
      mode: spec.dsConfirmation?.mode ?? 'Manual',
      checkInterval,
      ...(spec.dsConfirmation?.parentNameservers ? { parentNameservers: spec.dsConfirmation.parentNameservers.map((s) => ({ address: s.address, port: s.port ?? 53 })) } : {}),
    },
  };
}
