import { performance } from 'node:perf_hooks';
import { BlockCoverage } from './coverage';
import { Mutator, Random } from './mutator';
import type { FuzzTarget } from './target';

/**
 * The coverage-guided loop (ADR 0018): pick a corpus entry, mutate it, run the target, and keep
 * the input when it reached a feature (a block, or a block's hit-count bucket) that no input
 * before it did. Inputs that throw are findings, shrunk before they are reported. With `guided`
 * off the corpus never grows past the seeds: the same mutations without feedback, the baseline
 * the engine's test compares against.
 */

export interface FuzzOptions {
  readonly seeds: readonly Uint8Array[];
  /** Stop after this many executions (seeds included). */
  readonly runs?: number;
  /** Stop after this many seconds. */
  readonly seconds?: number;
  /** Of the PRNG: the same seed, seeds and target give the same run. */
  readonly seed?: number;
  /** Default true. */
  readonly guided?: boolean;
  /** An execution longer than this is a finding of its own (a hang cut short is the supervisor's). Default 2000 ms. */
  readonly slowMs?: number;
  /** Stop at the first finding (CI). Default false: record each distinct one and go on. */
  readonly stopOnFinding?: boolean;
  /** Called with each input just before it runs: the worker copies it where the supervisor can read it if the run never ends. */
  readonly beforeRun?: (input: Uint8Array) => void;
  /** Called about once a second. */
  readonly progress?: (stats: FuzzStats) => void;
}

export interface Finding {
  readonly kind: 'crash' | 'slow' | 'hang';
  readonly target: string;
  /** The error's name, message and stack; for `slow` and `hang` what was measured. */
  readonly error: string;
  /** Errors with the same name thrown from the same place are one finding. */
  readonly signature: string;
  readonly input: Uint8Array;
}

export interface FuzzStats {
  readonly target: string;
  readonly executions: number;
  readonly seconds: number;
  readonly corpus: number;
  readonly features: number;
  /** Blocks of the code in scope seen so far, reached or not. */
  readonly blocks: number;
  /** Blocks reached (features without their buckets). */
  readonly reached: number;
}

export interface FuzzReport extends FuzzStats {
  readonly findings: readonly Finding[];
  /** The grown corpus, seeds first. */
  readonly inputs: readonly Uint8Array[];
}

const BUCKETS = 8;
/** Mutants run between two takes of the coverage. */
const BATCH = 32;
/** How many of the newest corpus entries count as new for choosing a parent. */
const RECENT = 8;

