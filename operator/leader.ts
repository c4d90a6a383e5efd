import type { KubeClient, LeaseState } from './kube/client';
import type { OwnerReference } from './kube/owned-object';
import type { Logger } from '../dataplane/log/log';

/**
 * Leader election over a coordination.k8s.io Lease, so that two operator replicas never
 * reconcile at the same time: the holder renews the Lease; a candidate takes it only when it has
 * not been renewed for its duration. Writes use the Lease's resourceVersion, so two candidates
 * cannot both win. A leader that cannot renew in time steps down before the Lease runs out.
 */

export interface LeaderOptions {
  readonly kube: KubeClient;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly log: Logger;
  readonly leaseSeconds?: number;
  readonly renewEveryMs?: number;
  readonly retryEveryMs?: number;
  readonly now?: () => number;
  /** Owner of the Lease when this replica creates it (the installation: it goes with it). */
  readonly owner?: OwnerReference;
}

/** Pure: may `identity` write the Lease now? Its own, a free one, or one left to expire. */
export function mayTake(lease: LeaseState | undefined, identity: string, nowMs: number): boolean {
  if (!lease || !lease.holder || lease.holder === identity) return true;
  if (!lease.renewTime) return true;
  return lease.renewTime.getTime() + lease.durationSeconds * 1000 < nowMs;
}

export class LeaderElector {
  private stopped = false;
  private leading = false;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: LeaderOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Runs until `stop()`: calls `onLead` when it wins and `onLoss` when it loses the Lease. */
  run(onLead: () => void | Promise<void>, onLoss: () => void | Promise<void>): void {
    const now = this.o.now ?? Date.now;
    const seconds = this.o.leaseSeconds ?? 15;
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      try {
        const lease = await this.o.kube.readLease(this.o.namespace, this.o.name);
        const won =
          mayTake(lease, this.o.identity, now()) &&
          (await this.o.kube.writeLease(this.o.namespace, this.o.name, this.o.identity, seconds, lease?.holder !== this.o.identity, lease?.resourceVersion, this.o.owner));
        if (won && !this.stopped) {
          this.lastRenew = now();
          if (!this.leading) {
            this.leading = true;
            this.o.log.info('became leader', { lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity });
            await onLead();
          }
        } else if (this.leading) {
          await this.stepDown(onLoss, 'another replica holds the lease');
        }
      } catch (err) {
        this.o.log.warn('lease update failed', { error: String(err) });
        // Step down before the Lease could expire under us: someone else may take it then.
        if (this.leading && now() - this.lastRenew > (seconds * 1000 * 2) / 3) await this.stepDown(onLoss, 'could not renew the lease');
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.leading ? (this.o.renewEveryMs ?? 5000) : (this.o.retryEveryMs ?? 2000));
    };
    void tick();
  }

  /** Stops campaigning; a leader gives the Lease up so a successor takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    await this.o.kube.releaseLease(this.o.namespace, this.o.name, this.o.identity).catch((err: unknown) => this.o.log.warn('could not release the lease; it will expire', { error: String(err) }));
  }

  private async stepDown(onLoss: () => void | Promise<void>, reason: string): Promise<void> {
    this.leading = false;
    this.o.log.warn('lost leadership', { reason });
    await onLoss();
  }
}
