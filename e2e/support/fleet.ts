import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import type { Zone as ZoneResource } from '../../crds/v1alpha1/zone';
import { API_GROUP } from '../../crds/v1alpha1/meta';
import { freePort, start, waitFor, type Started } from '../../dataplane/testkit/processes';
import { query } from '../../dataplane/testkit/dns-client';
import type { ControlPlane } from './control-plane';

/**
 * The whole system as real processes for the operator tests and the scale bench: a Redis of its
 * own, `dnsfleet operator` and one `dnsfleet dataplane --role cloud` pod per cloud, all started
 * from `dist/cli/main.js`. Everything goes through `start()`, so the suite's `stopAll()` ends it.
 */

const ROOT = resolve(__dirname, '../../..');
const MAIN = join(ROOT, 'dist/cli/main.js');

export const CLOUDS = ['cloud-a', 'cloud-b'] as const;

/**
 * The operator's ServiceAccount bound to the roles of operator/rbac.yaml (cluster-wide and for
 * leader election), for the tests that run the operator as that account.
 */
export const OPERATOR_SERVICE_ACCOUNT = `apiVersion: v1
kind: ServiceAccount
metadata: { name: dnsfleet-operator, namespace: dnsfleet-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: dnsfleet-operator }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: dnsfleet-operator }
subjects: [{ kind: ServiceAccount, name: dnsfleet-operator, namespace: dnsfleet-system }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: dnsfleet-operator-leader-election, namespace: dnsfleet-system }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: dnsfleet-operator-leader-election }
subjects: [{ kind: ServiceAccount, name: dnsfleet-operator, namespace: dnsfleet-system }]
`;

/** A Redis without persistence: stopped and started again on the same `port`, it comes back empty. */
export async function startRedis(port?: number): Promise<{ url: string; process: Started; port: number }> {
  port ??= await freePort();
  const redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await waitFor('redis', async () => /Ready to accept connections/.test(redis.output()));
  return { url: `redis://127.0.0.1:${port}`, process: redis, port };
}

