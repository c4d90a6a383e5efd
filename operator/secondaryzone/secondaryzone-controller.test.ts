import { strict as assert } from 'node:assert';
import type { NameserverCloud } from '../../crds/v1alpha1/nameservercloud';
import type { SecondaryZone } from '../../crds/v1alpha1/secondaryzone';
import { memoryLogger } from '../../dataplane/testkit/memory-logger';
import { MemoryZoneStore } from '../../dataplane/store/memory-store';
import { StoreUnavailableError } from '../../dataplane/store/zone-store';
import { conflictError, FakeKubeClient } from '../testkit/fake-kube-client';
import { countedStore } from '../testkit/counted-store';
import { watchCache } from '../testkit/fake-cache';
import { causeOf, ReconcileStepError } from '../reconcile-error';
import { TsigSecrets } from '../tsig-secrets';
import { missingClouds, SECONDARY_ZONE_FINALIZER, SecondaryZoneController, servingClouds } from './secondaryzone-controller';
import { secondaryConfigOf, secondaryReadyCondition, statusFields } from './secondary-status';

const cloud = (name: string, ipv4: string[], namespace = 'dnsfleet-system', creationTimestamp = '2026-12-06T10:00:00Z'): NameserverCloud => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'NameserverCloud',
  metadata: { name, namespace, creationTimestamp },
  spec: { nameservers: [`ns.${name}.${namespace}.example.`], addresses: { ipv4 } },
});
const zone = (extra: Partial<SecondaryZone['spec']> = {}): SecondaryZone => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'SecondaryZone',
  metadata: { name: 'example-net' },
  spec: { zoneName: 'example.net', primaries: [{ address: '192.0.2.1' }, { address: '2001:db8::1', port: 5300 }], ...extra },
});

