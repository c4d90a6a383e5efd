import { Name } from '../dns/name';
import { serialCompare } from '../zone/serial';
import { ZoneSet } from '../zone/zone-set';
import type { Zone } from '../zone/zone';
import { servesCloud, StoreUnavailableError, type OutboundTarget, type StoreEpoch, type StoredZone, type ZoneChange, type ZoneDiff, type ZoneStore } from '../store/zone-store';
import { ZoneUpdate } from '../zone/zone-update';
import { readZoneRecords } from '../dns/zonefile/reader';
import { zoneSteps } from '../store/snapshot';
import type { Logger } from '../log/log';
import { stepRunner, type StepRunner } from '../runtime/slices';
import { LastGoodZones, logRejectedZone } from '../runtime/last-good';
import type { LocalSnapshot } from './local-snapshot';

/**
 * Keeps a cloud pod's zones in step with the store (docs/redis.md, "Reading"): list everything
 * once, then follow the change stream; list again when the stream no longer reaches back far
 * enough. Every applied change swaps a new ZoneSet in through `apply`.
 *
 * A zone leaves the pod only on an explicit change for it (a `delete`, or a `put` for other
 * clouds) or on a listing the store vouches for: one of a complete epoch (ADR 0007). A store that
 * lost its data (new epoch) is only added from until the operator has written everything again
 * and marked the epoch complete; then the pod lists once more and that listing is the truth. When
 * the store is unreachable the pod keeps what it has and retries with backoff; with a local
 * snapshot it can start that way too.
 */

export interface CloudSyncOptions {
  readonly store: ZoneStore;
  readonly cloud: string;
  readonly pod: string;
  readonly log: Logger;
  /** Receives every new zone set. */
  readonly apply: (zones: ZoneSet) => void;
  /** How long one read of the change stream waits. */
  readonly waitMs?: number;
  /** How often the pod reports what it serves; reports live three times as long. */
  readonly reportEveryMs?: number;
  /** The pod's own copy on disk: written after changes, read at start when the store is away. */
  readonly snapshot?: LocalSnapshot;
  /** How long the start waits for the store before it takes the local snapshot. */
  readonly storeWaitMs?: number;
  /** How zones are built: by default in slices that let queries be answered meanwhile (ADR 0009). */
  readonly steps?: StepRunner;
}

/** Where the zones being served come from. */
export type ZoneSource = 'none' | 'store' | 'local snapshot';

export class CloudSync {
  private zones = new ZoneSet([]);
  private version = 0;
  /** The store epoch `version` counts in; undefined before the first listing. */
  private epoch: string | undefined;
  private stopped = false;
  private loaded = false;
  /** True while the store's epoch is not complete: listings add, they do not remove. */
  private waitingForRewrite = false;
  private fromStore = false;
  private loop: Promise<void> | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private readonly wakeUp = new AbortController();
  /** Milliseconds since the epoch of the local snapshot loaded at start, while nothing newer came. */
  snapshotSavedAt: number | undefined;
  /** Each zone's customer secondaries, as stored with the version being served (the control server's). */
  readonly outbound = new Map<string, readonly OutboundTarget[]>();

  private readonly steps: StepRunner;
  /** A zone whose new version does not build keeps its last good one (runtime/last-good.ts). */
  private readonly lastGood: LastGoodZones<Zone>;

  constructor(private readonly options: CloudSyncOptions) {
    this.steps = options.steps ?? stepRunner();
    this.lastGood = new LastGoodZones<Zone>({ serialOf: (z) => z.serial, report: logRejectedZone(options.log, 'from the store') });
  }

  /** Zones whose latest version failed to build, by origin, with the error: the last good version keeps serving. */
  get failures(): ReadonlyMap<string, string> {
    return new Map([...this.lastGood.failures].map(([origin, f]) => [origin, f.error]));
  }

  /** True once the zones of the cloud were loaded, from the store or the local snapshot: the pod's readiness. */
  get ready(): boolean {
    return this.loaded;
  }

  get current(): ZoneSet {
    return this.zones;
  }

  get source(): ZoneSource {
    return !this.loaded ? 'none' : this.fromStore ? 'store' : 'local snapshot';
  }

  /** The store lost its data and the operator has not yet written it all again: nothing is removed meanwhile. */
  get rewritePending(): boolean {
    return this.waitingForRewrite;
  }

  get storeEpoch(): string | undefined {
    return this.epoch;
  }

  /**
   * Loads the zones (from the store; from the local snapshot when the store does not answer within
   * `storeWaitMs` or lost its data) and keeps following. Resolves once loaded, or once neither
   * source had any; the follow loop keeps trying the store.
   */
  async start(): Promise<void> {
    const reachable = await this.probe();
    if (!reachable || !reachable.complete) await this.loadLocalSnapshot(reachable ? 'the zone store lost its data and is not rewritten yet' : 'the zone store does not answer');
    if (reachable) await this.fullSync().catch((err: unknown) => this.failed(err, 'initial load failed, will retry'));
    this.loop = this.follow();
    const every = this.options.reportEveryMs ?? 2000;
    const report = (): void => void this.report(Math.ceil((every * 3) / 1000));
    report();
    this.reportTimer = setInterval(report, every);
  }

