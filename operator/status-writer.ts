import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../crds/v1alpha1/meta';
import type { Logger } from '../dataplane/log/log';
import { describeKubeError, type DnsfleetKind, type KindTypes, type KubeClient, type StatusOf } from './kube/client';
import { getCondition, setCondition, type ConditionInput } from './conditions';
import { conditionEvents, withCondition } from './condition-events';

/**
 * The last step every reconcile shares: set `Ready` on a copy of the status, write the status
 * only if it changed, and record an Event when the condition's reason changes (cert-manager's
 * habit: Events reuse the condition's reasons, one per change, never one per reconcile).
 */
export async function writeStatus<K extends DnsfleetKind>(
  kube: KubeClient,
  log: Logger,
  kind: K,
  object: KindTypes[K],
  fields: Omit<StatusOf<K>, 'conditions' | 'observedGeneration'>,
  ready: ConditionInput,
  now?: () => Date,
  /** The Event's type; by default a Warning when `Ready` is False. */
  eventType: 'Normal' | 'Warning' = ready.status === 'False' ? 'Warning' : 'Normal',
  /** Other conditions this controller owns: set, or removed when `input` is undefined; each with its Events (condition-events.ts). */
  others: ReadonlyArray<{ readonly type: string; readonly input: ConditionInput | undefined }> = [],
): Promise<void> {
  const status = (object.status ?? {}) as StatusOf<K> & { conditions?: Condition[] };
  const generation = object.metadata.generation;
  let conditions = setCondition(status.conditions, ready, generation, now);
  for (const other of others) conditions = withCondition(conditions, other.type, other.input, generation, now);
  const next = { ...status, ...fields, observedGeneration: generation, conditions } as StatusOf<K>;
  const { namespace = 'default', name } = object.metadata;
  if (!isDeepStrictEqual(next, status)) await kube.patchStatus(kind, namespace, name, next);
  if (getCondition(status.conditions, 'Ready')?.reason !== ready.reason) {
    await kube
      .recordEvent({ kind, metadata: object.metadata }, { type: eventType, reason: ready.reason, action: 'Reconcile', note: ready.message })
      .catch((err: unknown) => log.warn('could not record an event', { kind, namespace, name, error: describeKubeError(err) }));
  }
  for (const event of conditionEvents(status.conditions, others.map((o) => o.input))) {
    await kube.recordEvent({ kind, metadata: object.metadata }, event).catch((err: unknown) => log.warn('could not record an event', { kind, namespace, name, error: describeKubeError(err) }));
  }
}
