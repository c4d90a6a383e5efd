import type { Registry } from 'prom-client';
import type { ListenAddress } from '../server/dns-server';
import type { ZoneSet } from '../zone/zone-set';
import type { Logger } from '../log/log';
import type { ZoneStore } from '../store/zone-store';
import { describeStoreHealth, logStoreHealth } from '../store/store-health';
import type { StepRunner } from '../runtime/slices';
import type { Readiness } from '../runtime/http-endpoint';
import type { ServerPart } from '../runtime/server-runtime';
import { CloudSync } from './cloud-sync';
import { LocalSnapshot } from './local-snapshot';
import { podMetrics } from './pod-metrics';

/**
 * What a cloud pod and the control server share: they follow the zone store (CloudSync, with the
 * local snapshot of ADR 0007 when given a directory), log the store's health, and say over HTTP
 * whether they are ready, what they serve (`/zones`) and how the store is (`/metrics`). The control
 * server is a follower of every zone (`CONTROL_SERVER`); a cloud pod of its cloud's.
 */

export interface StoreFollowerOptions {
  readonly cloud: string;
  readonly pod: string;
  readonly store: ZoneStore;
  readonly log: Logger;
  /** Receives every new zone set. */
  readonly apply: (zones: ZoneSet) => void;
  readonly reportEveryMs?: number;
  /** Where the pod keeps its local snapshot (ADR 0007); none when left out. */
  readonly snapshotDir?: string;
  /** How long the start waits for the store before serving the local snapshot. */
  readonly storeWaitMs?: number;
  readonly steps?: StepRunner;
  /** A series per zone on `/metrics` (the serial served): for small fleets. */
  readonly metricsPerZone?: boolean;
}

export interface StoreFollower {
  readonly sync: CloudSync;
  /**
   * For the start-up path, in this order: the store (closed last) and the sync (the zones loaded,
   * from the store or the snapshot, before `start` returns).
   */
  readonly parts: readonly ServerPart[];
  readonly metrics: Registry;
  /** Ready means: the zones are loaded and the DNS listeners are up. */
  readiness(bound: readonly ListenAddress[]): Readiness;
  /** The body of `/zones`. */
  zones(): Record<string, unknown>;
}

export function followStore(options: StoreFollowerOptions): StoreFollower {
  const { store, log } = options;
  const stopLogging = logStoreHealth(store.health, log, store.where);
  const sync = new CloudSync({
    store,
    cloud: options.cloud,
    pod: options.pod,
    log,
    apply: options.apply,
    reportEveryMs: options.reportEveryMs,
    ...(options.snapshotDir ? { snapshot: new LocalSnapshot({ dir: options.snapshotDir, cloud: options.cloud, log }) } : {}),
    storeWaitMs: options.storeWaitMs,
    steps: options.steps,
  });
  const storePart: ServerPart = {
    name: 'zone store',
    start: async () => {},
    stop: async () => {
      await store.close();
      stopLogging();
    },
  };
  // Bounded inside: nothing in it waits on an absent Redis for long (cloud-sync.ts).
  const syncPart: ServerPart = { name: 'zone sync', start: () => sync.start(), stop: () => sync.stop() };
  return {
    sync,
    parts: [storePart, syncPart],
    metrics: podMetrics({ health: store.health, sync, perZone: options.metricsPerZone === true }),
    readiness: (bound) => {
      // An unreachable store does not make a pod with zones unready: taking it out of the
      // Service would answer nobody (ADR 0007).
      const notes = [describeStoreHealth(store.health.state)];
      if (sync.source === 'local snapshot' && sync.snapshotSavedAt !== undefined) notes.push(`serving the local snapshot of ${new Date(sync.snapshotSavedAt).toISOString()}`);
      if (sync.rewritePending) notes.push('store lost its data; keeping every zone until the operator has written it again');
      const ready = sync.ready && bound.length > 0;
      return { ready, text: ready ? `ready: ${sync.current.size} zones; ${notes.join('; ')}` : `loading zones; ${notes.join('; ')}` };
    },
    zones: () => ({
      cloud: options.cloud,
      pod: options.pod,
      zones: [...sync.current.zones()].map((z) => ({ zone: z.origin.toString(), serial: z.serial })),
      store: { ...store.health.state, epoch: sync.storeEpoch, rewritePending: sync.rewritePending, source: sync.source },
      failures: Object.fromEntries(sync.failures),
    }),
  };
}
