import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import { join } from 'node:path';
import { CLUSTER_IMAGES, clusterImageArchives, startCluster, type Cluster } from './support/cluster';
import { waitFor } from '../dataplane/testkit/processes';

/**
 * The one-node cluster of e2e/cluster/ runs real pods: a namespace enforcing the restricted Pod
 * Security Standard refuses a non-compliant pod and admits a compliant Deployment; the kubelet
 * starts its two replicas (containerd, runc, CNI bridge), runs their readiness probes and reports
 * them Ready; each answers HTTP on its pod IP, and through a ClusterIP Service (kube-proxy's
 * iptables rules) from this process and from inside a pod; a pod failing its probe leaves the
 * Service; deleting the Deployment garbage-collects its ReplicaSet and pods (owner references,
 * kube-controller-manager). Runs as root in a network namespace of its own (see e2e/README.md).
 */

const NS = 'smoke';
const APP = 'web';

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata:
  name: ${NS}
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${APP}
  namespace: ${NS}
spec:
  replicas: 2
  selector:
    matchLabels: { app: ${APP} }
  template:
    metadata:
      labels: { app: ${APP} }
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 65534
        runAsGroup: 65534
        seccompProfile: { type: RuntimeDefault }
      terminationGracePeriodSeconds: 2
      containers:
      - name: httpd
        image: ${CLUSTER_IMAGES.busybox}
        imagePullPolicy: Never
        # Each pod serves its own name, so an answer through the Service says which pod gave it.
        command: [/bin/busybox, sh, -c]
        args:
        - mkdir -p /srv/www && echo "$POD_NAME" > /srv/www/index.html && echo ok > /srv/www/ready.html && exec /bin/busybox httpd -f -p 8080 -h /srv/www
        env:
        - name: POD_NAME
          valueFrom: { fieldRef: { fieldPath: metadata.name } }
        ports:
        - containerPort: 8080
        readinessProbe:
          httpGet: { path: /ready.html, port: 8080 }
          periodSeconds: 1
          failureThreshold: 1
        # Restricted: non-root (above), no privilege escalation, every capability dropped.
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: { drop: [ALL] }
        volumeMounts:
        - { name: www, mountPath: /srv }
      volumes:
      - name: www
        emptyDir: { medium: Memory, sizeLimit: 1Mi }
---
apiVersion: v1
kind: Service
metadata:
  name: ${APP}
  namespace: ${NS}
spec:
  selector: { app: ${APP} }
  ports:
  - { port: 80, targetPort: 8080 }
`;

/** A GET straight to the address: node:http never consults HTTP_PROXY, so no proxy is in the way. */
function get(host: string, port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}:${port}${path}: no answer in 2 s`)));
    req.on('error', reject);
  });
}

function inCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string): number => a.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const [net, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / size) === Math.floor(toInt(net!) / size);
}

interface PodView {
  name: string;
  ip: string;
  ready: boolean;
}

