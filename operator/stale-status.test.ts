import { strict as assert } from 'node:assert';
import type { NameserverCloud } from '../crds/v1alpha1/nameservercloud';
import { memoryLogger } from '../dataplane/testkit/memory-logger';
import type { StoreHealthState } from '../dataplane/store/store-health';
import { getCondition } from './conditions';
import { FakeKubeClient } from './testkit/fake-kube-client';
import { markReady, staleCondition, storeFullCondition } from './stale-status';

describe('markReady (the work queue\'s error path)', () => {
  const down: StoreHealthState = { state: 'down', since: Date.parse('2026-01-01T00:00:00Z'), outages: 1 };
  const stale = staleCondition(down);
  const cloud: NameserverCloud = { apiVersion: 'dnsfleet.io/v1alpha1', kind: 'NameserverCloud', metadata: { name: 'a', namespace: 'ns' }, spec: { nameservers: ['ns1.example.net.'] } };

  it('sets Ready Unknown/StoreUnavailable from the cached object, once per outage, with no live GET', async () => {
    const kube = new FakeKubeClient();
    kube.put('NameserverCloud', { ...cloud, status: { replicas: 2, podsServing: 2 } });
    await markReady(kube, memoryLogger(), 'NameserverCloud', kube.object('NameserverCloud', 'ns', 'a'), stale);
    const status = kube.object('NameserverCloud', 'ns', 'a')?.status;
    assert.equal(getCondition(status?.conditions, 'Ready')?.reason, 'StoreUnavailable');
    assert.equal(status?.podsServing, 2, 'the rest of the status stays');
    kube.resetCalls();
    await markReady(kube, memoryLogger(), 'NameserverCloud', kube.object('NameserverCloud', 'ns', 'a'), stale);
    assert.deepEqual(kube.calls, [], 'already says so: nothing read, nothing written');
  });

  it('leaves an object gone or being deleted alone, and logs a failed write', async () => {
    const kube = new FakeKubeClient();
    await markReady(kube, memoryLogger(), 'NameserverCloud', undefined, stale);
    await markReady(kube, memoryLogger(), 'NameserverCloud', { ...cloud, metadata: { ...cloud.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }, stale);
    assert.deepEqual(kube.calls, []);
    kube.put('NameserverCloud', cloud);
    kube.failNext('patchStatus');
    const log = memoryLogger();
    await markReady(kube, log, 'NameserverCloud', kube.object('NameserverCloud', 'ns', 'a'), stale);
    assert.deepEqual(log.lines.map((l) => [l.level, l.msg, l.fields?.error]), [['warn', 'could not write a status from a failed reconcile', '500: etcdserver: request timed out']]);
  });

  it('says StoreFull with Redis\'s words when the store refused a version, once', async () => {
    const kube = new FakeKubeClient();
    kube.put('Zone', { apiVersion: 'dnsfleet.io/v1alpha1', kind: 'Zone', metadata: { name: 'z', namespace: 'ns', generation: 3 }, spec: { zoneName: 'z.test' } } as never);
    const ready = storeFullCondition("OOM command not allowed when used memory > 'maxmemory'.");
    assert.equal(await markReady(kube, memoryLogger(), 'Zone', kube.object('Zone', 'ns', 'z'), ready), true);
    const condition = (kube.object('Zone', 'ns', 'z')!.status as { conditions: Array<{ reason: string; status: string; message: string }> }).conditions[0]!;
    assert.deepEqual([condition.status, condition.reason], ['False', 'StoreFull']);
    assert.match(condition.message, /is full and refused this version \(OOM command not allowed/);
    assert.equal(await markReady(kube, memoryLogger(), 'Zone', kube.object('Zone', 'ns', 'z'), ready), false, 'nothing written twice');
  });
});
