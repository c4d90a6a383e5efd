import type { Logger } from '../log/log';

/**
 * SIGTERM and SIGINT stop a process in order, and within a deadline whatever hangs (an absent
 * Redis, a transfer): well inside a pod's 30 s termination grace period. SIGHUP reloads, for the
 * roles that have something to reload.
 */

/** Longest a stop may take before the process exits anyway. */
export const STOP_DEADLINE_MS = 10_000;

export interface SignalOptions {
  readonly log: Logger;
  readonly stop: () => Promise<void>;
  /** SIGHUP; left alone when not given. */
  readonly reload?: () => void;
  readonly deadlineMs?: number;
  /** How the process ends (tests replace it). */
  readonly exit?: (code: number) => void;
}

export function stopOnSignals(options: SignalOptions): void {
  const { log } = options;
  const deadlineMs = options.deadlineMs ?? STOP_DEADLINE_MS;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const shutdown = (signal: string): void => {
    log.info('stopping', { signal });
    setTimeout(() => {
      log.warn('stop took too long; exiting', { ms: deadlineMs });
      exit(1);
    }, deadlineMs).unref();
    void options.stop().then(
      () => exit(0),
      (err: unknown) => {
        log.error('stop failed', { error: String(err) });
        exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  const reload = options.reload;
  if (reload) process.on('SIGHUP', () => reload());
}
