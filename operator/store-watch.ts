import type { Logger } from '../dataplane/log/log';
import type { StoreEpoch, ZoneStore } from '../dataplane/store/zone-store';

/**
 * The operator's eye on the zone store (ADR 0007): reads the store's epoch every second. That
 * read is the connectivity probe behind `/readyz`, the metric and the stale conditions (a store
 * nobody writes to is still found down), and it notices a store that lost its data: a new epoch,
 * or the same one with a lower version counter than seen before (Redis restored from an older
 * copy), which it renews so every reader sees the reset.
 */

export type EpochListener = (epoch: StoreEpoch) => void;

export class StoreWatch {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly listeners = new Set<EpochListener>();
  /** Highest version counter seen per epoch id. */
  private highest = { id: '', version: 0 };
  latest: StoreEpoch | undefined;

  constructor(private readonly o: { store: ZoneStore; log: Logger; everyMs?: number }) {}

  start(): void {
    const tick = (): void => {
      void this.poll().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.o.everyMs ?? 1000);
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Called with the epoch after every successful read. */
  onEpoch(listener: EpochListener): () => void {
    this.listeners.add(listener);
    if (this.latest) listener(this.latest);
    return () => this.listeners.delete(listener);
  }

  /** Reads the epoch now (also the probe); failures are the store health's to report. */
  async poll(): Promise<void> {
    let epoch: StoreEpoch;
    try {
      epoch = await this.o.store.epoch();
      if (epoch.id === this.highest.id && epoch.version < this.highest.version) {
        this.o.log.warn('zone store went back to an older copy; giving it a new epoch', { epoch: epoch.id, version: epoch.version, seen: this.highest.version });
        epoch = await this.o.store.renewEpoch(epoch.id);
      }
    } catch {
      return;
    }
    if (epoch.id !== this.highest.id || epoch.version > this.highest.version) this.highest = { id: epoch.id, version: epoch.version };
    this.latest = epoch;
    for (const l of this.listeners) l(epoch);
  }
}
