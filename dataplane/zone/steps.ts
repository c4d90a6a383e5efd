/**
 * Long work in small steps (ADR 0009). A large zone takes seconds to parse, check and order; the
 * thread that does it also answers DNS. The DNS core stays synchronous and free of I/O, so it does
 * not wait on anything itself: it does its work as a generator that yields between small pieces,
 * and the layer around it (cloud/, control/, standalone/) decides when to resume, e.g. after
 * letting the event loop answer the queries that arrived meanwhile (runtime/slices.ts).
 *
 * A step is a few thousand records' worth of work (well under a millisecond on an idle core), so
 * a caller that checks the clock after each step keeps its slices as short as it likes.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs steps to the end without pausing: the result the synchronous API returns. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** How many cheap items (records, names, lines) make one step. */
export const ITEMS_PER_STEP = 2048;

/**
 * Sorts `items` in steps: runs of ITEMS_PER_STEP sorted with Array.prototype.sort, then merged
 * pairwise, pausing every ITEMS_PER_STEP items. Stable, like Array.prototype.sort, so it gives the
 * same order. Returns a sorted array (`items` itself or a new one); `items` is reordered.
 */
export function* sortInSteps<T>(items: T[], compare: (a: T, b: T) => number): Steps<T[]> {
  const length = items.length;
  for (let lo = 0; lo < length; lo += ITEMS_PER_STEP) {
    const run = items.slice(lo, lo + ITEMS_PER_STEP).sort(compare);
    for (let i = 0; i < run.length; i++) items[lo + i] = run[i]!;
    yield;
  }
  let from = items;
  let to: T[] = new Array<T>(length);
  let done = 0;
  for (let width = ITEMS_PER_STEP; width < length; width *= 2) {
    for (let lo = 0; lo < length; lo += 2 * width) {
      const mid = Math.min(lo + width, length);
      const hi = Math.min(lo + 2 * width, length);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        // Left first on a tie: stable.
        if (i < mid && (j >= hi || compare(from[i]!, from[j]!) <= 0)) to[k] = from[i++]!;
        else to[k] = from[j++]!;
        if (++done % ITEMS_PER_STEP === 0) yield;
      }
    }
    [from, to] = [to, from];
  }
  return from;
}

/** Turns steps into their result, in whatever slices the caller's layer chooses (runtime/slices.ts). */
export type StepRunner = <T>(steps: Steps<T>) => Promise<T>;
