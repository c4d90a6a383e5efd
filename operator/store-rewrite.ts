import type { Logger } from '../dataplane/log/log';
import type { StoreEpoch, ZoneStore } from '../dataplane/store/zone-store';

/**
 * Writes the store again when it lost its data (ADR 0007). On an epoch that is not complete it
 * puts every Zone and SecondaryZone on the work queue at once (not behind the periodic resync),
 * counts them off as their reconciles succeed, and then marks the epoch complete, the signal on
 * which the clouds' pods trust a listing again and drop what the store no longer holds.
 *
 * The control server's copies of secondary zones are written by the control server itself; when
 * there are any, the epoch waits for its mark too (at most `copiesWaitMs`: a control server that
 * is gone must not hold deletions back forever).
 */

export interface StoreRewriteOptions {
  readonly store: ZoneStore;
  readonly log: Logger;
  /** The keys to write again (`Zone/ns/name`, `SecondaryZone/ns/name`). */
  readonly keys: () => Iterable<string>;
  readonly requeue: (key: string) => void;
  /** Whether the control server holds copies to write again. */
  readonly needsCopies: () => boolean;
  readonly copiesWaitMs?: number;
  readonly now?: () => number;
}

export class StoreRewrite {
  private pending: { id: string; keys: Set<string>; started: number; total: number } | undefined;
  private completing = false;

  constructor(private readonly o: StoreRewriteOptions) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** True while an epoch is being written again. */
  get active(): boolean {
    return this.pending !== undefined;
  }

  /** Every epoch read (StoreWatch): starts a rewrite for an incomplete one, or finishes one. */
  epoch(epoch: StoreEpoch): void {
    if (epoch.complete) {
      this.pending = undefined;
      return;
    }
    if (this.pending?.id !== epoch.id) {
      const keys = new Set(this.o.keys());
      this.pending = { id: epoch.id, keys, started: this.now(), total: keys.size };
      this.o.log.warn('zone store without a complete epoch (its data was lost, or first start): writing every zone now', { epoch: epoch.id, objects: keys.size });
      for (const key of keys) this.o.requeue(key);
    }
    void this.maybeComplete(epoch);
  }

  /**
   * A reconcile of `key` that began at `startedAt` succeeded (or its object is gone): it is written
   * in the current epoch. One that began before the rewrite may have written into the old store;
   * it does not count (the queue runs the key again).
   */
  done(key: string, startedAt?: number): void {
    const p = this.pending;
    if (!p || (startedAt !== undefined && startedAt < p.started)) return;
    p.keys.delete(key);
  }

  private async maybeComplete(epoch: StoreEpoch): Promise<void> {
    const p = this.pending;
    if (!p || p.keys.size > 0 || this.completing) return;
    const waited = this.now() - p.started;
    if (this.o.needsCopies() && !epoch.copiesRewritten && waited < (this.o.copiesWaitMs ?? 60_000)) return;
    this.completing = true;
    try {
      if (await this.o.store.completeEpoch(p.id, 'zones')) {
        this.o.log.info('zone store written again; epoch complete', { epoch: p.id, objects: p.total, ms: waited, copiesRewritten: epoch.copiesRewritten });
      }
      if (this.pending === p) this.pending = undefined;
    } catch {
      // The store's health says why; the next read tries again.
    } finally {
      this.completing = false;
    }
  }
}
