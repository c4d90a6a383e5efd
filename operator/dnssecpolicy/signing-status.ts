import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import type { ConditionInput } from '../conditions';
import { checkPolicy } from './policy-check';

/**
 * What a Zone or SecondaryZone that names `spec.dnssecPolicy` says about signing, while dnsfleet
 * has no signer: it is served, unsigned, and says so. Pure; the zone and secondary-zone
 * controllers own the `DNSSEC` condition and write it next to `Ready`, which stays about serving.
 */

export const DNSSEC_CONDITION = 'DNSSEC';

/** Reasons of the `DNSSEC` condition; Events use the same words. */
export const DNSSECReason = {
  /** The policy is valid, but this version of dnsfleet does not sign. */
  SigningNotAvailable: 'SigningNotAvailable',
  PolicyNotFound: 'PolicyNotFound',
  PolicyInvalid: 'PolicyInvalid',
} as const;

/**
 * The `DNSSEC` condition of a zone in `namespace` naming `policyName` (undefined: the zone asks
 * for no signing and has no such condition); `policy` is that DNSSECPolicy, if it exists.
 */
export function dnssecCondition(namespace: string, policyName: string | undefined, policy: DNSSECPolicy | undefined): ConditionInput | undefined {
  if (policyName === undefined) return undefined;
  const ref = `DNSSECPolicy ${namespace}/${policyName}`;
  const not = (reason: string, message: string): ConditionInput => ({ type: DNSSEC_CONDITION, status: 'False', reason, message: `${message}; the zone is served unsigned` });
  if (!policy) return not(DNSSECReason.PolicyNotFound, `${ref} does not exist`);
  const problems = checkPolicy(policy.spec);
  if (problems.length > 0) return not(DNSSECReason.PolicyInvalid, `${ref} is invalid (${problems.map((p) => `${p.field}: ${p.message}`).join('; ')})`);
  return not(DNSSECReason.SigningNotAvailable, `${ref} is valid, but this version of dnsfleet does not sign zones yet`);
}
