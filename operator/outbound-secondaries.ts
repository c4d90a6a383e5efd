import type { OutboundSecondary } from '../crds/v1alpha1/meta';
import { parseTsigKey, TsigKeyError } from '../dataplane/dns/tsig';
import type { OutboundTarget } from '../dataplane/store/zone-store';
import type { KubeClient } from './kube/client';

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
