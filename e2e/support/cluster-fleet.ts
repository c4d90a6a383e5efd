import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run, start, tempDir, waitFor, type Started } from '../../dataplane/testkit/processes';
import { startCluster, type Cluster } from './cluster';
import { installForOperatorAccount } from './fleet';

/**
 * dnsfleet on the one-node cluster (support/cluster.ts) as the e2e tests that run its pods use it:
 * the image built from the Dockerfile and imported into the node's runtime, the CRDs and the
 * operator's ServiceAccount with operator/rbac.yaml, and a Redis on this machine that the test
 * (at loopback) and the pods (at the node's address) both reach. The operator itself runs in the
 * test process, as `podSettings` tells it to: its Deployments' pods are real ones.
 */

const ROOT = resolve(__dirname, '../../..');

/** The namespace the cluster tests run dnsfleet's clouds and control server in. */
export const FLEET_NAMESPACE = 'dnsfleet-system';

/** A NameserverCloud of `replicas` pods whose anycast address becomes its ClusterIP Service's externalIP. */
export const cloudManifest = (name: string, replicas: number, anycast: string, namespace = FLEET_NAMESPACE): string => `apiVersion: dnsfleet.io/v1alpha1
kind: NameserverCloud
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  replicas: ${replicas}
  nameservers: [ns1.example.net.]
  addresses: { ipv4: ["${anycast}"] }
  service: { type: ClusterIP }
`;

/** A Zone `name` in `default` for both clouds (cloud-a and cloud-b): its NS, and www at `address`. */
export const cloudZoneManifest = (name: string, zoneName: string, address: string): string => `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: ${name}, namespace: default }
spec:
  zoneName: ${zoneName}
  defaultTTL: 300
  nameserverClouds: [cloud-a, cloud-b]
  rrsets:
    - { name: "@", type: NS, records: [ns1.example.net.] }
    - { name: www, type: A, records: ["${address}"] }
`;

/** The image e2e/image/build.sh writes, as the pod templates name it. */
export const DNSFLEET_IMAGE = 'docker.io/library/dnsfleet:dev';

/** A pod of one of the operator's Deployments, as a test reaches it: its pod IP and the template's container ports. */
export interface ServingPod {
  readonly name: string;
  readonly ip: string;
  /** The container's DNS port (the template's `dns-udp` port). */
  readonly dnsPort: number;
  readonly httpPort: number;
}

export interface ClusterFleet {
  readonly cluster: Cluster;
  /** The Redis as this process reaches it. */
  readonly redisUrl: string;
  /** What the operator puts into its pod templates: the image, and the Redis as the pods reach it. */
  readonly podSettings: { image: string; imagePullPolicy: 'Never'; redisUrl: string };
  /**
   * An address of this machine that the pods reach and that is the source of this machine's
   * packets to them: where DNS peers of the tests (primaries, customer secondaries) listen.
   */
  peerAddress(): Promise<string>;
  /** The Redis process, for fault tests: paused, restarted with its data or empty. */
  readonly redis: RedisProcess;
  stop(): Promise<void>;
}

export interface RedisProcess {
  /** SIGSTOP: connections stay open and nothing answers, as a Redis that hangs or a partition. */
  pause(): void;
  resume(): void;
  /**
   * Restarted on the same port: with its data (`SHUTDOWN SAVE`, then loaded from the dump, as a
   * Redis with persistence comes back), or empty (SIGKILL and no dump, as one without).
   */
  restart(keep: 'data' | 'nothing'): Promise<void>;
}

/**
 * The OCI archive of the dnsfleet image. .ci/run builds it before the tests lose the network (a
 * cold build needs Debian's archive and the npm registry) and names it in DNSFLEET_IMAGE_ARCHIVE;
 * by hand, a warm build hashes the sources.
 */
