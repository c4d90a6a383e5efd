import { strict as assert } from 'node:assert';
import type { NameserverCloud, NameserverCloudSpec } from '../../crds/v1alpha1/nameservercloud';
import { memoryLogger } from '../../dataplane/testkit/memory-logger';
import { MemoryZoneStore } from '../../dataplane/store/memory-store';
import { StoreUnavailableError } from '../../dataplane/store/zone-store';
import { statusCode } from '../kube/client';
import { conflictError, FakeKubeClient } from '../testkit/fake-kube-client';
import { causeOf, ReconcileStepError } from '../reconcile-error';
import { getCondition } from '../conditions';
import { CloudController } from './cloud-controller';

/**
 * The NameserverCloud reconcile on the fake KubeClient: what it applies, what it writes, and what
 * it does not write when nothing changed; the cache is the fake's own objects (an up-to-date
 * informer), so any live GET would show in `kube.callsOf('get')`.
 */

const NS = 'dns';
const pods = { image: 'registry.example/dnsfleet:1.0', redisUrl: 'redis://redis.dns:6379' };

function cloud(name = 'cloud-a', spec: Partial<NameserverCloudSpec> = {}, namespace = NS): NameserverCloud {
  return { apiVersion: 'dnsfleet.io/v1alpha1', kind: 'NameserverCloud', metadata: { name, namespace }, spec: { nameservers: ['ns1.example.net.'], replicas: 2, ...spec } };
}

function setup(options: { reapplyMs?: number } = {}) {
  const kube = new FakeKubeClient({ now: () => new Date('2026-01-01T00:00:00Z') });
  const store = new MemoryZoneStore();
  const log = memoryLogger();
  const controller = new CloudController({
    kube,
    store,
    log,
    pods,
    cached: (namespace, name) => kube.object('NameserverCloud', namespace, name),
    known: () => kube.list('NameserverCloud'),
    now: () => new Date('2026-01-01T00:00:00Z'),
    ...options,
  });
  const ready = (name = 'cloud-a', namespace = NS) => getCondition(kube.object('NameserverCloud', namespace, name)?.status?.conditions, 'Ready');
  return { kube, store, log, controller, ready };
}

