import type { Condition } from '../crds/v1alpha1/meta';
import { getCondition, setCondition, type ConditionInput } from './conditions';
import type { EventRecord } from './kube/client';

/**
 * Conditions beside `Ready` that an object has only while they apply (`DNSSEC` while the zone
 * names a policy, `CustomerSecondaries` while it lists some), and the Event a change of one is
 * worth. Pure.
 */

/** `conditions` with `input` set, or without any condition of `type` when `input` is undefined. */
export function withCondition(conditions: readonly Condition[] | undefined, type: string, input: ConditionInput | undefined, observedGeneration: number | undefined, now?: () => Date): Condition[] {
  if (input) return setCondition(conditions, input, observedGeneration, now);
  return (conditions ?? []).filter((c) => c.type !== type);
}

/**
 * The Event for a condition going from `before` to `after`: one per change of reason (cert-manager's
 * habit), and one when a failing condition's message changes (it names what is wrong, e.g. which
 * Secret); none when the condition goes away or stays as it was. A Warning while it is False.
 */
export function conditionEvent(before: Condition | undefined, after: ConditionInput | undefined): EventRecord | undefined {
  if (!after || after.event === 'none') return undefined;
  if (before?.reason === after.reason && (after.status !== 'False' || after.event === 'Normal' || before.message === after.message)) return undefined;
  return { type: after.event ?? (after.status === 'False' ? 'Warning' : 'Normal'), reason: after.reason, action: 'Reconcile', note: after.message };
}

/** The Events for every condition in `after` (by type) whose change deserves one. */
export function conditionEvents(before: readonly Condition[] | undefined, after: ReadonlyArray<ConditionInput | undefined>): EventRecord[] {
  const out: EventRecord[] = [];
  for (const input of after) {
    const event = input && conditionEvent(getCondition(before, input.type), input);
    if (event) out.push(event);
  }
  return out;
}
