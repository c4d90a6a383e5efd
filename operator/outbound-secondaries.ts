import type { OutboundSecondary } from '../crds/v1alpha1/meta';
import { parseTsigKey, TsigKeyError } from '../dataplane/dns/tsig';
import type { OutboundTarget } from '../dataplane/store/zone-store';
import type { KubeClient } from './kube/client';
import type { ConditionInput } from './conditions';

/**
 * A zone's customer secondaries (`spec.secondaries`) as the control server needs them: address,
 * port, and the TSIG key read from the named Secret. A secondary whose Secret is missing or
 * unusable is left out — it must not be let in without its key — and said why in `problems`.
 */
export async function resolveSecondaries(kube: KubeClient, namespace: string, list: readonly OutboundSecondary[] | undefined): Promise<{ targets: OutboundTarget[]; problems: string[] }> {
  const targets: OutboundTarget[] = [];
  const problems: string[] = [];
  for (const s of list ?? []) {
    const target = { address: s.address, port: s.port ?? 53 };
    if (!s.tsigKeySecretRef) {
      targets.push(target);
      continue;
    }
    const ref = `${namespace}/${s.tsigKeySecretRef.name}`;
    const data = await kube.readSecret(namespace, s.tsigKeySecretRef.name);
    if (!data) {
      problems.push(`secondary ${s.address}: Secret ${ref} not found`);
      continue;
    }
    try {
      parseTsigKey(data, `Secret ${ref}`);
    } catch (err) {
      if (!(err instanceof TsigKeyError)) throw err;
      problems.push(`secondary ${s.address}: ${err.message}`);
      continue;
    }
    targets.push({ ...target, tsig: { name: data.name!, algorithm: data.algorithm!, secret: data.secret! } });
  }
  return { targets, problems };
}

/** The condition a Zone or SecondaryZone with `spec.secondaries` has beside `Ready`. */
export const SECONDARIES_CONDITION = 'CustomerSecondaries';

/** Reasons of the `CustomerSecondaries` condition; Events use the same words. */
export const SecondariesReason = {
  Allowed: 'Allowed',
  SecondaryLeftOut: 'SecondaryLeftOut',
} as const;

/**
 * `CustomerSecondaries` for a zone listing `listed` secondaries of which `problems` say which were
 * left out and why; undefined when it lists none. Pure. The zone itself is served either way, so
 * this is a condition of its own, not `Ready`.
 */
export function secondariesCondition(listed: number, problems: readonly string[]): ConditionInput | undefined {
  if (listed === 0) return undefined;
  if (problems.length > 0) {
    const allowed = listed - problems.length;
    return { type: SECONDARIES_CONDITION, status: 'False', reason: SecondariesReason.SecondaryLeftOut, message: `${problems.join('; ')}; left out until ${problems.length === 1 ? 'its key' : 'their keys'} can be read (${allowed} of ${listed} allowed)` };
  }
  return { type: SECONDARIES_CONDITION, status: 'True', reason: SecondariesReason.Allowed, message: `${listed === 1 ? 'the secondary' : `all ${listed} secondaries`} may transfer the zone and get NOTIFY` };
}
