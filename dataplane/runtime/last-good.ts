import type { Logger } from '../log/log';

/**
 * The one rule for a zone whose new version does not build or fails its checks, in every role:
 * `dnsfleet serve` (a manifest edited into something broken), a cloud pod and the control server
 * (a snapshot in the store that does not read back). The last good version keeps serving, a zone
 * that never built is not served at all, and the failure is reported — once, when the version is
 * rejected — and kept, by zone, until a version builds or the zone goes (a pod's `/zones`).
 *
 * Generic in what a "version" is: a `Zone` for the store's followers, a manifest's `BuiltZone`
 * for `serve` (which keeps the serial it manages with the zone).
 */

/** What building a new version of a zone came to. */
export type Rebuilt<T> =
  | { readonly state: 'built'; readonly zone: T }
  | { readonly state: 'kept-last-good'; readonly zone: T; readonly failure: ZoneFailure }
  | { readonly state: 'not-loaded'; readonly zone: undefined; readonly failure: ZoneFailure };

/** A rejected version, as reported. */
export interface ZoneFailure {
  /** The zone, as the caller names it (lower case with the trailing dot). */
  readonly origin: string;
  /** Why the version was rejected: the build's or the check's message. */
  readonly error: string;
  /** The serial that keeps serving, or undefined when the zone has no good version. */
  readonly keptSerial: number | undefined;
  /** `error` with what happens now: "(still serving serial N)" or "(zone not loaded)". */
  readonly message: string;
}

export interface LastGoodOptions<T> {
  /** The serial of a version, for the report. */
  readonly serialOf: (zone: T) => number;
  /** Tells where a failure goes: a log line, a reload report. Called once per rejected version. */
  readonly report: (failure: ZoneFailure) => void;
  /**
   * Which errors reject a version. Anything else is a fault of the program, not of the zone, and
   * is thrown on. Default: every error.
   */
  readonly rejects?: (err: unknown) => boolean;
}

export class LastGoodZones<T> {
  private readonly failed = new Map<string, ZoneFailure>();

  constructor(private readonly options: LastGoodOptions<T>) {}

  /** Zones whose latest version was rejected, by origin, with the failure. */
  get failures(): ReadonlyMap<string, ZoneFailure> {
    return this.failed;
  }

  /** Builds a new version of `origin`; on rejection `lastGood` keeps serving and the failure is reported. */
  rebuild(origin: string, lastGood: T | undefined, build: () => T): Rebuilt<T> {
    try {
      return this.built(origin, build());
    } catch (err) {
      return this.rejected(origin, lastGood, err);
    }
  }

  /** `rebuild` for a build that takes turns of the event loop (built in slices, ADR 0009). */
  async rebuildAsync(origin: string, lastGood: T | undefined, build: () => Promise<T>): Promise<Rebuilt<T>> {
    try {
      return this.built(origin, await build());
    } catch (err) {
      return this.rejected(origin, lastGood, err);
    }
  }

  /** The zone is gone (deleted, moved elsewhere): its failure goes with it. */
  forget(origin: string): void {
    this.failed.delete(origin);
  }

  /** Forgets the failures of every zone not in `origins` (those gone from a full reload). */
  keepOnly(origins: ReadonlySet<string>): void {
    for (const origin of this.failed.keys()) if (!origins.has(origin)) this.failed.delete(origin);
  }

  private built(origin: string, zone: T): Rebuilt<T> {
    this.failed.delete(origin);
    return { state: 'built', zone };
  }

  private rejected(origin: string, lastGood: T | undefined, err: unknown): Rebuilt<T> {
    if (this.options.rejects && !this.options.rejects(err)) throw err;
    const error = err instanceof Error ? err.message : String(err);
    const keptSerial = lastGood === undefined ? undefined : this.options.serialOf(lastGood);
    const failure: ZoneFailure = { origin, error, keptSerial, message: `${error} (${keptSerial === undefined ? 'zone not loaded' : `still serving serial ${keptSerial}`})` };
    this.failed.set(origin, failure);
    this.options.report(failure);
    return lastGood === undefined ? { state: 'not-loaded', zone: undefined, failure } : { state: 'kept-last-good', zone: lastGood, failure };
  }
}

/** The report of a follower of the store: one error line per rejected version. */
export function logRejectedZone(log: Logger, source: string): (failure: ZoneFailure) => void {
  return (f) => log.error(`zone ${source} rejected; ${f.keptSerial === undefined ? 'not served' : 'keeping its last good version'}`, { zone: f.origin, error: f.error, ...(f.keptSerial !== undefined ? { serial: f.keptSerial } : {}) });
}
