import { strict as assert } from 'node:assert';
import { MemoryZoneStore } from '../store/memory-store';
import type { ZoneSnapshot } from '../store/zone-store';
import { memoryLogger } from '../testkit/memory-logger';
import { tempDir, waitFor } from '../testkit/processes';
import type { ZoneSet } from '../zone/zone-set';
import { CloudSync } from './cloud-sync';
import { LocalSnapshot } from './local-snapshot';

/**
 * What a cloud pod serves across store resets and outages (ADR 0007), against the memory store
 * (`wipe()` is Redis losing its data, `unavailable` Redis away): a zone leaves only on an explicit
 * deletion or a listing of a complete epoch; a pod starts from its local snapshot when the store
 * does not answer.
 */

const zone = (origin: string, serial: number): ZoneSnapshot => ({ origin, serial, clouds: 'all', text: `$ORIGIN ${origin}\n@ 300 IN SOA ns hm ${serial} 1 2 3 4\n@ 300 IN NS ns\n` });
const served = (set: ZoneSet): string[] => [...set.zones()].map((z) => `${z.origin.toString()}@${z.serial}`).sort();

describe('CloudSync across store resets', () => {
  const syncs: CloudSync[] = [];
  const start = async (store: MemoryZoneStore, extra: Partial<ConstructorParameters<typeof CloudSync>[0]> = {}): Promise<CloudSync> => {
    const sync = new CloudSync({ store, cloud: 'cloud-a', pod: 'p', log: memoryLogger(), apply: () => undefined, waitMs: 100, reportEveryMs: 1000, storeWaitMs: 300, ...extra });
    syncs.push(sync);
    await sync.start();
    return sync;
  };
  afterEach(async () => {
    for (const s of syncs.splice(0)) await s.stop();
  });

  it('keeps every zone when the store is wiped, adds what is written again, and drops only on a complete epoch', async () => {
    const store = new MemoryZoneStore();
    await store.putZone(zone('a.test.', 1));
    await store.putZone(zone('b.test.', 1));
    await store.putZone(zone('c.test.', 1));
    const sync = await start(store);
    assert.deepEqual(served(sync.current), ['a.test.@1', 'b.test.@1', 'c.test.@1']);
    store.wipe();
    await waitFor('the reset noticed', async () => sync.rewritePending, 3000);
    assert.deepEqual(served(sync.current), ['a.test.@1', 'b.test.@1', 'c.test.@1'], 'an empty store takes nothing away');
    await store.putZone(zone('a.test.', 2));
    await store.putZone(zone('d.test.', 1));
    await store.putZone(zone('c.test.', 1));
    await store.deleteZone('c.test.');
    await waitFor('changes of the new epoch applied', async () => served(sync.current).join() === 'a.test.@2,b.test.@1,d.test.@1', 3000);
    // b.test was deleted while the store was away: the complete epoch says so.
    await store.completeEpoch((await store.epoch()).id, 'zones');
    await waitFor('the complete listing is the truth', async () => served(sync.current).join() === 'a.test.@2,d.test.@1', 3000);
    assert.equal(sync.rewritePending, false);
  });

  it('a trimmed change stream in the same epoch is an ordinary, authoritative re-list', async () => {
    const store = new MemoryZoneStore(5);
    await store.putZone(zone('a.test.', 1));
    await store.putZone(zone('gone.test.', 1));
    const log = memoryLogger();
    const sync = await start(store, { log });
    const epoch = (await store.epoch()).id;
    // More changes than the log keeps, a deletion among them, in one go (the memory store writes
    // synchronously), so the pod finds its version trimmed away.
    for (let i = 0; i < 10; i++) void store.putZone(zone(`z${i}.test.`, 1));
    void store.deleteZone('gone.test.');
    for (let i = 10; i < 20; i++) void store.putZone(zone(`z${i}.test.`, 1));
    await waitFor('listed again', async () => sync.current.size === 21, 5000);
    assert.ok(log.lines.some((l) => /change stream no longer reaches our version/.test(l.msg)), 'it was a re-list');
    assert.ok(!served(sync.current).includes('gone.test.@1'));
    assert.equal((await store.epoch()).id, epoch, 'the same epoch');
  });

  it('starts from its local snapshot when the store does not answer, and says so', async () => {
    const dir = tempDir('sync-snapshot');
    try {
      const store = new MemoryZoneStore();
      await store.putZone(zone('a.test.', 3));
      await store.putZone(zone('b.test.', 4));
      const log = memoryLogger();
      const first = await start(store, { snapshot: new LocalSnapshot({ dir: dir.path, cloud: 'cloud-a', log, debounceMs: 10 }) });
      assert.equal(first.current.size, 2);
      await first.stop();
      store.unavailable = true;
      const log2 = memoryLogger();
      const second = await start(store, { log: log2, snapshot: new LocalSnapshot({ dir: dir.path, cloud: 'cloud-a', log: log2 }) });
      assert.equal(second.ready, true);
      assert.equal(second.source, 'local snapshot');
      assert.deepEqual(served(second.current), ['a.test.@3', 'b.test.@4']);
      assert.ok(log2.lines.some((l) => /serving the local snapshot/.test(l.msg)));
      store.unavailable = false;
      await waitFor('back on the store', async () => second.source === 'store', 5000);
      assert.deepEqual(served(second.current), ['a.test.@3', 'b.test.@4']);
    } finally {
      dir.remove();
    }
  });

  it('is not ready without a store and without a snapshot', async () => {
    const store = new MemoryZoneStore();
    store.unavailable = true;
    const sync = await start(store);
    assert.equal(sync.ready, false);
    assert.equal(sync.source, 'none');
  });
});