/** The four CRDs, applied and waited for until the API server serves them. */
export async function installCrds(cp: Pick<ControlPlane, 'kubectl'>): Promise<void> {
  const crds = await cp.kubectl(['apply', '-f', join(ROOT, 'crds')]);
  assert.equal(crds.code, 0, crds.stderr);
  const kinds = ['zones', 'nameserverclouds', 'secondaryzones', 'dnssecpolicies'].map((plural) => `crd/${plural}.${API_GROUP}`);
  // Asked again while a CRD just created has no status yet: kubectl wait fails at once on that.
  let last = '';
  await waitFor('the CRDs Established', async () => {
    const wait = await cp.kubectl(['wait', '--for=condition=Established', '--timeout=30s', ...kinds]);
    last = wait.stderr;
    return wait.code === 0;
  }, 60_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${last}`);
  });
}

/**
 * What a cluster has before the operator runs as its own account: the CRDs, the `dnsfleet-system`
 * namespace, operator/rbac.yaml and the ServiceAccount bound to it (OPERATOR_SERVICE_ACCOUNT).
 */
export async function installForOperatorAccount(cp: Pick<ControlPlane, 'kubectl'>): Promise<void> {
  await installCrds(cp);
  const namespace = await cp.kubectl(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: { name: dnsfleet-system }\n');
  assert.equal(namespace.code, 0, namespace.stderr);
  const rbac = await cp.kubectl(['apply', '-f', join(ROOT, 'operator/rbac.yaml')]);
  assert.equal(rbac.code, 0, rbac.stderr);
  const account = await cp.kubectl(['apply', '-f', '-'], OPERATOR_SERVICE_ACCOUNT);
  assert.equal(account.code, 0, account.stderr);
}

/** Installs the CRDs and the two NameserverClouds the operator will take its clouds from. */
export async function installCrdsAndClouds(cp: ControlPlane): Promise<void> {
  await installCrds(cp);
  const clouds = CLOUDS.map(
    (name) => `apiVersion: dnsfleet.io/v1alpha1
kind: NameserverCloud
metadata: { name: ${name} }
spec:
  nameservers: [ns1.example.net.]
  replicas: 1
`,
  ).join('---\n');
  const applied = await cp.kubectl(['apply', '-f', '-'], clouds);
  assert.equal(applied.code, 0, applied.stderr);
}

/** The one place the operator process is started. Resolves once its controllers run. */
export interface OperatorProcess {
  readonly process: Started;
  /** Its Prometheus endpoint. */
  readonly metricsUrl: string;
}

export async function startOperator(cp: ControlPlane, redisUrl: string): Promise<OperatorProcess> {
  const metrics = await freePort();
  // The operator takes its clouds from the NameserverClouds above; their pods are started below
  // with plain flags (the pod templates are e2e/zone-lifecycle.test.ts's subject).
  const operator = start('node', [MAIN, 'operator', '--redis', redisUrl, '--image', 'dnsfleet:test', '--kubeconfig', cp.kubeconfig, '--metrics', `127.0.0.1:${metrics}`], { cwd: ROOT });
  await waitFor('the operator to start its controllers', async () => {
    if (operator.process.exitCode !== null) throw new Error(`operator exited: ${operator.output()}`);
    return /"controllers started"/.test(operator.output());
  }, 30_000);
  return { process: operator, metricsUrl: `http://127.0.0.1:${metrics}/metrics` };
}

export interface CloudPod {
  readonly cloud: string;
  readonly pod: string;
  readonly dnsPort: number;
  readonly httpPort: number;
  readonly process: Started;
}

/**
 * One dataplane pod of `cloud`, ready (its zones loaded) when this resolves. `env` adds to the
 * environment (e.g. DNSFLEET_SNAPSHOT_DIR); `ports` reuses a stopped pod's ports.
 */
export async function startCloudPod(cloud: string, redisUrl: string, options: { env?: Record<string, string>; ports?: { dnsPort: number; httpPort: number } } = {}): Promise<CloudPod> {
  const dnsPort = options.ports?.dnsPort ?? (await freePort());
  const httpPort = options.ports?.httpPort ?? (await freePort());
  const pod = `${cloud}-0`;
  const p = start('node', [MAIN, 'dataplane', '--role', 'cloud', '--cloud', cloud, '--pod', pod, '--redis', redisUrl, '--listen', `127.0.0.1:${dnsPort}`, '--http', `127.0.0.1:${httpPort}`], { cwd: ROOT, ...(options.env ? { env: { ...process.env, ...options.env } } : {}) });
  await waitFor(`${pod} to be ready`, async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok, 30_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${p.output().slice(-2000)}`);
  });
  return { cloud, pod, dnsPort, httpPort, process: p };
}

/** The A record of `name` as each pod answers it (undefined when it does not), in pod order. */
export async function answersA(pods: readonly CloudPod[], name: string, timeoutMs = 1000): Promise<Array<string | undefined>> {
  return Promise.all(
    pods.map(async (p) => {
      const reply = await query('127.0.0.1', p.dnsPort, name, 'A', { timeoutMs });
      const a = reply.packet.answers?.find((r) => r.type === 'A') as { data?: string } | undefined;
      return a?.data;
    }),
  );
}

/** Runs `task` over `items` with at most `limit` at a time. */
export async function inBatches<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface BenchZone {
  readonly name: string;
  readonly zoneName: string;
  readonly address: string;
}

/** `count` small zones: apex NS and `www` A, with an address derived from the index. */
export function benchZones(count: number, prefix: string): BenchZone[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${String(i).padStart(4, '0')}`,
    zoneName: `${prefix}-${String(i).padStart(4, '0')}.test`,
    address: `10.${Math.floor(i / 250)}.${i % 250}.1`,
  }));
}

/** One zone of that shape, its object named after its zone name (`a.test` → `a-test`). */
export function zoneNamed(zoneName: string, address: string): BenchZone {
  return { name: zoneName.replaceAll('.', '-'), zoneName, address };
}

export function zoneManifest(z: BenchZone, address = z.address): string {
  return `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: ${z.name}, namespace: default }
spec:
  zoneName: ${z.zoneName}
  defaultTTL: 300
  rrsets:
    - { name: "@", type: NS, records: [ns1.example.net.] }
    - { name: www, type: A, records: ["${address}"] }
`;
}

export const manifests = (zones: readonly BenchZone[]): string => zones.map((z) => zoneManifest(z)).join('---\n');

export function isReady(z: ZoneResource): boolean {
  return z.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Direct API calls (client-node), for polling a thousand Zones and for timing one write without
 * kubectl's start-up and discovery.
 */
export interface ZoneApi {
  list(namespace?: string): Promise<ZoneResource[]>;
  /** A JSON merge patch of the Zone (spec or metadata). */
  mergePatch(namespace: string, name: string, patch: Record<string, unknown>): Promise<void>;
  /** A JSON merge patch of the status subresource. */
  mergePatchStatus(namespace: string, name: string, patch: Record<string, unknown>): Promise<void>;
}

export async function zoneApi(kubeconfig: string): Promise<ZoneApi> {
  const k8s: typeof K8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  const ref = { group: API_GROUP, version: 'v1alpha1', plural: 'zones' };
  return {
    async list(namespace = 'default') {
      const list = (await api.listNamespacedCustomObject({ ...ref, namespace })) as { items: ZoneResource[] };
      return list.items;
    },
    async mergePatch(namespace, name, body) {
      await api.patchNamespacedCustomObject({ ...ref, namespace, name, body }, merge);
    },
    async mergePatchStatus(namespace, name, body) {
      await api.patchNamespacedCustomObjectStatus({ ...ref, namespace, name, body }, merge);
    },
  };
}
