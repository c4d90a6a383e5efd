import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DnsfleetError } from '../../dataplane/dns/error';
import { run, tempDir } from '../../dataplane/testkit/processes';
import { tokenKubeconfig } from './control-plane';

/**
 * A real one-node Kubernetes cluster for tests: e2e/cluster/up.sh starts etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, containerd, the kubelet and kube-proxy (iptables mode)
 * in the current network namespace, and e2e/cluster/down.sh stops them and removes what they
 * made. Pods get addresses in `podCidr` on a bridge, Services in `serviceCidr`, both reachable from
 * this process (and only from this network namespace). Needs root and a network namespace of the
 * tests' own (`.ci/test-in-netns`, or `unshare --net`); see e2e/README.md.
 *
 * With `DNSFLEET_E2E_KUBECONFIG` set, that cluster (e.g. kind) is used instead and nothing is
 * started or stopped; images are loaded with `kind load image-archive` into the kind cluster named
 * by `DNSFLEET_E2E_KIND_CLUSTER`.
 */
export interface Cluster {
  readonly kubeconfig: string;
  readonly nodeName: string;
  /** The node's InternalIP; empty on an existing cluster (read it from the Node). */
  readonly nodeIp: string;
  readonly podCidr: string;
  /** The pods' gateway: this machine's address on the pods' bridge (exists once a pod has started); empty on an existing cluster. */
  readonly podGateway: string;
  readonly serviceCidr: string;
  /** A kubeconfig that acts as a ServiceAccount (as ControlPlane's). */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<string>;
  /** Runs kubectl against the cluster. */
  kubectl(args: readonly string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }>;
  /** Makes an OCI or Docker image archive's images available to the node's runtime. */
  importImage(archive: string): Promise<void>;
  /** The last lines of each component's log, for failure messages. */
  logs(lines?: number): string;
  stop(): Promise<void>;
}

/** A cluster step failed; `context.dir` holds the cluster's state and logs (if kept). */
export class ClusterError extends DnsfleetError {}

const ROOT = resolve(__dirname, '../../..');
const SCRIPTS = join(ROOT, 'e2e/cluster');

/** Images made by e2e/cluster/images.sh and imported at start: the sandbox, a busybox, a Redis and CoreDNS. */
export const CLUSTER_IMAGES = { pause: 'localhost/dnsfleet/pause:1', busybox: 'localhost/dnsfleet/busybox:1', redis: 'localhost/dnsfleet/redis:1' } as const;

/**
 * Builds (once, cached) the binaries of the cluster and returns their directory: those of
 * control-plane.ts plus kubelet, kube-proxy, kube-controller-manager and kube-scheduler.
 */
export function clusterBinaries(): string {
  return execFileSync('bash', [join(ROOT, 'e2e/control-plane/build.sh'), 'kubelet', 'kube-proxy', 'kube-controller-manager', 'kube-scheduler', 'coredns'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/** Builds (once, cached) the images' OCI archives and returns their directory (pause.tar, busybox.tar, redis.tar). */
export function clusterImageArchives(): string {
  return execFileSync('bash', [join(SCRIPTS, 'images.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

function parseEnv(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env.set(m[1]!, m[2]!);
  }
  return env;
}

function logTails(dir: string, lines: number): string {
  const logs = join(dir, 'logs');
  if (!existsSync(logs)) return '';
  return readdirSync(logs)
    .filter((f) => f.endsWith('.log'))
    .map((f) => `--- ${f}\n${readFileSync(join(logs, f), 'utf8').split('\n').slice(-lines).join('\n')}`)
    .join('\n');
}

function existingCluster(kubeconfig: string): Cluster {
  const tokens = tempDir('cluster-tokens');
  const kubectl = (args: readonly string[], input?: string) => run('kubectl', ['--kubeconfig', kubeconfig, ...args], { input, timeoutMs: 120_000 });
  return {
    kubeconfig,
    nodeName: '',
    nodeIp: '',
    podCidr: '',
    podGateway: '',
    serviceCidr: '',
    kubectl,
    serviceAccountKubeconfig: (namespace, name) => tokenKubeconfig(kubectl, join(tokens.path, `kubeconfig-${namespace}-${name}`), namespace, name),
    importImage: async (archive) => {
      const name = process.env.DNSFLEET_E2E_KIND_CLUSTER;
      if (!name) throw new ClusterError('set DNSFLEET_E2E_KIND_CLUSTER to load images into an existing cluster', { archive });
      const out = await run('kind', ['load', 'image-archive', archive, '--name', name], { timeoutMs: 300_000 });
      if (out.code !== 0) throw new ClusterError(`kind load image-archive ${archive}: ${out.stderr.trim()}`, { archive, cluster: name });
    },
    logs: () => '',
    stop: async () => tokens.remove(),
  };
}

/**
 * Starts the cluster and returns once the node is Ready, kube-proxy has synced its rules and the
 * default ServiceAccount exists. A cold start builds the binaries first (many minutes).
 */
export async function startCluster(): Promise<Cluster> {
  if (process.env.DNSFLEET_E2E_KUBECONFIG) return existingCluster(process.env.DNSFLEET_E2E_KUBECONFIG);
  const parent = tempDir('cluster');
  const dir = join(parent.path, 'state');
  const down = async (): Promise<void> => {
    const out = await run('bash', [join(SCRIPTS, 'down.sh'), dir], { timeoutMs: 180_000 });
    if (out.code !== 0) throw new ClusterError(`e2e/cluster/down.sh failed: ${out.stderr.trim()}`, { dir });
    parent.remove();
  };
  // The binaries may take many minutes to build; the start itself takes well under one.
  const up = await run('bash', [join(SCRIPTS, 'up.sh'), dir], { timeoutMs: 3_600_000 });
  if (up.code !== 0) {
    const message = `e2e/cluster/up.sh failed (exit ${up.code}):\n${up.stderr.slice(-6000)}`;
    await down().catch(() => undefined);
    throw new ClusterError(message, { dir });
  }
  const env = parseEnv(up.stdout);
  const setting = (key: string): string => {
    const value = env.get(key);
    if (value === undefined) throw new ClusterError(`e2e/cluster/up.sh printed no ${key}`, { dir, stdout: up.stdout });
    return value;
  };
  const bin = setting('BIN');
  const kubeconfig = setting('KUBECONFIG');
  const containerd = setting('CONTAINERD_ADDRESS');
  const kubectl = (args: readonly string[], input?: string) => run(join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { input, timeoutMs: 120_000 });
  return {
    kubeconfig,
    nodeName: setting('NODE_NAME'),
    nodeIp: setting('NODE_IP'),
    podCidr: setting('POD_CIDR'),
    podGateway: setting('POD_GATEWAY'),
    serviceCidr: setting('SERVICE_CIDR'),
    kubectl,
    serviceAccountKubeconfig: (namespace, name) => tokenKubeconfig(kubectl, join(parent.path, `kubeconfig-${namespace}-${name}`), namespace, name),
    importImage: async (archive) => {
      const out = await run('ctr', ['--address', containerd, '-n', 'k8s.io', 'images', 'import', archive], { timeoutMs: 300_000 });
      if (out.code !== 0) throw new ClusterError(`ctr images import ${archive}: ${out.stderr.trim()}`, { archive, dir });
    },
    logs: (lines = 20) => logTails(dir, lines),
    stop: down,
  };
}

