import { DnsfleetError } from '../dataplane/dns/error';
import { describeKubeError } from './kube/client';

/**
 * A reconcile's failure, named by the step that failed (CloudNativePG wraps its errors the same
 * way: "while applying the Deployment: …"). The log line and the retry then say what was being
 * done, not only what the API server or the store answered. The original error stays in `cause`,
 * so callers that decide by the error's kind (a 409, the store being away) look at `causeOf(err)`.
 */
export class ReconcileStepError extends DnsfleetError {
  constructor(
    /** What the reconcile was doing, e.g. `apply Deployment dnsfleet-a`, `write status`. */
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step}: ${describeKubeError(cause)}`, { step }, { cause });
  }
}

/** Runs one step of a reconcile; a failure comes out as a `ReconcileStepError` naming it (not wrapped twice). */
export async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw err instanceof ReconcileStepError ? err : new ReconcileStepError(name, err);
  }
}

/** The error underneath any step wrappers: what the API server or the store threw. */
export function causeOf(err: unknown): unknown {
  let e = err;
  while (e instanceof ReconcileStepError) e = e.cause;
  return e;
}
