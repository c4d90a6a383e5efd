import { Session } from 'node:inspector';

/**
 * Block coverage of this thread's JavaScript, from V8's own counters (`Profiler.takePreciseCoverage`
 * with call counts and block detail), as the fuzzer's signal: no source rewriting, no native
 * addon (ADR 0018).
 *
 * V8 reports a function as nested ranges, each with how often it ran, and merges a block into its
 * parent when both ran as often: a branch taken once in a function called once does not show as a
 * range of its own. So every range ever reported becomes a known block, and a run's features are
 * the known blocks whose innermost reported range ran, each with its count in AFL's buckets (1, 2,
 * 3, 4-7, 8-15, 16-31, 32-127, 128+). A block that ran for the first time, or a loop that ran a new
 * number of times, is a feature never seen before.
 */

interface Range {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}

interface FunctionCoverage {
  readonly ranges: readonly Range[];
}

interface ScriptCoverage {
  readonly url: string;
  readonly functions: readonly FunctionCoverage[];
}

interface KnownBlock {
  readonly start: number;
  readonly end: number;
  readonly id: number;
}

/** Features are block ids times BUCKETS plus the bucket. */
const BUCKETS = 8;

function bucket(count: number): number {
  if (count <= 3) return count - 1;
  if (count < 8) return 3;
  if (count < 16) return 4;
  if (count < 32) return 5;
  if (count < 128) return 6;
  return 7;
}

export class BlockCoverage {
  private readonly session = new Session();
  /** Known blocks by function (`url@start`), and by `url@start:end` for their ids. */
  private readonly functions = new Map<string, KnownBlock[]>();
  private readonly ids = new Map<string, number>();
  /** Scripts in scope, by URL: the rest of the process (mocha, the engine itself) is not the target. */
  private readonly scope: (url: string) => boolean;

  constructor(scope: (url: string) => boolean) {
    this.scope = scope;
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  /** Blocks known so far in the scripts in scope. */
  get blocks(): number {
    return this.ids.size;
  }

  /** Discards the counts gathered so far (module loading, set-up). */
  reset(): void {
    this.post('Profiler.takePreciseCoverage');
  }

  /** The features of everything run since the last call (or `reset`), and resets the counters. */
  take(): number[] {
    const { result } = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    const features: number[] = [];
    for (const script of result) {
      if (!this.scope(script.url)) continue;
      for (const fn of script.functions) {
        const ranges = fn.ranges;
        if (ranges.length === 0 || ranges[0]!.count === 0) continue;
        for (const block of this.known(script.url, ranges)) {
          const count = innermostCount(ranges, block);
          if (count > 0) features.push(block.id * BUCKETS + bucket(count));
        }
      }
    }
    return features;
  }

  stop(): void {
    this.post('Profiler.stopPreciseCoverage');
    this.post('Profiler.disable');
    this.session.disconnect();
  }

  /** The known blocks of a function, with the ranges of this report added. */
  private known(url: string, ranges: readonly Range[]): KnownBlock[] {
    const fnKey = `${url}@${ranges[0]!.startOffset}`;
    let blocks = this.functions.get(fnKey);
    if (!blocks) this.functions.set(fnKey, (blocks = []));
    for (const r of ranges) {
      const key = `${fnKey}:${r.startOffset}:${r.endOffset}`;
      if (this.ids.has(key)) continue;
      const id = this.ids.size;
      this.ids.set(key, id);
      blocks.push({ start: r.startOffset, end: r.endOffset, id });
    }
    return blocks;
  }

  /** The inspector session on our own thread answers at once: the callback runs before `post` returns. */
  private post(method: string, params?: object): unknown {
    let out: unknown;
    let failure: Error | null = null;
    this.session.post(method, params, (err, result) => {
      failure = err;
      out = result;
    });
    if (failure) throw failure;
    return out;
  }
}

/** The count of the smallest reported range that holds the block: V8 merged the block into it. */
function innermostCount(ranges: readonly Range[], block: KnownBlock): number {
  let count = 0;
  let size = Infinity;
  for (const r of ranges) {
    if (r.startOffset <= block.start && block.end <= r.endOffset && r.endOffset - r.startOffset < size) {
      size = r.endOffset - r.startOffset;
      count = r.count;
    }
  }
  return count;
}
