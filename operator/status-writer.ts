import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../crds/v1alpha1/meta';
import type { Logger } from '../dataplane/log/log';
import { describeKubeError, type DnsfleetKind, type EventRecord, type KindTypes, type KubeClient, type StatusOf } from './kube/client';
import { getCondition, setCondition, type ConditionInput } from './conditions';
import { conditionEvents, withCondition } from './condition-events';
import { step } from './reconcile-error';

/**
 * The last step every reconcile shares: set `Ready` on a copy of the status, write the status
 * only if it changed, and record an Event when the condition's reason changes (cert-manager's
 * habit: Events reuse the condition's reasons, one per change, never one per reconcile).
 */

/** What a controller decided for an object's status. */
export interface StatusUpdate<K extends DnsfleetKind> {
  /** Fields beside the conditions; the others are kept as they are. */
  readonly fields: Omit<StatusOf<K>, 'conditions' | 'observedGeneration'>;
  readonly ready: ConditionInput;
  readonly now?: () => Date;
  /** The Event a change of `Ready` is worth (undefined: none); by default `onReasonChange()`. */
  readonly readyEvent?: (before: Condition | undefined, ready: ConditionInput) => EventRecord | undefined;
  /** Other conditions this controller owns: set, or removed when `input` is undefined; each with its Events (condition-events.ts). */
  readonly others?: ReadonlyArray<{ readonly type: string; readonly input: ConditionInput | undefined }>;
}

/** One Event per change of `Ready`'s reason, of `type` (by default a Warning when `Ready` is False). */
export function onReasonChange(type?: 'Normal' | 'Warning'): (before: Condition | undefined, ready: ConditionInput) => EventRecord | undefined {
  return (before, ready) => (before?.reason === ready.reason ? undefined : { type: type ?? (ready.status === 'False' ? 'Warning' : 'Normal'), reason: ready.reason, action: 'Reconcile', note: ready.message });
}

/**
 * Writes `update` over `object.status` when it changes anything, then records the Events of the
 * conditions that changed. Returns the status the object has now (written or unchanged), for
 * `StatusMemory`. A failure to record an Event is logged, never fails the reconcile.
 */
export async function updateStatus<K extends DnsfleetKind>(kube: KubeClient, log: Logger, kind: K, object: KindTypes[K], update: StatusUpdate<K>): Promise<StatusOf<K>> {
  const status = (object.status ?? {}) as StatusOf<K> & { conditions?: Condition[] };
  const generation = object.metadata.generation;
  let conditions = setCondition(status.conditions, update.ready, generation, update.now);
  for (const other of update.others ?? []) conditions = withCondition(conditions, other.type, other.input, generation, update.now);
  const next = { ...status, ...update.fields, observedGeneration: generation, conditions } as StatusOf<K>;
  const { namespace = 'default', name } = object.metadata;
  if (!isDeepStrictEqual(next, status)) await step('write status', () => kube.patchStatus(kind, namespace, name, next));
  const events: EventRecord[] = [];
  const readyEvent = (update.readyEvent ?? onReasonChange())(getCondition(status.conditions, 'Ready'), update.ready);
  if (readyEvent) events.push(readyEvent);
  events.push(...conditionEvents(status.conditions, (update.others ?? []).map((o) => o.input)));
  for (const event of events) {
    await kube.recordEvent({ kind, metadata: object.metadata }, event).catch((err: unknown) => log.warn('could not record an event', { kind, namespace, name, error: describeKubeError(err) }));
  }
  return next;
}

/** `updateStatus` with its parts as arguments, and the Event's type given (a Warning when `Ready` is False). */
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
): Promise<StatusOf<K>> {
  return updateStatus(kube, log, kind, object, { fields, ready, now, readyEvent: onReasonChange(eventType), others });
}

/**
 * The status a controller last wrote for each of its objects, until the informer's cache holds a
 * newer version of the object. A reconcile reads the cache, and the watch event of its own status
 * write can come after the next reconcile began (a requeue, the watch event of another change):
 * that reconcile must not take the old status for the current one, or it writes it again and
 * records its Events twice. The cache has caught up once the object's resourceVersion is no
 * longer the one the status was written over. (A change by someone else in between also moves
 * the resourceVersion on; the reconcile it causes then decides from that version, as any
 * controller reading a cache does.)
 */
export class StatusMemory<K extends DnsfleetKind> {
  private readonly byKey = new Map<string, { readonly over: string | undefined; readonly status: StatusOf<K> }>();

  /** `object` from the cache, with the status as this controller last left it when the cache has not caught up. */
  current(key: string, object: KindTypes[K]): KindTypes[K] {
    const own = this.byKey.get(key);
    if (!own) return object;
    if (own.over !== object.metadata.resourceVersion) {
      this.byKey.delete(key);
      return object;
    }
    return { ...object, status: own.status };
  }

  /** `status` is what `object` (as read) has after this controller's write. */
  remember(key: string, object: KindTypes[K], status: StatusOf<K>): void {
    this.byKey.set(key, { over: object.metadata.resourceVersion, status });
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
