import type { Registry } from 'prom-client';
import { registerRaw } from '../metrics/raw-metric';
import type { SecondaryManager } from './secondary-manager';
import type { ZoneSigningService } from './zone-signing-service';
import type { OutboundTransfers } from './outbound';

const SOA_CHECK_RESULTS = ['newer', 'same', 'older', 'failed', 'first', 'forced'] as const;

/**
 * The control server's own series on `/metrics` (docs/metrics.md), besides the DNS server's and
 * the zone store's: transfers from the customers' primaries and whether the primaries answer, the
 * NOTIFYs sent to customer secondaries, and the signed zones' signature expiry. Each is a count
 * over all zones: the alerts need "is any failing", the Zone status says which.
 */
export function registerControlMetrics(registry: Registry, o: { secondaries: SecondaryManager; signing: ZoneSigningService; outbound: OutboundTransfers }): void {
  registerRaw(registry, {
    name: 'dnsfleet_transfers_in_total',
    help: 'Zone transfers from the primaries of secondary zones, by kind asked (axfr, ixfr) and result (success, failed).',
    type: 'counter',
    // Every kind and result from the start, at 0: rate() and the alerts see a series before the first transfer.
    values: () => (['axfr', 'ixfr'] as const).flatMap((kind) => (['success', 'failed'] as const).map((result) => ({ labels: { kind, result }, value: o.secondaries.transfersIn.get(`${kind}:${result}`) ?? 0 }))),
  });
  registerRaw(registry, {
    name: 'dnsfleet_soa_checks_total',
    help: 'SOA queries to the primaries of secondary zones, by what they found: newer, same, older, failed; first and forced when not compared.',
    type: 'counter',
    values: () => SOA_CHECK_RESULTS.map((result) => ({ labels: { result }, value: o.secondaries.soaChecks.get(result) ?? 0 })),
  });
  registerRaw(registry, {
    name: 'dnsfleet_secondary_primaries',
    help: 'Primaries of the secondary zones, by whether their last check answered (reachable) or failed (unreachable).',
    type: 'gauge',
    values: () => {
      const counts = { reachable: 0, unreachable: 0 };
      for (const state of o.secondaries.states()) for (const p of state.primaries) counts[p.ok ? 'reachable' : 'unreachable']++;
      return Object.entries(counts).map(([state, value]) => ({ labels: { state }, value }));
    },
  });
  registerRaw(registry, {
    name: 'dnsfleet_secondary_zones_expired',
    help: 'Secondary zones past their SOA expire with no primary answering: the clouds no longer answer for them.',
    type: 'gauge',
    values: () => [{ value: o.secondaries.states().filter((s) => s.expired).length }],
  });
  registerRaw(registry, {
    name: 'dnsfleet_notifies_sent_total',
    help: 'NOTIFYs sent to the customer secondaries of zones (RFC 1996), by result: acknowledged, or failed after the retries.',
    type: 'counter',
    values: () => Object.entries(o.outbound.notifiesSent).map(([result, value]) => ({ labels: { result }, value })),
  });
  registerRaw(registry, {
    name: 'dnsfleet_signed_zones',
    help: 'Zones signed here, by whether their last signing succeeded (ok) or failed (failing: the last good signed version keeps serving).',
    type: 'gauge',
    values: () => {
      const counts = { ok: 0, failing: 0 };
      for (const r of o.signing.reports()) counts[r.problem ? 'failing' : 'ok']++;
      return Object.entries(counts).map(([state, value]) => ({ labels: { state }, value }));
    },
  });
  registerRaw(registry, {
    name: 'dnsfleet_signatures_expiry_timestamp_seconds',
    help: 'Unix time at which the first RRSIG of any served signed zone expires (absent with no signed zone). Re-signing moves it on: when it comes near, re-signing has stopped.',
    type: 'gauge',
    values: () => {
      const expiries = o.signing.reports().flatMap((r) => (r.expiresAt === undefined ? [] : [r.expiresAt]));
      return expiries.length === 0 ? [] : [{ value: Math.min(...expiries) / 1000 }];
    },
  });
}
