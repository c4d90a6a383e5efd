import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { askA, keepAsking } from './support/keep-asking';
import { cloudManifest, cloudZoneManifest, clusterIpOf, DNSFLEET_IMAGE, isPodReady, kubectlOk, startClusterFleet, type ClusterFleet } from './support/cluster-fleet';
import { query, rcodeOf } from '../dataplane/testkit/dns-client';
import { run, stopAll, waitFor } from '../dataplane/testkit/processes';
import { memoryLogger } from '../dataplane/testkit/memory-logger';
import { RedisZoneStore } from '../dataplane/store/redis-store';
import { runOperator, type RunningOperator } from '../operator/operator';
import { DNS_CONTAINER_PORT, HTTP_CONTAINER_PORT } from '../operator/cloud/cloud-objects';

/**
 * Issue 12 on real pods: the one-node cluster of e2e/cluster/ (kubelet, containerd, kube-proxy,
 * kube-controller-manager), the dnsfleet image built from the Dockerfile (e2e/image/build.sh) and
 * the operator (in this process, as the other e2e tests run it) creating the clouds' and the
 * control server's Deployments in a namespace that enforces the restricted Pod Security Standard.
 * Queries go to each pod's address and to each cloud's ClusterIP Service (kube-proxy), and what
 * only a real cluster shows is shown: probes as the kubelet runs them, a deleted pod replaced
 * while the Service answers right throughout, evictions held back by the PodDisruptionBudget, a
 * rolling update of a changed NameserverCloud, the drain on SIGTERM, and garbage collection.
 */

const NS = 'dnsfleet-system';
const ZONE = 'pods.test.';

type Pod = { metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string }; status: { podIP?: string; phase?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ ready: boolean; restartCount: number }> } };

const zoneManifest = (address: string): string => cloudZoneManifest('pods-test', ZONE, address);

const SIGNED = 'signed-pods.test.';

/** A policy with short timings and a Zone naming it: the control pod signs, the clouds serve it. */
const signedManifest = `apiVersion: dnsfleet.io/v1alpha1
kind: DNSSECPolicy
metadata: { name: pods-fast, namespace: default }
spec:
  algorithm: ECDSAP256SHA256
  dnskeyTTL: 60
  propagationDelay: 1m
  parentPropagationDelay: 1m
  parentDSTTL: 60
---
apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: signed-pods, namespace: default }
spec:
  zoneName: ${SIGNED}
  defaultTTL: 300
  nameserverClouds: [cloud-a, cloud-b]
  dnssecPolicy: pods-fast
  rrsets:
    - { name: "@", type: NS, records: [ns1.example.net.] }
    - { name: www, type: A, records: ["10.53.1.2"] }
`;


/** The A record of www in the zone, or what went wrong instead (rcode or timeout). */
const askWww = (host: string, port: number, timeoutMs = 1000): Promise<string> => askA(host, port, `www.${ZONE}`, timeoutMs);