  /** Stops following; does not wait on an unreachable store for longer than a moment. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp.abort();
    if (this.reportTimer) clearInterval(this.reportTimer);
    await Promise.race([this.loop, sleep(2000)]);
    await Promise.race([this.options.snapshot?.flush(), sleep(3000)]);
  }

  /** The store's epoch, or undefined when it did not answer in time. */
  private async probe(): Promise<StoreEpoch | undefined> {
    const timeout = sleep(this.options.storeWaitMs ?? 3000).then(() => undefined);
    return Promise.race([this.options.store.epoch().catch(() => undefined), timeout]);
  }

  private async loadLocalSnapshot(why: string): Promise<void> {
    const snapshot = this.options.snapshot;
    if (!snapshot || this.loaded) return;
    const content = await snapshot.load();
    if (!content) return;
    const zones: Zone[] = [];
    for (const { zone, secondaries } of content.zones) {
      zones.push(zone);
      if (secondaries) this.outbound.set(zone.origin.toString().toLowerCase(), secondaries);
    }
    this.zones = new ZoneSet(zones);
    this.epoch = content.epoch;
    this.version = content.version;
    this.loaded = true;
    this.snapshotSavedAt = content.savedAt;
    this.options.apply(this.zones);
    this.options.log.warn(`serving the local snapshot: ${why}`, { zones: this.zones.size, savedAt: new Date(content.savedAt).toISOString(), epoch: content.epoch, version: content.version });
  }

