import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { stopAll, waitFor } from '../dataplane/testkit/processes';
import { MemoryZoneStore } from '../dataplane/store/memory-store';
import { runOperator, type RunningOperator } from '../operator/operator';
import { memoryLogger } from '../dataplane/testkit/memory-logger';

/**
 * Two operator replicas against one real API server: only the holder of the Lease reconciles;
 * when it stops, the other takes the Lease over and carries on.
 */

const ROOT = resolve(__dirname, '../..');
const zone = (address: string): string => `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: le-test, namespace: default }
spec:
  zoneName: le.test
  rrsets: [{ name: www, type: A, records: [${address}] }]
`;

describe('operator leader election @integration', function () {
  this.timeout(300_000);
  let cp: ControlPlane;
  const replicas: Array<{ name: string; op: RunningOperator; store: MemoryZoneStore; log: ReturnType<typeof memoryLogger> }> = [];

  before(async () => {
    cp = await startControlPlane();
    assert.equal((await cp.kubectl(['apply', '-f', join(ROOT, 'crds')])).code, 0);
    await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/zones.dnsfleet.io']);
    for (const name of ['operator-a', 'operator-b']) {
      const store = new MemoryZoneStore();
      const log = memoryLogger();
      const op = await runOperator({
        store,
        log,
        kubeconfig: cp.kubeconfig,
        pods: { image: 'dnsfleet:test', redisUrl: 'redis://127.0.0.1:1' },
        leaderElection: { namespace: 'default', identity: name, leaseSeconds: 3, renewEveryMs: 500, retryEveryMs: 300 },
      });
      replicas.push({ name, op, store, log });
    }
  });
  after(async () => {
    for (const r of replicas) await r.op.stop();
    await cp?.stop();
    await stopAll();
  });

  it('has exactly one leader, and only the leader writes zones', async () => {
    await waitFor('a leader', async () => replicas.some((r) => r.op.isLeader), 10_000);
    await sleep(1000);
    assert.equal(replicas.filter((r) => r.op.isLeader).length, 1);
    assert.equal((await cp.kubectl(['apply', '-f', '-'], zone('192.0.2.1'))).code, 0);
    const leader = replicas.find((r) => r.op.isLeader)!;
    await waitFor('the leader writes the zone', async () => (await leader.store.getZone('le.test.')) !== undefined, 10_000);
    const follower = replicas.find((r) => r !== leader)!;
    assert.equal(await follower.store.getZone('le.test.'), undefined, 'the follower reconciled nothing');
    const lease = await cp.kubectl(['get', 'lease', 'dnsfleet-operator', '-o', 'jsonpath={.spec.holderIdentity}']);
    assert.equal(lease.stdout, leader.name);
  });

  it('hands over to the other replica when the leader stops', async () => {
    const leader = replicas.find((r) => r.op.isLeader)!;
    const follower = replicas.find((r) => r !== leader)!;
    await leader.op.stop();
    await waitFor('the follower leads', async () => follower.op.isLeader, 15_000);
    assert.equal((await cp.kubectl(['apply', '-f', '-'], zone('192.0.2.2'))).code, 0);
    await waitFor('the new leader writes the zone', async () => /192\.0\.2\.2/.test((await follower.store.getZone('le.test.'))?.text ?? ''), 10_000);
  });
});
