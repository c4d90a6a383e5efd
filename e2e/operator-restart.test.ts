import { strict as assert } from 'node:assert';
import Redis from 'ioredis';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { stopAll, waitFor } from '../dataplane/testkit/processes';
import { ZONE_FINALIZER } from '../operator/zone/zone-controller';
import {
  CLOUDS,
  answersA,
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
 * The operator killed (SIGKILL) part-way through 100 Zones, and a new one started: it converges
 * without duplicates. Every Zone ends Ready and answered by both clouds; Redis holds one zone per
 * Zone; every Zone has one finalizer and one `status.clouds` entry per cloud; and a zone the first
 * operator had written is not written again, with the same serial, even when its status write was
 * lost (the state a kill between the Redis write and the status write leaves; here made certain
 * for a few Zones by removing their status while no operator runs).
 */

const N = 100;
const ZONES = benchZones(N, 'restart');
const origin = (zoneName: string): string => `${zoneName}.`;

/** Origin → number of `put` entries in the change stream. */
async function putsPerOrigin(redis: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const [, fields] of await redis.xrange('{dnsfleet}:changes', '-', '+')) {
    const f = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
    if (f.get('kind') === 'put') counts.set(f.get('origin')!, (counts.get(f.get('origin')!) ?? 0) + 1);
  }
  return counts;
}

/** Origin → serial of every zone Redis holds. */
async function storedSerials(redis: Redis): Promise<Map<string, number>> {
  const serials = new Map<string, number>();
  for (const o of await redis.smembers('{dnsfleet}:zones')) serials.set(o, Number(await redis.hget(`{dnsfleet}:zone:${o}`, 'serial')));
  return serials;
}

describe('operator restart on a real API server @integration', function () {
  this.timeout(400_000);
  let cp: ControlPlane;
  let redis: Redis;
  let api: ZoneApi;
  let operator: OperatorProcess;
  let redisUrl: string;
  const pods: CloudPod[] = [];

  before(async () => {
    cp = await startControlPlane();
    await installCrdsAndClouds(cp);
    redisUrl = (await startRedis()).url;
    redis = new Redis(redisUrl);
    for (const cloud of CLOUDS) pods.push(await startCloudPod(cloud, redisUrl));
    api = await zoneApi(cp.kubeconfig);
    operator = await startOperator(cp, redisUrl);
  });
  after(async () => {
    await operator?.process.stop();
    for (const p of pods) await p.process.stop();
    redis?.disconnect();
    await cp?.stop();
    await stopAll();
  });

  it(`converges after a SIGKILL part-way through ${N} Zones, writing nothing twice`, async () => {
    const applied = await cp.kubectl(['apply', '--server-side', '-f', '-'], manifests(ZONES));
    assert.equal(applied.code, 0, applied.stderr);

    // Kill part-way: once a Zone is Ready, or at the latest when half are written (pods report
    // every 2 s, so the first Ready may come after every write): the second operator then finds
    // Zones Ready, written but not Ready, and not written. The kill is sent from the check itself,
    // right after the count that allowed it, because the operator writes several Zones per poll.
    await waitFor('the operator part-way through', async () => {
      const written = await redis.scard('{dnsfleet}:zones');
      const due = written >= N / 2 || (written >= 1 && (await api.list()).some(isReady));
      if (due) operator.process.process.kill('SIGKILL');
      return due;
    }, 60_000);
    await operator.process.stop();

    const zonesAtKill = await api.list();
    const readyAtKill = zonesAtKill.filter(isReady).length;
    const serialsAtKill = await storedSerials(redis);
    const putsAtKill = await putsPerOrigin(redis);
    const lostByKill = zonesAtKill.filter((z) => serialsAtKill.has(origin(z.spec.zoneName)) && z.status?.serial === undefined).map((z) => z.metadata.name);
    // Make the lost status write certain for a few written Zones (a backup restore does the same).
    const statusRemoved = zonesAtKill.filter((z) => serialsAtKill.has(origin(z.spec.zoneName)) && z.status?.serial !== undefined).slice(0, 5).map((z) => z.metadata.name);
    for (const name of statusRemoved) await api.mergePatchStatus('default', name, { status: null });
    console.log(
      `      at the kill: ${readyAtKill} Ready, ${serialsAtKill.size} written to Redis, ${lostByKill.length} written without their status; status removed from ${statusRemoved.length} more`,
    );
    assert.ok(serialsAtKill.size < N, 'every zone was written before the kill');

    const started = Date.now();
    operator = await startOperator(cp, redisUrl);
    await waitFor(`all ${N} Zones Ready`, async () => (await api.list()).filter(isReady).length === N, 120_000);
    const ready = Date.now() - started;
    const unanswered: string[] = [];
    await inBatches(ZONES, 20, async (z) => {
      const got = await answersA(pods, `www.${z.zoneName}`);
      if (got.some((a) => a !== z.address)) unanswered.push(`${z.zoneName}: ${got.join(', ')}`);
    });
    assert.deepEqual(unanswered, [], 'every zone answered by both clouds');
    console.log(`      the second operator had all ${N} Ready ${ready} ms after it started`);

    const zones = await api.list();
    const serials = await storedSerials(redis);
    const puts = await putsPerOrigin(redis);
    assert.deepEqual([...serials.keys()].sort(), ZONES.map((z) => origin(z.zoneName)).sort(), 'Redis holds exactly one zone per Zone');
    for (const z of zones) {
      const o = origin(z.spec.zoneName);
      assert.equal((z.metadata.finalizers ?? []).filter((f) => f === ZONE_FINALIZER).length, 1, `${z.metadata.name}: one finalizer`);
      assert.deepEqual((z.status?.clouds ?? []).map((c) => c.name).sort(), [...CLOUDS], `${z.metadata.name}: one status.clouds entry per cloud`);
      assert.equal(z.status?.serial, serials.get(o), `${z.metadata.name}: status.serial is the stored serial`);
      assert.equal(puts.get(o), 1, `${o}: written ${puts.get(o) ?? 0} times`);
      if (serialsAtKill.has(o)) {
        assert.equal(serials.get(o), serialsAtKill.get(o), `${o}: serial kept across the restart`);
        assert.equal(puts.get(o), putsAtKill.get(o), `${o}: not written again`);
      }
    }
  });
});
