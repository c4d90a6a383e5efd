/**
 * A work queue that runs one reconcile at a time per key (`kind/namespace/name`), as pepr's
 * queue does: a key added while it is being reconciled runs once more afterwards; failures come
 * back with exponential backoff; a handler can ask to run again later. Keys of a periodic resync
 * wait behind all others, so a change never queues behind every object of the cluster.
 */

export interface ReconcileResult {
  /** Run this key again after so many milliseconds (e.g. to watch a rollout progress). */
  readonly requeueAfterMs?: number;
}

export interface WorkQueueOptions {
  readonly concurrency?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Told of every failure; returning false means: no retry, the caller adds the key again itself. */
  readonly onError?: (key: string, err: unknown, retryInMs: number) => unknown;
}

export class WorkQueue {
  private readonly queued: string[] = [];
  private readonly queuedSet = new Set<string>();
  /** Background keys in order; an entry no longer in `backgroundSet` was promoted and is skipped. */
  private readonly background: string[] = [];
  private readonly backgroundSet = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly handler: (key: string) => Promise<ReconcileResult | void>,
    private readonly options: WorkQueueOptions = {},
  ) {}

  /** Keys waiting or running. */
  get depth(): number {
    return this.queued.length + this.backgroundSet.size + this.running.size;
  }

  /** Adds a key that runs only when no other key waits (a resync); `add` promotes it. */
  addBackground(key: string): void {
    if (this.stopped || this.running.has(key) || this.queuedSet.has(key) || this.backgroundSet.has(key)) return;
    this.backgroundSet.add(key);
    this.background.push(key);
    this.pump();
  }

  add(key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.add(key);
      }, delayMs);
      this.timers.add(timer);
      return;
    }
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queuedSet.has(key)) return;
    this.backgroundSet.delete(key);
    this.queuedSet.add(key);
    this.queued.push(key);
    this.pump();
  }

  /** Resolves when nothing is queued or running (timers for later runs do not count). */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 4;
    while (!this.stopped && this.running.size < limit) {
      const key = this.queued.shift() ?? this.nextBackground();
      if (key === undefined) return;
      this.queuedSet.delete(key);
      this.running.add(key);
      void this.run(key);
    }
  }

  private nextBackground(): string | undefined {
    for (let key = this.background.shift(); key !== undefined; key = this.background.shift()) {
      if (this.backgroundSet.delete(key)) return key;
    }
    return undefined;
  }

  private async run(key: string): Promise<void> {
    try {
      const result = await this.handler(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.add(key, result.requeueAfterMs);
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = Math.min((this.options.baseDelayMs ?? 200) * 2 ** (n - 1), this.options.maxDelayMs ?? 60_000);
      if (this.options.onError?.(key, err, delay) !== false) this.add(key, delay);
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      if (this.depth === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}
