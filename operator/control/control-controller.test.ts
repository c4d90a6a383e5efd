import { strict as assert } from 'node:assert';
import { statusCode } from '../kube/client';
import { FakeKubeClient, serverError } from '../testkit/fake-kube-client';
import { causeOf, ReconcileStepError } from '../reconcile-error';
import { ControlServerController } from './control-controller';
import type { ControlServerSettings } from './control-objects';
import { KeyEncryptionKey } from '../dnssec/kek';

/** The control server's reconcile on the fake KubeClient: its Deployment and Service, written only on change. */

const settings: ControlServerSettings = {
  namespace: 'dnsfleet-system',
  pods: { image: 'registry.example/dnsfleet:1.0', redisUrl: 'redis://redis:6379' },
  allowTransfer: ['10.0.0.0/8'],
};

function setup(s: ControlServerSettings = settings, reapplyMs?: number) {
  let clock = 0;
  const kube = new FakeKubeClient();
  const controller = new ControlServerController({ kube, settings: s, reapplyMs, now: () => clock });
  return { kube, controller, advance: (ms: number) => (clock += ms) };
}

const allowTransferOf = (kube: FakeKubeClient): string[] => {
  const spec = kube.ownedObject('Deployment', 'dnsfleet-system', 'dnsfleet-control')?.spec as { template: { spec: { containers: Array<{ args: string[] }> } } };
  const args = spec.template.spec.containers[0]!.args;
  return args.flatMap((a, i) => (a === '--allow-transfer' ? [args[i + 1]!] : []));
};

describe('ControlServerController', () => {
  it('makes the key-encryption key Secret before the Deployment whose pod reads it, once', async () => {
    const kube = new FakeKubeClient();
    const controller = new ControlServerController({ kube, settings, kek: new KeyEncryptionKey(kube, 'dnsfleet-system') });
    await controller.reconcile();
    await controller.reconcile();
    assert.deepEqual(kube.writes().map((c) => c.method), ['createSecret', 'apply', 'apply']);
    assert.ok(kube.secretObject('dnsfleet-system', 'dnsfleet-key-encryption'));
  });

  it('create: applies the control Deployment (one replica, Recreate) and its Service, without owner references', async () => {
    const { kube, controller } = setup();
    await controller.reconcile();
    assert.deepEqual(kube.applied.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`), ['Deployment dnsfleet-system/dnsfleet-control', 'Service dnsfleet-system/dnsfleet-control']);
    const d = kube.ownedObject('Deployment', 'dnsfleet-system', 'dnsfleet-control')!;
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
    assert.deepEqual(d.metadata.ownerReferences, []);
    assert.deepEqual(allowTransferOf(kube), ['10.0.0.0/8']);
    assert.equal(await kube.readDeployment('dnsfleet-system', 'dnsfleet-control').then((s) => s?.readyReplicas), 0);
  });

  it('writes nothing on a resync when nothing changed, and applies again once reapplyMs passed (drift repair)', async () => {
    const { kube, controller, advance } = setup(settings, 60_000);
    await controller.reconcile();
    kube.resetCalls();
    await controller.reconcile();
    advance(59_999);
    await controller.reconcile();
    assert.deepEqual(kube.writes(), []);
    advance(1);
    await controller.reconcile();
    assert.equal(kube.applied.length, 2);
  });

  it('change: an operator started with other settings applies the changed objects at once', async () => {
    const kube = new FakeKubeClient();
    await new ControlServerController({ kube, settings }).reconcile();
    await new ControlServerController({ kube, settings: { ...settings, allowTransfer: ['192.168.0.0/16'], serviceType: 'LoadBalancer' } }).reconcile();
    assert.deepEqual(allowTransferOf(kube), ['192.168.0.0/16']);
    assert.equal(kube.ownedObject('Service', 'dnsfleet-system', 'dnsfleet-control')?.spec.type, 'LoadBalancer');
  });

  it('error: a failed apply names the object; the next reconcile applies what was not applied', async () => {
    const { kube, controller } = setup();
    kube.failNext('apply');
    const err = await controller.reconcile().then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ReconcileStepError);
    assert.equal(err.step, 'apply Deployment dnsfleet-control');
    assert.equal(statusCode(causeOf(err)), 500);
    assert.equal(kube.applied.length, 0);
    await controller.reconcile();
    assert.deepEqual(kube.applied.map((o) => o.kind), ['Deployment', 'Service']);
  });

  it('error: a Service refused after the Deployment went through is the only object applied again', async () => {
    const { kube, controller } = setup();
    let calls = 0;
    const apply = kube.apply.bind(kube);
    kube.apply = async (o) => {
      if (++calls === 2) throw serverError('Service "dnsfleet-control" is invalid');
      await apply(o);
    };
    const err = await controller.reconcile().catch((e: unknown) => e);
    assert.ok(err instanceof ReconcileStepError);
    assert.equal(err.step, 'apply Service dnsfleet-control');
    kube.resetCalls();
    await controller.reconcile();
    assert.deepEqual(kube.applied.map((o) => o.kind), ['Service']);
  });
});
