import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreHealth } from '../dataplane/store/store-health';

/**
 * The operator's Prometheus metrics: reconciles by kind and result, their duration, the work
 * queue's depth, and Zones by the reason of their Ready condition (`Serving`, `Propagating`,
 * `InvalidZone`, …), so a dashboard shows at a glance how many zones are not served as written.
 */
export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly reconciles: Counter<'kind' | 'result'>;
  private readonly duration: Histogram<'kind'>;
  private readonly zoneReasons = new Map<string, string>();
  private readonly secondaryReasons = new Map<string, string>();
  private storeWatched = false;

  constructor(queueDepth: () => number) {
    this.reconciles = new Counter({
      name: 'dnsfleet_reconcile_total',
      help: 'Reconciles run, by kind and result (success or error).',
      labelNames: ['kind', 'result'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'dnsfleet_reconcile_duration_seconds',
      help: 'Time one reconcile takes, by kind.',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    new Gauge({
      name: 'dnsfleet_workqueue_depth',
      help: 'Objects waiting for or in a reconcile.',
      registers: [this.registry],
      collect() {
        this.set(queueDepth());
      },
    });
    const byReason = (name: string, help: string, reasons: Map<string, string>): void => {
      new Gauge({
        name,
        help,
        labelNames: ['reason'],
        registers: [this.registry],
        collect() {
          this.reset();
          const counts = new Map<string, number>();
          for (const reason of reasons.values()) counts.set(reason, (counts.get(reason) ?? 0) + 1);
          for (const [reason, n] of counts) this.set({ reason }, n);
        },
      });
    };
    byReason('dnsfleet_zones', 'Zones by the reason of their Ready condition.', this.zoneReasons);
    // The report of problematic secondary zones: reason="TransferFailed" or "Expired".
    byReason('dnsfleet_secondary_zones', 'SecondaryZones by the reason of their Ready condition.', this.secondaryReasons);
  }

  /** `dnsfleet_store_up` and friends, the same names as the dataplane pods' (ADR 0007). */
  watchStore(health: StoreHealth): void {
    if (this.storeWatched) return;
    this.storeWatched = true;
    new Gauge({
      name: 'dnsfleet_store_up',
      help: 'Whether the zone store (Redis) answered the last request: 1 yes, 0 no.',
      registers: [this.registry],
      collect() {
        this.set(health.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'dnsfleet_store_outages',
      help: 'How many times the zone store became unreachable since the process started.',
      registers: [this.registry],
      collect() {
        this.set(health.state.outages);
      },
    });
    new Gauge({
      name: 'dnsfleet_store_state_since_seconds',
      help: 'Unix time of the last change of dnsfleet_store_up.',
      registers: [this.registry],
      collect() {
        this.set(health.state.since / 1000);
      },
    });
  }

  /** Times a reconcile and counts its result; errors are rethrown. */
  async observe<T>(kind: string, run: () => Promise<T>): Promise<T> {
    const end = this.duration.startTimer({ kind });
    try {
      const result = await run();
      this.reconciles.inc({ kind, result: 'success' });
      return result;
    } catch (err) {
      this.reconciles.inc({ kind, result: 'error' });
      throw err;
    } finally {
      end();
    }
  }

  /** The Ready reason of a Zone, or undefined once it is gone. */
  zoneState(key: string, reason: string | undefined): void {
    if (reason === undefined) this.zoneReasons.delete(key);
    else this.zoneReasons.set(key, reason);
  }

  /** The Ready reason of a SecondaryZone (`TransferFailed` and `Expired` are the failing ones). */
  secondaryZoneState(key: string, reason: string | undefined): void {
    if (reason === undefined) this.secondaryReasons.delete(key);
    else this.secondaryReasons.set(key, reason);
  }
}
