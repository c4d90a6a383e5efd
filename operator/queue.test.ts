import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import { WorkQueue } from './queue';

const tick = (ms = 5) => sleep(ms);

describe('WorkQueue', () => {
  it('runs one reconcile at a time per key, and once more for an add during a run', async () => {
    const runs: string[] = [];
    let active = 0;
    let maxActive = 0;
    const q = new WorkQueue(async (key) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(key);
      await tick(20);
      active--;
    });
    q.add('zone/a');
    await tick();
    q.add('zone/a');
    q.add('zone/a');
    await tick(100);
    await q.idle();
    assert.deepEqual(runs, ['zone/a', 'zone/a']);
    assert.equal(maxActive, 1);
    q.stop();
  });

  it('runs different keys side by side', async () => {
    let active = 0;
    let maxActive = 0;
    const q = new WorkQueue(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await tick(20);
      active--;
    });
    for (const k of ['a', 'b', 'c']) q.add(k);
    await tick(60);
    assert.equal(maxActive, 3);
    q.stop();
  });

  it('retries failures with growing delays, then succeeds', async () => {
    const times: number[] = [];
    const errors: number[] = [];
    const q = new WorkQueue(
      async () => {
        times.push(Date.now());
        if (times.length < 3) throw new Error('conflict');
      },
      { baseDelayMs: 20, onError: (_k, _e, retry) => errors.push(retry) },
    );
    q.add('x');
    await tick(200);
    assert.equal(times.length, 3);
    assert.deepEqual(errors, [20, 40]);
    q.stop();
  });

  it('requeues when the handler asks, and stop cancels what is pending', async () => {
    let runs = 0;
    const q = new WorkQueue(async () => {
      runs++;
      return { requeueAfterMs: 20 };
    });
    q.add('x');
    await tick(70);
    q.stop();
    const seen = runs;
    assert.ok(seen >= 3, `ran ${seen} times`);
    await tick(60);
    assert.equal(runs, seen);
  });

  it('runs background keys (a resync) only when no other key waits', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(async (key) => {
      runs.push(key);
      await tick(5);
    }, { concurrency: 1 });
    for (const k of ['resync/a', 'resync/b', 'resync/c']) q.addBackground(k);
    q.add('change/x');
    q.add('change/y');
    await q.idle();
    // resync/a had started before the changes came; they still overtake b and c.
    assert.deepEqual(runs, ['resync/a', 'change/x', 'change/y', 'resync/b', 'resync/c']);
    q.stop();
  });

  it('promotes a background key that is added again, and runs it once', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(async (key) => {
      runs.push(key);
      await tick(5);
    }, { concurrency: 1 });
    q.add('first');
    for (const k of ['a', 'b', 'c']) q.addBackground(k);
    q.add('c');
    q.addBackground('c');
    assert.equal(q.depth, 4);
    await q.idle();
    assert.deepEqual(runs, ['first', 'c', 'a', 'b']);
    q.stop();
  });
});
