import { strict as assert } from 'node:assert';
import Redis from 'ioredis';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { stopAll, waitFor, type Started } from '../dataplane/testkit/processes';
import { answersA, installCrdsAndClouds, isReady, startCloudPod, startOperator, startRedis, zoneApi, zoneManifest, zoneNamed, type CloudPod, type OperatorProcess, type ZoneApi } from './support/fleet';

/**
 * Issue 15, "a Redis that is full": on a real API server, a Redis of its own (no eviction, as the
 * store needs) and the operator and two cloud pods as processes. Redis is filled past its
 * `maxmemory`; a new Zone then cannot be written: its `Ready` says `StoreFull` with Redis's own
 * words, a Warning Event says it once, `dnsfleet_zones{reason="StoreFull"}` counts it, and the
 * zones already served keep being answered by both clouds. Given room, the Zone is written and
 * served without anyone touching it.
 */

describe('a full zone store on a real API server @integration', function () {
  this.timeout(180_000);
  let cp: ControlPlane;
  let api: ZoneApi;
  let operator: OperatorProcess;
  let redis: { url: string; process: Started; port: number };
  let client: Redis;
  const pods: CloudPod[] = [];

  const readyOf = async (name: string): Promise<{ status?: string; reason?: string; message?: string } | undefined> =>
    (await api.list()).find((z) => z.metadata.name === name)?.status?.conditions?.find((c) => c.type === 'Ready');

  before(async () => {
    cp = await startControlPlane();
    await installCrdsAndClouds(cp);
    // Redis's default policy, noeviction: a full Redis refuses writes instead of dropping zones.
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    for (const cloud of ['cloud-a', 'cloud-b']) pods.push(await startCloudPod(cloud, redis.url));
    api = await zoneApi(cp.kubeconfig);
    operator = await startOperator(cp, redis.url);
  });
  after(async () => {
    client?.disconnect();
    await stopAll();
    await cp?.stop();
  });

  it('says StoreFull on a Zone the store refuses, keeps answering the others, and writes it once Redis has room', async () => {
    const applied = await cp.kubectl(['apply', '-f', '-'], zoneManifest(zoneNamed('before.full.test', '192.0.2.41')));
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor('the first Zone Ready', async () => (await readyOf('before-full-test'))?.status === 'True', 30_000);
    assert.deepEqual(await answersA(pods, 'www.before.full.test'), ['192.0.2.41', '192.0.2.41']);

    // Full: maxmemory below what Redis holds now, so every write that could grow it is refused (OOM).
    const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    assert.equal(await client.config('SET', 'maxmemory', String(Math.max(used - 100_000, 1))), 'OK');
    const full = await cp.kubectl(['apply', '-f', '-'], zoneManifest(zoneNamed('after.full.test', '192.0.2.42')));
    assert.equal(full.code, 0, full.stderr);
    await waitFor('the new Zone says StoreFull', async () => (await readyOf('after-full-test'))?.reason === 'StoreFull', 30_000);
    const ready = (await readyOf('after-full-test'))!;
    assert.equal(ready.status, 'False');
    assert.match(ready.message!, /the zone store \(Redis\) is full and refused this version \(OOM command not allowed/);
    const events = await cp.kubectl(['get', 'events', '-n', 'default', '--field-selector', 'reason=StoreFull', '-o', 'jsonpath={.items[*].regarding.name}{.items[*].involvedObject.name}']);
    assert.match(events.stdout, /after-full-test/, 'a Warning Event StoreFull');
    const metrics = await (await fetch(operator.metricsUrl)).text();
    assert.match(metrics, /^dnsfleet_zones\{reason="StoreFull"\} 1$/m);
    // The clouds keep what they have: the zone before is answered, the refused one is not there.
    assert.deepEqual(await answersA(pods, 'www.before.full.test'), ['192.0.2.41', '192.0.2.41']);
    assert.deepEqual(await answersA(pods, 'www.after.full.test'), [undefined, undefined]);

    // Room again: the retries write it, with nobody touching the Zone.
    assert.equal(await client.config('SET', 'maxmemory', '0'), 'OK');
    await waitFor('the refused Zone written and Ready', async () => (await readyOf('after-full-test'))?.status === 'True', 60_000);
    await waitFor('both clouds answer it', async () => (await answersA(pods, 'www.after.full.test')).every((a) => a === '192.0.2.42'), 10_000);
    assert.ok((await api.list()).every(isReady));
  });
});
