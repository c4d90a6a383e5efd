import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import Redis from 'ioredis';
import { readyDeploymentPods, startClusterFleet, type ClusterFleet, type ServingPod } from './support/cluster-fleet';
import { freePort, run, stopAll, waitFor } from '../dataplane/testkit/processes';
import { RedisZoneStore } from '../dataplane/store/redis-store';
import { runOperator, type RunningOperator } from '../operator/operator';
import { memoryLogger } from '../dataplane/testkit/memory-logger';
import { startPrimary, type Primary } from '../dataplane/testkit/primaries';
import { startNsdSecondary } from '../dataplane/testkit/peers';
import { randomBytes } from 'node:crypto';

/**
 * The spine on the one-node cluster (support/cluster-fleet.ts). Two NameserverClouds are applied;
 * the operator — running in this process as a ServiceAccount bound to exactly operator/rbac.yaml —
 * creates their Deployments, Services and PodDisruptionBudgets, and the control server's; the
 * kubelet runs their pods from the dnsfleet image, and the tests ask each pod at its pod IP. Then: `kubectl apply` a Zone, both clouds answer it and it turns
 * Ready with its serial; a change reaches both clouds with a new serial; a zone that fails its
 * checks is reported (condition and Event) and the last good one keeps serving; a renamed Zone
 * moves; a deleted Zone is gone from both clouds and from Redis.
 */


const zoneManifest = (address: string, extra = ''): string => `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata:
  name: example-com
  namespace: default
spec:
  zoneName: example.com
  defaultTTL: 300
  rrsets:
    - { name: "@", type: NS, records: [ns1.example.net.] }
    - { name: www, type: A, records: [${address}] }
${extra}`;

const cloudManifest = (name: string, replicas: number, extraSpec = ''): string => `apiVersion: dnsfleet.io/v1alpha1
kind: NameserverCloud
metadata: { name: ${name}, namespace: dnsfleet-system }
spec:
  replicas: ${replicas}
  nameservers: [ns1.${name}.example.net.]
  addresses: { ipv4: ["10.53.0.${name === 'cloud-a' ? 53 : 54}"], ipv6: ["fd53::${name === 'cloud-a' ? 53 : 54}"] }
  service: { type: ClusterIP }
${extraSpec}`;

