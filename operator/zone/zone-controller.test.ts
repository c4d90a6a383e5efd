import { strict as assert } from 'node:assert';
import type { Zone, ZoneSpec } from '../../crds/v1alpha1/zone';
import { memoryLogger } from '../../dataplane/testkit/memory-logger';
import { MemoryZoneStore } from '../../dataplane/store/memory-store';
import { StoreUnavailableError } from '../../dataplane/store/zone-store';
import { conflictError, FakeKubeClient } from '../testkit/fake-kube-client';
import { countedStore } from '../testkit/counted-store';
import { watchCache, type FakeCache } from '../testkit/fake-cache';
import { causeOf, ReconcileStepError } from '../reconcile-error';
import { ZoneNames } from '../ownership';
import { TsigSecrets } from '../tsig-secrets';
import { ZONE_FINALIZER, ZoneController } from './zone-controller';

/**
 * The zone controller on the fake KubeClient and the memory store: create, change, delete,
 * conflicts, failures, and that a progress check neither builds nor writes the zone again.
 */

const KEY = 'default/example-com';
const ORIGIN = 'example.com.';
const SECRET = { name: 'k1.', algorithm: 'hmac-sha256', secret: 'MwlAlxma+WB9V/BmAtcLQdnehWiM1Qm6hx0NEWUMY3Q=' };

const zone = (spec: Partial<ZoneSpec> = {}, name = 'example-com'): Zone => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'Zone',
  metadata: { name, namespace: 'default' },
  spec: { zoneName: 'example.com', rrsets: [{ name: '@', type: 'NS', records: ['ns1.example.net.'] }, { name: 'www', type: 'A', records: ['192.0.2.1'] }], ...spec },
});

interface Setup {
  kube: FakeKubeClient;
  memory: MemoryZoneStore;
  calls: Map<string, number>;
  cache: FakeCache<'Zone'>;
  controller: ZoneController;
  states: Map<string, string | undefined>;
  epoch: { id: string };
  secondsNow: { ms: number };
  /** Reconciles `KEY`, then lets the watch events of its writes reach the cache. */
  reconcile(): Promise<{ requeueAfterMs?: number } | void>;
  /** Counts calls from here on. */
  resetCalls(): void;
  status(): NonNullable<Zone['status']>;
  ready(): { status: string; reason: string; message: string } | undefined;
}

async function setup(options: { clouds?: string[]; names?: ZoneNames } = {}): Promise<Setup> {
  const kube = new FakeKubeClient({ now: () => new Date('2026-12-06T12:00:00Z') });
  const memory = new MemoryZoneStore();
  const { store, calls } = countedStore(memory);
  const cache = await watchCache(kube, 'Zone');
  const states = new Map<string, string | undefined>();
  const epoch = { id: 'epoch-1' };
  const secondsNow = { ms: 0 };
  const controller = new ZoneController({
    kube,
    store,
    log: memoryLogger(),
    zone: cache.get,
    clouds: () => options.clouds ?? ['cloud-a'],
    policy: () => undefined,
    secrets: new TsigSecrets(kube, { now: () => secondsNow.ms }),
    storeEpoch: () => epoch.id,
    now: () => new Date('2026-12-06T12:00:00Z'),
    onState: (key, reason) => states.set(key, reason),
    ...(options.names ? { names: options.names } : {}),
  });
  const s: Setup = {
    kube,
    memory,
    calls,
    cache,
    controller,
    states,
    epoch,
    secondsNow,
    reconcile: async () => {
      const result = await controller.reconcile(KEY);
      await kube.settle();
      return result;
    },
    resetCalls: () => {
      kube.resetCalls();
      calls.clear();
    },
    status: () => kube.object('Zone', 'default', 'example-com')?.status ?? {},
    ready: () => s.status().conditions?.find((c) => c.type === 'Ready'),
  };
  return s;
}

/** Creates the Zone and runs the reconciles that add the finalizer and write it. */
async function created(s: Setup, z: Zone = zone()): Promise<void> {
  s.kube.put('Zone', z);
  await s.kube.settle();
  await s.reconcile();
  await s.reconcile();
}

/** Changes the spec as `kubectl apply` does: metadata, finalizers and status stay. */
async function update(s: Setup, spec: Partial<ZoneSpec>): Promise<void> {
  const current = s.kube.object('Zone', 'default', 'example-com')!;
  s.kube.put('Zone', { ...current, spec: { ...current.spec, ...spec } });
  await s.kube.settle();
}

const reasons = (s: Setup): string[] => s.kube.events.map((e) => `${e.event.type}/${e.event.reason}`);

