import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import type { ConditionInput } from '../conditions';
import { checkPolicy } from './policy-check';

/**
 * What a Zone or SecondaryZone that names `spec.dnssecPolicy` says when that policy cannot be
 * used: it does not exist, or it is invalid. Pure. The zone and secondary-zone controllers own
 * the `DNSSEC` condition (operator/dnssec/ sets it while the policy is usable) and write it next
 * to `Ready`, which stays about serving. Nothing is driven meanwhile: a zone never signed stays
 * unsigned, a signed one keeps its keys and is re-signed with them (unsigning starts only when
 * the zone stops naming a policy, never because a policy went missing).
 */

export const DNSSEC_CONDITION = 'DNSSEC';

/** Reasons of the `DNSSEC` condition for a policy that cannot be used; Events use the same words. */
export const DNSSECReason = {
  PolicyNotFound: 'PolicyNotFound',
  PolicyInvalid: 'PolicyInvalid',
} as const;

/**
 * The `DNSSEC` condition of a zone in `namespace` naming `policyName` when that policy is missing
 * or invalid; undefined when the zone names none or the policy is usable. `signed`: the zone is
 * signed now (it stays so, with its last keys).
 */
export function policyProblem(namespace: string, policyName: string | undefined, policy: DNSSECPolicy | undefined, signed = false): ConditionInput | undefined {
  if (policyName === undefined) return undefined;
  const ref = `DNSSECPolicy ${namespace}/${policyName}`;
  const outcome = signed ? 'the zone stays signed with its current keys; no key changes until it is back' : 'the zone is served unsigned';
  const not = (reason: string, message: string): ConditionInput => ({ type: DNSSEC_CONDITION, status: 'False', reason, message: `${message}; ${outcome}` });
  if (!policy) return not(DNSSECReason.PolicyNotFound, `${ref} does not exist`);
  const problems = checkPolicy(policy.spec);
  if (problems.length > 0) return not(DNSSECReason.PolicyInvalid, `${ref} is invalid (${problems.map((p) => `${p.field}: ${p.message}`).join('; ')})`);
  return undefined;
}
