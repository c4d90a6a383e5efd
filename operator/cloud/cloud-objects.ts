import { isIPv6 } from 'node:net';
import type { NameserverCloud } from '../../crds/v1alpha1/nameservercloud';
import { API_VERSION } from '../../crds/v1alpha1/meta';
import type { OwnedObject, OwnerReference } from '../kube/owned-object';

/**
 * Pure builders for the objects a NameserverCloud owns (CloudNativePG's `pkg/specs` habit): its
 * Deployment of dataplane pods, its Service with the anycast addresses, its PodDisruptionBudget.
 * They are plain objects in the shape of the Kubernetes API, applied with server-side apply, so
 * a field left out here is a field the operator does not own.
 */

/** What the operator knows that the NameserverCloud does not say: how pods run in this install. */
export interface PodSettings {
  /** The dnsfleet image the dataplane pods run. */
  readonly image: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /**
   * The Redis the pods read zones from and report to: its URL, or the key of a Secret in the pods'
   * namespace that holds it, so a URL with a password is not written into the pod templates.
   */
  readonly redisUrl: string | SecretKeyRef;
  /** `--metrics-per-zone` for the pods: a series per zone on their `/metrics` (small fleets). */
  readonly metricsPerZone?: boolean;
  /** The `prometheus.io/scrape`, `/port` and `/path` annotations on the pods, for a Prometheus that discovers by them. */
  readonly scrapeAnnotations?: boolean;
}

/** The pod template's metadata of every dataplane pod: its labels, and the scrape annotations when asked for. */
export function dataplanePodMetadata(labels: Readonly<Record<string, string>>, settings: PodSettings): Record<string, unknown> {
  const annotations = { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(HTTP_CONTAINER_PORT), 'prometheus.io/path': '/metrics' };
  return { labels: { ...labels }, ...(settings.scrapeAnnotations ? { annotations } : {}) };
}

export interface SecretKeyRef {
  readonly secretName: string;
  readonly key: string;
}

/** Ports inside the pod: unprivileged, so the container needs no capability to bind them. */
export const DNS_CONTAINER_PORT = 5353;
/** Where a pod keeps its local snapshot of the zones it serves (ADR 0007): an emptyDir, which outlives container restarts. */
export const SNAPSHOT_DIR = '/var/lib/dnsfleet';
export const HTTP_CONTAINER_PORT = 8080;
/**
 * How long a stopping pod keeps answering after SIGTERM, with /readyz at 503: the EndpointSlice
 * update and every kube-proxy's rule sync that take it out of the Service start together with
 * the signal and take a second or two; this leaves them room (dataplane/runtime/server-runtime.ts).
 */
export const DRAIN_SECONDS = 5;

export const CLOUD_LABEL = 'dnsfleet.io/cloud';
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'dnsfleet-operator' };


/** Name of the Deployment, Service and PDB of a cloud: the cloud's own name, so `kubectl get` lines up. */
export function cloudObjectName(cloud: NameserverCloud): string {
  return cloudObjectNameOf(cloud.metadata.name);
}

/** The same, from the cloud's name alone (for a cloud no longer in the cache). */
export function cloudObjectNameOf(cloudName: string): string {
  return `dnsfleet-${cloudName}`;
}

export function cloudSelectorLabels(cloud: NameserverCloud): Record<string, string> {
  return { 'app.kubernetes.io/name': 'dnsfleet', 'app.kubernetes.io/component': 'cloud', [CLOUD_LABEL]: cloud.metadata.name };
}

function ownerReference(cloud: NameserverCloud): OwnerReference {
  if (!cloud.metadata.uid) throw new Error(`NameserverCloud ${cloud.metadata.name} has no uid: owned objects need one for their owner reference`);
  return { apiVersion: API_VERSION, kind: 'NameserverCloud', name: cloud.metadata.name, uid: cloud.metadata.uid, controller: true, blockOwnerDeletion: true };
}

