import type { ConditionInput } from '../conditions';

/**
 * Pure policy for a NameserverCloud's `Ready` condition, owned by the cloud controller
 * (operator/cloud). A cloud is ready when as many pods as it asks for report serving its zones
 * to the store: a pod reports only after it has loaded every zone of its cloud, so this is the
 * same promise the pods' readiness probe makes, seen from the operator.
 */

/** Reasons of the NameserverCloud's `Ready` condition; Events use the same words. */
export const CloudReason = {
  Serving: 'Serving',
  PodsStarting: 'PodsStarting',
  DuplicateName: 'DuplicateName',
} as const;

export interface CloudObservation {
  /** Pods the cloud asks for. */
  readonly replicas: number;
  /** Pods with a live report in the store. */
  readonly podsServing: number;
  /** Other NameserverClouds (namespace/name) with the same name: zones name clouds by name alone. */
  readonly sameName: readonly string[];
}

export function cloudReadyCondition(o: CloudObservation): ConditionInput {
  const not = (reason: string, message: string): ConditionInput => ({ type: 'Ready', status: 'False', reason, message });
  if (o.sameName.length > 0) return not(CloudReason.DuplicateName, `another NameserverCloud has this name (${o.sameName.join(', ')}); zones could not tell them apart`);
  if (o.podsServing < o.replicas) return not(CloudReason.PodsStarting, `${o.podsServing}/${o.replicas} pods serve the cloud's zones`);
  // No live count here (status.podsServing has it): the Event of turning Serving says what the condition keeps saying.
  return { type: 'Ready', status: 'True', reason: CloudReason.Serving, message: `the ${o.replicas} pods asked for serve the cloud's zones` };
}
