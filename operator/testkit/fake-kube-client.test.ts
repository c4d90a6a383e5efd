import { strict as assert } from 'node:assert';
import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import { describeKubeError, statusCode } from '../kube/client';
import { FakeKubeClient, serverError } from './fake-kube-client';

function policy(name: string, finalizers?: string[]): DNSSECPolicy {
  return { apiVersion: 'dnsfleet.io/v1alpha1', kind: 'DNSSECPolicy', metadata: { name, namespace: 'ns', ...(finalizers ? { finalizers } : {}) }, spec: {} } as DNSSECPolicy;
}

describe('FakeKubeClient', () => {
  it('gives new objects a uid, generation 1 and a resourceVersion; a spec change bumps the generation, the same spec does not', () => {
    const kube = new FakeKubeClient();
    const first = kube.put('DNSSECPolicy', policy('p'));
    assert.equal(first.metadata.generation, 1);
    assert.ok(first.metadata.uid);
    assert.ok(first.metadata.resourceVersion);
    const same = kube.put('DNSSECPolicy', policy('p'));
    assert.equal(same.metadata.generation, 1);
    assert.equal(same.metadata.resourceVersion, first.metadata.resourceVersion, 'an update that changes nothing is a no-op');
    const labelled = kube.put('DNSSECPolicy', { ...policy('p'), metadata: { ...policy('p').metadata, labels: { team: 'dns' } } });
    assert.equal(labelled.metadata.generation, 1, 'metadata alone does not bump the generation');
    assert.notEqual(labelled.metadata.resourceVersion, first.metadata.resourceVersion);
    const changed = kube.put('DNSSECPolicy', { ...policy('p'), spec: { dnskeyTTL: 60 } } as DNSSECPolicy);
    assert.equal(changed.metadata.generation, 2);
    assert.equal(changed.metadata.uid, first.metadata.uid);
  });

  it('lists to a new watch first, then delivers updates and deletes after the write returned', async () => {
    const kube = new FakeKubeClient();
    kube.put('DNSSECPolicy', policy('a'));
    const seen: string[] = [];
    const stop = await kube.watch('DNSSECPolicy', {
      onChange: (o) => seen.push(`change ${o.metadata.name} ${o.status?.zones ?? '-'}`),
      onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
      onError: () => assert.fail('no error expected'),
    });
    assert.deepEqual(seen, ['change a -']);
    await kube.patchStatus('DNSSECPolicy', 'ns', 'a', { zones: 3 });
    assert.deepEqual(seen, ['change a -'], 'delivered asynchronously, as an informer does');
    await kube.settle();
    kube.delete('DNSSECPolicy', 'ns', 'a');
    await kube.settle();
    assert.deepEqual(seen, ['change a -', 'change a 3', 'delete a']);
    await stop();
    kube.put('DNSSECPolicy', policy('b'));
    await kube.settle();
    assert.equal(seen.length, 3, 'nothing after the watch stopped');
  });

  it('keeps the status and finalizers an update leaves out, as a user\'s apply does', async () => {
    const kube = new FakeKubeClient();
    kube.put('DNSSECPolicy', policy('p', ['dnsfleet.io/f']));
    await kube.patchStatus('DNSSECPolicy', 'ns', 'p', { zones: 1 });
    const after = kube.put('DNSSECPolicy', { ...policy('p'), spec: { dnskeyTTL: 60 } } as DNSSECPolicy);
    assert.deepEqual(after.status, { zones: 1 });
    assert.deepEqual(after.metadata.finalizers, ['dnsfleet.io/f']);
    assert.equal(after.metadata.generation, 2);
  });

  it('merges status patches (RFC 7386) and does not bump the resourceVersion for an unchanged one', async () => {
    const kube = new FakeKubeClient();
    kube.put('DNSSECPolicy', { ...policy('p'), status: { zones: 1, observedGeneration: 1 } } as DNSSECPolicy);
    await kube.patchStatus('DNSSECPolicy', 'ns', 'p', { zones: 2 });
    const after = kube.object('DNSSECPolicy', 'ns', 'p')!;
    assert.deepEqual(after.status, { zones: 2, observedGeneration: 1 });
    await kube.patchStatus('DNSSECPolicy', 'ns', 'p', { zones: 2 });
    assert.equal(kube.object('DNSSECPolicy', 'ns', 'p')!.metadata.resourceVersion, after.metadata.resourceVersion);
  });

  it('refuses a finalizer write with a stale resourceVersion as the API server does (409, client-node error shape)', async () => {
    const kube = new FakeKubeClient();
    const stale = kube.put('DNSSECPolicy', policy('p'));
    kube.put('DNSSECPolicy', { ...policy('p'), metadata: { ...policy('p').metadata, labels: { x: 'y' } } });
    const err = await kube.setFinalizers('DNSSECPolicy', 'ns', 'p', ['f'], stale.metadata.resourceVersion).then(
      () => assert.fail('expected a conflict'),
      (e: unknown) => e,
    );
    assert.equal(statusCode(err), 409);
    assert.match(describeKubeError(err), /^409: Operation cannot be fulfilled on dnssecpolicies\.dnsfleet\.io "p": the object has been modified/);
    const fresh = kube.object('DNSSECPolicy', 'ns', 'p')!;
    await kube.setFinalizers('DNSSECPolicy', 'ns', 'p', ['f'], fresh.metadata.resourceVersion);
    assert.deepEqual(kube.object('DNSSECPolicy', 'ns', 'p')!.metadata.finalizers, ['f']);
  });

  it('keeps an object with finalizers until they are removed, then deletes it', async () => {
    const kube = new FakeKubeClient();
    kube.put('DNSSECPolicy', policy('p', ['f']));
    kube.delete('DNSSECPolicy', 'ns', 'p');
    const deleting = kube.object('DNSSECPolicy', 'ns', 'p')!;
    assert.ok(deleting.metadata.deletionTimestamp);
    await kube.setFinalizers('DNSSECPolicy', 'ns', 'p', [], deleting.metadata.resourceVersion);
    assert.equal(kube.object('DNSSECPolicy', 'ns', 'p'), undefined);
    await assert.rejects(kube.patchStatus('DNSSECPolicy', 'ns', 'p', { zones: 1 }), (e: unknown) => statusCode(e) === 404);
  });

  it('fails the next call of a method when told, once per failure queued', async () => {
    const kube = new FakeKubeClient();
    kube.put('DNSSECPolicy', policy('p'));
    kube.failNext('get');
    kube.failNext('get', serverError('second'));
    await assert.rejects(kube.get('DNSSECPolicy', 'ns', 'p'), (e: unknown) => statusCode(e) === 500);
    await assert.rejects(kube.get('DNSSECPolicy', 'ns', 'p'), (e: unknown) => describeKubeError(e) === '500: second');
    assert.equal((await kube.get('DNSSECPolicy', 'ns', 'p'))?.metadata.name, 'p');
  });

  it('records applies, Deployments with a settable status, Secrets, Events and Leases', async () => {
    const kube = new FakeKubeClient();
    assert.equal(await kube.readDeployment('ns', 'd'), undefined);
    await kube.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns', labels: {}, ownerReferences: [] }, spec: { replicas: 2 } });
    assert.equal((await kube.readDeployment('ns', 'd'))?.readyReplicas, 0);
    kube.setDeploymentStatus('ns', 'd', { readyReplicas: 2 });
    assert.equal((await kube.readDeployment('ns', 'd'))?.readyReplicas, 2);
    assert.deepEqual(kube.ownedObject('Deployment', 'ns', 'd')?.spec, { replicas: 2 });
    kube.setSecret('ns', 's', { key: 'v' });
    assert.deepEqual(await kube.readSecret('ns', 's'), { key: 'v' });
    await kube.recordEvent({ kind: 'Zone', metadata: { name: 'z', namespace: 'ns' } }, { type: 'Normal', reason: 'R', action: 'Reconcile', note: 'n' });
    assert.equal(kube.events[0]?.event.reason, 'R');
    assert.equal(await kube.writeLease('ns', 'l', 'me', 15, true, undefined), true);
    assert.equal(await kube.writeLease('ns', 'l', 'other', 15, true, undefined), false, 'a create over an existing Lease is a conflict');
    const lease = await kube.readLease('ns', 'l');
    assert.equal(lease?.holder, 'me');
    assert.equal(await kube.writeLease('ns', 'l', 'me', 15, false, lease?.resourceVersion), true);
    assert.equal(await kube.writeLease('ns', 'l', 'other', 15, true, lease?.resourceVersion), false, 'a stale version is a conflict');
    await kube.releaseLease('ns', 'l', 'me');
    assert.equal((await kube.readLease('ns', 'l'))?.holder, '');
    assert.deepEqual(kube.writes().map((c) => c.method), ['apply', 'recordEvent', 'writeLease', 'writeLease', 'writeLease', 'writeLease', 'releaseLease']);
  });
});