function metadataFor(cloud: NameserverCloud, annotations?: Record<string, string>): OwnedObject['metadata'] {
  return {
    name: cloudObjectName(cloud),
    namespace: cloud.metadata.namespace ?? 'default',
    labels: { ...cloudSelectorLabels(cloud), ...MANAGED_BY },
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    ownerReferences: [ownerReference(cloud)],
  };
}

/**
 * `spec.identity` as dataplane flags: NSID and CH TXT id.server are the pod's name (the dataplane's
 * `--identity` defaults to `--pod`, which is $POD_NAME), the version is refused unless set.
 */
export function identityArgs(identity: NameserverCloud['spec']['identity']): string[] {
  return [
    ...(identity?.nsid === false ? [] : ['--nsid', '$(POD_NAME)']),
    ...(identity?.serverId === false ? ['--hide-identity'] : []),
    ...(identity?.version !== undefined ? ['--version-string', identity.version] : []),
  ];
}

/** `spec.rateLimit` as dataplane flags (`--rrl-*`, cli/rrl-flags.ts); none when it is not set. */
export function rateLimitArgs(rateLimit: NameserverCloud['spec']['rateLimit']): string[] {
  if (!rateLimit) return [];
  const number = (flag: string, value: number | undefined): string[] => (value === undefined ? [] : [flag, String(value)]);
  return [
    ...number('--rrl-rate', rateLimit.responsesPerSecond),
    ...number('--rrl-slip', rateLimit.slip),
    ...number('--rrl-ipv4-prefix', rateLimit.ipv4PrefixLength),
    ...number('--rrl-ipv6-prefix', rateLimit.ipv6PrefixLength),
    ...(rateLimit.exempt ?? []).flatMap((cidr) => ['--rrl-exempt', cidr]),
  ];
}

/** The container and pod spec every dataplane pod shares; `roleArgs` say what the pod is. */
export function dataplanePodSpec(roleArgs: readonly string[], settings: PodSettings, options: { placement?: NameserverCloud['spec']['placement']; resources?: NameserverCloud['spec']['resources'] } = {}): Record<string, unknown> {
  const placement = options.placement ?? {};
  const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    // The pod drains for DRAIN_SECONDS, then stops within 10 s whatever the store does
    // (dataplane/runtime/signals.ts); this leaves it room.
    terminationGracePeriodSeconds: 30,
    volumes: [{ name: 'state', emptyDir: { sizeLimit: '1Gi' } }],
    securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'dataplane',
        image: settings.image,
        imagePullPolicy: settings.imagePullPolicy ?? 'IfNotPresent',
        command: ['dnsfleet'],
        args: ['dataplane', ...roleArgs, '--listen-ips', '$(POD_IPS)', '--port', String(DNS_CONTAINER_PORT), '--http-port', String(HTTP_CONTAINER_PORT), '--drain-seconds', String(DRAIN_SECONDS), ...(settings.metricsPerZone ? ['--metrics-per-zone'] : [])],
        env: [
          fieldEnv('POD_NAME', 'metadata.name'),
          fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
          fieldEnv('POD_IPS', 'status.podIPs'),
          typeof settings.redisUrl === 'string'
            ? { name: 'DNSFLEET_REDIS_URL', value: settings.redisUrl }
            : { name: 'DNSFLEET_REDIS_URL', valueFrom: { secretKeyRef: { name: settings.redisUrl.secretName, key: settings.redisUrl.key } } },
          { name: 'DNSFLEET_SNAPSHOT_DIR', value: SNAPSHOT_DIR },
        ],
        volumeMounts: [{ name: 'state', mountPath: SNAPSHOT_DIR }],
        ports: [
          { name: 'dns-udp', containerPort: DNS_CONTAINER_PORT, protocol: 'UDP' },
          { name: 'dns-tcp', containerPort: DNS_CONTAINER_PORT, protocol: 'TCP' },
          { name: 'http', containerPort: HTTP_CONTAINER_PORT, protocol: 'TCP' },
        ],
        // Ready means every zone of the pod is loaded (dataplane/cloud/store-follower.ts).
        readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 2, failureThreshold: 2 },
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
        // A large zone set loads for a while before /readyz: liveness must not kill it meanwhile.
        startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 60 },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        ...(options.resources ? { resources: options.resources } : {}),
      },
    ],
    ...(placement.nodeSelector ? { nodeSelector: placement.nodeSelector } : {}),
    ...(placement.affinity ? { affinity: placement.affinity } : {}),
    ...(placement.tolerations ? { tolerations: placement.tolerations } : {}),
    ...(placement.topologySpreadConstraints ? { topologySpreadConstraints: placement.topologySpreadConstraints } : {}),
  };
}

