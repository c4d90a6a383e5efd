import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { memoryLogger } from '../testkit/memory-logger';
import { stopOnSignals } from './signals';

/** SIGTERM and SIGINT stop the process in order and within a deadline; SIGHUP reloads. */

describe('stopOnSignals', () => {
  const off: Array<() => void> = [];
  afterEach(() => {
    for (const f of off.splice(0)) f();
  });

  it('stops once on SIGTERM, then exits 0', async () => {
    const exits: number[] = [];
    let stops = 0;
    off.push(stopOnSignals({ log: memoryLogger(), stop: async () => void stops++, exit: (c) => exits.push(c) }));
    process.emit('SIGTERM');
    process.emit('SIGTERM');
    await sleep(10);
    assert.equal(stops, 1);
    assert.deepEqual(exits, [0]);
  });

  it('exits 1 when the stop fails, and logs why', async () => {
    const exits: number[] = [];
    const log = memoryLogger();
    off.push(stopOnSignals({ log, stop: () => Promise.reject(new Error('store gone')), exit: (c) => exits.push(c) }));
    process.emit('SIGINT');
    await sleep(10);
    assert.deepEqual(exits, [1]);
    assert.ok(log.lines.some((l) => l.msg === 'stop failed' && /store gone/.test(String(l.fields?.error))));
  });

  it('exits 1 at the deadline when the stop hangs', async () => {
    const exits: number[] = [];
    off.push(stopOnSignals({ log: memoryLogger(), stop: () => new Promise<void>(() => undefined), deadlineMs: 30, exit: (c) => exits.push(c) }));
    process.emit('SIGTERM');
    await sleep(100);
    assert.deepEqual(exits, [1]);
  });

  it('reloads on SIGHUP when the role has something to reload', async () => {
    let reloads = 0;
    off.push(stopOnSignals({ log: memoryLogger(), stop: async () => undefined, reload: () => void reloads++, exit: () => undefined }));
    process.emit('SIGHUP');
    process.emit('SIGHUP');
    assert.equal(reloads, 2);
  });
});