export async function fuzz(target: FuzzTarget, coverage: BlockCoverage, options: FuzzOptions): Promise<FuzzReport> {
  const random = new Random(options.seed ?? 1);
  const mutator = new Mutator(random, { maxLength: target.maxLength, dictionary: target.dictionary });
  const guided = options.guided ?? true;
  const slowMs = options.slowMs ?? 2000;
  const maxRuns = options.runs ?? Infinity;
  const deadline = performance.now() + (options.seconds ?? Infinity) * 1000;
  const started = performance.now();

  const seen = new Set<number>();
  const reached = new Set<number>();
  const corpus: Uint8Array[] = [];
  const findings: Finding[] = [];
  const signatures = new Set<string>();
  let executions = 0;
  let nextProgress = started + 1000;

  const stats = (): FuzzStats => ({
    target: target.name,
    executions,
    seconds: (performance.now() - started) / 1000,
    corpus: corpus.length,
    features: seen.size,
    blocks: coverage.blocks,
    reached: reached.size,
  });

  /** Runs one input: its error (if any) and how long it took. */
  const run = async (input: Uint8Array): Promise<{ error: unknown; ms: number }> => {
    options.beforeRun?.(input);
    executions++;
    const t0 = performance.now();
    let error: unknown;
    try {
      const result = target.run(input);
      if (result !== undefined) await result;
    } catch (err) {
      error = err ?? new Error(`thrown: ${String(err)}`);
    }
    return { error, ms: performance.now() - t0 };
  };

  /** Runs one input and takes the coverage of that run alone. */
  const execute = async (input: Uint8Array): Promise<{ error: unknown; features: number[]; ms: number }> => {
    const { error, ms } = await run(input);
    return { error, features: coverage.take(), ms };
  };

  /** Keeps the input if it reached something new. */
  const learn = (input: Uint8Array, features: readonly number[]): boolean => {
    let fresh = false;
    for (const f of features) {
      if (seen.has(f)) continue;
      seen.add(f);
      reached.add(Math.floor(f / BUCKETS));
      fresh = true;
    }
    if (fresh) corpus.push(input);
    return fresh;
  };

  const record = async (input: Uint8Array, kind: 'crash' | 'slow', error: unknown, ms: number): Promise<void> => {
    const signature = kind === 'slow' ? 'slow' : signatureOf(error);
    if (signatures.has(signature)) return;
    signatures.add(signature);
    const small = kind === 'crash' ? await shrink(input, signature, target, options.beforeRun) : input;
    const text = kind === 'slow' ? `one run took ${Math.round(ms)} ms (limit ${slowMs} ms)` : describe(error);
    findings.push({ kind, target: target.name, error: text, signature, input: small });
    coverage.take(); // the shrinking runs are not the corpus's
  };

  /** Runs one input on its own: a finding, or (guided, or a seed) into the corpus if it reached something new. */
  const consider = async (input: Uint8Array, learning: boolean): Promise<void> => {
    const { error, features, ms } = await execute(input);
    if (error !== undefined) return record(input, 'crash', error, ms);
    if (ms > slowMs) return record(input, 'slow', undefined, ms);
    if (learning) learn(input, features);
  };

  coverage.reset();
  for (const seed of options.seeds) {
    if (executions >= maxRuns) break;
    await consider(seed, true);
  }
  // Without seeds (or when every seed crashed) mutations start from nothing.
  const pool = guided ? corpus : [...corpus];
  if (pool.length === 0) pool.push(new Uint8Array(0));

  // Taking the coverage costs more than most runs, so mutants run in batches with one take per
  // batch. A batch that shows a block no input reached, or a feature no batch showed, is run
  // again one input at a time to find the inputs that bring it (the targets are deterministic).
  const batchSeen = new Set<number>();
  const batch: Uint8Array[] = [];
  const done = (): boolean => executions >= maxRuns || performance.now() >= deadline || (options.stopOnFinding === true && findings.length > 0);
  while (!done()) {
    batch.length = 0;
    let crashed = false;
    while (batch.length < BATCH && !done()) {
      // Half the time one of the newest entries: they are the deepest, and the next step is from there.
      const parent = pool.length > RECENT && random.chance(2) ? pool[pool.length - 1 - random.below(RECENT)]! : random.pick(pool);
      const other = pool.length > 1 ? random.pick(pool) : undefined;
      const input = mutator.mutate(parent, other);
      const { error, ms } = await run(input);
      if (error !== undefined || ms > slowMs) {
        await record(input, error !== undefined ? 'crash' : 'slow', error, ms);
        crashed = true;
        break;
      }
      batch.push(input);
    }
    const features = coverage.take();
    if (guided && !crashed && features.some((f) => !batchSeen.has(f) || !reached.has(Math.floor(f / BUCKETS)))) {
      for (const f of features) batchSeen.add(f);
      for (const input of batch) await consider(input, true);
    }
    if (options.progress && performance.now() >= nextProgress) {
      nextProgress = performance.now() + 1000;
      options.progress(stats());
    }
  }
  return { ...stats(), findings, inputs: [...corpus] };
}

/** The error's class and the first place in the dataplane (else anywhere) it was thrown from. */
export function signatureOf(error: unknown): string {
  if (!(error instanceof Error)) return `non-error ${typeof error}`;
  // A broken property is thrown from one place (target.ts `check`): its message tells them apart.
  if (error.name === 'PropertyViolation') return `PropertyViolation: ${error.message.split('\n')[0]!.replace(/\d+/g, 'N').slice(0, 100)}`;
  const frames = (error.stack ?? '').split('\n').filter((l) => l.trimStart().startsWith('at '));
  const ours = frames.find((l) => l.includes('/dataplane/') && !l.includes('/dataplane/fuzz/engine')) ?? frames[0] ?? '';
  const place = /\(?([^()\s]+:\d+):\d+\)?$/.exec(ours.trim())?.[1] ?? ours.trim();
  return `${error.name} at ${place.replace(/^.*\/dataplane\//, 'dataplane/')}`;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return `thrown: ${String(error)}`;
}

/**
 * A smaller input that still throws the same way: chunks removed, halving their size, as
 * libFuzzer's -minimize_crash does in short. Bounded, so a slow target cannot stall the run.
 */
async function shrink(input: Uint8Array, signature: string, target: FuzzTarget, beforeRun: ((input: Uint8Array) => void) | undefined): Promise<Uint8Array> {
  const sameCrash = async (candidate: Uint8Array): Promise<boolean> => {
    beforeRun?.(candidate);
    try {
      const result = target.run(candidate);
      if (result !== undefined) await result;
      return false;
    } catch (err) {
      return signatureOf(err) === signature;
    }
  };
  let best = input;
  let budget = 2000;
  for (let chunk = Math.max(1, best.length >> 1); chunk >= 1 && budget > 0; chunk >>= 1) {
    for (let at = 0; at < best.length && budget > 0; ) {
      budget--;
      const candidate = new Uint8Array(best.length - Math.min(chunk, best.length - at));
      candidate.set(best.subarray(0, at));
      candidate.set(best.subarray(at + chunk), at);
      if (await sameCrash(candidate)) best = candidate;
      else at += chunk;
    }
  }
  return best;
}
