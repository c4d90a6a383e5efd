import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/log';
import type { Zone } from '../zone/zone';
import { snapshotOf, zoneOf } from '../store/snapshot';
import type { OutboundTarget } from '../store/zone-store';

/**
 * A pod's own copy of the zones it serves, on its disk (ADR 0007): written a little after every
 * change (debounced), read at start when the store cannot be reached, so a pod restarted during a
 * Redis outage comes up with its last zones instead of none.
 *
 * Layout: one master file per zone (`<origin>zone`, URI-encoded) and `index.json`, written last
 * with each file's serial, the store epoch and version. Files are written to a temporary name and
 * renamed, so a crash leaves the old file or the new one, never half of one; `index.json` is the
 * commit point.
 */

export interface SnapshotContent {
  readonly cloud: string;
  /** The store epoch and version the zones were read at. */
  readonly epoch: string | undefined;
  readonly version: number;
  /** Milliseconds since the epoch of the write. */
  readonly savedAt: number;
  readonly zones: ReadonlyArray<{ readonly zone: Zone; readonly secondaries?: readonly OutboundTarget[] }>;
}

interface IndexFile {
  readonly format: 1;
  readonly cloud: string;
  readonly epoch?: string;
  readonly version: number;
  readonly savedAt: number;
  readonly zones: ReadonlyArray<{ readonly origin: string; readonly serial: number; readonly file: string; readonly secondaries?: readonly OutboundTarget[] }>;
}

export interface LocalSnapshotOptions {
  readonly dir: string;
  readonly cloud: string;
  readonly log: Logger;
  /** Quiet time after a change before writing. */
  readonly debounceMs?: number;
  /** Longest a change waits under constant churn. */
  readonly maxDelayMs?: number;
}

export interface SnapshotState {
  readonly epoch: string | undefined;
  readonly version: number;
  readonly zones: Iterable<Zone>;
  readonly outbound: ReadonlyMap<string, readonly OutboundTarget[]>;
}

export class LocalSnapshot {
  /** The Zone object each file on disk was written from: a new build is a new object. */
  private readonly written = new Map<string, Zone>();
  /** Master-file text already at hand (from the store) for a zone object, so it need not be written out again. */
  private readonly texts = new WeakMap<Zone, string>();
  private pending: (() => SnapshotState) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt = 0;
  private writing: Promise<void> | undefined;
  private failedOnce = false;
  /** Milliseconds since the epoch of the last completed write. */
  lastSavedAt: number | undefined;

  constructor(private readonly o: LocalSnapshotOptions) {}

  /** The text a zone was built from, kept until the zone is written. */
  rememberText(zone: Zone, text: string): void {
    this.texts.set(zone, text);
  }

  /** Asks for a write of `state()` (read when the write happens) after the quiet time. */
  schedule(state: () => SnapshotState): void {
    const now = Date.now();
    if (!this.pending) this.firstPendingAt = now;
    this.pending = state;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.o.debounceMs ?? 1000, this.firstPendingAt + (this.o.maxDelayMs ?? 10_000) - now));
    this.timer = setTimeout(() => void this.flush(), wait);
    this.timer.unref();
  }

  /** Writes what is pending now (at stop); resolves when written or failed. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    const state = this.pending;
    this.pending = undefined;
    if (!state) return;
    this.writing = this.write(state()).catch((err: unknown) => {
      // A read-only or full disk costs the snapshot, never the serving: said once.
      if (!this.failedOnce) this.o.log.warn('local snapshot not written; serving goes on without it', { dir: this.o.dir, error: String(err) });
      this.failedOnce = true;
    });
    await this.writing;
    this.writing = undefined;
  }

  private async write(state: SnapshotState): Promise<void> {
    const dir = this.o.dir;
    await mkdir(join(dir, 'zones'), { recursive: true });
    const entries: Array<IndexFile['zones'][number]> = [];
    const keep = new Set<string>();
    for (const zone of state.zones) {
      const origin = zone.origin.toString().toLowerCase();
      const file = `${encodeURIComponent(origin)}zone`;
      keep.add(origin);
      const secondaries = state.outbound.get(origin);
      entries.push({ origin, serial: zone.serial, file, ...(secondaries ? { secondaries } : {}) });
      if (this.written.get(origin) === zone) continue;
      const text = this.texts.get(zone) ?? snapshotOf(zone, 'all').text;
      await atomicWrite(join(dir, 'zones', file), text);
      this.written.set(origin, zone);
    }
    const index: IndexFile = { format: 1, cloud: this.o.cloud, ...(state.epoch ? { epoch: state.epoch } : {}), version: state.version, savedAt: Date.now(), zones: entries };
    await atomicWrite(join(dir, 'index.json'), JSON.stringify(index));
    this.lastSavedAt = index.savedAt;
    this.failedOnce = false;
    // Files of zones no longer served go after the index that no longer names them.
    for (const origin of [...this.written.keys()]) {
      if (keep.has(origin)) continue;
      this.written.delete(origin);
      await rm(join(dir, 'zones', `${encodeURIComponent(origin)}zone`), { force: true });
    }
  }

  /**
   * The snapshot on disk, or undefined when there is none for this cloud. A zone whose file is
   * missing or does not build is left out, and said so; the others load.
   */
  async load(): Promise<SnapshotContent | undefined> {
    let index: IndexFile;
    try {
      index = JSON.parse(await readFile(join(this.o.dir, 'index.json'), 'utf8')) as IndexFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.o.log.warn('local snapshot unreadable; starting without it', { dir: this.o.dir, error: String(err) });
      return undefined;
    }
    if (index.format !== 1 || index.cloud !== this.o.cloud) {
      this.o.log.warn('local snapshot is of another cloud or format; starting without it', { dir: this.o.dir, cloud: index.cloud });
      return undefined;
    }
    const zones: Array<SnapshotContent['zones'][number]> = [];
    for (const entry of index.zones) {
      try {
        const text = await readFile(join(this.o.dir, 'zones', entry.file), 'utf8');
        const zone = zoneOf({ origin: entry.origin, text });
        this.written.set(entry.origin, zone);
        zones.push({ zone, ...(entry.secondaries ? { secondaries: entry.secondaries } : {}) });
      } catch (err) {
        this.o.log.warn('zone of the local snapshot not loaded', { zone: entry.origin, file: entry.file, error: String(err) });
      }
    }
    return { cloud: index.cloud, epoch: index.epoch, version: index.version, savedAt: index.savedAt, zones };
  }
}

async function atomicWrite(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