async function failure(run: () => Promise<unknown>): Promise<ReconcileStepError> {
  const err = await run().then(
    () => assert.fail('expected the reconcile to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ReconcileStepError, `a ReconcileStepError, not ${String(err)}`);
  return err;
}

describe('CloudController', () => {
  it('create: applies the Deployment, Service and PDB owned by the cloud, and says PodsStarting until the pods report', async () => {
    const { kube, controller, ready } = setup();
    const uid = kube.put('NameserverCloud', cloud()).metadata.uid;
    const result = await controller.reconcile(`${NS}/cloud-a`);
    assert.deepEqual(
      kube.applied.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
      ['Deployment dns/dnsfleet-cloud-a', 'Service dns/dnsfleet-cloud-a', 'PodDisruptionBudget dns/dnsfleet-cloud-a'],
    );
    for (const o of kube.applied) assert.deepEqual(o.metadata.ownerReferences.map((r) => [r.kind, r.uid, r.controller]), [['NameserverCloud', uid, true]]);
    assert.equal(ready()?.reason, 'PodsStarting');
    assert.deepEqual(kube.object('NameserverCloud', NS, 'cloud-a')?.status, {
      replicas: 2,
      readyReplicas: 0,
      podsServing: 0,
      observedGeneration: 1,
      conditions: [ready()],
    });
    assert.deepEqual(result, { requeueAfterMs: 2000 }, 'looks again soon while not ready');
    assert.deepEqual(kube.events.map((e) => [e.event.type, e.event.reason]), [['Normal', 'PodsStarting']]);
    assert.equal(kube.callsOf('get').length, 0, 'the cloud comes from the cache, not a live GET');
  });

  it('turns Ready (Serving) once as many pods as asked for report serving, with one Event', async () => {
    const { kube, store, controller, ready } = setup();
    kube.put('NameserverCloud', cloud());
    await controller.reconcile(`${NS}/cloud-a`);
    kube.setDeploymentStatus(NS, 'dnsfleet-cloud-a', { readyReplicas: 2 });
    await store.reportServed('cloud-a', 'pod-1', new Map(), 30);
    await store.reportServed('cloud-a', 'pod-2', new Map(), 30);
    kube.resetCalls();
    const result = await controller.reconcile(`${NS}/cloud-a`);
    assert.equal(ready()?.status, 'True');
    assert.equal(ready()?.reason, 'Serving');
    assert.equal(kube.object('NameserverCloud', NS, 'cloud-a')?.status?.readyReplicas, 2);
    assert.equal(kube.object('NameserverCloud', NS, 'cloud-a')?.status?.podsServing, 2);
    assert.deepEqual(result, { requeueAfterMs: 30_000 });
    assert.deepEqual(kube.events.map((e) => e.event.reason), ['Serving']);
    assert.deepEqual(kube.applied, [], 'nothing applied again: the builders produced the same objects');
  });

  it('writes nothing when nothing changed: no apply, no status patch, no Event', async () => {
    const { kube, controller } = setup();
    kube.put('NameserverCloud', cloud());
    await controller.reconcile(`${NS}/cloud-a`);
    kube.resetCalls();
    await controller.reconcile(`${NS}/cloud-a`);
    await controller.reconcile(`${NS}/cloud-a`);
    assert.deepEqual(kube.writes(), []);
  });

  it('applies unchanged objects again once the last apply is older than reapplyMs (drift repair)', async () => {
    const { kube, controller } = setup({ reapplyMs: 0 });
    kube.put('NameserverCloud', cloud());
    await controller.reconcile(`${NS}/cloud-a`);
    kube.resetCalls();
    await controller.reconcile(`${NS}/cloud-a`);
    assert.equal(kube.applied.length, 3);
  });

  it('change: a changed spec applies the new Deployment (and nothing unchanged) and stamps the new generation', async () => {
    const { kube, controller, ready } = setup();
    kube.put('NameserverCloud', cloud());
    await controller.reconcile(`${NS}/cloud-a`);
    kube.resetCalls();
    kube.put('NameserverCloud', cloud('cloud-a', { replicas: 3 }));
    await controller.reconcile(`${NS}/cloud-a`);
    assert.deepEqual(kube.applied.map((o) => o.kind), ['Deployment'], 'the Service and the PDB are the same');
    assert.equal(kube.ownedObject('Deployment', NS, 'dnsfleet-cloud-a')?.spec.replicas, 3);
    const status = kube.object('NameserverCloud', NS, 'cloud-a')?.status;
    assert.equal(status?.replicas, 3);
    assert.equal(status?.observedGeneration, 2);
    assert.equal(ready()?.observedGeneration, 2);
    assert.match(ready()!.message, /0\/3 pods/);
  });

  it('delete: a cloud gone from the cache, or being deleted, is left alone (owner references remove its objects)', async () => {
    const { kube, controller } = setup();
    kube.put('NameserverCloud', { ...cloud(), metadata: { ...cloud().metadata, finalizers: ['example.com/hold'] } });
    await controller.reconcile(`${NS}/cloud-a`);
    kube.delete('NameserverCloud', NS, 'cloud-a');
    kube.resetCalls();
    assert.equal(await controller.reconcile(`${NS}/cloud-a`), undefined);
    assert.deepEqual(kube.calls, [], 'being deleted: nothing read, nothing written');
    assert.equal(await controller.reconcile(`${NS}/gone`), undefined);
    assert.deepEqual(kube.calls, []);
  });

  it('delete: a cloud made again under the same name is applied at once (its new uid in the owner references)', async () => {
    const { kube, controller } = setup();
    kube.put('NameserverCloud', cloud());
    await controller.reconcile(`${NS}/cloud-a`);
    kube.delete('NameserverCloud', NS, 'cloud-a');
    await controller.reconcile(`${NS}/cloud-a`);
    const uid = kube.put('NameserverCloud', cloud()).metadata.uid;
    kube.resetCalls();
    await controller.reconcile(`${NS}/cloud-a`);
    assert.equal(kube.applied.length, 3);
    assert.equal(kube.ownedObject('Deployment', NS, 'dnsfleet-cloud-a')?.metadata.ownerReferences[0]?.uid, uid);
  });

  it('conflict: a second cloud of the same name in another namespace is DuplicateName (a Warning), applies nothing and reads no pods', async () => {
    const { kube, controller, ready } = setup();
    kube.put('NameserverCloud', { ...cloud(), metadata: { name: 'cloud-a', namespace: NS, creationTimestamp: '2025-01-01T00:00:00Z' } });
    kube.put('NameserverCloud', { ...cloud('cloud-a', {}, 'other'), metadata: { name: 'cloud-a', namespace: 'other', creationTimestamp: '2025-06-01T00:00:00Z' } });
    await controller.reconcile('other/cloud-a');
    assert.deepEqual(kube.applied, []);
    assert.equal(kube.callsOf('readDeployment').length, 0);
    const r = ready('cloud-a', 'other');
    assert.equal(r?.reason, 'DuplicateName');
    assert.match(r!.message, /dns\/cloud-a/);
    assert.deepEqual(kube.events.map((e) => [e.event.type, e.event.reason]), [['Warning', 'DuplicateName']]);
    await controller.reconcile(`${NS}/cloud-a`);
    assert.equal(ready()?.reason, 'PodsStarting', 'the first one keeps its name');
  });

  it('conflict: a 409 on the status write comes back named "write status", and the next reconcile writes it', async () => {
    const { kube, controller, ready } = setup();
    kube.put('NameserverCloud', cloud());
    kube.failNext('patchStatus', conflictError('nameserverclouds.dnsfleet.io "cloud-a"'));
    const err = await failure(() => controller.reconcile(`${NS}/cloud-a`));
    assert.equal(err.step, 'write status');
    assert.equal(statusCode(causeOf(err)), 409);
    assert.equal(ready(), undefined);
    await controller.reconcile(`${NS}/cloud-a`);
    assert.equal(ready()?.reason, 'PodsStarting');
  });

  it('error: a failed apply names the object, writes no status, and is applied again by the next reconcile', async () => {
    const { kube, controller, ready } = setup();
    kube.put('NameserverCloud', cloud());
    kube.failNext('apply');
    const err = await failure(() => controller.reconcile(`${NS}/cloud-a`));
    assert.equal(err.step, 'apply Deployment dnsfleet-cloud-a');
    assert.match(err.message, /^apply Deployment dnsfleet-cloud-a: 500: etcdserver: request timed out$/);
    assert.equal(kube.callsOf('patchStatus').length, 0);
    assert.equal(ready(), undefined);
    kube.resetCalls();
    await controller.reconcile(`${NS}/cloud-a`);
    assert.deepEqual(kube.applied.map((o) => o.kind), ['Deployment', 'Service', 'PodDisruptionBudget']);
  });

  it('error: a failed Deployment read and an unreachable store are named by their step; the store error stays underneath', async () => {
    const { kube, store, controller } = setup();
    kube.put('NameserverCloud', cloud());
    kube.failNext('readDeployment');
    assert.equal((await failure(() => controller.reconcile(`${NS}/cloud-a`))).step, 'read Deployment dnsfleet-cloud-a');
    store.unavailable = true;
    const err = await failure(() => controller.reconcile(`${NS}/cloud-a`));
    assert.equal(err.step, 'read the pods serving the cloud from the store');
    assert.ok(causeOf(err) instanceof StoreUnavailableError, 'the operator parks a reconcile that failed on the store (operator.ts)');
  });

  it('error: a failed Event is logged, not a reconcile failure', async () => {
    const { kube, log, controller, ready } = setup();
    kube.put('NameserverCloud', cloud());
    kube.failNext('recordEvent');
    await controller.reconcile(`${NS}/cloud-a`);
    assert.equal(ready()?.reason, 'PodsStarting');
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.msg === 'could not record an event'));
  });
});