/** DNS on port 53, UDP and TCP, to the pods' unprivileged port. */
export const DNS_SERVICE_PORTS = [
  { name: 'dns-udp', port: 53, targetPort: 'dns-udp', protocol: 'UDP' },
  { name: 'dns-tcp', port: 53, targetPort: 'dns-tcp', protocol: 'TCP' },
] as const;

/**
 * The pods of a cloud. They listen on every address of the pod (`status.podIPs`, dual-stack
 * aware) and nowhere else, so the probes and the Service reach them and nothing else does. A
 * rolling update never takes a pod away before its replacement reports ready (maxUnavailable 0):
 * a cloud keeps its full capacity while its configuration changes.
 */
export function buildCloudDeployment(cloud: NameserverCloud, settings: PodSettings): OwnedObject {
  const labels = cloudSelectorLabels(cloud);
  const podSpec = dataplanePodSpec(['--role', 'cloud', '--cloud', cloud.metadata.name, ...identityArgs(cloud.spec.identity), ...rateLimitArgs(cloud.spec.rateLimit)], settings, { placement: cloud.spec.placement, resources: cloud.spec.resources });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadataFor(cloud),
    spec: {
      replicas: cloud.spec.replicas ?? 2,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: { metadata: dataplanePodMetadata(labels, settings), spec: podSpec },
    },
  };
}

/**
 * The cloud's Service: DNS on port 53, UDP and TCP, to the pods' unprivileged port. Its addresses
 * are the cloud's anycast addresses: a `LoadBalancer` takes them as the requested load-balancer
 * address (one per family; MetalLB or a cloud LB announces them, configured by the annotations),
 * the other types as `externalIPs`, which the nodes accept and kube-proxy forwards.
 */
export function buildCloudService(cloud: NameserverCloud): OwnedObject {
  const service = cloud.spec.service ?? {};
  const type = service.type ?? 'LoadBalancer';
  const addresses = [...(cloud.spec.addresses?.ipv4 ?? []), ...(cloud.spec.addresses?.ipv6 ?? [])];
  const families = [...new Set(addresses.map((a) => (isIPv6(a) ? 'IPv6' : 'IPv4')))];
  const spec: Record<string, unknown> = {
    type,
    selector: cloudSelectorLabels(cloud),
    ports: DNS_SERVICE_PORTS.map((p) => ({ ...p })),
  };
  // Both families announced: dual-stack where the cluster has both (naming the families would be
  // refused by a single-stack cluster, so the API server picks them).
  if (families.length === 2) spec.ipFamilyPolicy = 'PreferDualStack';
  if (type === 'LoadBalancer') {
    // Client addresses matter to a DNS server (ACLs, logs, rate limits): keep them by default.
    spec.externalTrafficPolicy = service.externalTrafficPolicy ?? 'Local';
    if (addresses.length === 1) spec.loadBalancerIP = addresses[0];
  } else {
    if (type === 'NodePort' && service.externalTrafficPolicy) spec.externalTrafficPolicy = service.externalTrafficPolicy;
    if (addresses.length > 0) spec.externalIPs = addresses;
  }
  return { apiVersion: 'v1', kind: 'Service', metadata: metadataFor(cloud, service.annotations), spec };
}

/** Voluntary disruptions (node drains) take at most one pod of a cloud at a time. */
export function buildCloudDisruptionBudget(cloud: NameserverCloud): OwnedObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadataFor(cloud),
    spec: { maxUnavailable: 1, selector: { matchLabels: cloudSelectorLabels(cloud) } },
  };
}
