import type { Logger } from '../log/log';

/**
 * Whether the zone store answers, as the last requests found it. Every request of a store reports
 * its outcome here; the state changes only when the outcome does, so a log line, a metric and a
 * readiness answer follow the changes (down, up again) rather than every retry.
 */

export type StoreConnectivity = 'unknown' | 'up' | 'down';

export interface StoreHealthState {
  readonly state: StoreConnectivity;
  /** Milliseconds since the epoch of the last change of `state`. */
  readonly since: number;
  /** Why the last request failed, while down. */
  readonly error?: string;
  /** How many times the store went down since the process started. */
  readonly outages: number;
}

export type StoreHealthListener = (now: StoreHealthState, before: StoreHealthState) => void;

export class StoreHealth {
  private current: StoreHealthState;
  private readonly listeners = new Set<StoreHealthListener>();

  constructor(private readonly clock: () => number = Date.now) {
    this.current = { state: 'unknown', since: clock(), outages: 0 };
  }

  get state(): StoreHealthState {
    return this.current;
  }

  /** True unless the last request failed (an untried store counts as up). */
  get up(): boolean {
    return this.current.state !== 'down';
  }

  succeeded(): void {
    if (this.current.state === 'up') return;
    this.change({ state: 'up', since: this.clock(), outages: this.current.outages });
  }

  failed(error: string): void {
    if (this.current.state === 'down') return;
    this.change({ state: 'down', since: this.clock(), error, outages: this.current.outages + 1 });
  }

  /** Calls `listener` on every change; returns the function that stops it. */
  onChange(listener: StoreHealthListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private change(next: StoreHealthState): void {
    const before = this.current;
    this.current = next;
    for (const l of this.listeners) l(next, before);
  }
}

/** Logs each change once: unreachable (with the error), reachable again (with how long it was down). */
export function logStoreHealth(health: StoreHealth, log: Logger, store: string): () => void {
  return health.onChange((now, before) => {
    if (now.state === 'down') {
      const atStart = before.state === 'unknown';
      log.error(atStart ? 'zone store unreachable at start; retrying' : 'zone store unreachable; retrying', { store, error: now.error, since: new Date(now.since).toISOString() });
    } else if (now.state === 'up') {
      if (before.state === 'down') log.info('zone store reachable again', { store, downMs: now.since - before.since });
      else log.info('zone store reachable', { store });
    }
  });
}

/** One line for /readyz and /healthz bodies. */
export function describeStoreHealth(s: StoreHealthState): string {
  if (s.state === 'down') return `store unreachable since ${new Date(s.since).toISOString()} (${s.error ?? 'no answer'})`;
  if (s.state === 'up') return 'store reachable';
  return 'store not asked yet';
}
