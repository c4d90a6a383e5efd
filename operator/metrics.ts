import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreHealth } from '../dataplane/store/store-health';
import { registerRaw } from '../dataplane/metrics/raw-metric';
import type { Condition } from '../crds/v1alpha1/meta';
import type { CloudServingStatus } from '../crds/v1alpha1/zone';
import { DNSSEC_CONDITION } from './dnssecpolicy/signing-status';
import { SigningReason } from './dnssec/dnssec-status';

/**
 * What a Zone or SecondaryZone reconcile found beyond its Ready reason, for the alerts
 * (docs/metrics.md): the clouds that do not serve its serial on every pod yet, and since when it
 * waits for its DS at the parent (the DNSSEC condition's `PendingDS`).
 */
export interface ObjectDetail {
  /** The clouds that serve it, behind or not (each gets a series, at 0 when none is behind). */
  readonly clouds: readonly string[];
  readonly cloudsBehind: readonly string[];
  /** Milliseconds since the epoch of the DNSSEC condition's move to PendingDS; none when not pending. */
  readonly pendingDsSince?: number;
}

/** What a reconcile's status says for `ObjectDetail`: its clouds' progress and its conditions as written. */
export function objectDetail(progress: readonly CloudServingStatus[], conditions: readonly Condition[] | undefined): ObjectDetail {
  const dnssec = conditions?.find((c) => c.type === DNSSEC_CONDITION);
  const pendingSince = dnssec?.reason === SigningReason.PendingDS ? Date.parse(dnssec.lastTransitionTime) : NaN;
  return {
    clouds: progress.map((c) => c.name),
    cloudsBehind: progress.filter((c) => c.podsInSync < c.pods).map((c) => c.name),
    ...(Number.isFinite(pendingSince) ? { pendingDsSince: pendingSince } : {}),
  };
}

/**
 * The operator's Prometheus metrics: reconciles by kind and result, their duration, the work
 * queue's depth, and Zones by the reason of their Ready condition (`Serving`, `Propagating`,
 * `InvalidZone`, …), so a dashboard shows at a glance how many zones are not served as written;
 * the clouds behind, the zones waiting for their DS, and whether this replica leads.
 */
export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly reconciles: Counter<'kind' | 'result'>;
  private readonly duration: Histogram<'kind'>;
  private readonly zoneReasons = new Map<string, string>();
  private readonly secondaryReasons = new Map<string, string>();
  /** Per object key (`Zone/ns/name`, `SecondaryZone/ns/name`): what the alerts need of it. */
  private readonly details = new Map<string, ObjectDetail>();
  private lastSuccess: number | undefined;
  private leading: () => boolean = () => true;
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
    const details = this.details;
    new Gauge({
      name: 'dnsfleet_cloud_zones_behind',
      help: 'Zones and SecondaryZones whose serial is not yet served by every pod of the cloud (the leader\'s view; 0 on other replicas).',
      labelNames: ['cloud'],
      registers: [this.registry],
      collect() {
        this.reset();
        const counts = new Map<string, number>();
        for (const d of details.values()) for (const cloud of d.clouds) counts.set(cloud, counts.get(cloud) ?? 0);
        for (const d of details.values()) for (const cloud of d.cloudsBehind) counts.set(cloud, counts.get(cloud)! + 1);
        for (const [cloud, n] of counts) this.set({ cloud }, n);
      },
    });
    new Gauge({
      name: 'dnsfleet_dnssec_pending_ds_zones',
      help: 'Signed zones waiting for their DS at the parent (DNSSEC condition PendingDS).',
      registers: [this.registry],
      collect() {
        this.set([...details.values()].filter((d) => d.pendingDsSince !== undefined).length);
      },
    });
    // Absent rather than 0 when nothing waits: a 0 would read as "waiting since 1970".
    registerRaw(this.registry, {
      name: 'dnsfleet_dnssec_pending_ds_oldest_timestamp_seconds',
      help: 'Unix time since which the longest-waiting zone waits for its DS (absent when none waits).',
      type: 'gauge',
      values: () => {
        const since = [...details.values()].flatMap((d) => (d.pendingDsSince === undefined ? [] : [d.pendingDsSince]));
        return since.length === 0 ? [] : [{ value: Math.min(...since) / 1000 }];
      },
    });
    const self = this;
    new Gauge({
      name: 'dnsfleet_leader',
      help: 'Whether this replica holds the leader lease and reconciles: 1 yes, 0 no.',
      registers: [this.registry],
      collect() {
        this.set(self.leading() ? 1 : 0);
      },
    });
    registerRaw(this.registry, {
      name: 'dnsfleet_reconcile_last_success_timestamp_seconds',
      help: 'Unix time of the last reconcile that succeeded (absent before the first).',
      type: 'gauge',
      values: () => (self.lastSuccess === undefined ? [] : [{ value: self.lastSuccess / 1000 }]),
    });
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
      this.lastSuccess = Date.now();
      return result;
    } catch (err) {
      this.reconciles.inc({ kind, result: 'error' });
      throw err;
    } finally {
      end();
    }
  }

  /** Tells `dnsfleet_leader` whom to ask; a replica without leader election always leads. */
  leaderFrom(isLeader: () => boolean): void {
    this.leading = isLeader;
  }

  /** The Ready reason of a Zone and what else its reconcile found, or undefined once it is gone. */
  zoneState(key: string, reason: string | undefined, detail?: ObjectDetail): void {
    this.remember(this.zoneReasons, `Zone/${key}`, key, reason, detail);
  }

  /** The Ready reason of a SecondaryZone (`TransferFailed` and `Expired` are the failing ones). */
  secondaryZoneState(key: string, reason: string | undefined, detail?: ObjectDetail): void {
    this.remember(this.secondaryReasons, `SecondaryZone/${key}`, key, reason, detail);
  }

  private remember(reasons: Map<string, string>, detailKey: string, key: string, reason: string | undefined, detail: ObjectDetail | undefined): void {
    if (reason === undefined) {
      reasons.delete(key);
      this.details.delete(detailKey);
      return;
    }
    reasons.set(key, reason);
    if (detail) this.details.set(detailKey, detail);
  }
}
