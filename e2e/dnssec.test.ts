import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import Redis from 'ioredis';
import { readSecretKey, readyDeploymentPods, startClusterFleet, type ClusterFleet, type ServingPod } from './support/cluster-fleet';
import { startPrimary, type Primary } from '../dataplane/testkit/primaries';
import { dsOfDnskeys, writeDsAnchor } from '../dataplane/test/dnssec/delv.fixtures';
import { run, stopAll, tempDir, waitFor } from '../dataplane/testkit/processes';
import { RedisZoneStore } from '../dataplane/store/redis-store';
import { runOperator, type RunningOperator } from '../operator/operator';
import { memoryLogger } from '../dataplane/testkit/memory-logger';

/**
 * A signed Zone on the one-node cluster (issue #11; support/cluster-fleet.ts). The operator runs
 * in this process as a ServiceAccount bound to exactly operator/rbac.yaml (so the Secrets it
 * writes are allowed by it); the kubelet runs one cloud and the control server from its
 * Deployments — the control server with its key-encryption key from the operator's Secret
 * (secretKeyRef). Then, as a user would
 * with kubectl: a DNSSECPolicy with short timings and a Zone naming it → `pending_ds`, the DS in
 * `kubectl describe zone` and in a DSUpdate Event; the keys in a Secret owned by the Zone and
 * sealed in Redis; a wrong `dnsfleet.io/ds-published` → a Warning Event with the check's reason;
 * the right one → `kubectl wait --for=condition=DNSSEC` → `active`; nowhere (status, Events,
 * Redis) a private key in clear. Once the control server signs (its signer, dataplane/control),
 * the cloud answers DNSKEY and RRSIG with dig +dnssec.
 */


const policyManifest = `apiVersion: dnsfleet.io/v1alpha1
kind: DNSSECPolicy
metadata: { name: fast, namespace: default }
spec:
  algorithm: ED25519
  dnskeyTTL: 60
  propagationDelay: 1m
  parentPropagationDelay: 1m
  parentDSTTL: 60
`;

const zoneManifest = `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: signed-test, namespace: default }
spec:
  zoneName: signed.test
  defaultTTL: 300
  dnssecPolicy: fast
  rrsets:
    - { name: "@", type: NS, records: [ns1.example.net.] }
    - { name: www, type: A, records: [10.1.2.3] }
`;

