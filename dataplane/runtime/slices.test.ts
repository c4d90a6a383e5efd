import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import type { Steps } from '../zone/steps';
import { runInSlices, stepRunner } from './slices';

// The slices that let the event loop run while a large zone is built (ADR 0009).

/** `count` steps of about `ms` of busy work each, recording when each step ran. */
function* busy(count: number, ms: number, ran: number[]): Steps<number> {
  for (let i = 0; i < count; i++) {
    const until = performance.now() + ms;
    while (performance.now() < until);
    ran.push(performance.now());
    yield;
  }
  return count;
}

describe('runInSlices', () => {
  it('lets timers and I/O callbacks run between slices, and returns the result', async () => {
    const ran: number[] = [];
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 1);
    try {
      const started = performance.now();
      const result = await runInSlices(busy(60, 1, ran), 5);
      const ended = performance.now();
      assert.equal(result, 60);
      const during = ticks.filter((t) => t > started && t < ended);
      assert.ok(during.length >= 3, `only ${during.length} timer callbacks ran during 60 ms of work`);
    } finally {
      clearInterval(timer);
    }
  });

  it('keeps each slice near its length: steps in a row stop soon after sliceMs', async () => {
    const ran: number[] = [];
    const turns: number[] = [];
    let more = true;
    const turn = (): void => {
      turns.push(performance.now());
      if (more) setImmediate(turn);
    };
    setImmediate(turn);
    await runInSlices(busy(40, 1, ran), 4);
    more = false;
    // Between two turns of the loop at most one slice of work ran: count the steps in each gap.
    let most = 0;
    for (let i = 1; i < turns.length; i++) most = Math.max(most, ran.filter((t) => t > turns[i - 1]! && t <= turns[i]!).length);
    assert.ok(most <= 6, `${most} steps of 1 ms ran without a turn of the event loop (slice 4 ms)`);
  });

  it('passes an error thrown by a step on, as a rejection', async () => {
    function* failing(): Steps<number> {
      yield;
      throw new RangeError('bad zone');
    }
    await assert.rejects(runInSlices(failing(), 0), RangeError);
  });
});

describe('stepRunner', () => {
  it('with sliceMs 0 runs everything in one go, as before ADR 0009', async () => {
    let turned = false;
    setImmediate(() => (turned = true));
    const ran: number[] = [];
    const steps = stepRunner({ sliceMs: 0 });
    assert.equal(await steps(busy(20, 1, ran)), 20);
    assert.equal(turned, false, 'the event loop turned during the work');
  });

  it('by default slices', async () => {
    let turned = false;
    setImmediate(() => (turned = true));
    const ran: number[] = [];
    await stepRunner()(busy(40, 1, ran));
    assert.equal(turned, true);
  });
});
