import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { Name } from '../dns/name';
import { MemoryZoneStore } from '../store/memory-store';
import { memoryLogger } from '../testkit/memory-logger';
import { runInSlices } from '../runtime/slices';
import type { StepRunner } from '../zone/steps';
import type { ZoneSet } from '../zone/zone-set';
import { largeZoneText } from '../testkit/large-zone';
import { CloudSync } from './cloud-sync';

// CloudSync builds zones through the StepRunner it is given (ADR 0009): in slices by default, so
// the pod answers meanwhile; a zone that fails is still rejected whole.

const LARGE = 'large.test.';

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('CloudSync building zones in slices', function () {
  this.timeout(120_000);
  let sync: CloudSync | undefined;
  afterEach(async () => {
    await sync?.stop();
    sync = undefined;
  });

  it('builds every zone through its StepRunner, and serves the result', async () => {
    const store = new MemoryZoneStore();
    await store.putZone({ origin: LARGE, serial: 1, clouds: 'all', text: largeZoneText(LARGE, 10_001, 1) });
    let runs = 0;
    const steps: StepRunner = (s) => {
      runs++;
      return runInSlices(s, 1);
    };
    let served: ZoneSet | undefined;
    sync = new CloudSync({ store, cloud: 'a', pod: 'p', log: memoryLogger(), apply: (z) => (served = z), waitMs: 20, steps });
    await sync.start();
    assert.equal(runs, 1);
    assert.equal(served?.get(Name.fromText(LARGE))?.recordCount, 10_001);
    await store.putZone({ origin: LARGE, serial: 2, clouds: 'all', text: largeZoneText(LARGE, 10_001, 2) });
    await until('serial 2', () => served?.get(Name.fromText(LARGE))?.serial === 2);
    assert.equal(runs, 2);
  });

  it('lets timers run while a large zone loads, and rejects a broken one whole', async () => {
    const store = new MemoryZoneStore();
    await store.putZone({ origin: LARGE, serial: 1, clouds: 'all', text: largeZoneText(LARGE, 60_001, 1) });
    const log = memoryLogger();
    let served: ZoneSet | undefined;
    sync = new CloudSync({ store, cloud: 'a', pod: 'p', log, apply: (z) => (served = z), waitMs: 20 });
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 2);
    try {
      const started = performance.now();
      await sync.start();
      const loaded = performance.now();
      const during = ticks.filter((t) => t > started && t < loaded).length;
      assert.ok(during >= 5, `only ${during} timer callbacks in the ${(loaded - started).toFixed(0)} ms the load took`);

      // The same zone without its SOA: the whole new version is refused, serial 1 keeps serving.
      const broken = largeZoneText(LARGE, 60_001, 2).replace(/^@ SOA .*\n/m, '');
      await store.putZone({ origin: LARGE, serial: 2, clouds: 'all', text: broken });
      await until('the failure', () => sync!.failures.has(LARGE));
      assert.match(sync.failures.get(LARGE)!, /no SOA record/);
      assert.equal(served?.get(Name.fromText(LARGE))?.serial, 1);
      assert.equal(served?.get(Name.fromText(LARGE))?.recordCount, 60_001);
    } finally {
      clearInterval(timer);
    }
  });
});
