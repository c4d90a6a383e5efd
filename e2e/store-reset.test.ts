import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import Redis from 'ioredis';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { stopAll, tempDir, waitFor, type Started } from '../dataplane/testkit/processes';
import { query } from '../dataplane/testkit/dns-client';
import {
  CLOUDS,
  benchZones,
  inBatches,
  installCrdsAndClouds,
  isReady,
  manifests,
  startCloudPod,
  startOperator,
  startRedis,
  zoneApi,
  type CloudPod,
  type OperatorProcess,
  type ZoneApi,
} from './support/fleet';

/**
 * Issue 9, items 2 and 3, on a real API server, a Redis of its own and the operator and two cloud
 * pods as processes (ADR 0007):
 *
 * - Redis restarted without persistence (so empty), and later emptied by FLUSHALL: every pod
 *   answers every zone throughout (asked in a loop: no REFUSED, no wrong answer), and the
 *   operator writes the store again at once, far inside its 60 s resync.
 * - Redis down: the operator's /readyz and the pods' /readyz and /metrics say so, each process
 *   logs it once, a Zone patched meanwhile says its status is stale, the work queue stays within
 *   the number of objects, and a pod sent SIGTERM exits within a few seconds.
 * - A pod restarted while Redis is down comes up from its local snapshot and answers.
 */

const N = 20;
const ZONES = benchZones(N, 'reset');
const OBJECTS = N + CLOUDS.length;