  private async follow(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        if (!this.fromStore) await this.fullSync();
        const { changes, reset, epoch } = await this.options.store.changesSince(this.version, this.waitingForRewrite ? 500 : (this.options.waitMs ?? 2000));
        if (this.stopped) return;
        if (epoch.id !== this.epoch) {
          this.options.log.warn('zone store reset (new epoch); keeping every zone served until the operator has written the store again', { from: this.epoch, to: epoch.id, zones: this.zones.size });
          await this.fullSync();
        } else if (reset) {
          this.options.log.info('change stream no longer reaches our version; listing again', { version: this.version, storeVersion: epoch.version });
          await this.fullSync();
        } else {
          if (changes.length > 0) await this.applyChanges(changes, changes[changes.length - 1]!.version);
          if (this.waitingForRewrite && epoch.complete) {
            this.options.log.info('zone store written again by the operator; listing it', { epoch: epoch.id });
            await this.fullSync();
          }
        }
        backoff = 100;
      } catch (err) {
        this.failed(err, 'zone sync failed; serving what we have');
        await sleep(backoff, this.wakeUp.signal);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** An unreachable store is logged by its health, once per change; anything else here. */
  private failed(err: unknown, message: string): void {
    if (err instanceof StoreUnavailableError) return;
    this.options.log.error(message, { error: String(err) });
  }

  /**
   * Lists the store. A listing of a complete epoch replaces what the pod serves; any other only
   * adds and replaces zones, and the pod waits for the epoch to complete.
   */
  private async fullSync(): Promise<void> {
    const listing = await this.options.store.listZones();
    let epoch = listing.epoch;
    if (this.epoch === epoch.id && listing.version < this.version) {
      // The same identity with fewer changes than we saw: Redis came back from an older copy
      // (RDB, AOF everysec). Zones written since are missing; it is a reset like any other.
      this.options.log.warn('zone store went back to an older copy; treating it as a reset', { epoch: epoch.id, version: listing.version, seen: this.version });
      epoch = await this.options.store.renewEpoch(epoch.id);
    }
    const authoritative = epoch.complete && epoch.id === listing.epoch.id;
    const mine = listing.zones.filter((z) => servesCloud(z, this.options.cloud));
    if (authoritative) this.outbound.clear();
    const built = new Map<string, Zone>();
    for (const stored of mine) {
      const zone = await this.build(stored);
      if (zone) built.set(stored.origin, zone);
      if (zone && stored.secondaries) this.outbound.set(stored.origin, stored.secondaries);
    }
    let next: ZoneSet;
    if (authoritative) {
      // Zones the store no longer holds take their failures with them.
      this.lastGood.keepOnly(new Set(mine.map((z) => z.origin)));
      const gone = [...this.zones.zones()].filter((z) => !built.has(z.origin.toString().toLowerCase()));
      if (gone.length > 0 && this.loaded) this.options.log.info('zones no longer in the store removed', { zones: gone.length, first: gone[0]!.origin.toString() });
      next = new ZoneSet(built.values());
    } else {
      // Not the whole truth: what it holds is added and replaced, nothing is removed.
      next = this.zones;
      for (const zone of built.values()) next = next.with(zone);
    }
    const wasWaiting = this.waitingForRewrite;
    this.zones = next;
    this.version = listing.epoch.id === epoch.id ? listing.version : epoch.version;
    this.epoch = epoch.id;
    this.waitingForRewrite = !authoritative;
    this.loaded = true;
    this.fromStore = true;
    this.snapshotSavedAt = undefined;
    this.options.apply(this.zones);
    this.saveSnapshot();
    if (authoritative) this.options.log.info('zones loaded', { zones: this.zones.size, version: this.version, epoch: epoch.id });
    else if (!wasWaiting) this.options.log.warn('zone store not complete (its data was lost and is being written again); serving what we have plus what it holds', { zones: this.zones.size, listed: mine.length, epoch: epoch.id });
  }

  private saveSnapshot(): void {
    this.options.snapshot?.schedule(() => ({ epoch: this.epoch, version: this.version, zones: this.zones.zones(), outbound: this.outbound }));
  }

  private async applyChanges(changes: readonly ZoneChange[], version: number): Promise<void> {
    let next = this.zones;
    for (const change of changes) {
      const origin = change.origin;
      const name = Name.fromText(origin);
      const current = next.get(name);
      const drop = (): void => {
        next = next.without(name);
        this.lastGood.forget(origin);
        this.outbound.delete(origin);
      };
      if (change.kind === 'diff') {
        // A pod serving the version the difference starts from takes it at once; any other waits
        // for the snapshot that follows.
        if (current && current.serial === change.fromSerial) {
          const updated = this.applyDiff(current, change);
          if (updated) next = next.with(updated);
        }
        continue;
      }
      // The snapshot of a version a difference already brought, or of an older one (the control
      // server's snapshots trail its differences): nothing to do (RFC 1982 order).
      if (change.kind === 'put' && change.catchUp && current && serialCompare(current.serial, change.serial) >= 0 && !this.lastGood.failures.has(origin)) continue;
      if (change.kind === 'delete') {
        drop();
        continue;
      }
      const stored = await this.options.store.getZone(origin);
      // Gone since the entry was written: a `delete` entry follows, or the store was reset and a
      // listing decides. Never a removal by absence.
      if (!stored) continue;
      if (!servesCloud(stored, this.options.cloud)) {
        drop();
        continue;
      }
      const zone = await this.build(stored);
      if (zone) next = next.with(zone);
      if (zone && !this.lastGood.failures.has(origin)) {
        if (stored.secondaries) this.outbound.set(origin, stored.secondaries);
        else this.outbound.delete(origin);
      }
    }
    this.zones = next;
    this.version = version;
    this.options.apply(next);
    this.saveSnapshot();
  }

  /** The zone after a difference, through the one change path; undefined (and logged) when it does not apply. */
  private applyDiff(zone: Zone, diff: ZoneDiff): Zone | undefined {
    const source = `store diff ${diff.origin} ${diff.fromSerial}→${diff.serial}`;
    try {
      const update = new ZoneUpdate(zone);
      for (const r of readZoneRecords(diff.removed, { origin: zone.origin, source })) update.remove(r);
      for (const r of readZoneRecords(diff.added, { origin: zone.origin, source })) update.add(r);
      const next = update.commit(source).zone;
      if (next.serial !== diff.serial) throw new Error(`leads to serial ${next.serial}, not ${diff.serial}`);
      return next;
    } catch (err) {
      this.options.log.warn('zone difference not applied; waiting for the snapshot', { zone: diff.origin, error: (err as Error).message });
      return undefined;
    }
  }

  /** The zone as stored, or its last good version when that does not build (runtime/last-good.ts). */
  private async build(stored: StoredZone): Promise<Zone | undefined> {
    const result = await this.lastGood.rebuildAsync(stored.origin, this.zones.get(Name.fromText(stored.origin)), async () => {
      const started = Date.now();
      const zone = await this.steps(zoneSteps(stored));
      // A large zone takes seconds: say so, for whoever wonders why the new serial came late.
      if (Date.now() - started >= 1000) this.options.log.info('large zone built', { zone: stored.origin, records: zone.recordCount, ms: Date.now() - started });
      return zone;
    });
    if (result.state === 'built') this.options.snapshot?.rememberText(result.zone, stored.text);
    return result.zone;
  }

  private async report(ttlSeconds: number): Promise<void> {
    const serials = new Map<string, number>();
    for (const zone of this.zones.zones()) serials.set(zone.origin.toString().toLowerCase(), zone.serial);
    try {
      await this.options.store.reportServed(this.options.cloud, this.options.pod, serials, ttlSeconds);
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) this.options.log.warn('could not report served serials', { error: String(err) });
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
