import type { Condition, OutboundSecondary } from '../crds/v1alpha1/meta';
import type { Logger } from '../dataplane/log/log';
import type { OutboundTarget } from '../dataplane/store/zone-store';
import type { ConditionInput } from './conditions';
import { conditionEvent } from './condition-events';
import type { TsigSecrets } from './tsig-secrets';

/**
 * A zone's customer secondaries (`spec.secondaries`, the API type `OutboundSecondary`): the
 * customer's own servers that transfer a Zone or SecondaryZone out of the control server and get
 * its NOTIFYs. Not to be confused with secondary zones (the SecondaryZone kind: zones dnsfleet
 * itself transfers in from a primary). The store calls them the zone's outbound targets.
 */

/** Customer secondaries as the control server needs them, and the ones left out with why. */
export interface CustomerSecondaries {
  readonly targets: OutboundTarget[];
  /** One per secondary left out: `secondary <address>: <why its key could not be read>`. */
  readonly problems: string[];
}

/**
 * Address, port and TSIG key (read from the named Secret) of each customer secondary. One whose
 * Secret is missing or unusable is left out — it must not be let in without its key — and said
 * why in `problems`. `fresh`: read the Secrets afresh (the zone changed), not from a recent read.
 */
export async function readCustomerSecondaries(secrets: TsigSecrets, namespace: string, list: readonly OutboundSecondary[] | undefined, fresh = false): Promise<CustomerSecondaries> {
  const targets: OutboundTarget[] = [];
  const problems: string[] = [];
  for (const s of list ?? []) {
    const target = { address: s.address, port: s.port ?? 53 };
    if (!s.tsigKeySecretRef) {
      targets.push(target);
      continue;
    }
    const key = await secrets.read(namespace, s.tsigKeySecretRef.name, fresh);
    if (key.ok) targets.push({ ...target, tsig: key.key });
    else problems.push(`secondary ${s.address}: ${key.problem}`);
  }
  return { targets, problems };
}

/** The condition a Zone or SecondaryZone with `spec.secondaries` has beside `Ready`. */
export const CUSTOMER_SECONDARIES_CONDITION = 'CustomerSecondaries';

/** Reasons of the `CustomerSecondaries` condition; Events use the same words. */
export const CustomerSecondariesReason = {
  Allowed: 'Allowed',
  SecondaryLeftOut: 'SecondaryLeftOut',
} as const;

/**
 * `CustomerSecondaries` for a zone listing `listed` secondaries of which `problems` say which were
 * left out and why; undefined when it lists none. Pure. The zone itself is served either way, so
 * this is a condition of its own, not `Ready`.
 */
export function customerSecondariesCondition(listed: number, problems: readonly string[]): ConditionInput | undefined {
  if (listed === 0) return undefined;
  if (problems.length > 0) {
    const allowed = listed - problems.length;
    return { type: CUSTOMER_SECONDARIES_CONDITION, status: 'False', reason: CustomerSecondariesReason.SecondaryLeftOut, message: `${problems.join('; ')}; left out until ${problems.length === 1 ? 'its key' : 'their keys'} can be read (${allowed} of ${listed} allowed)` };
  }
  return { type: CUSTOMER_SECONDARIES_CONDITION, status: 'True', reason: CustomerSecondariesReason.Allowed, message: `${listed === 1 ? 'the secondary' : `all ${listed} secondaries`} may transfer the zone and get NOTIFY` };
}

/** Logs a secondary left out once per change of the condition (when its Event is recorded), not on every reconcile. */
export function logLeftOut(log: Logger, key: string, before: readonly Condition[] | undefined, condition: ConditionInput | undefined, problems: readonly string[]): void {
  if (condition?.status !== 'False') return;
  if (conditionEvent(before?.find((c) => c.type === CUSTOMER_SECONDARIES_CONDITION), condition)) log.warn('customer secondary left out', { key, problems: problems.join('; ') });
}
