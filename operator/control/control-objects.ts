import { isIPv6 } from 'node:net';
import { dataplanePodMetadata, dataplanePodSpec, DNS_SERVICE_PORTS, type PodSettings } from '../cloud/cloud-objects';
import type { OwnedObject, OwnerReference } from '../kube/owned-object';
import { KEK_ENV, KEK_KEY, KEK_SECRET } from '../dnssec/kek';

/**
 * Pure builders for the control server (`dnsfleet dataplane --role control`): one pod that holds
 * every zone and transfers them out to customer secondaries, and receives NOTIFYs and pulls
 * secondary zones from their primaries. It is one per installation, configured by the
 * operator's flags rather than by a resource, so its objects are owned by the installation when
 * one is named (`owner`: the operator's own Deployment, so `helm uninstall` takes them along)
 * and by nothing otherwise.
 */

export interface ControlServerSettings {
  readonly namespace: string;
  readonly pods: PodSettings;
  /** Clients allowed to transfer zones out (CIDRs). */
  readonly allowTransfer: readonly string[];
  readonly serviceType?: 'LoadBalancer' | 'ClusterIP' | 'NodePort';
  /** The control server's public addresses (where customer primaries send NOTIFYs and secondaries transfer from). */
  readonly addresses?: readonly string[];
  readonly serviceAnnotations?: Readonly<Record<string, string>>;
  /** What the installation's objects are owned by (not a controller reference: nothing reconciles them but the operator). */
  readonly owner?: OwnerReference;
}

export const CONTROL_NAME = 'dnsfleet-control';
const LABELS = { 'app.kubernetes.io/name': 'dnsfleet', 'app.kubernetes.io/component': 'control' };

function metadata(s: ControlServerSettings, annotations?: Readonly<Record<string, string>>): OwnedObject['metadata'] {
  return {
    name: CONTROL_NAME,
    namespace: s.namespace,
    labels: { ...LABELS, 'app.kubernetes.io/managed-by': 'dnsfleet-operator' },
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    ownerReferences: s.owner ? [s.owner] : [],
  };
}

/**
 * One replica, replaced with `Recreate`: two control servers at once would both transfer and
 * NOTIFY; a short gap while it restarts only delays transfers, the clouds keep answering. It signs
 * the zones that name a DNSSECPolicy (ADR 0015) and opens their keys with the key-encryption key,
 * which it takes from the operator's Secret (operator/dnssec/kek.ts), never from the pod spec.
 */
export function buildControlDeployment(s: ControlServerSettings): OwnedObject {
  const acl = s.allowTransfer.flatMap((cidr) => ['--allow-transfer', cidr]);
  const pod = dataplanePodSpec(['--role', 'control', ...acl], s.pods) as { containers: Array<{ env: unknown[] }> };
  pod.containers[0]!.env.push({ name: KEK_ENV, valueFrom: { secretKeyRef: { name: KEK_SECRET, key: KEK_KEY } } });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(s),
    spec: {
      replicas: 1,
      selector: { matchLabels: LABELS },
      strategy: { type: 'Recreate' },
      template: { metadata: dataplanePodMetadata(LABELS, s.pods), spec: pod },
    },
  };
}

export function buildControlService(s: ControlServerSettings): OwnedObject {
  const type = s.serviceType ?? 'ClusterIP';
  const addresses = [...(s.addresses ?? [])];
  const spec: Record<string, unknown> = { type, selector: LABELS, ports: DNS_SERVICE_PORTS.map((p) => ({ ...p })) };
  if (new Set(addresses.map((a) => isIPv6(a))).size === 2) spec.ipFamilyPolicy = 'PreferDualStack';
  if (type === 'LoadBalancer') {
    // Transfer ACLs and NOTIFY checks need the client's own address.
    spec.externalTrafficPolicy = 'Local';
    if (addresses.length === 1) spec.loadBalancerIP = addresses[0];
  } else if (addresses.length > 0) spec.externalIPs = addresses;
  return { apiVersion: 'v1', kind: 'Service', metadata: metadata(s, s.serviceAnnotations), spec };
}
