import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { superviseFuzz } from './supervise';
import { Mutator, Random } from './mutator';

// The engine is coverage-guided: on a branch behind three magic octets (magic.fixtures.ts), the
// guided fuzzer gets there within a bounded number of runs, and the same mutations without the
// coverage feedback do not.

const TOY = join(__dirname, 'magic.fixtures.js');
const RUNS = 200_000;

describe('fuzz engine', function () {
  this.timeout(60_000);

  it('reaches a branch behind three magic octets when guided by coverage', async () => {
    const report = await superviseFuzz({ module: TOY, target: 'magic', seeds: [new Uint8Array(3)], runs: RUNS, seed: 3, stopOnFinding: true });
    assert.equal(report.findings.length, 1, `no finding in ${report.executions} runs (corpus ${report.corpus}, ${report.reached} blocks reached)`);
    const found = report.findings[0]!;
    assert.match(found.error, /^MagicReached: the magic branch was reached/);
    // Shrunk to the three octets that matter.
    assert.deepEqual([...found.input], [0x46, 0x55, 0x5a]);
    assert.ok(report.executions < RUNS);
    // Each octet matched opened a block: the corpus kept the steps.
    assert.ok(report.corpus >= 3, `corpus of ${report.corpus}`);
  });

  it('does not reach it with the same mutations and no feedback', async () => {
    const report = await superviseFuzz({ module: TOY, target: 'magic', seeds: [new Uint8Array(3)], runs: RUNS, seed: 3, guided: false, stopOnFinding: true });
    assert.equal(report.findings.length, 0);
    assert.equal(report.executions, RUNS);
    assert.equal(report.corpus, 1);
  });

  it('reports an endless loop as a hang with the input that caused it', async () => {
    const report = await superviseFuzz({ module: TOY, target: 'loop', seeds: [Uint8Array.from([1, 2, 3])], runs: 10, hangSeconds: 1 });
    assert.equal(report.findings.length, 1);
    assert.equal(report.findings[0]!.kind, 'hang');
    assert.deepEqual([...report.findings[0]!.input], [1, 2, 3]);
  });
});

describe('mutator', () => {
  it('is deterministic for a seed and keeps to the maximum length', () => {
    const run = (): Uint8Array[] => {
      const m = new Mutator(new Random(42), { maxLength: 16, dictionary: [Uint8Array.from([9, 9])] });
      const out: Uint8Array[] = [];
      let input: Uint8Array = Uint8Array.from([1, 2, 3, 4]);
      for (let i = 0; i < 500; i++) out.push((input = m.mutate(input, Uint8Array.from([7, 7, 7]))));
      return out;
    };
    const a = run();
    assert.deepEqual(a, run());
    assert.ok(a.every((x) => x.length <= 16));
    assert.ok(new Set(a.map((x) => Buffer.from(x).toString('hex'))).size > 100, 'mutations vary');
  });
});
