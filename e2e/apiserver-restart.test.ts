import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { stopAll, waitFor } from '../dataplane/testkit/processes';
import { answersA, installCrdsAndClouds, isReady, startCloudPod, startOperator, startRedis, zoneApi, zoneManifest, zoneNamed, type CloudPod, type OperatorProcess, type ZoneApi } from './support/fleet';

/**
 * Issue 15, "API server stopped and started": on a real API server, with the operator and two
 * cloud pods as processes. While kube-apiserver is away for 15 s the clouds keep answering every
 * zone (they read Redis, not the API server) and the operator keeps running; once it is back the
 * operator's watches reconnect and resync by themselves: a Zone changed and a Zone created right
 * after the restart are written, Ready and answered by both clouds.
 */

describe('the API server stopped and started @integration', function () {
  this.timeout(240_000);
  let cp: ControlPlane;
  let api: ZoneApi;
  let operator: OperatorProcess;
  const pods: CloudPod[] = [];

  const ready = async (name: string): Promise<boolean> => (await api.list()).some((z) => z.metadata.name === name && isReady(z));

  before(async () => {
    cp = await startControlPlane();
    await installCrdsAndClouds(cp);
    const redis = await startRedis();
    for (const cloud of ['cloud-a', 'cloud-b']) pods.push(await startCloudPod(cloud, redis.url));
    api = await zoneApi(cp.kubeconfig);
    operator = await startOperator(cp, redis.url);
  });
  after(async () => {
    await stopAll();
    await cp?.stop();
  });

  it('the clouds answer throughout; the operator reconnects, resyncs, and applies what changed after', async () => {
    assert.equal((await cp.kubectl(['apply', '-f', '-'], zoneManifest(zoneNamed('kept.restart.test', '192.0.2.51')))).code, 0);
    await waitFor('the Zone Ready', () => ready('kept-restart-test'), 30_000);

    // Asked every 100 ms while the API server is away: every answer right.
    let asking = true;
    const wrong: string[] = [];
    let asked = 0;
    const loop = (async () => {
      while (asking) {
        const answers = await answersA(pods, 'www.kept.restart.test', 500).catch((err: Error) => [err.message]);
        asked++;
        for (const a of answers) if (a !== '192.0.2.51') wrong.push(String(a));
        await sleep(100);
      }
    })();
    const stopped = Date.now();
    await cp.restartApiServer(15_000);
    const back = Date.now();
    asking = false;
    await loop;
    assert.deepEqual(wrong, [], `answers while the API server was away (${asked} rounds)`);
    assert.equal(operator.process.process.exitCode, null, `the operator kept running:\n${operator.process.output().slice(-2000)}`);

    // Changed and created after the restart: only a reconnected watch sees these.
    assert.equal((await cp.kubectl(['apply', '-f', '-'], zoneManifest(zoneNamed('kept.restart.test', '192.0.2.52')) + '---\n' + zoneManifest(zoneNamed('new.restart.test', '192.0.2.53')))).code, 0);
    await waitFor('both clouds answer the change', async () => (await answersA(pods, 'www.kept.restart.test')).every((a) => a === '192.0.2.52'), 60_000);
    await waitFor('both clouds answer the new Zone', async () => (await answersA(pods, 'www.new.restart.test')).every((a) => a === '192.0.2.53'), 60_000);
    await waitFor('the new Zone Ready', () => ready('new-restart-test'), 30_000);
    console.log(`      API server away ${back - stopped} ms, ${asked} rounds of queries all answered; changes applied ${Date.now() - back} ms after it was back`);
  });
});
