/**
 * At most one log line per key (an event and its source) per interval. What a stranger can make a
 * server do per packet must not include writing a log line: a flood of refused transfers or
 * NOTIFYs would otherwise fill the disk of whoever collects the logs. The first event of a key is
 * logged at once; the next one after the interval is logged with how many were left out between.
 * The metrics count every event (runtime/server-metrics.ts).
 *
 * The table is bounded: once it holds `maxKeys` keys within their interval, every new key shares
 * one entry (`*`), so spoofed sources cannot grow it.
 */
export class LogLimiter {
  private readonly entries = new Map<string, { since: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 60_000,
    private readonly maxKeys = 4096,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether to log this event now, and how many of its key were left out since the last line. */
  admit(key: string): { readonly log: boolean; readonly suppressed: number } {
    const now = this.now();
    if (!this.entries.has(key) && this.entries.size >= this.maxKeys) {
      this.evictExpired(now);
      if (this.entries.size >= this.maxKeys) key = '*';
    }
    const entry = this.entries.get(key);
    if (entry && now - entry.since < this.intervalMs) {
      entry.suppressed++;
      return { log: false, suppressed: entry.suppressed };
    }
    const suppressed = entry?.suppressed ?? 0;
    this.entries.delete(key); // re-inserted last: the map stays in order of `since`
    this.entries.set(key, { since: now, suppressed: 0 });
    return { log: true, suppressed };
  }

  /** Keys in the table (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private evictExpired(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.since < this.intervalMs) break; // the rest are newer
      this.entries.delete(key);
    }
  }
}
