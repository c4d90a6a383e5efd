import type { Condition } from '../crds/v1alpha1/meta';

/**
 * Status conditions after the Kubernetes API conventions, set in one place (as cert-manager
 * does): `observedGeneration` stamped, `lastTransitionTime` kept unless the status flips, the
 * clock injectable for tests. Reasons are constants shared with Events.
 */

export type ConditionStatus = Condition['status'];

export interface ConditionInput {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
  /**
   * The Event a change of it is worth (condition-events.ts): by default a Warning while False, else
   * Normal; `none` when the controller records its own Event for the step (DSUpdate, DSSeen).
   */
  readonly event?: 'Normal' | 'Warning' | 'none';
}

/** Returns a new list with `input` set; the other conditions are kept as they were. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  observedGeneration: number | undefined,
  now: () => Date = () => new Date(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const previous = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    // Kubernetes API conventions: the time the status last changed, not the time of the update.
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : rfc3339(now()),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when setting `input` would change nothing, so no status write is needed. */
export function conditionUnchanged(conditions: readonly Condition[] | undefined, input: ConditionInput, observedGeneration: number | undefined): boolean {
  const c = getCondition(conditions, input.type);
  return !!c && c.status === input.status && c.reason === input.reason && c.message === input.message && c.observedGeneration === observedGeneration;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
