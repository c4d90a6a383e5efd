import { Gauge, Registry } from 'prom-client';
import type { StoreHealth } from '../store/store-health';
import type { CloudSync } from './cloud-sync';

/**
 * A dataplane pod's Prometheus metrics (`/metrics`): whether it reaches the zone store, how many
 * zones it serves and from where, and whether it waits for the operator to write a reset store
 * again. Read when scraped, so they cost nothing between scrapes.
 */
export function podMetrics(o: { health: StoreHealth; sync: CloudSync; perZone?: boolean }): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'dnsfleet_store_up',
    help: 'Whether the zone store (Redis) answered the last request: 1 yes, 0 no.',
    registers: [registry],
    collect() {
      this.set(o.health.up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'dnsfleet_store_outages',
    help: 'How many times the zone store became unreachable since the process started.',
    registers: [registry],
    collect() {
      this.set(o.health.state.outages);
    },
  });
  new Gauge({
    name: 'dnsfleet_store_state_since_seconds',
    help: 'Unix time of the last change of dnsfleet_store_up.',
    registers: [registry],
    collect() {
      this.set(o.health.state.since / 1000);
    },
  });
  new Gauge({
    name: 'dnsfleet_zones_served',
    help: 'Zones this pod answers for, by where they came from (store or local snapshot).',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      this.reset();
      if (o.sync.source !== 'none') this.set({ source: o.sync.source }, o.sync.current.size);
    },
  });
  new Gauge({
    name: 'dnsfleet_zones_rejected',
    help: 'Zones whose newest version from the store failed to build: their last good version keeps serving, with its older serial.',
    registers: [registry],
    collect() {
      this.set(o.sync.failures.size);
    },
  });
  // One series per zone: for small fleets only (--metrics-per-zone), as Prometheus keeps every
  // series of every pod; the operator's Zone status says the same per zone for any fleet.
  if (o.perZone) {
    new Gauge({
      name: 'dnsfleet_zone_serial',
      help: 'The SOA serial this pod serves, by zone (only with --metrics-per-zone).',
      labelNames: ['zone'],
      registers: [registry],
      collect() {
        this.reset();
        for (const zone of o.sync.current.zones()) this.set({ zone: zone.origin.toString() }, zone.serial);
      },
    });
  }
  new Gauge({
    name: 'dnsfleet_store_rewrite_pending',
    help: 'Whether the store lost its data and the pod keeps every zone until the operator has written it again: 1 yes, 0 no.',
    registers: [registry],
    collect() {
      this.set(o.sync.rewritePending ? 1 : 0);
    },
  });
  return registry;
}
