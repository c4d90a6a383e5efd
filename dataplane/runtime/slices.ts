import { setImmediate as nextTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { runSteps, type StepRunner, type Steps } from '../zone/steps';

export type { StepRunner } from '../zone/steps';

/**
 * Runs work done in steps (zone/steps.ts) in time slices on the thread that answers DNS: steps
 * until `sliceMs` have passed, then one turn of the event loop, where the queries that arrived
 * meanwhile are read and answered, then the next slice (ADR 0009). A query waits at most about
 * one slice, however large the zone being loaded, instead of the whole load.
 */

export interface SliceOptions {
  /** The longest the work keeps the thread before it lets the event loop run. 0: no slicing. */
  readonly sliceMs?: number;
}

/** Default slice: short against a client's retry timer (1 s and up), long against a turn of the loop. */
export const DEFAULT_SLICE_MS = 10;

export function stepRunner(options: SliceOptions = {}): StepRunner {
  const sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
  if (sliceMs <= 0) return <T>(steps: Steps<T>) => Promise.resolve().then(() => runSteps(steps));
  return <T>(steps: Steps<T>) => runInSlices(steps, sliceMs);
}

export async function runInSlices<T>(steps: Steps<T>, sliceMs = DEFAULT_SLICE_MS): Promise<T> {
  let until = performance.now() + sliceMs;
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() >= until) {
      // setImmediate, not a promise: it runs after the poll phase, where sockets are read.
      await nextTurn();
      until = performance.now() + sliceMs;
    }
  }
}
