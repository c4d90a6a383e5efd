import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Finding, FuzzReport, FuzzStats } from './engine';

/**
 * Runs one target on a worker thread (worker.ts) and watches it: an execution that makes no
 * progress for `hangSeconds` is a hang (the worker is stopped and the input it was running is
 * the finding), a worker that dies (out of memory, an error thrown outside the run) a crash with
 * the input it was running. Used by the CI run (fuzz.test.ts) and `npm run fuzz` (run-fuzz.ts).
 */

/** The module of the real targets (targets/index.ts). */
export const TARGETS_MODULE = join(__dirname, 'targets', 'index.js');

export interface SuperviseOptions {
  /** A compiled module exporting `createFuzzTarget` (TargetModule); default the real targets. */
  readonly module?: string;
  readonly target: string;
  readonly seeds: readonly Uint8Array[];
  readonly runs?: number;
  readonly seconds?: number;
  readonly seed?: number;
  readonly guided?: boolean;
  readonly stopOnFinding?: boolean;
  /** Default 10 s. */
  readonly hangSeconds?: number;
  /** The worker's heap; an input that needs more is a finding. Default 1024 MiB. */
  readonly heapMb?: number;
  readonly progress?: (stats: FuzzStats) => void;
}

/** What supervise.ts hands worker.ts. */
export interface WorkerRequest {
  readonly module: string;
  readonly target: string;
  readonly seeds: readonly Uint8Array[];
  readonly runs: number | undefined;
  readonly seconds: number | undefined;
  readonly seed: number | undefined;
  readonly guided: boolean | undefined;
  readonly stopOnFinding: boolean | undefined;
  /** Int32Array [executions, length of the current input]. */
  readonly control: SharedArrayBuffer;
  /** The current input's octets. */
  readonly input: SharedArrayBuffer;
}

export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'progress'; readonly stats: FuzzStats }
  | { readonly kind: 'done'; readonly report: FuzzReport }
  | { readonly kind: 'failed'; readonly error: string };

/** Inputs up to this long are kept for a hang report (every target's maxLength is below it). */
const MAX_SHARED_INPUT = 1 << 16;

export function superviseFuzz(options: SuperviseOptions): Promise<FuzzReport> {
  const control = new SharedArrayBuffer(8);
  const input = new SharedArrayBuffer(MAX_SHARED_INPUT);
  const request: WorkerRequest = {
    module: options.module ?? TARGETS_MODULE,
    target: options.target,
    seeds: options.seeds,
    runs: options.runs,
    seconds: options.seconds,
    seed: options.seed,
    guided: options.guided,
    stopOnFinding: options.stopOnFinding,
    control,
    input,
  };
  const counters = new Int32Array(control);
  const current = (): Uint8Array => new Uint8Array(input, 0, Atomics.load(counters, 1)).slice();
  const hangMs = (options.hangSeconds ?? 10) * 1000;
  const heapMb = options.heapMb ?? 1024;

  return new Promise<FuzzReport>((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'worker.js'), { workerData: request, resourceLimits: { maxOldGenerationSizeMb: heapMb } });
    let last: FuzzStats = { target: options.target, executions: 0, seconds: 0, corpus: 0, features: 0, blocks: 0, reached: 0 };
    let settled = false;
    let watchdog: NodeJS.Timeout | undefined;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      outcome();
    };
    /** The worker is gone without a report: what it was running is the finding. */
    const lost = (kind: Finding['kind'], error: string): void => {
      const data = current();
      const finding: Finding = { kind, target: options.target, error, signature: kind, input: data };
      settle(() => resolve({ ...last, findings: [finding], inputs: [] }));
    };

    worker.on('message', (message: WorkerMessage) => {
      switch (message.kind) {
        case 'ready': {
          let seen = Atomics.load(counters, 0);
          let since = Date.now();
          watchdog = setInterval(() => {
            const now = Atomics.load(counters, 0);
            if (now !== seen) {
              seen = now;
              since = Date.now();
            } else if (Date.now() - since > hangMs) {
              lost('hang', `no progress for ${hangMs / 1000} s on one input (an endless loop, or a promise that never settles)`);
              void worker.terminate();
            }
          }, Math.min(250, hangMs / 4));
          return;
        }
        case 'progress':
          last = message.stats;
          options.progress?.(message.stats);
          return;
        case 'done':
          settle(() => resolve(message.report));
          void worker.terminate();
          return;
        case 'failed':
          settle(() => reject(new Error(`fuzz worker for ${options.target} failed: ${message.error}`)));
          void worker.terminate();
          return;
      }
    });
    worker.on('error', (err) => lost('crash', `the worker died: ${err.stack ?? err.message}`));
    worker.on('exit', (code) => lost('crash', `the worker exited with code ${code} before its report`));
  });
}