describe('store reset and outage on a real API server @integration', function () {
  this.timeout(300_000);
  let cp: ControlPlane;
  let api: ZoneApi;
  let operator: OperatorProcess;
  let redis: { url: string; process: Started; port: number };
  let client: Redis;
  const pods: CloudPod[] = [];
  const snapshotDirs = new Map<string, string>();

  const operatorUrl = (path: string): string => operator.metricsUrl.replace(/\/metrics$/, path);
  const podUrl = (pod: CloudPod, path: string): string => `http://127.0.0.1:${pod.httpPort}${path}`;

  /** Every zone on every pod: the ones not answered with their address. */
  const wrongAnswers = async (): Promise<string[]> => {
    const wrong: string[] = [];
    await inBatches(
      pods.flatMap((pod) => ZONES.map((zone) => ({ pod, zone }))),
      20,
      async ({ pod, zone }) => {
        const reply = await query('127.0.0.1', pod.dnsPort, `www.${zone.zoneName}`, 'A', { timeoutMs: 1000 }).catch((err: Error) => ({ error: err.message }));
        if ('error' in reply) return wrong.push(`${pod.pod} ${zone.zoneName}: ${reply.error}`);
        const a = reply.packet.answers?.find((r) => r.type === 'A') as { data?: string } | undefined;
        if (a?.data !== zone.address) wrong.push(`${pod.pod} ${zone.zoneName}: ${(reply.packet as { rcode?: string }).rcode} ${a?.data ?? ''}`);
      },
    );
    return wrong;
  };

  /** Asks every zone on every pod in rounds until `during` settles; returns the rounds and the wrong answers. */
  const askThroughout = async (during: () => Promise<void>): Promise<{ rounds: number; wrong: string[] }> => {
    let done = false;
    const wrong: string[] = [];
    let rounds = 0;
    const loop = (async () => {
      while (!done) {
        wrong.push(...(await wrongAnswers()));
        rounds++;
        await sleep(50);
      }
    })();
    try {
      await during();
    } finally {
      done = true;
      await loop;
    }
    return { rounds, wrong };
  };

  /** The store holds every zone again. */
  const storeRefilled = async (): Promise<boolean> => (await client.scard('{dnsfleet}:zones')) === N;
  /** ... and its epoch is complete (ADR 0007). */
  const epochComplete = async (): Promise<boolean> => {
    const [epoch, complete] = await Promise.all([client.get('{dnsfleet}:epoch'), client.get('{dnsfleet}:epoch-complete')]);
    return epoch !== null && epoch === complete;
  };
  const storeRewritten = async (): Promise<boolean> => (await storeRefilled()) && (await epochComplete());

  const text = async (url: string): Promise<{ status: number; body: string }> => {
    const r = await fetch(url);
    return { status: r.status, body: await r.text() };
  };

  before(async () => {
    cp = await startControlPlane();
    await installCrdsAndClouds(cp);
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    client.on('error', () => undefined);
    for (const cloud of CLOUDS) {
      const dir = tempDir(`snapshot-${cloud}`).path;
      snapshotDirs.set(cloud, dir);
      // By environment, as the operator's pod template passes it.
      pods.push(await startCloudPod(cloud, redis.url, { env: { DNSFLEET_SNAPSHOT_DIR: dir } }));
    }
    api = await zoneApi(cp.kubeconfig);
    operator = await startOperator(cp, redis.url);
    const applied = await cp.kubectl(['apply', '--server-side', '-f', '-'], manifests(ZONES));
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor(`all ${N} Zones Ready`, async () => (await api.list()).filter(isReady).length === N, 60_000);
    await waitFor('every pod answers every zone', async () => (await wrongAnswers()).length === 0, 20_000);
  });
  after(async () => {
    client?.disconnect();
    await operator?.process.stop();
    for (const p of pods) await p.process.stop();
    await cp?.stop();
    await stopAll();
  });

  it('keeps answering every zone on both clouds while Redis restarts empty, and the operator writes it all again at once', async () => {
    let rewriteMs = 0;
    const { rounds, wrong } = await askThroughout(async () => {
      await redis.process.stop();
      await sleep(2000);
      redis = await startRedis(redis.port);
      const restarted = Date.now();
      // Long enough for the periodic resync (60 s), so the answers are what a slow rewrite costs.
      await waitFor('every zone in the store again', storeRefilled, 90_000);
      rewriteMs = Date.now() - restarted;
      await waitFor('the epoch complete', epochComplete, 5000).catch(() => undefined);
      // The pods list the complete store and must still have every zone afterwards.
      await sleep(3000);
    });
    console.log(`      Redis restarted empty: store written again and complete ${rewriteMs} ms after it came back; ${rounds} rounds of ${N * pods.length} queries, ${wrong.length} wrong`);
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} wrong answers while the store was reset`);
    assert.ok(rounds >= 5, `only ${rounds} rounds of queries`);
    assert.ok(rewriteMs < 15_000, `the store took ${rewriteMs} ms to be written again (the resync is 60 s)`);
    assert.ok(await epochComplete(), 'the new epoch is complete');
  });

  it('does the same when Redis is emptied in place (FLUSHALL)', async () => {
    let rewriteMs = 0;
    const { wrong } = await askThroughout(async () => {
      await client.flushall();
      const flushed = Date.now();
      await waitFor('the store written again, its epoch complete', storeRewritten, 30_000);
      rewriteMs = Date.now() - flushed;
      await sleep(3000);
    });
    console.log(`      FLUSHALL: store written again and complete ${rewriteMs} ms later; ${wrong.length} wrong answers`);
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} wrong answers after FLUSHALL`);
    assert.ok(rewriteMs < 15_000, `the store took ${rewriteMs} ms to be written again`);
  });

  it('makes a Redis outage visible: health, one log line, metrics, a stale condition, a bounded queue', async () => {
    const linesBefore = (p: Started): number => (p.output().match(/"zone store unreachable/g) ?? []).length;
    const before = { operator: linesBefore(operator.process), pods: pods.map((p) => linesBefore(p.process)) };
    await redis.process.stop();
    const down = Date.now();

    await waitFor('the operator /readyz says the store is unreachable', async () => {
      const r = await text(operatorUrl('/readyz'));
      return r.status === 503 && /store unreachable since/.test(r.body);
    }, 10_000);
    assert.equal((await text(operatorUrl('/healthz'))).status, 200, 'alive all the same: a restart would not bring Redis back');
    for (const pod of pods) {
      await waitFor(`${pod.pod} /readyz says the store is unreachable`, async () => /store unreachable since/.test((await text(podUrl(pod, '/readyz'))).body), 10_000);
      const ready = await text(podUrl(pod, '/readyz'));
      assert.equal(ready.status, 200, `${pod.pod} stays ready: it answers from what it has`);
      assert.match((await text(podUrl(pod, '/metrics'))).body, /^dnsfleet_store_up 0$/m);
    }
    assert.match((await text(operator.metricsUrl)).body, /^dnsfleet_store_up 0$/m);

    // A Zone changed while the store is away says its status is stale.
    const changed = ZONES[0]!;
    await api.mergePatch('default', changed.name, { spec: { rrsets: [{ name: '@', type: 'NS', records: ['ns1.example.net.'] }, { name: 'www', type: 'A', records: ['10.99.0.1'] }] } });
    await waitFor('the changed Zone shows Ready=Unknown StoreUnavailable', async () => {
      const z = (await api.list()).find((x) => x.metadata.name === changed.name)!;
      const ready = z.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'Unknown' && ready.reason === 'StoreUnavailable' && /unreachable since/.test(ready.message) && z.status?.observedGeneration !== z.metadata.generation;
    }, 15_000);

    // Some seconds of outage: the queue stays within the objects there are; one line per process.
    let deepest = 0;
    while (Date.now() - down < 8000) {
      const depth = Number(/^dnsfleet_workqueue_depth (\d+)/m.exec((await text(operator.metricsUrl)).body)?.[1] ?? NaN);
      deepest = Math.max(deepest, depth);
      await sleep(500);
    }
    console.log(`      work queue depth during the outage: at most ${deepest} (${OBJECTS} objects)`);
    assert.ok(deepest <= OBJECTS, `work queue at ${deepest}`);
    assert.equal(linesBefore(operator.process) - before.operator, 1, 'the operator logs the outage once');
    pods.forEach((p, i) => assert.equal(linesBefore(p.process) - before.pods[i]!, 1, `${p.pod} logs the outage once`));
    assert.deepEqual(await wrongAnswers(), [], 'every zone still answered');
  });

  it('ends a pod sent SIGTERM within a few seconds while Redis is down', async () => {
    const pod = pods[1]!;
    const started = Date.now();
    pod.process.process.kill('SIGTERM');
    await waitFor(`${pod.pod} to exit`, async () => pod.process.process.exitCode !== null || pod.process.process.signalCode !== null, 15_000);
    const ms = Date.now() - started;
    console.log(`      SIGTERM to exit with Redis down: ${ms} ms`);
    assert.ok(ms < 5000, `exited after ${ms} ms`);
  });

  it('starts a pod from its local snapshot while Redis is down, and it answers every zone', async () => {
    const old = pods[1]!;
    const started = Date.now();
    const pod = await startCloudPod(old.cloud, redis.url, { env: { DNSFLEET_SNAPSHOT_DIR: snapshotDirs.get(old.cloud)! }, ports: { dnsPort: old.dnsPort, httpPort: old.httpPort } });
    pods[1] = pod;
    console.log(`      ready from the local snapshot ${Date.now() - started} ms after start`);
    assert.match((await text(podUrl(pod, '/readyz'))).body, /local snapshot/);
    assert.match(pod.process.output(), /serving the local snapshot/);
    assert.deepEqual(await wrongAnswers(), [], 'every zone answered by both clouds');
  });

  it('catches up when Redis is back (empty): the stale Zone is written and Ready, the pods serve it', async () => {
    const { wrong } = await askThroughout(async () => {
      redis = await startRedis(redis.port);
      await waitFor('the operator /readyz is ok again', async () => (await text(operatorUrl('/readyz'))).status === 200, 15_000);
      await waitFor('the store written again, its epoch complete', storeRewritten, 30_000);
    });
    // The changed zone's new address is the one change expected; every other answer must hold.
    const others = wrong.filter((w) => !w.includes(ZONES[0]!.zoneName));
    assert.deepEqual(others.slice(0, 10), [], `${others.length} wrong answers while Redis came back`);
    await waitFor('the changed Zone Ready at its new generation', async () => {
      const z = (await api.list()).find((x) => x.metadata.name === ZONES[0]!.name)!;
      return isReady(z) && z.status?.observedGeneration === z.metadata.generation;
    }, 30_000);
    await waitFor('both clouds answer the changed zone', async () => {
      const answers = await Promise.all(pods.map((p) => query('127.0.0.1', p.dnsPort, `www.${ZONES[0]!.zoneName}`, 'A', { timeoutMs: 1000 })));
      return answers.every((r) => (r.packet.answers?.find((a) => a.type === 'A') as { data?: string } | undefined)?.data === '10.99.0.1');
    }, 15_000);
    assert.match(operator.process.output(), /"zone store reachable again"/);
  });
});
