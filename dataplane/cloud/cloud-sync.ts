import { Name } from '../dns/name';
import { ZoneSet } from '../zone/zone-set';
import type { Zone } from '../zone/zone';
import { servesCloud, type OutboundTarget, type StoredZone, type ZoneChange, type ZoneDiff, type ZoneStore } from '../store/zone-store';
import { ZoneUpdate } from '../zone/zone-update';
import { readZoneRecords } from '../dns/zonefile/reader';
import { zoneSteps } from '../store/snapshot';
import type { Logger } from '../server/log';
import { stepRunner, type StepRunner } from '../server/slices';

/**
 * Keeps a cloud pod's zones in step with the store (docs/redis.md, "Reading"): list everything
 * once, then follow the change stream; start over when the stream no longer reaches back far
 * enough. Every applied change swaps a new ZoneSet in through `apply`. When the store is
 * unreachable the pod keeps the zones it has and retries with backoff.
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
  /** How zones are built: by default in slices that let queries be answered meanwhile (ADR 0009). */
  readonly steps?: StepRunner;
}

export class CloudSync {
  private zones = new ZoneSet([]);
  private version = 0;
  private stopped = false;
  private loaded = false;
  private loop: Promise<void> | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  /** Zones that failed to build, by origin, with the error: the last good version keeps serving. */
  readonly failures = new Map<string, string>();
  /** Each zone's customer secondaries, as stored with the version being served (the control server's). */
  readonly outbound = new Map<string, readonly OutboundTarget[]>();

  private readonly steps: StepRunner;

  constructor(private readonly options: CloudSyncOptions) {
    this.steps = options.steps ?? stepRunner();
  }

  /** True once every zone of the cloud was loaded: the pod's readiness. */
  get ready(): boolean {
    return this.loaded;
  }

  get current(): ZoneSet {
    return this.zones;
  }

  /** Loads everything (resolves when done or when the first attempt failed) and keeps following. */
  async start(): Promise<void> {
    const first = this.fullSync().catch((err: unknown) => this.options.log.error('initial load failed, will retry', { error: String(err) }));
    await first;
    this.loop = this.follow();
    const every = this.options.reportEveryMs ?? 2000;
    const report = (): void => void this.report(Math.ceil((every * 3) / 1000));
    report();
    this.reportTimer = setInterval(report, every);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reportTimer) clearInterval(this.reportTimer);
    await this.loop;
  }

  private async follow(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        if (!this.loaded) await this.fullSync();
        const { changes, reset } = await this.options.store.changesSince(this.version, this.options.waitMs ?? 2000);
        if (this.stopped) return;
        if (reset) {
          this.options.log.warn('change stream no longer reaches our version; reloading everything', { version: this.version });
          await this.fullSync();
        } else if (changes.length > 0) {
          await this.applyChanges(changes, changes[changes.length - 1]!.version);
        }
        backoff = 100;
      } catch (err) {
        this.options.log.error('zone store unreachable; serving what we have', { error: String(err), retryMs: backoff });
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private async fullSync(): Promise<void> {
    const { zones, version } = await this.options.store.listZones();
    const mine = zones.filter((z) => servesCloud(z, this.options.cloud));
    const built = new Map<string, Zone>();
    this.outbound.clear();
    for (const stored of mine) {
      const zone = await this.build(stored);
      if (zone) built.set(stored.origin, zone);
      if (zone && stored.secondaries) this.outbound.set(stored.origin, stored.secondaries);
    }
    this.zones = new ZoneSet(built.values());
    this.version = version;
    this.loaded = true;
    this.options.apply(this.zones);
    this.options.log.info('zones loaded', { zones: this.zones.size, version });
  }

  private async applyChanges(changes: readonly ZoneChange[], version: number): Promise<void> {
    let next = this.zones;
    for (const change of changes) {
      const origin = change.origin;
      const name = Name.fromText(origin);
      const current = next.get(name);
      if (change.kind === 'diff') {
        // A pod serving the version the difference starts from takes it at once; any other waits
        // for the snapshot that follows.
        if (current && current.serial === change.fromSerial) {
          const updated = this.applyDiff(current, change);
          if (updated) next = next.with(updated);
        }
        continue;
      }
      // The snapshot of a version a difference already brought: nothing to do.
      if (change.kind === 'put' && change.catchUp && current && current.serial === change.serial && !this.failures.has(origin)) continue;
      const stored = await this.options.store.getZone(origin);
      if (!stored || !servesCloud(stored, this.options.cloud)) {
        next = next.without(name);
        this.failures.delete(origin);
        this.outbound.delete(origin);
        continue;
      }
      const zone = await this.build(stored);
      if (zone) next = next.with(zone);
      if (zone && !this.failures.has(origin)) {
        if (stored.secondaries) this.outbound.set(origin, stored.secondaries);
        else this.outbound.delete(origin);
      }
    }
    this.zones = next;
    this.version = version;
    this.options.apply(next);
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

  /** A zone that does not build keeps its previous version serving, and the error is kept. */
  private async build(stored: StoredZone): Promise<Zone | undefined> {
    try {
      const started = Date.now();
      const zone = await this.steps(zoneSteps(stored));
      // A large zone takes seconds: say so, for whoever wonders why the new serial came late.
      if (Date.now() - started >= 1000) this.options.log.info('large zone built', { zone: stored.origin, records: zone.recordCount, ms: Date.now() - started });
      this.failures.delete(stored.origin);
      return zone;
    } catch (err) {
      this.failures.set(stored.origin, (err as Error).message);
      this.options.log.error('zone from the store rejected; keeping the previous version', { zone: stored.origin, error: (err as Error).message });
      return this.zones.get(Name.fromText(stored.origin));
    }
  }

  private async report(ttlSeconds: number): Promise<void> {
    const serials = new Map<string, number>();
    for (const zone of this.zones.zones()) serials.set(zone.origin.toString().toLowerCase(), zone.serial);
    try {
      await this.options.store.reportServed(this.options.cloud, this.options.pod, serials, ttlSeconds);
    } catch (err) {
      this.options.log.warn('could not report served serials', { error: String(err) });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
