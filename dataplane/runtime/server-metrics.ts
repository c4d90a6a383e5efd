import type { Registry } from 'prom-client';
import type { DnsServer } from '../server/dns-server';
import { LATENCY_BUCKETS, QTYPE_LABELS, RCODE_LABELS, TRANSPORTS } from '../nameserver/query-metrics';
import type { NotifyVerdict } from '../nameserver/notify';
import { histogramValues, registerRaw, type RawValue } from '../metrics/raw-metric';
import { RATE_ACTIONS, RESPONSE_CLASS_LABELS } from '../nameserver/rate-limit';

const NOTIFY_VERDICTS = ['accepted', 'not-a-primary', 'key-required', 'unknown-zone', 'malformed'] as const satisfies ReadonlyArray<NotifyVerdict | 'malformed'>;

/**
 * The DNS server's series on a dataplane process's `/metrics` (docs/metrics.md): answers by
 * transport, QTYPE and RCODE, the answer latency, truncated answers, what was dropped and why, TCP
 * connections, transfers out and NOTIFYs in. `cloud` names the NameserverCloud (`control` for the
 * control server) on every series, so one query can compare the two clouds whatever the scrape
 * config adds.
 */
export function registerServerMetrics(registry: Registry, dns: DnsServer, cloud: string): void {
  const q = dns.queries;
  registerRaw(registry, {
    name: 'dnsfleet_queries_total',
    help: 'Queries answered, by transport, QTYPE (common types by name, the rest "other") and RCODE of the answer.',
    type: 'counter',
    values: () => {
      const values: RawValue[] = [];
      const types = QTYPE_LABELS.length;
      q.answers.forEach((n, cell) => {
        if (n === 0) return;
        const rcode = cell % 16;
        const slot = Math.floor(cell / 16) % types;
        const transport = Math.floor(cell / 16 / types);
        values.push({ labels: { cloud, transport: TRANSPORTS[transport]!, qtype: QTYPE_LABELS[slot]!, rcode: RCODE_LABELS[rcode]! }, value: n });
      });
      return values;
    },
  });
  registerRaw(registry, {
    name: 'dnsfleet_answer_duration_seconds',
    help: 'Time from reading a query to its answer being handed to the kernel (a batch of datagrams counts for each of its answers).',
    type: 'histogram',
    values: () => histogramValues('dnsfleet_answer_duration_seconds', LATENCY_BUCKETS, q.latencyBuckets, q.latencySum, { cloud }),
  });
  registerRaw(registry, {
    name: 'dnsfleet_truncated_total',
    help: 'Answers sent with the TC bit (too large for the client\'s UDP size: it should ask again over TCP).',
    type: 'counter',
    values: () => TRANSPORTS.map((transport, i) => ({ labels: { cloud, transport }, value: q.truncated[i]! })),
  });
  registerRaw(registry, {
    name: 'dnsfleet_dropped_total',
    help: 'Requests or answers dropped, by reason: malformed beyond an answer, an answer the kernel would not send, an oversized datagram, a receive error, a failure while answering.',
    type: 'counter',
    values: () => {
      const udp = dns.udpCounters();
      const byReason: Record<string, number> = {
        malformed: dns.stats.dropped,
        'send-failed': udp.sendFailures,
        oversized: udp.oversized,
        'receive-error': udp.receiveErrors,
        'handler-error': udp.handlerErrors,
      };
      return Object.entries(byReason).map(([reason, value]) => ({ labels: { cloud, reason }, value }));
    },
  });
  const rateLimit = dns.rateLimit;
  if (rateLimit) {
    registerRaw(registry, {
      name: 'dnsfleet_rate_limited_total',
      help: 'UDP responses held back by response rate limiting, by action (slipped: sent truncated so the client retries over TCP; dropped) and response class.',
      type: 'counter',
      values: () =>
        RATE_ACTIONS.flatMap((action, a) =>
          RESPONSE_CLASS_LABELS.map((cls, c) => ({ labels: { cloud, action, class: cls }, value: rateLimit.counts[a * RESPONSE_CLASS_LABELS.length + c]! })),
        ),
    });
  }
  registerRaw(registry, {
    name: 'dnsfleet_tcp_connections',
    help: 'TCP connections open now.',
    type: 'gauge',
    values: () => [{ labels: { cloud }, value: dns.tcpCounts().open }],
  });
  registerRaw(registry, {
    name: 'dnsfleet_tcp_connections_closed_total',
    help: 'TCP connections the server closed by its limits (RFC 7766 §6.2.3), by reason.',
    type: 'counter',
    values: () => Object.entries(dns.tcpCounts().closed).map(([reason, value]) => ({ labels: { cloud, reason }, value })),
  });
  registerRaw(registry, {
    name: 'dnsfleet_transfers_out_total',
    help: 'Zone transfers (AXFR, IXFR) requested of this server, by result: sent, or refused by the transfer ACL.',
    type: 'counter',
    values: () => [
      { labels: { cloud, result: 'sent' }, value: dns.stats.transfers },
      { labels: { cloud, result: 'refused' }, value: dns.stats.transfersRefused },
    ],
  });
  registerRaw(registry, {
    name: 'dnsfleet_notifies_received_total',
    help: 'NOTIFYs received (RFC 1996), by verdict: accepted, not-a-primary, key-required (not signed with the zone\'s key), unknown-zone, malformed.',
    type: 'counter',
    // Every verdict from the start, at 0, so rate() has a series before the first NOTIFY. A cloud
    // pod takes none: it answers a NOTIFY with REFUSED (in dnsfleet_queries_total).
    values: () => NOTIFY_VERDICTS.map((verdict) => ({ labels: { cloud, verdict }, value: dns.notifyVerdicts.get(verdict) ?? 0 })),
  });
}
