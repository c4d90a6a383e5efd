import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, run, start, tempDir, waitFor, type Started } from '../../dataplane/testkit/processes';

/**
 * A real Kubernetes control plane for tests: etcd and kube-apiserver on loopback, built from
 * their Go modules by e2e/control-plane/build.sh (or taken from KUBEBUILDER_ASSETS), started with
 * envtest's flags. There is no controller-manager and no kubelet: nothing garbage-collects by
 * owner reference and no pod runs, so tests must not rely on either.
 */

export interface ControlPlane {
  readonly kubeconfig: string;
  readonly server: string;
  /**
   * A kubeconfig that acts as a ServiceAccount (a token from the TokenRequest API), so a test can
   * run a component with exactly the RBAC rules it would have in a cluster.
   */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<string>;
  /** Runs kubectl against this control plane. */
  kubectl(args: readonly string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }>;
  /**
   * Stops kube-apiserver (etcd keeps running), waits `downMs`, and starts it again on the same
   * port with the same flags: clients see connections refused, then the same cluster back.
   */
  restartApiServer(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const ROOT = resolve(__dirname, '../../..');

/** Builds (once, cached) or finds the binaries and returns their directory. */
export function controlPlaneBinaries(): string {
  return execFileSync('bash', [join(ROOT, 'e2e/control-plane/build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/**
 * Writes a kubeconfig at `path` that acts as the ServiceAccount `namespace/name` (a token from the
 * TokenRequest API, an hour long) on the cluster `kubectl` talks to, and returns `path`.
 */
export async function tokenKubeconfig(kubectl: ControlPlane['kubectl'], path: string, namespace: string, name: string): Promise<string> {
  const out = await kubectl(['create', 'token', name, '-n', namespace, '--duration', '1h']);
  if (out.code !== 0) throw new Error(`kubectl create token ${namespace}/${name}: ${out.stderr}`);
  const flat = await kubectl(['config', 'view', '--minify', '--flatten', '--raw', '-o', 'json']);
  const config = JSON.parse(flat.stdout) as { users: Array<{ user: Record<string, unknown> }>; contexts: Array<{ context: Record<string, unknown> }> };
  config.users[0]!.user = { token: out.stdout.trim() };
  config.contexts[0]!.context.namespace = namespace;
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/**
 * With `DNSFLEET_E2E_KUBECONFIG` set, the tests use that cluster (e.g. a fresh kind cluster)
 * instead of starting their own API server: kubectl from PATH, and nothing stopped afterwards.
 */
function existingCluster(kubeconfig: string): ControlPlane {
  const dir = tempDir('cluster');
  const kubectl = (args: readonly string[], input?: string) => run('kubectl', ['--kubeconfig', kubeconfig, ...args], { input, timeoutMs: 60_000 });
  return {
    kubeconfig,
    server: '',
    kubectl,
    serviceAccountKubeconfig: (namespace, name) => tokenKubeconfig(kubectl, join(dir.path, `kubeconfig-${namespace}-${name}`), namespace, name),
    restartApiServer: async () => {
      throw new Error('an existing cluster (DNSFLEET_E2E_KUBECONFIG): its API server is not the test\'s to restart');
    },
    stop: async () => dir.remove(),
  };
}

export async function startControlPlane(): Promise<ControlPlane> {
  if (process.env.DNSFLEET_E2E_KUBECONFIG) return existingCluster(process.env.DNSFLEET_E2E_KUBECONFIG);
  const bin = controlPlaneBinaries();
  const dir = tempDir('control-plane');
  const etcdPort = await freePort();
  const etcdPeerPort = await freePort();
  const apiPort = await freePort();
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;

  const etcd = start(join(bin, 'etcd'), [
    '--data-dir', join(dir.path, 'etcd'),
    '--listen-client-urls', etcdUrl,
    '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
    '--initial-cluster', `default=http://127.0.0.1:${etcdPeerPort}`,
    // Tests do not need durability; fsync dominates etcd's latency.
    '--unsafe-no-fsync',
    '--log-level', 'warn',
  ]);

  // Service account tokens are signed with this key; the admin talks with a static token.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const saKey = join(dir.path, 'sa.key');
  writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const token = randomBytes(16).toString('hex');
  writeFileSync(join(dir.path, 'tokens.csv'), `${token},admin,admin,system:masters\n`);

  const certDir = join(dir.path, 'certs');
  let apiserver: Started | undefined;
  try {
    await waitFor('etcd', async () => (await fetch(`${etcdUrl}/health`)).ok, 20_000);
    const apiserverArgs = [
      '--etcd-servers', etcdUrl,
      // Without --tls-cert-file the apiserver makes a self-signed serving certificate here.
      '--cert-dir', certDir,
      '--secure-port', String(apiPort),
      '--bind-address', '127.0.0.1',
      '--advertise-address', '127.0.0.1',
      '--service-cluster-ip-range', '10.0.0.0/24',
      '--authorization-mode', 'RBAC',
      '--token-auth-file', join(dir.path, 'tokens.csv'),
      '--service-account-issuer', `https://127.0.0.1:${apiPort}`,
      '--service-account-key-file', saKey,
      '--service-account-signing-key-file', saKey,
      '--allow-privileged=true',
    ];
    apiserver = start(join(bin, 'kube-apiserver'), apiserverArgs);
    const kubeconfig = join(dir.path, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:${apiPort}
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: ${token}
contexts:
- name: test
  context: { cluster: test, user: admin, namespace: default }
current-context: test
`,
    );
    const kubectl = (args: readonly string[], input?: string) => run(join(bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], { input, timeoutMs: 60_000 });
    await waitFor('kube-apiserver /readyz', async () => (await kubectl(['get', '--raw', '/readyz'])).code === 0, 90_000);
    const plane: ControlPlane = {
      kubeconfig,
      server: `https://127.0.0.1:${apiPort}`,
      kubectl,
      serviceAccountKubeconfig: (namespace, name) => tokenKubeconfig(kubectl, join(dir.path, `kubeconfig-${namespace}-${name}`), namespace, name),
      restartApiServer: async (downMs) => {
        await apiserver?.stop();
        await new Promise((resolve) => setTimeout(resolve, downMs));
        apiserver = start(join(bin, 'kube-apiserver'), apiserverArgs);
        await waitFor('kube-apiserver /readyz after the restart', async () => (await kubectl(['get', '--raw', '/readyz'])).code === 0, 90_000);
      },
      stop: async () => {
        await apiserver?.stop();
        await etcd.stop();
        dir.remove();
      },
    };
    return plane;
  } catch (err) {
    const output = `--- etcd ---\n${etcd.output().slice(-2000)}\n--- kube-apiserver ---\n${apiserver?.output().slice(-4000) ?? ''}`;
    await apiserver?.stop();
    await etcd.stop();
    dir.remove();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
}