describe('ZoneController', () => {
  it('adds the finalizer first and ends the reconcile there (the watch event runs it again)', async () => {
    const s = await setup();
    s.kube.put('Zone', zone());
    await s.kube.settle();
    assert.equal(await s.reconcile(), undefined);
    assert.deepEqual(s.kube.object('Zone', 'default', 'example-com')?.metadata.finalizers, [ZONE_FINALIZER]);
    assert.equal(s.calls.get('putZone'), undefined, 'nothing written before the finalizer is there');
    assert.equal(s.kube.callsOf('get').length, 0, 'the Zone is read from the cache');
  });

  it('create: writes the zone with its owner tag, and says Propagating until the pods serve it', async () => {
    const s = await setup();
    s.kube.put('Zone', zone());
    await s.kube.settle();
    await s.reconcile();
    const result = await s.reconcile();
    assert.deepEqual(result, { requeueAfterMs: 500 });
    const stored = await s.memory.getZone(ORIGIN);
    assert.equal(stored?.owner, 'Zone/default/example-com');
    const status = s.status();
    assert.equal(status.serial, stored?.serial);
    assert.equal(status.writtenZoneName, ORIGIN);
    assert.equal(status.observedGeneration, 1);
    assert.deepEqual(status.clouds, [{ name: 'cloud-a', pods: 0, podsInSync: 0 }]);
    assert.equal(s.ready()?.reason, 'Propagating');
    assert.deepEqual(reasons(s), ['Normal/Updated'], 'Propagating records no Event');
    assert.equal(s.states.get(KEY), 'Propagating');
    assert.equal(s.kube.callsOf('get').length, 0);
  });

  it('a progress check reads only the pods\' reports: no build, no store read of the zone, no store write, no API call', async () => {
    const s = await setup({ clouds: ['cloud-a', 'cloud-b'] });
    await created(s);
    const serial = s.status().serial!;
    s.resetCalls();
    for (let i = 0; i < 3; i++) assert.deepEqual(await s.reconcile(), { requeueAfterMs: 500 });
    assert.deepEqual(Object.fromEntries(s.calls), { servedBy: 6 }, 'two clouds, three checks');
    assert.deepEqual(s.kube.calls, [], 'nothing asked of the API server while nothing changed');

    await s.memory.reportServed('cloud-a', 'a-0', new Map([[ORIGIN, serial]]), 60);
    await s.reconcile();
    assert.equal(s.kube.callsOf('patchStatus').length, 1, 'the new counts are written');
    assert.deepEqual(s.status().clouds, [{ name: 'cloud-a', serial, pods: 1, podsInSync: 1 }, { name: 'cloud-b', pods: 0, podsInSync: 0 }]);
    await s.memory.reportServed('cloud-b', 'b-0', new Map([[ORIGIN, serial]]), 60);
    assert.equal(await s.reconcile(), undefined, 'served everywhere: no poll');
    assert.equal(s.ready()?.reason, 'Serving');
    assert.equal(s.ready()?.message, `serial ${serial} served by every pod of cloud-a, cloud-b`);
    assert.deepEqual(reasons(s), ['Normal/Serving']);
    s.resetCalls();
    await s.reconcile();
    assert.deepEqual(s.kube.calls, [], 'Serving and unchanged: no status write, no Event');
    assert.equal(s.calls.get('putZone') ?? 0, 0);
    assert.equal(s.calls.get('getZone') ?? 0, 0);
  });

  it('change: a new generation is built and written once, under a new serial', async () => {
    const s = await setup();
    await created(s);
    const first = s.status().serial!;
    s.resetCalls();
    await update(s, { rrsets: [{ name: '@', type: 'NS', records: ['ns1.example.net.'] }, { name: 'www', type: 'A', records: ['192.0.2.2'] }] });
    await s.reconcile();
    await s.reconcile();
    assert.equal(s.calls.get('putZone'), 1);
    assert.equal(s.calls.get('getZone'), 1, 'the stored version is read once, for the change');
    const stored = await s.memory.getZone(ORIGIN);
    assert.ok(stored!.serial > first, `${stored!.serial} > ${first}`);
    assert.match(stored!.text, /192\.0\.2\.2/);
    assert.equal(s.status().serial, stored!.serial);
    assert.equal(s.status().observedGeneration, 2);
  });

  it('change: a renamed Zone writes its new name and removes its old one', async () => {
    const s = await setup();
    await created(s);
    await update(s, { zoneName: 'example.org' });
    await s.reconcile();
    assert.equal(await s.memory.getZone(ORIGIN), undefined);
    assert.ok(await s.memory.getZone('example.org.'));
    assert.equal(s.status().writtenZoneName, 'example.org.');
  });

  it('delete: removes the zone from the store, then the finalizer, and forgets the Zone', async () => {
    const s = await setup();
    await created(s);
    s.kube.delete('Zone', 'default', 'example-com');
    await s.kube.settle();
    assert.ok(s.cache.get('default', 'example-com')?.metadata.deletionTimestamp);
    await s.reconcile();
    assert.equal(await s.memory.getZone(ORIGIN), undefined);
    assert.equal(s.kube.object('Zone', 'default', 'example-com'), undefined, 'the finalizer removed, the object gone');
    assert.equal(s.cache.get('default', 'example-com'), undefined);
    assert.equal(await s.reconcile(), undefined);
    assert.equal(s.states.has(KEY), true);
    assert.equal(s.states.get(KEY), undefined, 'gone: no state');
  });

  it('conflict: a finalizer write on a stale cache gets 409 and looks again soon, without an error', async () => {
    const s = await setup();
    s.kube.put('Zone', zone());
    await s.kube.settle();
    s.cache.freeze(true);
    // Someone else changed the object; the cache does not know yet.
    s.kube.put('Zone', { ...zone(), metadata: { ...zone().metadata, labels: { team: 'a' } } });
    assert.deepEqual(await s.reconcile(), { requeueAfterMs: 1000 });
    assert.equal(s.kube.object('Zone', 'default', 'example-com')?.metadata.finalizers, undefined);
    s.cache.freeze(false);
    s.kube.put('Zone', { ...zone(), metadata: { ...zone().metadata, labels: { team: 'b' } } });
    await s.kube.settle();
    await s.reconcile();
    assert.deepEqual(s.kube.object('Zone', 'default', 'example-com')?.metadata.finalizers, [ZONE_FINALIZER]);
  });

  it('conflict: a 409 on the status write looks again soon; the next reconcile writes the status, not the zone', async () => {
    const s = await setup();
    s.kube.put('Zone', zone());
    await s.kube.settle();
    await s.reconcile();
    s.kube.failNext('patchStatus', conflictError('zones.dnsfleet.io "example-com"'));
    assert.deepEqual(await s.reconcile(), { requeueAfterMs: 1000 });
    assert.equal(s.calls.get('putZone'), 1);
    assert.equal(s.status().serial, undefined);
    await s.reconcile();
    assert.equal(s.calls.get('putZone'), 1, 'not written again');
    assert.equal(s.status().serial, (await s.memory.getZone(ORIGIN))?.serial);
  });

  it('a reconcile that runs before its own status write reached the cache neither writes it again nor repeats its Events', async () => {
    const s = await setup();
    await created(s);
    await s.memory.reportServed('cloud-a', 'a-0', new Map([[ORIGIN, s.status().serial!]]), 60);
    s.cache.freeze(true);
    await s.reconcile();
    assert.equal(s.ready()?.reason, 'Serving');
    s.resetCalls();
    await s.reconcile();
    await s.reconcile();
    assert.deepEqual(s.kube.calls, [], 'the status as written is the current one');
    s.cache.freeze(false);
  });

  it('error: the store unavailable fails the reconcile naming the step, the store error underneath', async () => {
    const s = await setup();
    s.kube.put('Zone', zone());
    await s.kube.settle();
    await s.reconcile();
    s.memory.unavailable = true;
    const err = await s.controller.reconcile(KEY).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ReconcileStepError);
    assert.equal(err.step, 'read zone example.com. from the store');
    assert.ok(causeOf(err) instanceof StoreUnavailableError);
    s.memory.unavailable = false;
    await s.reconcile();
    assert.ok(await s.memory.getZone(ORIGIN), 'written once the store answers');
  });

  it('error: an API failure of the status write names the step', async () => {
    const s = await setup();
    await created(s);
    await s.memory.reportServed('cloud-a', 'a-0', new Map([[ORIGIN, s.status().serial!]]), 60);
    s.kube.failNext('patchStatus');
    const err = await s.controller.reconcile(KEY).catch((e: unknown) => e);
    assert.ok(err instanceof ReconcileStepError);
    assert.match(err.message, /^write status: 500: etcdserver: request timed out/);
  });

  it('error: an invalid zone is reported once, the last good version keeps serving, and progress checks do not build it again', async () => {
    const s = await setup();
    await created(s);
    const good = await s.memory.getZone(ORIGIN);
    s.resetCalls();
    await update(s, { rrsets: [{ name: '@', type: 'NS', records: ['ns1.example.net.'] }, { name: 'www', type: 'A', records: ['192.0.2.1'] }, { name: 'www', type: 'CNAME', records: ['other.example.net.'] }] });
    assert.equal(await s.reconcile(), undefined, 'not polled: nothing propagates');
    const ready = s.ready()!;
    assert.deepEqual([ready.status, ready.reason], ['False', 'InvalidZone']);
    assert.equal(ready.message, 'Zone default/example-com: spec.rrsets[2].records[0]: www.example.com. has a CNAME beside other data (A)');
    assert.deepEqual(reasons(s), ['Warning/InvalidZone']);
    assert.deepEqual(await s.memory.getZone(ORIGIN), good, 'the last good version stays');
    assert.equal(s.status().serial, good!.serial);
    s.resetCalls();
    await s.reconcile();
    assert.deepEqual(Object.fromEntries(s.calls), {}, 'no build, no store read');
    assert.deepEqual(s.kube.calls, []);
  });

  it('error: a customer secondary whose Secret is missing is left out and said so; the fixed Secret is read when the kept read expires', async () => {
    const s = await setup();
    await created(s, zone({ secondaries: [{ address: '127.0.0.2', tsigKeySecretRef: { name: 'k1' } }, { address: '127.0.0.3' }] }));
    const left = s.status().conditions?.find((c) => c.type === 'CustomerSecondaries');
    assert.deepEqual([left?.status, left?.reason], ['False', 'SecondaryLeftOut']);
    assert.equal(left?.message, 'secondary 127.0.0.2: Secret default/k1 not found; left out until its key can be read (1 of 2 allowed)');
    assert.deepEqual((await s.memory.getZone(ORIGIN))?.secondaries, [{ address: '127.0.0.3', port: 53 }]);
    assert.deepEqual(await s.reconcile(), { requeueAfterMs: 500 }, 'the sooner of the progress poll and the Secret recheck');

    s.kube.setSecret('default', 'k1', SECRET);
    s.resetCalls();
    await s.reconcile();
    assert.equal(s.kube.callsOf('readSecret').length, 0, 'a recent read is kept');
    s.secondsNow.ms += 30_000;
    await s.reconcile();
    assert.equal(s.kube.callsOf('readSecret').length, 1);
    assert.equal(s.calls.get('putZone'), 1, 'written again with the secondary let in');
    assert.deepEqual((await s.memory.getZone(ORIGIN))?.secondaries, [{ address: '127.0.0.2', port: 53, tsig: SECRET }, { address: '127.0.0.3', port: 53 }]);
    assert.equal(s.status().conditions?.find((c) => c.type === 'CustomerSecondaries')?.reason, 'Allowed');
    assert.deepEqual(reasons(s), ['Normal/Updated', 'Normal/Allowed']);
  });

  it('error: an unusable Secret names its field', async () => {
    const s = await setup();
    s.kube.setSecret('default', 'k1', { ...SECRET, algorithm: 'hmac-nope' });
    await created(s, zone({ secondaries: [{ address: '127.0.0.2', tsigKeySecretRef: { name: 'k1' } }] }));
    assert.match(s.status().conditions?.find((c) => c.type === 'CustomerSecondaries')?.message ?? '', /^secondary 127\.0\.0\.2: Secret default\/k1: algorithm: "hmac-nope" is not one of/);
  });

  it('writes every zone again when the store has a new epoch (it lost its data)', async () => {
    const s = await setup();
    await created(s);
    s.memory.wipe();
    s.resetCalls();
    await s.reconcile();
    assert.equal(s.calls.get('putZone') ?? 0, 0, 'the same epoch: a progress check');
    s.epoch.id = 'epoch-2';
    await s.reconcile();
    assert.equal(s.calls.get('putZone'), 1);
    assert.equal((await s.memory.getZone(ORIGIN))?.serial, s.status().serial, 'under the serial it had');
  });

  it('refuses a name another Zone claimed first: nothing written, ZoneNameTaken; written once the name is free', async () => {
    const names = new ZoneNames();
    const s = await setup({ names });
    const first = { ...zone({}, 'first'), metadata: { name: 'first', namespace: 'default', creationTimestamp: '2026-12-01T00:00:00Z' } };
    names.update('Zone', undefined, first);
    s.kube.put('Zone', zone());
    await s.kube.settle();
    names.update('Zone', undefined, s.cache.get('default', 'example-com'));
    await s.reconcile();
    await s.reconcile();
    assert.equal(await s.memory.getZone(ORIGIN), undefined);
    assert.equal(s.ready()?.reason, 'ZoneNameTaken');
    assert.deepEqual(reasons(s), ['Warning/ZoneNameTaken']);
    names.update('Zone', first, undefined);
    await s.reconcile();
    assert.equal((await s.memory.getZone(ORIGIN))?.owner, 'Zone/default/example-com');
  });

  it('refuses a name the store holds for another owner (the store\'s guard), and writes nothing', async () => {
    const s = await setup();
    await s.memory.putZone({ origin: ORIGIN, serial: 1, clouds: 'all', text: '$ORIGIN example.com.\n', owner: 'Zone/other/example-com' });
    await created(s);
    assert.equal((await s.memory.getZone(ORIGIN))?.owner, 'Zone/other/example-com');
    assert.equal(s.ready()?.reason, 'ZoneNameTaken');
    assert.match(s.ready()?.message ?? '', /belongs to Zone other\/example-com/);
  });
});