describe('Zone lifecycle on real pods @integration', function () {
  this.timeout(300_000);
  let fleet: ClusterFleet;
  let cp: ClusterFleet['cluster'];
  let redisUrl: string;
  let operator: RunningOperator;
  const pods = new Map<string, ServingPod[]>();
  let control: ServingPod;
  let primary: Primary | undefined;
  const log = memoryLogger();

  const allPods = (): ServingPod[] => [...pods.values()].flat();
  const readDeployment = (name: string) => getJson<{ metadata: { ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> }; spec: { replicas: number; template: { spec: { containers: Array<{ args?: string[]; resources?: { limits?: { memory?: string } } }> } } } }>('deployment', name, '-n', 'dnsfleet-system');
  // Asked with dig, as a user would: the rcode from the header line, the first A record.
  const answers = async (name: string): Promise<Array<{ rcode?: string; address?: string }>> =>
    Promise.all(
      allPods().map(async (p) => {
        const out = await run('dig', ['+time=1', '+tries=1', '+noall', '+comments', '+answer', '-p', String(p.dnsPort), `@${p.ip}`, name, 'A']);
        return { rcode: /status: ([A-Z]+)/.exec(out.stdout)?.[1], address: /\sIN\s+A\s+(\S+)/.exec(out.stdout)?.[1] };
      }),
    );
  const getJson = async <T>(...args: string[]): Promise<T> => {
    const out = await cp.kubectl(['get', ...args, '-o', 'json']);
    assert.equal(out.code, 0, out.stderr);
    return JSON.parse(out.stdout) as T;
  };
  type Cond = { type: string; status: string; reason: string; message: string };
  const status = async (): Promise<{ serial?: number; ready?: string; reason?: string; message?: string }> => {
    const z = await getJson<{ status?: { serial?: number; conditions?: Cond[] } }>('zone', 'example-com');
    const ready = z.status?.conditions?.find((c) => c.type === 'Ready');
    return { serial: z.status?.serial, ready: ready?.status, reason: ready?.reason, message: ready?.message };
  };

  before(async function () {
    this.timeout(3_600_000);
    fleet = await startClusterFleet();
    cp = fleet.cluster;
    redisUrl = fleet.redisUrl;
    const clouds = await cp.kubectl(['apply', '-f', '-'], `${cloudManifest('cloud-a', 2)}---\n${cloudManifest('cloud-b', 1)}`);
    assert.equal(clouds.code, 0, clouds.stderr);
    operator = await runOperator({
      store: new RedisZoneStore(redisUrl),
      log,
      kubeconfig: await cp.serviceAccountKubeconfig('dnsfleet-system', 'dnsfleet-operator'),
      pods: fleet.podSettings,
      // Transfers from this machine to a pod leave from the pods' gateway; only the node's
      // address may transfer without a key (dig -b), so the TSIG case below has an address of its own.
      controlServer: { namespace: 'dnsfleet-system', allowTransfer: [`${cp.nodeIp}/32`], addresses: ['10.53.0.10'], serviceType: 'ClusterIP' },
      resyncMs: 5000,
      leaderElection: { namespace: 'dnsfleet-system', identity: 'operator-under-test', leaseSeconds: 5, renewEveryMs: 1000, retryEveryMs: 500 },
    });
    for (const cloud of ['cloud-a', 'cloud-b']) pods.set(cloud, await readyDeploymentPods(cp, 'dnsfleet-system', `dnsfleet-${cloud}`));
    control = (await readyDeploymentPods(cp, 'dnsfleet-system', 'dnsfleet-control'))[0]!;
  });
  after(async () => {
    if (process.env.DNSFLEET_E2E_LOG) for (const l of log.lines.filter((l) => l.level !== 'info')) console.log(JSON.stringify(l));
    await operator?.stop();
    await primary?.stop();
    await fleet?.stop();
    await stopAll();
  });

  it('creates each cloud\'s Deployment, Service and PodDisruptionBudget, owned by the NameserverCloud', async () => {
    const d = await readDeployment('dnsfleet-cloud-a');
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(d.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.controller]), [['NameserverCloud', 'cloud-a', true]]);
    const args = d.spec.template.spec.containers[0]!.args!;
    assert.deepEqual(args.slice(0, 4), ['dataplane', '--role', 'cloud', '--cloud']);
    type Svc = { spec: { type: string; externalIPs?: string[]; ipFamilyPolicy?: string; ports: Array<{ port: number; protocol: string; targetPort: string }> } };
    const svc = await getJson<Svc>('service', 'dnsfleet-cloud-b', '-n', 'dnsfleet-system');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.externalIPs, ['10.53.0.54', 'fd53::54']);
    assert.deepEqual(svc.spec.ports.map((p) => `${p.port}/${p.protocol}->${p.targetPort}`), ['53/UDP->dns-udp', '53/TCP->dns-tcp']);
    const pdb = await getJson<{ spec: { maxUnavailable: number } }>('pdb', 'dnsfleet-cloud-a', '-n', 'dnsfleet-system');
    assert.equal(pdb.spec.maxUnavailable, 1);
  });

  it('marks each NameserverCloud Ready once its pods report serving', async () => {
    const wait = await cp.kubectl(['wait', '--for=condition=Ready', '--timeout=30s', '-n', 'dnsfleet-system', 'nameservercloud/cloud-a', 'nameservercloud/cloud-b']);
    assert.equal(wait.code, 0, wait.stderr);
    const a = await getJson<{ status: { podsServing: number; replicas: number } }>('nameservercloud', 'cloud-a', '-n', 'dnsfleet-system');
    assert.deepEqual([a.status.podsServing, a.status.replicas], [2, 2]);
  });

  it('serves an applied Zone from both clouds within 2 s, and marks it Ready with its serial', async () => {
    const applied = Date.now();
    const apply = await cp.kubectl(['apply', '-f', '-'], zoneManifest('192.0.2.1'));
    assert.equal(apply.code, 0, apply.stderr);
    const created = Date.now();
    await waitFor('all pods of both clouds answer', async () => (await answers('www.example.com')).every((a) => a.address === '192.0.2.1'), 2000);
    // kubectl itself (discovery, then the request) takes most of the first figure.
    console.log(`      kubectl apply took ${created - applied} ms; all ${allPods().length} pods answered ${Date.now() - created} ms after it returned`);
    const wait = await cp.kubectl(['wait', '--for=condition=Ready', '--timeout=30s', 'zone/example-com']);
    assert.equal(wait.code, 0, wait.stderr);
    const s = await status();
    assert.equal(s.reason, 'Serving');
    assert.equal(s.message, `serial ${s.serial} served by every pod of cloud-a, cloud-b`);
    assert.ok(s.serial && s.serial > 1_700_000_000, `serial ${s.serial}`);
    const list = await cp.kubectl(['get', 'zones']);
    assert.match(list.stdout, new RegExp(`example-com\\s+example\\.com\\s+${s.serial}\\s+True`));
    const metrics = await operator.metrics.registry.metrics();
    assert.match(metrics, /dnsfleet_zones\{reason="Serving"\} 1/);
    assert.match(metrics, /dnsfleet_reconcile_total\{kind="Zone",result="success"\} [1-9]/);
    assert.match(metrics, /dnsfleet_reconcile_total\{kind="NameserverCloud",result="success"\} [1-9]/);
  });

  it('answers a changed record with a new serial from both clouds', async () => {
    const before = (await status()).serial!;
    assert.equal((await cp.kubectl(['apply', '-f', '-'], zoneManifest('192.0.2.2'))).code, 0);
    await waitFor('both clouds answer the change', async () => (await answers('www.example.com')).every((a) => a.address === '192.0.2.2'), 2000);
    await waitFor('Ready with a newer serial', async () => {
      const s = await status();
      return s.ready === 'True' && s.serial !== undefined && s.serial > before;
    }, 10_000);
  });

  it('reports a zone that fails its checks, with an Event, and keeps serving the last good one', async () => {
    const broken = zoneManifest('192.0.2.3', '    - { name: www, type: CNAME, records: [other.example.net.] }\n');
    assert.equal((await cp.kubectl(['apply', '-f', '-'], broken)).code, 0, 'the schema cannot see this; the zone checks do');
    await waitFor('InvalidZone', async () => (await status()).reason === 'InvalidZone', 10_000);
    assert.match((await status()).message ?? '', /www\.example\.com\. has a CNAME beside other data/);
    assert.deepEqual((await answers('www.example.com')).map((a) => a.address), ['192.0.2.2', '192.0.2.2', '192.0.2.2']);
    let describe = '';
    await waitFor('kubectl describe shows the Events', async () => {
      describe = (await cp.kubectl(['describe', 'zone', 'example-com'])).stdout;
      return /Warning\s+InvalidZone\s+.*CNAME beside other data/.test(describe) && /Normal\s+Serving\s+/.test(describe) && /Normal\s+Updated\s+.*written for the nameserver clouds/.test(describe);
    }, 10_000).catch((err: Error) => assert.fail(`${err.message}\n${describe}`));
  });

  it('moves a renamed Zone: the new name is served and the old one leaves both clouds', async () => {
    const renamed = zoneManifest('192.0.2.2').replace('zoneName: example.com', 'zoneName: example.org');
    assert.equal((await cp.kubectl(['apply', '-f', '-'], renamed)).code, 0);
    await waitFor('the new name answered', async () => (await answers('www.example.org')).every((a) => a.address === '192.0.2.2'), 5000);
    await waitFor('the old name refused', async () => (await answers('www.example.com')).every((a) => a.rcode === 'REFUSED'), 5000);
    const back = zoneManifest('192.0.2.2');
    assert.equal((await cp.kubectl(['apply', '-f', '-'], back)).code, 0);
    await waitFor('back to example.com', async () => (await answers('www.example.com')).every((a) => a.address === '192.0.2.2'), 5000);
  });

  it('rolls a changed NameserverCloud into its Deployment\'s pod template', async () => {
    const changed = cloudManifest('cloud-b', 1, '  resources: { limits: { memory: 512Mi } }\n');
    assert.equal((await cp.kubectl(['apply', '-f', '-'], changed)).code, 0);
    await waitFor('the new template', async () => (await readDeployment('dnsfleet-cloud-b')).spec.template.spec.containers[0]!.resources?.limits?.memory === '512Mi', 10_000);
    // The kubelet replaces the pod; its successor serves every zone before it turns Ready.
    const replaced = await readyDeploymentPods(cp, 'dnsfleet-system', 'dnsfleet-cloud-b');
    assert.notDeepEqual(replaced.map((p) => p.name), pods.get('cloud-b')!.map((p) => p.name));
    pods.set('cloud-b', replaced);
    assert.deepEqual((await answers('www.example.com')).map((a) => a.address), ['192.0.2.2', '192.0.2.2', '192.0.2.2']);
  });

  it('transfers the zone out of the control server to an allowed secondary (dig AXFR)', async () => {
    const axfr = await run('dig', ['+noall', '+answer', '+tcp', '-b', cp.nodeIp, '-p', String(control.dnsPort), `@${control.ip}`, 'example.com', 'AXFR']);
    assert.equal(axfr.code, 0, axfr.stderr);
    assert.match(axfr.stdout, /^www\.example\.com\.\s+300\s+IN\s+A\s+192\.0\.2\.2$/m);
    assert.equal(axfr.stdout.match(/\sSOA\s/g)?.length, 2, 'an AXFR opens and closes with the SOA');
    const svc = await getJson<{ spec: { externalIPs?: string[] } }>('service', 'dnsfleet-control', '-n', 'dnsfleet-system');
    assert.deepEqual(svc.spec.externalIPs, ['10.53.0.10']);
  });

  it('lets a customer secondary (NSD, TSIG) transfer a Zone from the control server, and NOTIFYs it of every change', async () => {
    const secret = randomBytes(32).toString('base64');
    const nsdHost = await fleet.peerAddress();
    const nsdPort = await freePort(nsdHost);
    const manifest = (address: string) => `apiVersion: v1
kind: Secret
metadata: { name: outbound-key, namespace: default }
stringData: { name: outbound-key., algorithm: hmac-sha256, secret: "${secret}" }
---
apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: outbound-test, namespace: default }
spec:
  zoneName: outbound.test
  rrsets:
    - { name: "@", type: NS, records: [ns1.example.net.] }
    - { name: www, type: A, records: [${address}] }
  secondaries: [{ address: "${nsdHost}", port: ${nsdPort}, tsigKeySecretRef: { name: outbound-key } }]
`;
    assert.equal((await cp.kubectl(['apply', '-f', '-'], manifest('192.0.2.81'))).code, 0);
    await cp.kubectl(['wait', '--for=condition=Ready', '--timeout=30s', 'zone/outbound-test']);
    const nsd = await startNsdSecondary({ zone: 'outbound.test.', primary: { host: control.ip, port: control.dnsPort }, host: nsdHost, port: nsdPort, key: { name: 'outbound-key.', algorithm: 'hmac-sha256', secret } });
    try {
      const nsdAnswer = async (): Promise<string> => (await run('dig', ['+short', '+time=1', '+tries=1', '-p', String(nsdPort), `@${nsdHost}`, 'www.outbound.test', 'A'])).stdout.trim();
      await waitFor('the secondary transferred the zone', async () => (await nsdAnswer()) === '192.0.2.81', 10_000);
      assert.equal((await cp.kubectl(['apply', '-f', '-'], manifest('192.0.2.82'))).code, 0);
      const changed = Date.now();
      await waitFor('the secondary follows the change (NOTIFY from the control server)', async () => (await nsdAnswer()) === '192.0.2.82', 10_000);
      console.log(`      the customer secondary answered the change ${Date.now() - changed} ms after kubectl apply returned`);
      // From the secondary's own address but without its key: refused.
      const unsigned = await run('dig', ['+tcp', '+time=2', '+tries=1', '-p', String(control.dnsPort), `@${control.ip}`, '-b', nsdHost, 'outbound.test', 'AXFR']);
      assert.match(unsigned.stdout, /Transfer failed|REFUSED/, unsigned.stdout);
    } finally {
      await nsd.stop();
    }
    assert.equal((await cp.kubectl(['delete', 'zone/outbound-test', 'secret/outbound-key', '--timeout=30s'])).code, 0);
  });

  it('transfers a SecondaryZone from a BIND primary (TSIG key from a Secret) into both clouds, follows its NOTIFYs, and reports it Transferred', async () => {
    const origin = 'example.net.';
    const text = (serial: number, address: string) => `$ORIGIN ${origin}\n$TTL 300\n@ SOA ns1 hostmaster ${serial} 7200 900 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A ${address}\n`;
    // The primary allows transfers only with the key; the operator reads it from the Secret.
    const secret = randomBytes(32).toString('base64');
    primary = await startPrimary('bind', origin, text(1, '192.0.2.71'), { address: await fleet.peerAddress(), notify: { address: control.ip, port: control.dnsPort }, tsig: { name: 'example-net-key.', algorithm: 'hmac-sha256', secret } });
    const manifest = `apiVersion: v1
kind: Secret
metadata: { name: example-net-key, namespace: default }
stringData: { name: example-net-key., algorithm: hmac-sha256, secret: "${secret}" }
---
apiVersion: dnsfleet.io/v1alpha1
kind: SecondaryZone
metadata: { name: example-net, namespace: default }
spec:
  zoneName: example.net
  primaries: [{ address: ${primary.address}, port: ${primary.port} }]
  tsigKeySecretRef: { name: example-net-key }
  refresh: { minimumRefresh: 86400 }
  dnssecPolicy: default-policy
`;
    const applied = await cp.kubectl(['apply', '-f', '-'], manifest);
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor('both clouds answer the secondary zone', async () => (await answers('www.example.net')).every((a) => a.address === '192.0.2.71'), 20_000);
    const wait = await cp.kubectl(['wait', '--for=condition=Ready', '--timeout=30s', 'secondaryzone/example-net']);
    assert.equal(wait.code, 0, wait.stderr);
    type Szone = { status: { serial: number; primaries: Array<{ status: string }>; problem: string; lastTransfer: string; conditions: Cond[] } };
    const z = await getJson<Szone>('secondaryzone', 'example-net');
    assert.equal(z.status.serial, 1);
    assert.deepEqual(z.status.primaries.map((p) => p.status), ['OK']);
    assert.equal(z.status.conditions.find((c) => c.type === 'Ready')?.reason, 'Transferred');
    const list = await cp.kubectl(['get', 'secondaryzones']);
    assert.match(list.stdout, /example-net\s+example\.net\s+1\s+True/);

    const changed = Date.now();
    await primary.update(text(2, '192.0.2.72'), 2);
    await waitFor('both clouds answer the change the primary NOTIFYed', async () => (await answers('www.example.net')).every((a) => a.address === '192.0.2.72'), 5000);
    console.log(`      the primary's change answered by all pods ${Date.now() - changed} ms after its reload began`);
    await waitFor('status serial 2', async () => (await getJson<Szone>('secondaryzone', 'example-net')).status.serial === 2, 40_000);

    // A forced transfer (RcodeZero's "retrieve"): a new annotation value transfers now, whatever the serial.
    const before = (await getJson<Szone>('secondaryzone', 'example-net')).status.lastTransfer;
    await sleep(1100);
    assert.equal((await cp.kubectl(['annotate', '--overwrite', 'secondaryzone/example-net', 'dnsfleet.io/retrieve=first'])).code, 0);
    await waitFor('a new transfer', async () => (await getJson<Szone>('secondaryzone', 'example-net')).status.lastTransfer !== before, 40_000);

    // The primary goes away: the zone is reported failing and the last good copy keeps serving.
    await primary.stop();
    assert.equal((await cp.kubectl(['annotate', '--overwrite', 'secondaryzone/example-net', 'dnsfleet.io/retrieve=second'])).code, 0);
    await waitFor('TransferFailed', async () => {
      const s = (await getJson<Szone>('secondaryzone', 'example-net')).status;
      return s.conditions.find((c) => c.type === 'Ready')?.reason === 'TransferFailed' && /connection-refused/.test(s.problem) && s.primaries[0]?.status === 'FAILED';
    }, 40_000);
    assert.deepEqual((await answers('www.example.net')).map((a) => a.address), ['192.0.2.72', '192.0.2.72', '192.0.2.72']);
    const metrics = await operator.metrics.registry.metrics();
    assert.match(metrics, /dnsfleet_secondary_zones\{reason="TransferFailed"\} 1/);
  });

  it('reports a DNSSECPolicy Valid with the zones that use it', async () => {
    const manifests = `apiVersion: dnsfleet.io/v1alpha1
kind: DNSSECPolicy
metadata: { name: default-policy, namespace: default }
spec: { denial: { type: NSEC3 } }
`;
    assert.equal((await cp.kubectl(['apply', '-f', '-'], manifests)).code, 0);
    type Obj = { status?: { zones?: number; nameservers?: Array<{ cloud: string; nameservers: string[] }>; conditions?: Cond[] } };
    await waitFor('the policy counts its zone', async () => {
      const p = await getJson<Obj>('dnssecpolicy', 'default-policy');
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'True' && ready.message === 'ECDSAP256SHA256, KSK+ZSK, NSEC3' && p.status?.zones === 1;
    }, 10_000);
    const z = await getJson<Obj>('secondaryzone', 'example-net');
    assert.equal(z.status?.nameservers?.map((n) => n.cloud).join(), 'cloud-a,cloud-b');
    const bad = await cp.kubectl(['apply', '-f', '-'], manifests.replace('{ denial: { type: NSEC3 } }', '{ signatures: { validity: 24h, refresh: 23h58m, jitter: 0s } }'));
    assert.equal(bad.code, 0, `the schema lets this through; the operator checks it: ${bad.stderr}`);
    await waitFor('the policy is Invalid', async () => {
      const ready = (await getJson<Obj>('dnssecpolicy', 'default-policy')).status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.reason === 'Invalid' && /spec\.signatures\.refresh: signatures are renewed 2m before they expire/.test(ready.message);
    }, 10_000);
  });

  it('removes a deleted Zone and SecondaryZone from both clouds, the control server and Redis', async () => {
    const del = await cp.kubectl(['delete', 'zone/example-com', 'secondaryzone/example-net', '--timeout=30s']);
    assert.equal(del.code, 0, del.stderr);
    await waitFor('both clouds refuse', async () => (await answers('www.example.com')).every((a) => a.rcode === 'REFUSED'), 5000);
    await waitFor('both clouds refuse the secondary zone', async () => (await answers('www.example.net')).every((a) => a.rcode === 'REFUSED'), 5000);
    const r = new Redis(redisUrl);
    try {
      assert.equal(await r.exists('{dnsfleet}:zone:example.com.'), 0);
      assert.deepEqual(await r.smembers('{dnsfleet}:zones'), []);
      assert.deepEqual(await r.hkeys('{dnsfleet}:secondaries'), []);
    } finally {
      await r.quit();
    }
  });
});
