import { strict as assert } from 'node:assert';
import { superviseFuzz } from './supervise';
import { readSeeds } from './seeds';
import { TARGET_NAMES } from './targets';
import type { FuzzReport } from './engine';

// The bounded fuzzing run of every test run (issue #15): each target from its checked-in seeds
// for a fixed number of runs with a fixed PRNG seed (the same inputs every time), or at most
// SECONDS. A crash, a broken property, a hang or a slow input fails the test with the target and
// the input in base64; write the input into the module's tests as a regression test. Longer
// runs: `npm run fuzz` (docs/fuzzing.md).

const RUNS = 20_000;
const SECONDS = 6;

describe('fuzzing: a bounded run of each target from its seeds', function () {
  this.timeout((SECONDS + 30) * 1000);

  for (const target of TARGET_NAMES) {
    it(target, async () => {
      const seeds = readSeeds(target);
      assert.ok(seeds.length > 0, `no seeds in dataplane/fuzz/seeds/${target}/`);
      const report: FuzzReport = await superviseFuzz({ target, seeds, runs: RUNS, seconds: SECONDS, seed: 1, hangSeconds: 10 });
      const shown = report.findings.map((f) => `${f.kind} in target ${f.target}: ${f.signature}\ninput (base64): ${Buffer.from(f.input).toString('base64')}\n${f.error}`);
      assert.deepEqual(shown, [], `fuzzing found:\n${shown.join('\n\n')}`);
      // The run did run: every seed, and mutants past them.
      assert.ok(report.executions > seeds.length, `${report.executions} runs`);
      assert.ok(report.reached > 0, 'no coverage measured');
    });
  }
});