describe('SecondaryZone status', () => {
  it('lists every cloud with what it announces, or only the clouds the zone names', () => {
    const clouds = [cloud('cloud-b', ['198.51.100.53']), cloud('cloud-a', ['192.0.2.53'])];
    assert.deepEqual(servingClouds(zone(), clouds), [
      { cloud: 'cloud-a', nameservers: ['ns.cloud-a.dnsfleet-system.example.'], addresses: ['192.0.2.53'] },
      { cloud: 'cloud-b', nameservers: ['ns.cloud-b.dnsfleet-system.example.'], addresses: ['198.51.100.53'] },
    ]);
    assert.deepEqual(servingClouds(zone({ nameserverClouds: ['cloud-b'] }), clouds).map((c) => c.cloud), ['cloud-b']);
  });

  it('takes nothing from a later cloud of the same name in another namespace (DuplicateName)', () => {
    const first = cloud('cloud-a', ['192.0.2.53']);
    const duplicate = cloud('cloud-a', ['203.0.113.66'], 'team-b', '2026-12-06T11:00:00Z');
    for (const order of [[first, duplicate], [duplicate, first]]) {
      assert.deepEqual(servingClouds(zone(), order), [{ cloud: 'cloud-a', nameservers: ['ns.cloud-a.dnsfleet-system.example.'], addresses: ['192.0.2.53'] }]);
    }
  });

  it('names the clouds the zone asks for that do not exist', () => {
    assert.deepEqual(missingClouds(zone({ nameserverClouds: ['cloud-a', 'cloud-c'] }), [cloud('cloud-a', [])]), ['cloud-c']);
    assert.deepEqual(missingClouds(zone(), []), []);
  });

  it('says Unknown/Pending until a transfer, naming the primaries', () => {
    assert.deepEqual(secondaryReadyCondition(zone(), undefined, []), { type: 'Ready', status: 'Unknown', reason: 'Pending', message: 'no transfer from 192.0.2.1:53, [2001:db8::1]:5300 yet' });
  });

  const state = (extra = {}) => ({ origin: 'example.net.', serial: 7, lastTransferMs: Date.UTC(2026, 10, 24, 10, 0, 0), expired: false, presigned: false, primaries: [{ address: '192.0.2.1', port: 53, ok: true, lastAttemptMs: Date.UTC(2026, 10, 24, 10, 0, 0) }], problem: '', ...extra });
  const synced = [{ name: 'cloud-a', serial: 7, pods: 2, podsInSync: 2 }];

  it('is Transferred once every pod serves the transferred serial, Propagating before', () => {
    assert.deepEqual(secondaryReadyCondition(zone(), state(), synced), { type: 'Ready', status: 'True', reason: 'Transferred', message: 'serial 7 transferred and served by every pod of cloud-a' });
    assert.deepEqual(secondaryReadyCondition(zone(), state(), [{ name: 'cloud-a', serial: 7, pods: 3, podsInSync: 3 }]), secondaryReadyCondition(zone(), state(), synced), 'the same message with more pods');
    assert.equal(secondaryReadyCondition(zone(), state(), [{ name: 'cloud-a', pods: 2, podsInSync: 1 }]).reason, 'Propagating');
  });

  it('says UnknownCloud for a named cloud that does not exist, NoNameserverCloud when none serves it', () => {
    const c = secondaryReadyCondition(zone({ nameserverClouds: ['cloud-a', 'cloud-c'] }), state(), synced, ['cloud-c']);
    assert.deepEqual([c.status, c.reason], ['False', 'UnknownCloud']);
    assert.match(c.message, /no NameserverCloud named cloud-c/);
    assert.equal(secondaryReadyCondition(zone(), state(), []).reason, 'NoNameserverCloud');
  });

  it('says TransferFailed while the last good copy serves, and Expired once it no longer does', () => {
    const failed = secondaryReadyCondition(zone(), state({ problem: '192.0.2.1:53: timeout' }), synced);
    assert.equal(failed.reason, 'TransferFailed');
    assert.match(failed.message, /serial 7 still served; the last check failed: 192\.0\.2\.1:53: timeout/);
    assert.equal(secondaryReadyCondition(zone(), state({ expired: true, problem: 'expired: x' }), synced).reason, 'Expired');
  });

  it('turns the control server\'s report into status fields', () => {
    const f = statusFields(state({ primaries: [{ address: '192.0.2.1', port: 53, ok: false, error: 'REFUSED', lastAttemptMs: Date.UTC(2026, 10, 24, 10, 0, 0) }] }), synced);
    assert.equal(f.lastTransfer, '2026-11-24T10:00:00Z');
    assert.deepEqual(f.primaries, [{ address: '192.0.2.1', port: 53, status: 'FAILED', errorMessage: 'REFUSED', lastAttempt: '2026-11-24T10:00:00Z' }]);
  });

  it('hands the control server the zone with ports, refresh overrides, key and the retrieve annotation', () => {
    const z = zone({ refresh: { minimumRefresh: 60 } });
    z.metadata.annotations = { 'dnsfleet.io/retrieve': '2026-11-24' };
    assert.deepEqual(secondaryConfigOf(z, { name: 'k.', algorithm: 'hmac-sha256', secret: 'c2VjcmV0' }), {
      origin: 'example.net.',
      primaries: [{ address: '192.0.2.1', port: 53 }, { address: '2001:db8::1', port: 5300 }],
      tsig: { name: 'k.', algorithm: 'hmac-sha256', secret: 'c2VjcmV0' },
      refresh: { minimumRefresh: 60 },
      clouds: 'all',
      retrieve: '2026-11-24',
    });
  });
});

