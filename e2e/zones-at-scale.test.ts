import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import Redis from 'ioredis';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { stopAll, waitFor } from '../dataplane/testkit/processes';
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
} from './support/fleet';

/**
 * Many Zones applied at once (one `kubectl apply` of a multi-document manifest) all end Ready and
 * are answered by both clouds, each written to Redis once. No time is asserted: timing is the
 * bench's (`npm run bench:operator`, docs/benchmarks.md).
 */

const N = 1000;

describe(`${N} Zones at once on a real API server @integration`, function () {
  this.timeout(400_000);
  let cp: ControlPlane;
  let redisUrl: string;
  let operator: OperatorProcess;
  const pods: CloudPod[] = [];

  before(async () => {
    cp = await startControlPlane();
    await installCrdsAndClouds(cp);
    redisUrl = (await startRedis()).url;
    for (const cloud of CLOUDS) pods.push(await startCloudPod(cloud, redisUrl));
    operator = await startOperator(cp, redisUrl);
  });
  after(async () => {
    await operator?.process.stop();
    for (const p of pods) await p.process.stop();
    await cp?.stop();
    await stopAll();
  });

  it(`makes all ${N} Ready and answered by both clouds`, async () => {
    const zones = benchZones(N, 'scale');
    const applied = await cp.kubectl(['apply', '--server-side', '-f', '-'], manifests(zones));
    assert.equal(applied.code, 0, applied.stderr);
    const api = await zoneApi(cp.kubeconfig);
    await waitFor(`all ${N} Zones Ready`, async () => {
      // Listing a thousand Zones is work for the API server too: twice a second is enough.
      await sleep(500);
      return (await api.list()).filter(isReady).length === N;
    }, 300_000);
    const wrong: string[] = [];
    await inBatches(zones, 20, async (z) => {
      const got = await answersA(pods, `www.${z.zoneName}`);
      if (got.some((a) => a !== z.address)) wrong.push(`${z.zoneName}: ${got.join(', ')}`);
    });
    assert.deepEqual(wrong, [], 'every zone answered by both clouds');
    const redis = new Redis(redisUrl);
    try {
      assert.equal(await redis.scard('{dnsfleet}:zones'), N);
      assert.equal(Number(await redis.get('{dnsfleet}:version')), N, 'each zone written once');
    } finally {
      redis.disconnect();
    }
  });
});
