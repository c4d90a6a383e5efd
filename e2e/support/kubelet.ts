import { strict as assert } from 'node:assert';
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { start, tempDir, waitFor, type Started } from '../../dataplane/testkit/processes';
import type { ControlPlane } from './control-plane';

/**
 * Plays the kubelet for a Deployment the operator created, since this test control plane has no
 * nodes: reads the pod template back from the API server and starts each replica as a process
 * with exactly the template's command, args and env — env from the downward API filled in as a
 * kubelet would (pod name, namespace, pod IPs), `$(VAR)` references in args expanded as
 * Kubernetes expands them. Each pod gets an address of its own in 127.0.0.0/8, like a pod IP, so
 * the pods of both clouds can use the template's ports side by side. The image's entrypoint
 * `dnsfleet` is this repository's CLI. An emptyDir volume is a fresh temporary directory per pod:
 * env values and args naming its mount path are pointed there. An env `secretKeyRef` is read from
 * the API server (the Secret must exist, as for a kubelet).
 */

const CLI = resolve(__dirname, '../../cli/main.js');

export interface TestPod {
  readonly name: string;
  readonly ip: string;
  readonly process: Started;
  /** The container's DNS port (the template's `dns-udp` port). */
  readonly dnsPort: number;
  readonly httpPort: number;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Container {
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  readinessProbe?: { httpGet?: { path: string; port: number | string } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
export interface DeploymentJson {
  metadata: { name: string; namespace: string; ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> };
  spec: { replicas?: number; template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; volumes?: Array<{ name: string; emptyDir?: unknown }> } } };
}

export async function readDeployment(cp: ControlPlane, namespace: string, name: string): Promise<DeploymentJson> {
  const out = await cp.kubectl(['get', 'deployment', name, '-n', namespace, '-o', 'json']);
  assert.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout) as DeploymentJson;
}

/** One key of a Secret, decoded; undefined when the Secret or the key does not exist. */
export async function readSecretKey(cp: ControlPlane, namespace: string, name: string, key: string): Promise<string | undefined> {
  const out = await cp.kubectl(['get', 'secret', name, '-n', namespace, '-o', 'json']);
  if (out.code !== 0) return undefined;
  const data = (JSON.parse(out.stdout) as { data?: Record<string, string> }).data ?? {};
  return data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8');
}

/** A fresh loopback address per pod: random, so parallel runs on one machine do not meet. */
function podIp(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(2, 255)}`;
}

/** `$(VAR)` → its value when defined; `$$(VAR)` stays a literal `$(VAR)`; unknown ones stay as written. */
export function expandKubernetesVars(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (whole === '$$') return '$';
    return env.has(name!) ? env.get(name!)! : whole;
  });
}

/** Starts the Deployment's replicas and waits until each passes its readiness probe. */
export async function runDeploymentPods(cp: ControlPlane, namespace: string, name: string, timeoutMs = 30_000): Promise<TestPod[]> {
  const deployment = await readDeployment(cp, namespace, name);
  const container = deployment.spec.template.spec.containers[0]!;
  assert.deepEqual(container.command, ['dnsfleet'], 'the pod runs the dnsfleet entrypoint');
  const port = (n: string | number): number => (typeof n === 'number' ? n : container.ports!.find((p) => p.name === n)!.containerPort);
  const pods: TestPod[] = [];
  for (let i = 0; i < (deployment.spec.replicas ?? 1); i++) {
    const podName = `${name}-test-${i}`;
    const ip = podIp();
    const fields: Record<string, string> = { 'metadata.name': podName, 'metadata.namespace': namespace, 'status.podIP': ip, 'status.podIPs': ip };
    const env = new Map<string, string>();
    for (const v of container.env ?? []) {
      if (v.value !== undefined) env.set(v.name, expandKubernetesVars(v.value, env));
      else if (v.valueFrom?.fieldRef) {
        const value = fields[v.valueFrom.fieldRef.fieldPath];
        assert.ok(value !== undefined, `test kubelet: no value for fieldRef ${v.valueFrom.fieldRef.fieldPath}`);
        env.set(v.name, value);
      } else if (v.valueFrom?.secretKeyRef) {
        // As a kubelet does: the Secret's value, decoded; a missing one keeps the pod from starting (unless optional).
        const ref = v.valueFrom.secretKeyRef;
        const value = await readSecretKey(cp, namespace, ref.name, ref.key);
        if (value !== undefined) env.set(v.name, value);
        else assert.ok(ref.optional, `test kubelet: env ${v.name}: Secret ${namespace}/${ref.name} has no key ${ref.key} (CreateContainerConfigError)`);
      } else assert.fail(`test kubelet: env ${v.name} has a source it cannot fill`);
    }
    // emptyDir mounts: a directory of this pod's own instead of the path inside the container.
    const volumes = deployment.spec.template.spec.volumes ?? [];
    const mounts = (container.volumeMounts ?? []).filter((m) => volumes.some((v) => v.name === m.name && v.emptyDir !== undefined)).map((m) => ({ from: m.mountPath, to: tempDir(`${podName}-${m.name}`).path }));
    const remount = (value: string): string => mounts.reduce((v, m) => (v === m.from || v.startsWith(`${m.from}/`) ? m.to + v.slice(m.from.length) : v), value);
    for (const [k, v] of env) env.set(k, remount(v));
    const args = (container.args ?? []).map((a) => remount(expandKubernetesVars(a, env)));
    const child = start(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...Object.fromEntries(env) } });
    pods.push({ name: podName, ip, process: child, dnsPort: port('dns-udp'), httpPort: port('http') });
  }
  const probe = container.readinessProbe?.httpGet;
  assert.ok(probe, 'the pod template has an HTTP readiness probe');
  for (const pod of pods) {
    await waitFor(`${pod.name} ready (GET ${probe.path})`, async () => (await fetch(`http://${pod.ip}:${port(probe.port)}${probe.path}`)).ok, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}\n${pod.process.output().slice(-2000)}`);
    });
  }
  return pods;
}
