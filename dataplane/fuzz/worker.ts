import { parentPort, workerData } from 'node:worker_threads';
import { BlockCoverage } from './coverage';
import { fuzz, type FuzzStats } from './engine';
import type { TargetModule } from './target';
import type { WorkerMessage, WorkerRequest } from './supervise';

/**
 * One fuzzing run on its own thread (supervise.ts starts it): a fresh V8 isolate, so block
 * coverage is on before the code under test is first compiled (V8 counts blocks only in
 * functions compiled after it started), and a run that never returns can be stopped from outside.
 * Each input is copied into shared memory before it runs, for the supervisor to report a hang.
 */

const request = workerData as WorkerRequest;
const post = (message: WorkerMessage): void => parentPort!.postMessage(message);

async function main(): Promise<void> {
  const control = new Int32Array(request.control);
  const shared = new Uint8Array(request.input);
  // Coverage first, then the code under test: nothing of the dataplane is loaded on this thread yet.
  let scope = (_url: string): boolean => false;
  const coverage = new BlockCoverage((url) => scope(url));
  const module = require(request.module) as TargetModule;
  const target = module.createFuzzTarget(request.target);
  scope = target.scope;
  const seeds = request.seeds.map((s) => new Uint8Array(s));
  post({ kind: 'ready' });
  const report = await fuzz(target, coverage, {
    seeds,
    runs: request.runs,
    seconds: request.seconds,
    seed: request.seed,
    guided: request.guided,
    stopOnFinding: request.stopOnFinding,
    beforeRun: (input) => {
      const n = Math.min(input.length, shared.length);
      shared.set(input.subarray(0, n));
      Atomics.store(control, 1, n);
      Atomics.add(control, 0, 1);
    },
    progress: (stats: FuzzStats) => post({ kind: 'progress', stats }),
  });
  coverage.stop();
  post({ kind: 'done', report });
}

main().catch((err: unknown) => {
  post({ kind: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
});
