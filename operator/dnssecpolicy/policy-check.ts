import type { DNSSECPolicySpec } from '../../crds/v1alpha1/dnssecpolicy';
import { DNSSECPolicyReason } from '../../crds/v1alpha1/dnssecpolicy';
import type { ConditionInput } from '../conditions';
import { parseDuration } from '../../dataplane/manifest/dnssec-policy';

export { parseDuration };

/**
 * Pure checks of a DNSSECPolicy that the CRD's schema and CEL rules cannot express: timing rules
 * that relate several durations to the DNSKEY TTL. The DNSSEC policy controller owns `Ready`.
 */

/** Defaults of the API type (crds/v1alpha1/dnssecpolicy.ts), as the API server fills them in. */
const DEFAULTS = { validity: '336h', refresh: '120h', propagationDelay: '5m', dnskeyTTL: 3600 } as const;


export interface PolicyProblem {
  readonly field: string;
  readonly message: string;
}

/** Every rule the policy breaks, in field order; empty when it is sound. */
export function checkPolicy(spec: DNSSECPolicySpec): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const seconds = (field: string, text: string | undefined, fallback: string): number | undefined => {
    const value = parseDuration(text ?? fallback);
    if (value === undefined) problems.push({ field, message: `"${text}" is not a duration such as 720h, 1h30m or 90s` });
    return value;
  };
  const validity = seconds('spec.signatures.validity', spec.signatures?.validity, DEFAULTS.validity);
  const refresh = seconds('spec.signatures.refresh', spec.signatures?.refresh, DEFAULTS.refresh);
  const propagation = seconds('spec.propagationDelay', spec.propagationDelay, DEFAULTS.propagationDelay);
  const ttl = spec.dnskeyTTL ?? DEFAULTS.dnskeyTTL;
  // A renewed signature must reach every pod before the old one expires (RFC 6781 §4.4.2).
  if (validity !== undefined && refresh !== undefined && propagation !== undefined && validity - refresh <= propagation) {
    problems.push({ field: 'spec.signatures.refresh', message: `signatures are renewed ${fmt(validity - refresh)} before they expire, not more than the propagation delay (${fmt(propagation)})` });
  }
  // A pre-published key must be in every cache before it signs (RFC 7583 §3.2: Ipub = Dprp + TTLkey).
  for (const [field, text] of [['spec.keys.zskLifetime', spec.keys?.zskLifetime], ['spec.keys.kskLifetime', spec.keys?.kskLifetime], ['spec.keys.cskLifetime', spec.keys?.cskLifetime]] as const) {
    if (text === undefined) continue;
    const lifetime = seconds(field, text, text);
    if (lifetime !== undefined && lifetime !== 0 && propagation !== undefined && lifetime <= propagation + ttl) {
      problems.push({ field, message: `a key living ${fmt(lifetime)} would be rolled before its successor is published (propagation delay + DNSKEY TTL = ${fmt(propagation + ttl)})` });
    }
  }
  return problems;
}

/**
 * The policy's `Ready`. The message holds nothing that changes without the spec (the count of
 * zones is `status.zones`), so the Event recorded when it turns `Valid` says what it keeps saying.
 */
export function policyReadyCondition(spec: DNSSECPolicySpec): ConditionInput {
  const problems = checkPolicy(spec);
  if (problems.length > 0) return { type: 'Ready', status: 'False', reason: DNSSECPolicyReason.Invalid, message: problems.map((p) => `${p.field}: ${p.message}`).join('; ') };
  const summary = `${spec.algorithm ?? 'ECDSAP256SHA256'}, ${spec.keys?.strategy ?? 'KSK+ZSK'}, ${spec.denial?.type ?? 'NSEC'}`;
  return { type: 'Ready', status: 'True', reason: DNSSECPolicyReason.Valid, message: summary };
}

function fmt(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
