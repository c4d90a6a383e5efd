import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import { MemoryZoneStore } from '../dataplane/store/memory-store';
import { memoryLogger } from '../dataplane/testkit/memory-logger';
import { StoreRewrite } from './store-rewrite';

/** The operator's rewrite after a store reset (ADR 0007), on the memory store with a hand clock. */
describe('StoreRewrite', () => {
  const setup = (needsCopies = false) => {
    const store = new MemoryZoneStore();
    const requeued: string[] = [];
    let now = 1000;
    const rewrite = new StoreRewrite({
      store,
      log: memoryLogger(),
      keys: () => ['Zone/default/a', 'SecondaryZone/default/s'],
      requeue: (k) => requeued.push(k),
      needsCopies: () => needsCopies,
      copiesWaitMs: 5000,
      now: () => now,
    });
    return { store, requeued, rewrite, tick: (ms: number) => (now += ms), at: () => now };
  };
  const settle = () => sleep(10);

  it('puts every object on the queue at once and completes the epoch when all were written again', async () => {
    const { store, requeued, rewrite, at } = setup();
    store.wipe();
    rewrite.epoch(await store.epoch());
    assert.deepEqual(requeued, ['Zone/default/a', 'SecondaryZone/default/s']);
    rewrite.epoch(await store.epoch());
    assert.equal(requeued.length, 2, 'once per epoch, not once per read');
    rewrite.done('Zone/default/a', at() - 1);
    rewrite.epoch(await store.epoch());
    await settle();
    assert.equal((await store.epoch()).complete, false, 'a reconcile begun before the reset does not count');
    rewrite.done('Zone/default/a', at());
    rewrite.done('SecondaryZone/default/s', at());
    rewrite.epoch(await store.epoch());
    await settle();
    assert.equal((await store.epoch()).complete, true);
  });

  it('waits for the control server\'s copies, but not for ever', async () => {
    const { store, rewrite, tick, at } = setup(true);
    store.wipe();
    rewrite.epoch(await store.epoch());
    rewrite.done('Zone/default/a', at());
    rewrite.done('SecondaryZone/default/s', at());
    rewrite.epoch(await store.epoch());
    await settle();
    assert.equal((await store.epoch()).complete, false, 'the copies are not written again yet');
    tick(6000);
    rewrite.epoch(await store.epoch());
    await settle();
    assert.equal((await store.epoch()).complete, true, 'completed after the wait');
  });
});
