import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { superviseFuzz } from './supervise';
import { readSeeds } from './seeds';
import { TARGET_NAMES, TARGETS } from './targets';
import type { FuzzReport } from './engine';

/**
 * `npm run fuzz -- [--target NAME]... [--seconds N] [--runs N] [--seed N] [--out DIR] [--corpus DIR]`:
 * longer runs than the test suite's (fuzz.test.ts). Each target in turn (all of them by
 * default) from its seeds plus, with --corpus, the corpus a run before left there; the grown
 * corpus is written back there. Each finding is written to `<out>/<kind>-<target>-<hash>.bin`
 * with its report beside it (`.txt`). Exits 1 when something was found.
 */

const USAGE = `usage: npm run fuzz -- [--target ${TARGET_NAMES.join('|')}]... [--seconds 60] [--runs N] [--seed 1] [--out fuzz-out] [--corpus DIR] [--list]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', multiple: true },
      seconds: { type: 'string', default: '60' },
      runs: { type: 'string' },
      seed: { type: 'string', default: String(Date.now() % 0x7fffffff) },
      out: { type: 'string', default: 'fuzz-out' },
      corpus: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list) {
    for (const name of TARGET_NAMES) console.log(`${name}\t${TARGETS[name]!().description}`);
    return 0;
  }
  const targets = values.target ?? TARGET_NAMES;
  for (const t of targets) if (!TARGET_NAMES.includes(t)) throw new Error(`no target ${t}; ${USAGE}`);
  const seconds = Number(values.seconds);
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  const seed = Number(values.seed);
  if (!(seconds > 0) || (runs !== undefined && !(runs > 0)) || !Number.isInteger(seed)) throw new Error(USAGE);

  let found = 0;
  for (const target of targets) {
    const corpusDir = values.corpus === undefined ? undefined : join(values.corpus, target);
    const seeds = [...readSeeds(target), ...(corpusDir ? readCorpus(corpusDir) : [])];
    console.log(`${target}: ${seeds.length} seeds, ${seconds} s${runs ? ` or ${runs} runs` : ''}, PRNG seed ${seed}`);
    const report = await superviseFuzz({
      target,
      seeds,
      seconds,
      runs,
      seed,
      progress: (s) => process.stdout.write(`\r  ${s.executions} runs, ${Math.round(s.executions / s.seconds)}/s, ${s.reached}/${s.blocks} blocks, ${s.features} features, corpus ${s.corpus}   `),
    });
    process.stdout.write('\n');
    summary(report);
    if (corpusDir) writeInputs(corpusDir, report.inputs);
    for (const f of report.findings) {
      found++;
      const name = `${f.kind}-${target}-${createHash('sha1').update(f.input).digest('hex').slice(0, 12)}`;
      mkdirSync(values.out, { recursive: true });
      writeFileSync(join(values.out, `${name}.bin`), f.input);
      writeFileSync(join(values.out, `${name}.txt`), `${f.kind} in target ${target}: ${f.signature}\ninput (base64): ${Buffer.from(f.input).toString('base64')}\n\n${f.error}\n`);
      console.log(`  FOUND ${f.kind}: ${f.signature} -> ${join(values.out, name)}.bin\n  input (base64): ${Buffer.from(f.input).toString('base64')}`);
    }
  }
  return found > 0 ? 1 : 0;
}

function summary(r: FuzzReport): void {
  const rate = r.seconds > 0 ? Math.round(r.executions / r.seconds) : 0;
  console.log(`  ${r.target}: ${r.executions} runs in ${r.seconds.toFixed(1)} s (${rate}/s), ${r.reached} of ${r.blocks} known blocks reached, ${r.features} features, corpus ${r.corpus}, ${r.findings.length} finding(s)`);
}

function readCorpus(dir: string): Uint8Array[] {
  try {
    return readSeeds('', dir);
  } catch {
    return [];
  }
}

function writeInputs(dir: string, inputs: readonly Uint8Array[]): void {
  mkdirSync(dir, { recursive: true });
  for (const input of inputs) writeFileSync(join(dir, createHash('sha1').update(input).digest('hex')), input);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
