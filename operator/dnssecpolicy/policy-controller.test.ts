import { strict as assert } from 'node:assert';
import type { DNSSECPolicy, DNSSECPolicySpec } from '../../crds/v1alpha1/dnssecpolicy';
import { memoryLogger } from '../../dataplane/testkit/memory-logger';
import { statusCode } from '../kube/client';
import { conflictError, FakeKubeClient } from '../testkit/fake-kube-client';
import { causeOf, ReconcileStepError } from '../reconcile-error';
import { getCondition } from '../conditions';
import { PolicyController } from './policy-controller';

/** The DNSSECPolicy reconcile on the fake KubeClient, its cache the fake's objects. */

const NS = 'dns';

function policy(spec: DNSSECPolicySpec = {}, name = 'p'): DNSSECPolicy {
  return { apiVersion: 'dnsfleet.io/v1alpha1', kind: 'DNSSECPolicy', metadata: { name, namespace: NS }, spec };
}

function setup() {
  const kube = new FakeKubeClient();
  const log = memoryLogger();
  const using = new Map<string, number>();
  const controller = new PolicyController({
    kube,
    log,
    cached: (namespace, name) => kube.object('DNSSECPolicy', namespace, name),
    zonesUsing: (namespace, name) => using.get(`${namespace}/${name}`) ?? 0,
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  const ready = (name = 'p') => getCondition(kube.object('DNSSECPolicy', NS, name)?.status?.conditions, 'Ready');
  return { kube, log, using, controller, ready };
}

describe('PolicyController', () => {
  it('create: a sound policy is Valid, counts the zones naming it, with one Normal Event and no live GET', async () => {
    const { kube, using, controller, ready } = setup();
    kube.put('DNSSECPolicy', policy());
    using.set(`${NS}/p`, 2);
    await controller.reconcile(`${NS}/p`);
    assert.equal(ready()?.status, 'True');
    assert.equal(ready()?.reason, 'Valid');
    assert.equal(kube.object('DNSSECPolicy', NS, 'p')?.status?.zones, 2);
    assert.equal(kube.object('DNSSECPolicy', NS, 'p')?.status?.observedGeneration, 1);
    assert.deepEqual(kube.events.map((e) => [e.event.type, e.event.reason]), [['Normal', 'Valid']]);
    assert.equal(kube.callsOf('get').length, 0);
  });

  it('writes nothing when nothing changed', async () => {
    const { kube, controller } = setup();
    kube.put('DNSSECPolicy', policy());
    await controller.reconcile(`${NS}/p`);
    kube.resetCalls();
    await controller.reconcile(`${NS}/p`);
    assert.deepEqual(kube.writes(), []);
  });

  it('change: a spec the schema cannot refuse but the timing rules do turns Invalid (a Warning naming the field); a new zone count is written', async () => {
    const { kube, using, controller, ready } = setup();
    kube.put('DNSSECPolicy', policy());
    await controller.reconcile(`${NS}/p`);
    kube.resetCalls();
    kube.put('DNSSECPolicy', policy({ signatures: { validity: '24h', refresh: '23h50m' }, propagationDelay: '15m' }));
    await controller.reconcile(`${NS}/p`);
    assert.equal(ready()?.status, 'False');
    assert.equal(ready()?.reason, 'Invalid');
    assert.match(ready()!.message, /^spec\.signatures\.refresh: /);
    assert.equal(ready()?.observedGeneration, 2);
    assert.deepEqual(kube.events.map((e) => [e.event.type, e.event.reason]), [['Warning', 'Invalid']]);
    kube.resetCalls();
    using.set(`${NS}/p`, 1);
    await controller.reconcile(`${NS}/p`);
    assert.equal(kube.object('DNSSECPolicy', NS, 'p')?.status?.zones, 1);
    assert.deepEqual(kube.writes().map((c) => c.method), ['patchStatus'], 'the count changed, the reason did not: no Event');
  });

  it('delete: a policy gone or being deleted is left alone', async () => {
    const { kube, controller } = setup();
    kube.put('DNSSECPolicy', { ...policy(), metadata: { name: 'p', namespace: NS, finalizers: ['example.com/hold'] } });
    kube.delete('DNSSECPolicy', NS, 'p');
    kube.resetCalls();
    await controller.reconcile(`${NS}/p`);
    await controller.reconcile(`${NS}/gone`);
    assert.deepEqual(kube.calls, []);
  });

  it('conflict and error: a failed status write comes back named "write status" with the API error underneath, and the next reconcile writes it', async () => {
    const { kube, controller, ready } = setup();
    kube.put('DNSSECPolicy', policy());
    kube.failNext('patchStatus', conflictError('dnssecpolicies.dnsfleet.io "p"'));
    const err = await controller.reconcile(`${NS}/p`).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ReconcileStepError);
    assert.equal(err.step, 'write status');
    assert.equal(statusCode(causeOf(err)), 409);
    assert.equal(ready(), undefined);
    assert.deepEqual(kube.events, [], 'no Event for a status that was not written');
    await controller.reconcile(`${NS}/p`);
    assert.equal(ready()?.reason, 'Valid');
  });
});