describe('dnsfleet on real pods in a one-node cluster @integration', function () {
  this.timeout(600_000);
  let fleet: ClusterFleet;
  let cluster: ClusterFleet['cluster'];
  let operator: RunningOperator | undefined;
  const log = memoryLogger();
  const address = '10.53.1.1';

  const kubectl = (...args: string[]): Promise<string> => kubectlOk(cluster, ...args);
  const apply = async (manifest: string): Promise<void> => {
    const out = await cluster.kubectl(['apply', '-f', '-'], manifest);
    assert.equal(out.code, 0, out.stderr);
  };
  const pods = async (selector: string): Promise<Pod[]> => (JSON.parse(await kubectl('get', 'pods', '-n', NS, '-l', selector, '-o', 'json')) as { items: Pod[] }).items;
  const cloudPods = (cloud: string): Promise<Pod[]> => pods(`dnsfleet.io/cloud=${cloud}`);
  const serviceIp = (name: string): Promise<string> => clusterIpOf(cluster, NS, name);
  /** What each pod of the namespace printed last (and before its last restart), for failure messages. */
  const podLogs = async (): Promise<string> => {
    const out: string[] = [];
    for (const p of await pods('app.kubernetes.io/name=dnsfleet')) {
      for (const previous of [false, true]) {
        const logs = await cluster.kubectl(['logs', '-n', NS, p.metadata.name, '--tail=15', ...(previous ? ['--previous'] : [])]);
        if (logs.code === 0 && logs.stdout.trim()) out.push(`--- ${p.metadata.name}${previous ? ' (before its restart)' : ''}\n${logs.stdout.trim()}`);
      }
    }
    return out.join('\n');
  };
  const readyPods = async (cloud: string, count: number): Promise<Pod[]> => {
    let ready: Pod[] = [];
    await waitFor(`${count} ready pods of ${cloud}`, async () => (ready = (await cloudPods(cloud)).filter(isPodReady)).length === count && (await cloudPods(cloud)).length === count, 180_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await podLogs()}\n${cluster.logs(15)}`);
    });
    return ready;
  };

  before(async function () {
    this.timeout(3_600_000);
    fleet = await startClusterFleet();
    cluster = fleet.cluster;
    // The operator's pods must be admitted where the strictest standard is enforced.
    await kubectl('label', '--overwrite', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest');
    await apply(`${cloudManifest('cloud-a', 2, '10.53.0.1')}---\n${cloudManifest('cloud-b', 1, '10.53.0.2')}`);
    operator = await runOperator({
      store: new RedisZoneStore(fleet.redisUrl),
      log,
      kubeconfig: cluster.kubeconfig,
      pods: fleet.podSettings,
      controlServer: { namespace: NS, allowTransfer: ['127.0.0.1/32'], serviceType: 'ClusterIP' },
      resyncMs: 5000,
    });
    await apply(zoneManifest(address));
    await readyPods('cloud-a', 2);
    await readyPods('cloud-b', 1);
    // kube-proxy programs a Service's rules a moment after its endpoints turn ready.
    for (const cloud of ['cloud-a', 'cloud-b']) {
      const ip = await serviceIp(`dnsfleet-${cloud}`);
      await waitFor(`${cloud}'s Service ${ip} answering`, async () => (await askWww(ip, 53, 300)) === address, 30_000);
    }
  });

  after(async () => {
    if (process.env.DNSFLEET_E2E_LOG) for (const l of log.lines.filter((l) => l.level !== 'info')) console.log(JSON.stringify(l));
    await operator?.stop();
    await fleet?.stop();
    await stopAll();
  });

  it('runs the clouds and the control server as pods the restricted Pod Security Standard admits, non-root, read-only, no capabilities', async () => {
    const labels = JSON.parse(await kubectl('get', 'namespace', NS, '-o', 'jsonpath={.metadata.labels}')) as Record<string, string>;
    assert.equal(labels['pod-security.kubernetes.io/enforce'], 'restricted');
    await waitFor('the control server ready', async () => (await pods('app.kubernetes.io/component=control')).some(isPodReady), 180_000);
    const all = JSON.parse(await kubectl('get', 'pods', '-n', NS, '-o', 'json')) as { items: Array<{ metadata: { name: string }; spec: { securityContext: { runAsNonRoot?: boolean; runAsUser?: number }; containers: Array<{ image: string; securityContext: { readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[]; add?: string[] } } }> } }> };
    assert.equal(all.items.length, 4, all.items.map((p) => p.metadata.name).join(', '));
    for (const p of all.items) {
      assert.equal(p.spec.securityContext.runAsNonRoot, true, p.metadata.name);
      const c = p.spec.containers[0]!;
      assert.equal(c.image, DNSFLEET_IMAGE);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    }
    // The process in the container is not root: its /proc status as the kubelet's runtime started it.
    const name = all.items.find((p) => p.metadata.name.startsWith('dnsfleet-cloud-a'))!.metadata.name;
    const uid = await kubectl('exec', '-n', NS, name, '--', 'node', '-e', 'process.stdout.write(String(process.getuid()))');
    assert.equal(uid, '65532');
  });

  it('answers from every pod of both clouds and through each cloud\'s Service (kube-proxy)', async () => {
    for (const cloud of ['cloud-a', 'cloud-b']) {
      for (const p of await cloudPods(cloud)) assert.equal(await askWww(p.status.podIP!, DNS_CONTAINER_PORT), address, `${cloud} pod ${p.metadata.name}`);
      const ip = await serviceIp(`dnsfleet-${cloud}`);
      for (let i = 0; i < 10; i++) assert.equal(await askWww(ip, 53), address, `${cloud} Service ${ip}:53`);
    }
  });

  it('has the kubelet run the probes: Ready comes from /readyz, and no container restarts', async () => {
    for (const p of await cloudPods('cloud-a')) {
      assert.ok(isPodReady(p), p.metadata.name);
      assert.equal(p.status.containerStatuses?.[0]?.restartCount, 0, `${p.metadata.name} restarted`);
      const readyz = await fetch(`http://${p.status.podIP}:${HTTP_CONTAINER_PORT}/readyz`);
      assert.equal(readyz.status, 200);
    }
  });

  it('replaces a deleted pod: it drains, its replacement answers the zone as soon as the kubelet reports it Ready, and the Service answers right throughout', async () => {
    const before = await readyPods('cloud-a', 2);
    const victim = before[0]!;
    const asking = keepAsking(await serviceIp('dnsfleet-cloud-a'), 53, `www.${ZONE}`);
    await sleep(500);
    const deletion = cluster.kubectl(['delete', 'pod', '-n', NS, victim.metadata.name, '--wait=true', '--timeout=60s']);
    // The drain: out of readiness while it still answers at its own address (--drain-seconds).
    await waitFor(`${victim.metadata.name} draining`, async () => (await fetch(`http://${victim.status.podIP}:${HTTP_CONTAINER_PORT}/readyz`).then((r) => r.status).catch(() => 0)) === 503, 10_000);
    assert.equal(await askWww(victim.status.podIP!, DNS_CONTAINER_PORT), address, 'a draining pod still answers');
    assert.equal((await deletion).code, 0);
    const after = await readyPods('cloud-a', 2);
    assert.ok(!after.some((p) => p.metadata.name === victim.metadata.name));
    const replacement = after.find((p) => !before.some((b) => b.metadata.name === p.metadata.name))!;
    assert.equal(await askWww(replacement.status.podIP!, DNS_CONTAINER_PORT), address, 'the replacement has the zone');
    await sleep(1000);
    const tally = await asking.stop();
    assert.deepEqual([...tally.keys()], [address], `answers through the Service meanwhile: ${JSON.stringify([...tally])}`);
    console.log(`      ${tally.get(address)} queries to the Service while a pod was deleted and replaced: all answered right`);
  });

  it('holds an eviction back while the PodDisruptionBudget has no disruption left', async () => {
    const ready = await readyPods('cloud-a', 2);
    const evict = (pod: string) =>
      cluster.kubectl(['create', '--raw', `/api/v1/namespaces/${NS}/pods/${pod}/eviction`, '-f', '-'], JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: NS } }));
    const first = await evict(ready[0]!.metadata.name);
    assert.equal(first.code, 0, first.stderr);
    // One pod of two is going: the budget (maxUnavailable 1) allows no second until it is replaced.
    const second = await evict(ready[1]!.metadata.name);
    assert.notEqual(second.code, 0, 'the second eviction is refused');
    assert.match(second.stderr, /disruption budget|TooManyRequests|429/i);
    await readyPods('cloud-a', 2);
  });

  it('rolls a changed NameserverCloud out pod by pod while its Service answers throughout', async () => {
    const before = new Set((await readyPods('cloud-a', 2)).map((p) => p.metadata.name));
    const asking = keepAsking(await serviceIp('dnsfleet-cloud-a'), 53, `www.${ZONE}`);
    await kubectl('patch', 'nameservercloud/cloud-a', '-n', NS, '--type=merge', '-p', '{"spec":{"identity":{"version":"rolled"}}}');
    await kubectl('rollout', 'status', 'deployment/dnsfleet-cloud-a', '-n', NS, '--timeout=180s');
    const after = await readyPods('cloud-a', 2);
    assert.ok(after.every((p) => !before.has(p.metadata.name)), 'every pod replaced');
    for (const p of after) {
      const args = JSON.parse(await kubectl('get', 'pod', p.metadata.name, '-n', NS, '-o', 'jsonpath={.spec.containers[0].args}')) as string[];
      assert.equal(args[args.indexOf('--version-string') + 1], 'rolled', `${p.metadata.name} runs the new template`);
    }
    await sleep(1000);
    const tally = await asking.stop();
    assert.deepEqual([...tally.keys()], [address], `answers through the Service during the rollout: ${JSON.stringify([...tally])}`);
    console.log(`      ${tally.get(address)} queries to the Service during the rollout: all answered right`);
  });

  it('signs a Zone in the control pod: its keys in a Secret owned by the Zone, RRSIGs from every cloud pod and through the Services (dig +dnssec), the Secret collected with the Zone', async () => {
    await apply(signedManifest);
    const dig = (server: string, port: number, name: string, type: string) =>
      run('dig', ['+time=1', '+tries=1', '+nocookie', '+dnssec', '+noall', '+answer', '-p', String(port), `@${server}`, name, type], { timeoutMs: 10_000 });
    const targets: Array<[string, string, number]> = [];
    for (const cloud of ['cloud-a', 'cloud-b']) {
      for (const p of await cloudPods(cloud)) targets.push([`${cloud} pod ${p.metadata.name}`, p.status.podIP!, DNS_CONTAINER_PORT]);
      targets.push([`${cloud} Service`, await serviceIp(`dnsfleet-${cloud}`), 53]);
    }
    for (const [what, server, port] of targets) {
      await waitFor(`the signed DNSKEY RRset from ${what}`, async () => /\sRRSIG\s+DNSKEY\s+13\s/.test((await dig(server, port, SIGNED, 'DNSKEY')).stdout), 120_000).catch(async (err: Error) => {
        throw new Error(`${err.message}\n${await podLogs()}`);
      });
      const www = (await dig(server, port, `www.${SIGNED}`, 'A')).stdout;
      assert.match(www, /\sA\s+10\.53\.1\.2$/m, `${what}: ${www}`);
      assert.match(www, /\sRRSIG\s+A\s+13\s/, `${what}: ${www}`);
    }
    type Signed = { metadata: { uid: string }; status?: { dnssec?: { state?: string; dsRecords?: string[]; signedSerial?: number } } };
    await waitFor('pending_ds with a DS', async () => ((JSON.parse(await kubectl('get', 'zone', 'signed-pods', '-o', 'json')) as Signed).status?.dnssec?.dsRecords?.length ?? 0) > 0, 60_000);
    const zone = JSON.parse(await kubectl('get', 'zone', 'signed-pods', '-o', 'json')) as Signed;
    assert.equal(zone.status?.dnssec?.state, 'pending_ds');
    assert.match(zone.status!.dnssec!.dsRecords![0]!, /\sDS\s+\d+ 13 2 [0-9A-F]{64}$/i);
    const owners = JSON.parse(await kubectl('get', 'secret', 'signed-pods-dnssec', '-o', 'jsonpath={.metadata.ownerReferences}')) as Array<{ kind: string; uid: string }>;
    assert.deepEqual(owners.map((o) => [o.kind, o.uid]), [['Zone', zone.metadata.uid]]);

    // The operator's finalizer takes the zone out of the store; the kube-controller-manager's
    // garbage collector then deletes the Secret the Zone owned.
    await kubectl('delete', 'zone', 'signed-pods', '--timeout=60s');
    await waitFor('the keys Secret collected', async () => (await cluster.kubectl(['get', 'secret', 'signed-pods-dnssec'])).code !== 0, 120_000);
    const [, podIp, podPort] = targets[0]!;
    await waitFor('the deleted zone refused', async () => rcodeOf(await query(podIp, podPort, `www.${SIGNED}`, 'A', { timeoutMs: 1000 })) === 'REFUSED', 10_000);
  });

  it('garbage-collects a deleted NameserverCloud\'s Deployment, Service, PodDisruptionBudget and pods', async () => {
    // The Zone goes to cloud-a alone first, so cloud-b can go.
    await apply(zoneManifest(address).replace('[cloud-a, cloud-b]', '[cloud-a]'));
    await kubectl('delete', 'nameservercloud/cloud-b', '-n', NS, '--timeout=60s');
    await waitFor('cloud-b\'s objects collected', async () => {
      const left = await cluster.kubectl(['get', 'deployment,service,pdb,pods', '-n', NS, '-l', 'dnsfleet.io/cloud=cloud-b', '-o', 'name']);
      return left.code === 0 && left.stdout.trim() === '';
    }, 120_000);
    assert.equal(await askWww(await serviceIp('dnsfleet-cloud-a'), 53), address, 'cloud-a still answers');
  });
});