describe('A one-node Kubernetes cluster (e2e/cluster) runs real pods @integration', function () {
  this.timeout(600_000);
  let cluster: Cluster;

  const kubectl = async (args: readonly string[], input?: string): Promise<string> => {
    const out = await cluster.kubectl(args, input);
    if (out.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${out.stderr}\n${cluster.logs()}`);
    return out.stdout;
  };
  const pods = async (): Promise<PodView[]> => {
    const list = JSON.parse(await kubectl(['get', 'pods', '-n', NS, '-l', `app=${APP}`, '-o', 'json'])) as {
      items: Array<{ metadata: { name: string; deletionTimestamp?: string }; status: { podIP?: string; conditions?: Array<{ type: string; status: string }> } }>;
    };
    return list.items
      .filter((p) => !p.metadata.deletionTimestamp)
      .map((p) => ({
        name: p.metadata.name,
        ip: p.status.podIP ?? '',
        ready: p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      }));
  };
  /** Which pods answer `count` GETs to the Service's ClusterIP (kube-proxy picks one at random each time). */
  const answeredThroughService = async (clusterIp: string, count: number): Promise<Set<string>> => {
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) {
      const res = await get(clusterIp, 80);
      assert.equal(res.status, 200);
      seen.add(res.body.trim());
    }
    return seen;
  };

  before(async function () {
    const started = Date.now();
    cluster = await startCluster();
    console.log(`      cluster started in ${Date.now() - started} ms (binaries were already built or built now)`);
    // up.sh imported it already; an existing cluster (kind) gets it here.
    await cluster.importImage(join(clusterImageArchives(), 'busybox.tar'));
  });
  after(async () => {
    await cluster?.stop();
  });

  it('refuses a pod that breaks the restricted Pod Security Standard and admits the compliant Deployment', async () => {
    await kubectl(['apply', '-f', '-'], MANIFESTS.split('\n---\n')[0]);
    const refused = await cluster.kubectl(['run', 'root-pod', '-n', NS, `--image=${CLUSTER_IMAGES.busybox}`, '--image-pull-policy=Never', '--', 'sleep', '60']);
    assert.notEqual(refused.code, 0, 'a pod without a securityContext was admitted');
    assert.match(refused.stderr, /violates PodSecurity "restricted:latest"/);
    await kubectl(['apply', '-f', '-'], MANIFESTS);
    const deployment = JSON.parse(await kubectl(['get', 'deployment', APP, '-n', NS, '-o', 'json'])) as { metadata: { uid: string } };
    assert.ok(deployment.metadata.uid);
  });

  it('starts both replicas, and the kubelet reports them Ready by their readiness probe', async () => {
    await kubectl(['rollout', 'status', `deployment/${APP}`, '-n', NS, '--timeout=180s']);
    const running = await pods();
    assert.equal(running.length, 2);
    assert.ok(running.every((p) => p.ready), JSON.stringify(running));
    if (cluster.podCidr) for (const p of running) assert.ok(inCidr(p.ip, cluster.podCidr), `${p.name}'s IP ${p.ip} is not in ${cluster.podCidr}`);
    assert.notEqual(running[0]!.ip, running[1]!.ip);
  });

  it('answers on each pod IP, and through the ClusterIP Service from here and from inside a pod', async () => {
    const running = await pods();
    for (const p of running) {
      const res = await get(p.ip, 8080);
      assert.deepEqual([res.status, res.body.trim()], [200, p.name]);
    }
    const clusterIp = (await kubectl(['get', 'service', APP, '-n', NS, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    // The EndpointSlice follows the pods' readiness, then kube-proxy its next sync: a moment after
    // the rollout, both pods answer.
    await waitFor('both pods to answer through the Service', async () => (await answeredThroughService(clusterIp, 20)).size === 2, 30_000);
    // 40 requests spread at random over two endpoints: both answer (a miss is 2 × 2^-40 likely).
    assert.deepEqual([...(await answeredThroughService(clusterIp, 40))].sort(), running.map((p) => p.name).sort());
    // Pod → Service → pod, over the bridge (exec goes API server → kubelet at the node's IP).
    // busybox's nc, not its wget: the static wget crashes (SIGSEGV) in a root filesystem without
    // glibc's NSS modules.
    const fromPod = await kubectl(['exec', '-n', NS, running[0]!.name, '--', '/bin/busybox', 'sh', '-c', `printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 ${clusterIp} 80`]);
    const [status, body] = [fromPod.split('\r\n')[0], fromPod.split('\r\n\r\n')[1]?.trim()];
    assert.equal(status, 'HTTP/1.1 200 OK', fromPod);
    assert.ok(running.some((p) => p.name === body), `answer from inside a pod: ${fromPod}`);
  });

  it('resolves the Service by name from inside a pod (CoreDNS, the cluster DNS the kubelet names)', async () => {
    const running = await pods();
    const clusterIp = (await kubectl(['get', 'service', APP, '-n', NS, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const resolvConf = await kubectl(['exec', '-n', NS, running[0]!.name, '--', '/bin/busybox', 'cat', '/etc/resolv.conf']);
    assert.match(resolvConf, /^search smoke\.svc\.cluster\.local svc\.cluster\.local cluster\.local/m, resolvConf);
    // busybox's nslookup has a DNS client of its own (no NSS in this root filesystem).
    const answer = await kubectl(['exec', '-n', NS, running[0]!.name, '--', '/bin/busybox', 'nslookup', `${APP}.${NS}.svc.cluster.local`]);
    assert.ok(answer.includes(`Address: ${clusterIp}`), answer);
  });

  it('takes a pod whose readiness probe fails out of the Service, and puts it back when it passes', async () => {
    const running = await pods();
    const [failing, healthy] = [running[0]!, running[1]!];
    const clusterIp = (await kubectl(['get', 'service', APP, '-n', NS, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    await kubectl(['exec', '-n', NS, failing.name, '--', '/bin/busybox', 'rm', '/srv/www/ready.html']);
    await waitFor(`${failing.name} NotReady`, async () => !(await pods()).find((p) => p.name === failing.name)!.ready, 30_000);
    // The EndpointSlice and then kube-proxy's rules follow the condition.
    await waitFor('the Service to send everything to the ready pod', async () => {
      const seen = await answeredThroughService(clusterIp, 20);
      return seen.size === 1 && seen.has(healthy.name);
    }, 30_000);
    assert.deepEqual([...(await answeredThroughService(clusterIp, 40))], [healthy.name]);
    await kubectl(['exec', '-n', NS, failing.name, '--', '/bin/busybox', 'sh', '-c', 'echo ok > /srv/www/ready.html']);
    await waitFor('both pods to answer through the Service again', async () => (await answeredThroughService(clusterIp, 20)).size === 2, 30_000);
  });

  it('garbage-collects the ReplicaSet and the pods of a deleted Deployment', async () => {
    assert.equal((await pods()).length, 2);
    await kubectl(['delete', 'deployment', APP, '-n', NS, '--wait=false']);
    await waitFor('the pods to be gone', async () => {
      const out = JSON.parse(await kubectl(['get', 'pods,replicasets', '-n', NS, '-o', 'json'])) as { items: unknown[] };
      return out.items.length === 0;
    }, 120_000);
  });
});