describe('SecondaryZoneController', () => {
  const KEY = 'default/example-net';
  const ORIGIN = 'example.net.';
  const SECRET = { name: 'k1.', algorithm: 'hmac-sha256', secret: 'MwlAlxma+WB9V/BmAtcLQdnehWiM1Qm6hx0NEWUMY3Q=' };

  async function setup() {
    const kube = new FakeKubeClient({ now: () => new Date('2026-12-06T12:00:00Z') });
    const memory = new MemoryZoneStore();
    const { store, calls } = countedStore(memory);
    const cache = await watchCache(kube, 'SecondaryZone');
    const clock = { ms: 0 };
    const controller = new SecondaryZoneController({
      kube,
      store,
      log: memoryLogger(),
      secondaryZone: cache.get,
      clouds: () => [cloud('cloud-a', ['192.0.2.53'])],
      policy: () => undefined,
      secrets: new TsigSecrets(kube, { now: () => clock.ms }),
      now: () => new Date('2026-12-06T12:00:00Z'),
    });
    const put = async (z: SecondaryZone): Promise<void> => {
      const current = kube.object('SecondaryZone', 'default', 'example-net');
      kube.put('SecondaryZone', current ? { ...current, metadata: { ...current.metadata, annotations: z.metadata.annotations }, spec: z.spec } : { ...z, metadata: { ...z.metadata, namespace: 'default' } });
      await kube.settle();
    };
    const reconcile = async () => {
      const r = await controller.reconcile(KEY);
      await kube.settle();
      return r;
    };
    const status = () => kube.object('SecondaryZone', 'default', 'example-net')?.status ?? {};
    const ready = () => status().conditions?.find((c) => c.type === 'Ready');
    const resetCalls = () => {
      kube.resetCalls();
      calls.clear();
    };
    return { kube, memory, calls, cache, clock, controller, put, reconcile, status, ready, resetCalls };
  }

  it('create: the finalizer first, then the configuration handed to the control server with its owner tag; Pending until a transfer', async () => {
    const s = await setup();
    await s.put(zone());
    assert.equal(await s.reconcile(), undefined);
    assert.deepEqual(s.kube.object('SecondaryZone', 'default', 'example-net')?.metadata.finalizers, [SECONDARY_ZONE_FINALIZER]);
    assert.equal(s.calls.get('putSecondary'), undefined);
    assert.deepEqual(await s.reconcile(), { requeueAfterMs: 2000 });
    assert.deepEqual(await s.memory.getSecondary(ORIGIN), { ...secondaryConfigOf(zone(), undefined), owner: 'SecondaryZone/default/example-net' });
    assert.deepEqual([s.ready()?.status, s.ready()?.reason], ['Unknown', 'Pending']);
    assert.equal(s.status().writtenZoneName, ORIGIN);
    assert.equal(s.kube.callsOf('get').length, 0, 'read from the cache');
  });

  it('a progress check reads the control server\'s report and the pods\' reports, and hands nothing over again', async () => {
    const s = await setup();
    await s.put(zone());
    await s.reconcile();
    await s.reconcile();
    s.resetCalls();
    await s.reconcile();
    assert.deepEqual(Object.fromEntries(s.calls), { secondaryState: 1 }, 'no transfer yet: no cloud to ask');
    assert.deepEqual(s.kube.calls, []);

    await s.memory.reportSecondary({ origin: ORIGIN, serial: 7, lastTransferMs: Date.UTC(2026, 11, 6, 12), expired: false, presigned: false, primaries: [{ address: '192.0.2.1', port: 53, ok: true }], problem: '' });
    await s.reconcile();
    assert.equal(s.ready()?.reason, 'Propagating');
    await s.memory.reportServed('cloud-a', 'a-0', new Map([[ORIGIN, 7]]), 60);
    assert.deepEqual(await s.reconcile(), { requeueAfterMs: 30_000 });
    assert.equal(s.ready()?.reason, 'Transferred');
    assert.deepEqual(s.kube.events.map((e) => `${e.event.type}/${e.event.reason}`), ['Normal/Propagating', 'Normal/Transferred']);
    s.resetCalls();
    await s.reconcile();
    assert.deepEqual(Object.fromEntries(s.calls), { secondaryState: 1, servedBy: 1 });
    assert.deepEqual(s.kube.calls, [], 'unchanged: no status write, no Event');
  });

  it('change: a new retrieve annotation (no new generation) is handed over once', async () => {
    const s = await setup();
    await s.put(zone());
    await s.reconcile();
    await s.reconcile();
    const z = zone();
    z.metadata.annotations = { 'dnsfleet.io/retrieve': '1' };
    await s.put(z);
    s.resetCalls();
    await s.reconcile();
    await s.reconcile();
    assert.equal(s.calls.get('putSecondary'), 1);
    assert.equal((await s.memory.getSecondary(ORIGIN))?.retrieve, '1');
  });

  it('error: a missing or unusable TSIG Secret is TransferFailed naming it, nothing handed over, looked at again in 30 s', async () => {
    const s = await setup();
    await s.put(zone({ tsigKeySecretRef: { name: 'k1' } }));
    await s.reconcile();
    assert.deepEqual(await s.reconcile(), { requeueAfterMs: 30_000 });
    assert.deepEqual([s.ready()?.status, s.ready()?.reason, s.ready()?.message], ['False', 'TransferFailed', 'TSIG key: Secret default/k1 not found']);
    assert.equal(s.status().problem, 'TSIG key: Secret default/k1 not found');
    assert.equal(await s.memory.getSecondary(ORIGIN), undefined);

    s.kube.setSecret('default', 'k1', { ...SECRET, secret: 'not base64!' });
    s.clock.ms += 30_000;
    await s.reconcile();
    assert.match(s.ready()?.message ?? '', /^TSIG key: Secret default\/k1: secret: /);
    s.kube.setSecret('default', 'k1', SECRET);
    s.clock.ms += 30_000;
    await s.reconcile();
    assert.deepEqual((await s.memory.getSecondary(ORIGIN))?.tsig, SECRET);
    assert.equal(s.ready()?.reason, 'Pending');
  });

  it('error: the store unavailable fails the reconcile naming the step', async () => {
    const s = await setup();
    await s.put(zone());
    await s.reconcile();
    s.memory.unavailable = true;
    const err = await s.controller.reconcile(KEY).catch((e: unknown) => e);
    assert.ok(err instanceof ReconcileStepError);
    assert.equal(err.step, 'read the configuration of example.net. from the store');
    assert.ok(causeOf(err) instanceof StoreUnavailableError);
  });

  it('conflict: a 409 on the finalizer write looks again soon, without an error', async () => {
    const s = await setup();
    await s.put(zone());
    s.kube.failNext('setFinalizers', conflictError('secondaryzones.dnsfleet.io "example-net"'));
    assert.deepEqual(await s.reconcile(), { requeueAfterMs: 1000 });
    await s.reconcile();
    assert.deepEqual(s.kube.object('SecondaryZone', 'default', 'example-net')?.metadata.finalizers, [SECONDARY_ZONE_FINALIZER]);
  });

  it('delete: removes the configuration and the copy from the store, then the finalizer', async () => {
    const s = await setup();
    await s.put(zone());
    await s.reconcile();
    await s.reconcile();
    await s.memory.putZone({ origin: ORIGIN, serial: 7, clouds: 'all', text: '$ORIGIN example.net.\n', owner: 'SecondaryZone/default/example-net' });
    s.kube.delete('SecondaryZone', 'default', 'example-net');
    await s.kube.settle();
    await s.reconcile();
    assert.equal(await s.memory.getSecondary(ORIGIN), undefined);
    assert.equal(await s.memory.getZone(ORIGIN), undefined);
    assert.equal(s.kube.object('SecondaryZone', 'default', 'example-net'), undefined);
  });

  it('refuses a name a Zone holds in the store (the store\'s guard)', async () => {
    const s = await setup();
    await s.memory.putZone({ origin: ORIGIN, serial: 1, clouds: 'all', text: '$ORIGIN example.net.\n', owner: 'Zone/default/example-net' });
    await s.put(zone());
    await s.reconcile();
    await s.reconcile();
    assert.equal(s.ready()?.reason, 'ZoneNameTaken');
    assert.equal(await s.memory.getSecondary(ORIGIN), undefined);
  });
});
