/**
 * The per-token request rate. RcodeZero ("4.2. Rate limits"): authenticated requests are limited
 * per account per minute, "the Rate Limit and the remaining requests are reported in every
 * response" as `X-RateLimit-Limit` and `X-RateLimit-Remaining`, and a refused request carries
 * `X-RateLimit-Reset`, the Unix time the limit is reset. A fixed one-minute window per token
 * gives exactly those three numbers.
 */

export const DEFAULT_RATE_LIMIT = 1500;

export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Unix time (seconds) when the current window ends. */
  readonly resetAt: number;
}

export interface RateLimiterOptions {
  readonly windowMs?: number;
  readonly now?: () => number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: RateLimiterOptions = {}) {
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Counts one request of `key` against `limit` per window; a refused request is not counted. */
  take(key: string, limit: number): RateDecision {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || now >= w.start + this.windowMs) {
      if (!w && this.windows.size > 10_000) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    const resetAt = Math.ceil((w.start + this.windowMs) / 1000);
    if (w.count >= limit) return { allowed: false, limit, remaining: 0, resetAt };
    w.count += 1;
    return { allowed: true, limit, remaining: limit - w.count, resetAt };
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now >= w.start + this.windowMs) this.windows.delete(key);
  }
}