/** The control server of this tree signs (ADR 0015): it reads the store's signed entries. */
describe('A signed Zone on real pods @integration', function () {
  this.timeout(300_000);
  let fleet: ClusterFleet;
  let cp: ClusterFleet['cluster'];
  let redisUrl: string;
  let operator: RunningOperator;
  let cloud: ServingPod[];
  let primary: Primary | undefined;
  const tmp = tempDir('e2e-dnssec');
  const log = memoryLogger();

  type Cond = { type: string; status: string; reason: string; message: string };
  interface ZoneJson {
    metadata: { uid: string };
    status?: { serial?: number; dnssec?: { state: string; dsRecords?: string[]; keys?: Array<{ keyTag: number; role: string; state: string; created: string }>; signedSerial?: number }; conditions?: Cond[] };
  }
  const getJson = async <T>(...args: string[]): Promise<T> => {
    const out = await cp.kubectl(['get', ...args, '-o', 'json']);
    assert.equal(out.code, 0, out.stderr);
    return JSON.parse(out.stdout) as T;
  };
  const zone = (): Promise<ZoneJson> => getJson<ZoneJson>('zone', 'signed-test');
  const condition = async (type: string): Promise<Cond | undefined> => (await zone()).status?.conditions?.find((c) => c.type === type);
  const events = async (): Promise<Array<{ type: string; reason: string; note?: string; message?: string }>> =>
    (await getJson<{ items: Array<{ type: string; reason: string; note?: string; message?: string; regarding?: { name: string }; involvedObject?: { name: string } }> }>('events.v1.events.k8s.io', '-n', 'default')).items.filter((e) => (e.regarding?.name ?? e.involvedObject?.name) === 'signed-test');
  const annotate = async (value: string): Promise<void> => {
    const out = await cp.kubectl(['annotate', '--overwrite', 'zone', 'signed-test', `dnsfleet.io/ds-published=${value}`]);
    assert.equal(out.code, 0, out.stderr);
  };

  before(async function () {
    this.timeout(3_600_000);
    fleet = await startClusterFleet();
    cp = fleet.cluster;
    redisUrl = fleet.redisUrl;
    const clouds = await cp.kubectl(['apply', '-f', '-'], 'apiVersion: dnsfleet.io/v1alpha1\nkind: NameserverCloud\nmetadata: { name: cloud-a, namespace: dnsfleet-system }\nspec:\n  replicas: 1\n  nameservers: [ns1.example.net.]\n  addresses: { ipv4: [\"10.53.0.53\"] }\n  service: { type: ClusterIP }\n');
    assert.equal(clouds.code, 0, clouds.stderr);
    operator = await runOperator({
      store: new RedisZoneStore(redisUrl),
      log,
      kubeconfig: await cp.serviceAccountKubeconfig('dnsfleet-system', 'dnsfleet-operator'),
      pods: fleet.podSettings,
      controlServer: { namespace: 'dnsfleet-system', allowTransfer: [`${cp.nodeIp}/32`], serviceType: 'ClusterIP' },
      resyncMs: 5000,
    });
    cloud = await readyDeploymentPods(cp, 'dnsfleet-system', 'dnsfleet-cloud-a');
    // Its pod reads the key-encryption key through a secretKeyRef: the kubelet starts it once the Secret is there.
    await readyDeploymentPods(cp, 'dnsfleet-system', 'dnsfleet-control');
  });
  after(async () => {
    if (process.env.DNSFLEET_E2E_LOG) for (const l of log.lines.filter((l) => l.level !== 'info')) console.log(JSON.stringify(l));
    await operator?.stop();
    await primary?.stop();
    await fleet?.stop();
    tmp.remove();
    await stopAll();
  });

  it('the key-encryption key: one Secret of 32 random octets in the operator namespace, read by the control server through a secretKeyRef', async () => {
    const key = await readSecretKey(cp, 'dnsfleet-system', 'dnsfleet-key-encryption', 'key');
    assert.equal(Buffer.from(key!, 'base64').length, 32);
    const d = await getJson<{ spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string; valueFrom?: unknown }> }> } } } }>('deployment', 'dnsfleet-control', '-n', 'dnsfleet-system');
    const env = d.spec.template.spec.containers[0]!.env.find((e) => e.name === 'DNSFLEET_KEY_ENCRYPTION_KEY');
    assert.deepEqual(env, { name: 'DNSFLEET_KEY_ENCRYPTION_KEY', valueFrom: { secretKeyRef: { name: 'dnsfleet-key-encryption', key: 'key' } } });
  });

  it('a Zone with a policy: pending_ds, its DS in kubectl describe and in a DSUpdate Event, its keys in a Secret owned by the Zone and sealed in Redis', async () => {
    assert.equal((await cp.kubectl(['apply', '-f', '-'], `${policyManifest}---\n${zoneManifest}`)).code, 0);
    await waitFor('pending_ds with a DS', async () => ((await zone()).status?.dnssec?.dsRecords?.length ?? 0) > 0, 30_000);
    const z = await zone();
    assert.equal(z.status?.dnssec?.state, 'pending_ds');
    const ds = z.status!.dnssec!.dsRecords![0]!;
    assert.match(ds, /^signed\.test\.\s+(\d+\s+)?IN\s+DS\s+\d+ 15 2 [0-9A-F]{64}$/i);
    const describe = await cp.kubectl(['describe', 'zone', 'signed-test']);
    assert.ok(describe.stdout.includes(ds), `kubectl describe shows the DS:\n${describe.stdout}`);
    assert.match(describe.stdout, /DSUpdate/, 'and the DSUpdate Event');
    const columns = await cp.kubectl(['get', 'zone', 'signed-test']);
    assert.match(columns.stdout, /pending_ds/, 'the DNSSEC printer column');
    assert.deepEqual([(await condition('DNSSEC'))?.reason, (await condition('DSPublished'))?.reason], ['PendingDS', 'WaitingForDS']);
    const update = (await events()).find((e) => e.reason === 'DSUpdate');
    assert.ok((update?.note ?? update?.message ?? '').includes(ds), 'the DSUpdate Event carries the DS');

    const secret = await getJson<{ type: string; metadata: { labels: Record<string, string>; ownerReferences: Array<{ kind: string; name: string; uid: string; controller: boolean }> }; data: Record<string, string> }>('secret', 'signed-test-dnssec');
    assert.equal(secret.type, 'Opaque');
    assert.equal(secret.metadata.labels['dnsfleet.io/dnssec-keys'], 'signed-test');
    assert.deepEqual(secret.metadata.ownerReferences.map((o) => [o.kind, o.name, o.uid, o.controller]), [['Zone', 'signed-test', z.metadata.uid, true]]);

    const store = new RedisZoneStore(redisUrl);
    try {
      const entry = await store.getSigned('signed.test.');
      assert.equal(entry?.owner, 'Zone/default/signed-test');
      assert.equal(entry?.unsigned?.serial, z.status?.serial);
      for (const k of entry!.order.keys) assert.match(k.privateKey, /^v1:/, 'sealed in Redis');
    } finally {
      await store.close();
    }
  });

  it('a wrong ds-published: a Warning Event with the check reason, DSPublished says it; the right one: kubectl wait --for=condition=DNSSEC → active', async () => {
    const ds = (await zone()).status!.dnssec!.dsRecords![0]!;
    await annotate(ds.replace(/[0-9A-F]{8}$/i, '00000000'));
    await waitFor('the Warning Event', async () => (await events()).some((e) => e.type === 'Warning' && e.reason === 'DSWrongDigest'), 15_000);
    assert.equal((await condition('DSPublished'))?.reason, 'DSWrongDigest');
    assert.equal((await zone()).status?.dnssec?.state, 'pending_ds');

    await annotate(ds);
    const wait = await cp.kubectl(['wait', '--for=condition=DNSSEC', '--timeout=30s', 'zone/signed-test']);
    assert.equal(wait.code, 0, wait.stderr);
    assert.equal((await zone()).status?.dnssec?.state, 'active');
    assert.equal((await condition('DSPublished'))?.status, 'True');
    assert.ok((await events()).some((e) => e.reason === 'DSSeen'));
  });

  it('no private part in status, Events or Redis: only in the Secret', async () => {
    const record = JSON.parse((await readSecretKey(cp, 'default', 'signed-test-dnssec', 'record.json'))!) as { keys: Record<string, string> };
    const bodies = Object.values(record.keys).flatMap((pem) => pem.split('\n').filter((l) => l && !l.startsWith('-----')));
    assert.ok(bodies.length >= 2);
    const shown = JSON.stringify([await zone(), await events(), (await cp.kubectl(['describe', 'zone', 'signed-test'])).stdout, log.lines]);
    const client = new Redis(redisUrl);
    let stored = '';
    try {
      for (const key of await client.keys('*')) {
        const type = await client.type(key);
        if (type === 'string') stored += (await client.get(key)) ?? '';
        else if (type === 'hash') stored += JSON.stringify(await client.hgetall(key));
        else if (type === 'list') stored += JSON.stringify(await client.lrange(key, 0, -1));
        else if (type === 'stream') stored += JSON.stringify(await client.xrange(key, '-', '+'));
        else if (type === 'set') stored += JSON.stringify(await client.smembers(key));
        else if (type === 'zset') stored += JSON.stringify(await client.zrange(key, 0, -1));
      }
    } finally {
      client.disconnect();
    }
    for (const text of [shown, stored]) {
      assert.ok(!text.includes('PRIVATE KEY'));
      for (const line of bodies) assert.ok(!text.includes(line));
    }
  });

  it('the cloud answers DNSKEY and RRSIG once the control server signs (dig +dnssec)', async function () {
    const pod = cloud[0]!;
    await waitFor('a signed answer', async () => {
      const out = await run('dig', ['+time=1', '+tries=1', '+dnssec', '+noall', '+answer', '-p', String(pod.dnsPort), `@${pod.ip}`, 'signed.test.', 'DNSKEY']);
      return /\sDNSKEY\s/.test(out.stdout) && /\sRRSIG\s+DNSKEY\s/.test(out.stdout);
    }, 60_000);
    const www = await run('dig', ['+time=1', '+tries=1', '+dnssec', '+noall', '+answer', '-p', String(pod.dnsPort), `@${pod.ip}`, 'www.signed.test.', 'A']);
    assert.match(www.stdout, /\sRRSIG\s+A\s+15\s/);
    await waitFor('status.dnssec.signedSerial', async () => (await zone()).status?.dnssec?.signedSerial !== undefined, 30_000);
    // Ready once the pod serves the control server's signed serial, which the SOA answered carries.
    await waitFor('Ready', async () => (await condition('Ready'))?.status === 'True', 30_000);
    const z = await zone();
    const soa = await run('dig', ['+time=1', '+tries=1', '+short', '-p', String(pod.dnsPort), `@${pod.ip}`, 'signed.test.', 'SOA']);
    assert.equal(Number(soa.stdout.trim().split(/\s+/)[2]), z.status?.dnssec?.signedSerial);
    assert.match((await zone()).status?.dnssec?.keys?.[0]?.created ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('a SecondaryZone with the policy, transferred from a BIND primary: signed by the control server, delv fully validates it from the cloud, the primary serial tracked', async () => {
    const origin = 'signed-secondary.test.';
    const text = `$ORIGIN ${origin}\n$TTL 300\n@ SOA ns1 hostmaster 7 7200 900 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.81\n`;
    // The control pod transfers from the pods' gateway, an address of this machine.
    const peer = await fleet.peerAddress();
    primary = await startPrimary('bind', origin, text, { address: peer, transferFrom: cp.podCidr || 'any' });
    const manifest = `apiVersion: dnsfleet.io/v1alpha1
kind: SecondaryZone
metadata: { name: signed-secondary, namespace: default }
spec:
  zoneName: ${origin}
  primaries: [{ address: ${primary.address}, port: ${primary.port} }]
  dnssecPolicy: fast
`;
    const applied = await cp.kubectl(['apply', '-f', '-'], manifest);
    assert.equal(applied.code, 0, applied.stderr);
    const pod = cloud[0]!;
    const dig = (name: string, type: string, extra: string[] = []) => run('dig', ['+time=1', '+tries=1', '+nocookie', '+noall', '+answer', ...extra, '-p', String(pod.dnsPort), `@${pod.ip}`, name, type]);
    await waitFor('the cloud answers the secondary zone signed', async () => /\sRRSIG\s+DNSKEY\s/.test((await dig(origin, 'DNSKEY', ['+dnssec'])).stdout), 60_000);
    const ds = dsOfDnskeys((await dig(origin, 'DNSKEY')).stdout, origin, tmp.path);
    assert.equal(ds.length, 1, ds.join(', '));
    const anchors = writeDsAnchor(join(tmp.path, 'secondary.anchors'), origin, ds[0]!);
    const delv = async (name: string, type: string): Promise<string> => {
      const r = await run('delv', ['-4', `@${pod.ip}`, '-p', String(pod.dnsPort), '-a', anchors, `+root=${origin}`, name, type], { timeoutMs: 20_000 });
      return `${r.stdout}${r.stderr}`;
    };
    const positive = await delv(`www.${origin}`, 'A');
    assert.match(positive, /^; fully validated$/m, positive);
    assert.match(positive, /\sA\s+192\.0\.2\.81$/m, positive);
    const nx = await delv(`nothere.${origin}`, 'A');
    assert.match(nx, /^; negative response, fully validated$/m, nx);
    type Sz = { status?: { serial?: number; dnssec?: { state?: string; keys?: Array<{ keyTag: number; role: string }>; signedSerial?: number } } };
    // The DS itself comes with the DSUpdate, once the DNSKEY has reached the caches (RFC 7583 Ipub).
    await waitFor('status: pending_ds, the served KSK, the signed serial', async () => {
      const st = (await getJson<Sz>('secondaryzone', 'signed-secondary')).status;
      return st?.dnssec?.state === 'pending_ds' && st.dnssec.signedSerial !== undefined && (st.dnssec.keys ?? []).some((k) => k.role === 'KSK' && String(k.keyTag) === ds[0]!.split(' ')[0]);
    }, 30_000);
    const st = (await getJson<Sz>('secondaryzone', 'signed-secondary')).status!;
    assert.equal(st.serial, 7, 'the customer primary\'s serial is still shown');
    const soa = await run('dig', ['+time=1', '+tries=1', '+short', '-p', String(pod.dnsPort), `@${pod.ip}`, origin, 'SOA']);
    assert.equal(Number(soa.stdout.trim().split(/\s+/)[2]), st.dnssec!.signedSerial, 'the cloud serves the signed serial');
  });
});
