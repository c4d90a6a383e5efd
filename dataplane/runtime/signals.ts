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

/** Installs the handlers; the function returned takes them off again (for tests). */
export function stopOnSignals(options: SignalOptions): () => void {
  const { log } = options;
  const deadlineMs = options.deadlineMs ?? STOP_DEADLINE_MS;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const shutdown = (signal: string): void => {
    log.info('stopping', { signal });
    const deadline = setTimeout(() => {
      log.warn('stop took too long; exiting', { ms: deadlineMs });
      exit(1);
    }, deadlineMs).unref();
    void options.stop().then(
      () => {
        clearTimeout(deadline);
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        log.error('stop failed', { error: String(err) });
        exit(1);
      },
    );
  };
  const onInt = (): void => shutdown('SIGINT');
  const onTerm = (): void => shutdown('SIGTERM');
  const onHup = (): void => options.reload?.();
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  if (options.reload) process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  };
}
