import { strict as assert } from 'node:assert';
import type { NameserverCloud } from '../crds/v1alpha1/nameservercloud';
import type { DNSSECPolicy } from '../crds/v1alpha1/dnssecpolicy';
import { memoryLogger } from '../dataplane/testkit/memory-logger';
import { MemoryZoneStore } from '../dataplane/store/memory-store';
import { getCondition } from './conditions';
import { FakeKubeClient } from './testkit/fake-kube-client';
import { OperatorStartError, runOperator, type RunningOperator } from './operator';

/**
 * The operator's wiring on the fake KubeClient: watches feed the caches the controllers read,
 * the control server is kept in shape through the queue, and a reconcile reads no object live.
 */

const NS = 'dnsfleet-system';
const pods = { image: 'registry.example/dnsfleet:1.0', redisUrl: 'redis://redis:6379' };

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('runOperator on the fake KubeClient', () => {
  let operator: RunningOperator | undefined;
  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
  });

  it('applies the control server\'s Deployment and Service at start, and a cloud\'s objects and status from its watch event, with no live GET', async () => {
    const kube = new FakeKubeClient();
    const cloud: NameserverCloud = { apiVersion: 'dnsfleet.io/v1alpha1', kind: 'NameserverCloud', metadata: { name: 'a', namespace: NS }, spec: { nameservers: ['ns1.example.net.'], replicas: 1 } };
    kube.put('NameserverCloud', cloud);
    operator = await runOperator({ kube, store: new MemoryZoneStore(), log: memoryLogger(), pods, controlServer: { namespace: NS, allowTransfer: [] } });
    await until('the control server', () => kube.ownedObject('Service', NS, 'dnsfleet-control') !== undefined);
    assert.ok(kube.ownedObject('Deployment', NS, 'dnsfleet-control'));
    await until('the cloud\'s status', () => getCondition(kube.object('NameserverCloud', NS, 'a')?.status?.conditions, 'Ready') !== undefined);
    assert.ok(kube.ownedObject('Deployment', NS, 'dnsfleet-a'));

    const policy: DNSSECPolicy = { apiVersion: 'dnsfleet.io/v1alpha1', kind: 'DNSSECPolicy', metadata: { name: 'p', namespace: NS }, spec: {} };
    kube.put('DNSSECPolicy', policy);
    await until('the policy\'s status', () => getCondition(kube.object('DNSSECPolicy', NS, 'p')?.status?.conditions, 'Ready')?.reason === 'Valid');

    kube.put('NameserverCloud', { ...cloud, spec: { ...cloud.spec, replicas: 3 } });
    await until('the changed Deployment', () => kube.ownedObject('Deployment', NS, 'dnsfleet-a')?.spec.replicas === 3);
    assert.deepEqual(kube.callsOf('get'), [], 'every reconcile read the informer cache');
  });

  it('gives the installation\'s objects the operator\'s Deployment as owner (ownerDeployment), and stops at start when it does not exist', async () => {
    const kube = new FakeKubeClient();
    kube.setDeploymentStatus(NS, 'dnsfleet-operator', { readyReplicas: 1 });
    operator = await runOperator({ kube, store: new MemoryZoneStore(), log: memoryLogger(), pods, controlServer: { namespace: NS, allowTransfer: [] }, ownerDeployment: { namespace: NS, name: 'dnsfleet-operator' } });
    await until('the control server', () => kube.ownedObject('Service', NS, 'dnsfleet-control') !== undefined);
    const owner = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'dnsfleet-operator', uid: `uid-deployment-${NS}-dnsfleet-operator`, controller: false, blockOwnerDeletion: false };
    assert.deepEqual(kube.ownedObject('Deployment', NS, 'dnsfleet-control')?.metadata.ownerReferences, [owner]);
    assert.deepEqual(kube.ownedObject('Service', NS, 'dnsfleet-control')?.metadata.ownerReferences, [owner]);
    assert.deepEqual(kube.secretObject(NS, 'dnsfleet-key-encryption')?.metadata.ownerReferences, [owner]);
    await operator.stop();
    operator = undefined;
    await assert.rejects(
      runOperator({ kube: new FakeKubeClient(), store: new MemoryZoneStore(), log: memoryLogger(), pods, controlServer: { namespace: NS, allowTransfer: [] }, ownerDeployment: { namespace: NS, name: 'gone' } }),
      (err: Error) => err instanceof OperatorStartError && err.message === `the owner Deployment ${NS}/gone does not exist`,
    );
  });
});
