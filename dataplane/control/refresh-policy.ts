/**
 * When the control server checks a secondary zone's primaries, and when a copy is too old to
 * serve: the SOA timers of RFC 1035 §3.3.13 (refresh, retry, expire; RFC 1034 §4.3.5 for how a
 * secondary uses them), with a zone's overrides and a floor under refresh and retry. Pure: times
 * are milliseconds passed in.
 */

export interface SoaTimers {
  /** Seconds between checks of the primary's serial while all is well. */
  readonly refresh: number;
  /** Seconds between checks after a failed one. */
  readonly retry: number;
  /** Seconds without a successful check after which the copy is no longer served. */
  readonly expire: number;
}

export interface RefreshOverrides {
  readonly refresh?: number;
  readonly retry?: number;
  readonly expire?: number;
  /** Floor under refresh and retry (default 3600): NOTIFY is the fast path, polling the fallback. */
  readonly minimumRefresh?: number;
}

export const DEFAULT_MINIMUM_REFRESH = 3600;
/** Before the first transfer there is no SOA: try again this soon (seconds). */
export const FIRST_TRANSFER_RETRY = 10;

/** The timers in force: the zone's overrides over its SOA, refresh and retry raised to the floor. */
export function effectiveTimers(soa: SoaTimers, overrides: RefreshOverrides = {}): SoaTimers {
  const floor = overrides.minimumRefresh ?? DEFAULT_MINIMUM_REFRESH;
  const refresh = Math.max(overrides.refresh ?? soa.refresh, floor);
  const retry = Math.max(overrides.retry ?? soa.retry, Math.min(floor, refresh));
  return { refresh, retry, expire: overrides.expire ?? soa.expire };
}

export interface RefreshHistory {
  /** When a primary last answered a check (SOA or transfer) — the expire clock starts here. */
  readonly lastSuccessMs?: number;
  /** When the last check was made, and whether it failed. */
  readonly lastAttemptMs?: number;
  readonly lastAttemptFailed?: boolean;
}

/** When the next check is due. With no copy yet, soon; after a failure, `retry`; else `refresh`. */
export function nextCheckAt(timers: SoaTimers | undefined, history: RefreshHistory): number {
  if (history.lastAttemptMs === undefined) return 0;
  if (!timers) return history.lastAttemptMs + FIRST_TRANSFER_RETRY * 1000;
  if (history.lastAttemptFailed) return history.lastAttemptMs + timers.retry * 1000;
  return (history.lastSuccessMs ?? history.lastAttemptMs) + timers.refresh * 1000;
}

/** RFC 1035 §3.3.13: a copy not refreshed for `expire` seconds is no longer authoritative. */
export function isExpired(timers: SoaTimers | undefined, history: RefreshHistory, nowMs: number): boolean {
  if (!timers || history.lastSuccessMs === undefined) return false;
  return nowMs - history.lastSuccessMs >= timers.expire * 1000;
}