export function imageArchive(): string {
  return process.env.DNSFLEET_IMAGE_ARCHIVE ?? execFileSync('bash', [join(ROOT, 'e2e/image/build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/**
 * Where the tests' DNS peers (primaries, customer secondaries) listen for the pods: the pods'
 * gateway. The node's own address would do for the pods to reach, but this machine's packets to a
 * pod leave from the gateway, and peers are checked by source address. On kind,
 * DNSFLEET_E2E_HOST_ADDRESS.
 */
export async function peerAddressOf(cluster: Cluster): Promise<string> {
  if (process.env.DNSFLEET_E2E_HOST_ADDRESS) return process.env.DNSFLEET_E2E_HOST_ADDRESS;
  const gateway = cluster.podGateway;
  await waitFor(`the pods' gateway ${gateway} on this machine`, async () => execFileSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' }).includes(` ${gateway}/`), 60_000);
  return gateway;
}

/**
 * Starts the cluster (or takes the one DNSFLEET_E2E_KUBECONFIG names) with the image imported.
 * On an existing cluster DNSFLEET_E2E_HOST_ADDRESS names this machine's address its pods reach
 * (on kind: the gateway of Docker's `kind` network).
 */
export async function startClusterFleet(): Promise<ClusterFleet> {
  const archive = imageArchive();
  const cluster = await startCluster();
  let redis: Started | undefined;
  const redisDir = tempDir('fleet-redis');
  try {
    await cluster.importImage(archive);
    await installForOperatorAccount(cluster);
    const hostAddress = process.env.DNSFLEET_E2E_HOST_ADDRESS ?? cluster.nodeIp;
    if (!hostAddress) throw new Error('an existing cluster: set DNSFLEET_E2E_HOST_ADDRESS to an address of this machine its pods reach');
    const port = 6390 + Math.floor(Math.random() * 100);
    // No snapshots of its own: only `SHUTDOWN SAVE` (restart('data')) writes the dump.
    const startRedis = async (): Promise<Started> => {
      const started = start('redis-server', ['--port', String(port), '--bind', `127.0.0.1 ${hostAddress}`, '--protected-mode', 'no', '--save', '', '--appendonly', 'no', '--dir', redisDir.path]);
      await waitFor('redis', async () => /Ready to accept connections/.test(started.output()));
      return started;
    };
    redis = await startRedis();
    const control: RedisProcess = {
      pause: () => redis!.process.kill('SIGSTOP'),
      resume: () => redis!.process.kill('SIGCONT'),
      restart: async (keep) => {
        const old = redis!;
        if (keep === 'data') {
          const saved = await run('redis-cli', ['-p', String(port), 'SHUTDOWN', 'SAVE'], { timeoutMs: 30_000 });
          // redis-cli reports the lost connection of a shutdown as an error; the exit is what counts.
          await waitFor('redis to save and exit', async () => old.process.exitCode !== null || old.process.signalCode !== null, 30_000).catch((err: Error) => {
            throw new Error(`${err.message}: ${saved.stdout}${saved.stderr}`);
          });
        } else {
          old.process.kill('SIGKILL');
          await old.stop();
          rmSync(join(redisDir.path, 'dump.rdb'), { force: true });
        }
        redis = await startRedis();
      },
    };
    return {
      cluster,
      redisUrl: `redis://127.0.0.1:${port}`,
      podSettings: { image: DNSFLEET_IMAGE, imagePullPolicy: 'Never', redisUrl: `redis://${hostAddress}:${port}` },
      peerAddress: () => peerAddressOf(cluster),
      redis: control,
      stop: async () => {
        redis?.process.kill('SIGCONT');
        await redis?.stop();
        await cluster.stop();
        redisDir.remove();
      },
    };
  } catch (err) {
    await redis?.stop();
    await cluster.stop();
    redisDir.remove();
    throw err;
  }
}

interface DeploymentJson {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { spec: { containers: Array<{ ports?: Array<{ name?: string; containerPort: number }> }> } } };
}
interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  status: { podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

/** kubectl's output; a failure fails the test with the command and kubectl's message. */
export async function kubectlOk(cluster: Pick<Cluster, 'kubectl'>, ...args: string[]): Promise<string> {
  const out = await cluster.kubectl(args);
  assert.equal(out.code, 0, `kubectl ${args.join(' ')}: ${out.stderr}`);
  return out.stdout;
}

/** A Service's ClusterIP. */
export async function clusterIpOf(cluster: Pick<Cluster, 'kubectl'>, namespace: string, name: string): Promise<string> {
  return (await kubectlOk(cluster, 'get', 'service', name, '-n', namespace, '-o', 'jsonpath={.spec.clusterIP}')).trim();
}

export const isPodReady = (p: PodJson): boolean => !p.metadata.deletionTimestamp && (p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

/**
 * The pods of a Deployment once its rollout is complete and each of its replicas is Ready as the
 * kubelet reports it (the readiness probe passed), with the template's ports.
 */
export async function readyDeploymentPods(cluster: Pick<Cluster, 'kubectl' | 'logs'>, namespace: string, name: string, timeoutMs = 180_000): Promise<ServingPod[]> {
  const kubectl = (...args: string[]): Promise<string> => kubectlOk(cluster, ...args);
  await waitFor(`the operator's Deployment ${namespace}/${name}`, async () => (await cluster.kubectl(['get', 'deployment', name, '-n', namespace])).code === 0, 60_000);
  const rollout = await cluster.kubectl(['rollout', 'status', `deployment/${name}`, '-n', namespace, `--timeout=${Math.round(timeoutMs / 1000)}s`]);
  assert.equal(rollout.code, 0, `${name} rolled out: ${rollout.stderr}\n${cluster.logs(15)}`);
  const deployment = JSON.parse(await kubectl('get', 'deployment', name, '-n', namespace, '-o', 'json')) as DeploymentJson;
  const selector = Object.entries(deployment.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
  const ports = deployment.spec.template.spec.containers[0]!.ports ?? [];
  const port = (n: string): number => ports.find((p) => p.name === n)!.containerPort;
  let ready: PodJson[] = [];
  // Pods of the old ReplicaSet may still be terminating after the rollout: only the ready ones count.
  await waitFor(`${deployment.spec.replicas ?? 1} ready pods of ${name}`, async () => {
    const all = (JSON.parse(await kubectl('get', 'pods', '-n', namespace, '-l', selector, '-o', 'json')) as { items: PodJson[] }).items;
    ready = all.filter(isPodReady);
    return ready.length === (deployment.spec.replicas ?? 1) && all.length === ready.length;
  }, timeoutMs);
  return ready.map((p) => ({ name: p.metadata.name, ip: p.status.podIP!, dnsPort: port('dns-udp'), httpPort: port('http') }));
}

/** One key of a Secret, decoded; undefined when the Secret or the key does not exist. */
export async function readSecretKey(cluster: Pick<Cluster, 'kubectl'>, namespace: string, name: string, key: string): Promise<string | undefined> {
  const out = await cluster.kubectl(['get', 'secret', name, '-n', namespace, '-o', 'json']);
  if (out.code !== 0) return undefined;
  const data = (JSON.parse(out.stdout) as { data?: Record<string, string> }).data ?? {};
  return data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8');
}
