import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { freePort, start, stopAll, waitFor, type Started } from '../dataplane/test/support/processes';
import { query } from '../dataplane/test/support/dns-client';
import { RedisZoneStore } from '../dataplane/store/redis-store';
import { runCloud, type RunningCloud } from '../dataplane/cloud/run-cloud';
import { runOperator, type RunningOperator } from '../operator/operator';
import { memoryLogger } from '../dataplane/server/log';

/**
 * The spine on a real API server: `kubectl apply` a Zone, the operator writes it to Redis, the
 * pods of two clouds answer it, and the Zone turns Ready with its serial; a change reaches both
 * clouds with a new serial; a zone that fails its checks is reported and the last good one keeps
 * serving; a deleted Zone is gone from both clouds and from Redis.
 *
 * The cloud pods run in this process (there is no kubelet here); the NameserverCloud controller
 * that will create their Deployments comes later in issue #3.
 */

const ROOT = resolve(__dirname, '../..');

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

describe('Zone lifecycle on a real API server @integration', function () {
  this.timeout(300_000);
  let cp: ControlPlane;
  let redis: Started;
  let redisUrl: string;
  let operator: RunningOperator;
  const clouds: RunningCloud[] = [];
  const log = memoryLogger();

  const answers = async (name: string): Promise<Array<{ rcode?: string; address?: string }>> =>
    Promise.all(
      clouds.map(async (c) => {
        const reply = await query('127.0.0.1', c.dns.bound[0]!.port, name, 'A', { timeoutMs: 1000 });
        return { rcode: (reply.packet as { rcode?: string }).rcode, address: (reply.packet.answers?.[0] as { data?: string } | undefined)?.data };
      }),
    );
  const status = async (): Promise<{ serial?: number; ready?: string; reason?: string; message?: string }> => {
    const out = await cp.kubectl(['get', 'zone', 'example-com', '-o', 'json']);
    const z = JSON.parse(out.stdout) as { status?: { serial?: number; conditions?: Array<{ type: string; status: string; reason: string; message: string }> } };
    const ready = z.status?.conditions?.find((c) => c.type === 'Ready');
    return { serial: z.status?.serial, ready: ready?.status, reason: ready?.reason, message: ready?.message };
  };

  before(async () => {
    cp = await startControlPlane();
    assert.equal((await cp.kubectl(['apply', '-f', join(ROOT, 'crds')])).code, 0);
    await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/zones.dnsfleet.io']);
    const port = await freePort();
    redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await waitFor('redis', async () => /Ready to accept connections/.test(redis.output()));
    redisUrl = `redis://127.0.0.1:${port}`;
    for (const [cloud, pod] of [['cloud-a', 'cloud-a-0'], ['cloud-b', 'cloud-b-0']] as const) {
      clouds.push(
        await runCloud({ cloud, pod, store: new RedisZoneStore(redisUrl), listen: [{ host: '127.0.0.1', port: 0 }], http: { host: '127.0.0.1', port: 0 }, log, reportEveryMs: 200 }),
      );
    }
    operator = await runOperator({ store: new RedisZoneStore(redisUrl), log, kubeconfig: cp.kubeconfig, clouds: ['cloud-a', 'cloud-b'], resyncMs: 5000 });
  });
  after(async () => {
    await operator?.stop();
    for (const c of clouds) await c.stop();
    await cp?.stop();
    await stopAll();
  });

  it('serves an applied Zone from both clouds within 2 s, and marks it Ready with its serial', async () => {
    const applied = Date.now();
    const apply = await cp.kubectl(['apply', '-f', '-'], zoneManifest('192.0.2.1'));
    assert.equal(apply.code, 0, apply.stderr);
    const created = Date.now();
    await waitFor('both clouds answer', async () => (await answers('www.example.com')).every((a) => a.address === '192.0.2.1'), 2000);
    // kubectl itself (discovery, then the request) takes most of the first figure.
    console.log(`      kubectl apply took ${created - applied} ms; both clouds answered ${Date.now() - created} ms after it returned`);
    const wait = await cp.kubectl(['wait', '--for=condition=Ready', '--timeout=30s', 'zone/example-com']);
    assert.equal(wait.code, 0, wait.stderr);
    const s = await status();
    assert.equal(s.reason, 'Serving');
    assert.ok(s.serial && s.serial > 1_700_000_000, `serial ${s.serial}`);
    const list = await cp.kubectl(['get', 'zones']);
    assert.match(list.stdout, new RegExp(`example-com\\s+example\\.com\\s+${s.serial}\\s+True`));
    const metrics = await operator.metrics.registry.metrics();
    assert.match(metrics, /dnsfleet_zones\{reason="Serving"\} 1/);
    assert.match(metrics, /dnsfleet_reconcile_total\{kind="Zone",result="success"\} [1-9]/);
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

  it('reports a zone that fails its checks and keeps serving the last good one', async () => {
    const broken = zoneManifest('192.0.2.3', '    - { name: www, type: CNAME, records: [other.example.net.] }\n');
    assert.equal((await cp.kubectl(['apply', '-f', '-'], broken)).code, 0, 'the schema cannot see this; the zone checks do');
    await waitFor('InvalidZone', async () => (await status()).reason === 'InvalidZone', 10_000);
    assert.match((await status()).message ?? '', /www\.example\.com\. has a CNAME beside other data/);
    assert.deepEqual((await answers('www.example.com')).map((a) => a.address), ['192.0.2.2', '192.0.2.2']);
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

  it('removes a deleted Zone from both clouds and from Redis', async () => {
    const del = await cp.kubectl(['delete', 'zone', 'example-com', '--timeout=30s']);
    assert.equal(del.code, 0, del.stderr);
    await waitFor('both clouds refuse', async () => (await answers('www.example.com')).every((a) => a.rcode === 'REFUSED'), 5000);
    const r = new Redis(redisUrl);
    try {
      assert.equal(await r.exists('{dnsfleet}:zone:example.com.'), 0);
      assert.deepEqual(await r.smembers('{dnsfleet}:zones'), []);
    } finally {
      await r.quit();
    }
  });
});
