import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { Name } from '../dns/name';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneSet } from '../zone/zone-set';
import { Responder } from '../nameserver/respond';
import { AddressList } from '../nameserver/acl';
import { DnsServer } from '../server/dns-server';
import { memoryLogger } from '../testkit/memory-logger';
import { exchangeTcp, query } from '../testkit/dns-client';
import { run } from '../testkit/processes';
import { registerServerMetrics } from './server-metrics';

// The DNS server's series as `/metrics` shows them, after real queries on loopback sockets.

function zones(): ZoneSet {
  const origin = Name.fromText('m.test.');
  const lines = ['$TTL 300', '@ SOA ns hm 1 3600 600 86400 60', '@ NS ns', 'ns A 192.0.2.1'];
  for (let i = 0; i < 40; i++) lines.push(`big AAAA 2001:db8::${i + 1}`);
  const b = new ZoneBuilder(origin);
  for (const r of readZoneFile(lines.join('\n'), { origin, source: 'test' })) b.add(r);
  return new ZoneSet([b.build()]);
}

/** The value of the series with exactly these labels (in the order prom-client writes them). */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const udpIo of ['batched', 'dgram'] as const) describe(`server metrics (UDP ${udpIo}) @integration`, function () {
  this.timeout(20_000);
  const server = new DnsServer({ udpIo, listen: [{ host: '127.0.0.1', port: 0 }], responder: new Responder(zones(), { transferAcl: AddressList.parse([]) }), log: memoryLogger() });
  const registry = new Registry();
  registerServerMetrics(registry, server, 'cloud-a');
  let port = 0;
  before(async () => {
    await server.start();
    port = server.bound[0]!.port;
  });
  after(() => server.stop());

  it('counts answers by transport, QTYPE and RCODE, truncated ones, transfers refused and the latency of each', async () => {
    for (let i = 0; i < 5; i++) await query('127.0.0.1', port, 'ns.m.test', 'A'); // the first encoded, the rest from the cache
    for (let i = 0; i < 3; i++) await query('127.0.0.1', port, `nope${i}.m.test`, 'AAAA');
    await query('127.0.0.1', port, 'elsewhere.test', 'TXT'); // not ours: REFUSED
    await query('127.0.0.1', port, 'big.m.test', 'AAAA', { edns: null }); // 40 AAAA do not fit 512 octets: TC
    await query('127.0.0.1', port, 'ns.m.test', 'A', { tcp: true });
    await query('127.0.0.1', port, 'm.test', 'AXFR', { tcp: true }); // nobody may transfer: REFUSED
    const text = await registry.metrics();
    const q = (labels: string): number | undefined => valueOf(text, `dnsfleet_queries_total{cloud="cloud-a",${labels}}`);
    assert.equal(q('transport="udp",qtype="A",rcode="NOERROR"'), 5);
    assert.equal(q('transport="udp",qtype="AAAA",rcode="NXDOMAIN"'), 3);
    assert.equal(q('transport="udp",qtype="TXT",rcode="REFUSED"'), 1);
    assert.equal(q('transport="udp",qtype="AAAA",rcode="NOERROR"'), 1);
    assert.equal(q('transport="tcp",qtype="A",rcode="NOERROR"'), 1);
    assert.equal(q('transport="tcp",qtype="AXFR",rcode="REFUSED"'), 1);
    assert.equal(valueOf(text, 'dnsfleet_truncated_total{cloud="cloud-a",transport="udp"}'), 1);
    assert.equal(valueOf(text, 'dnsfleet_transfers_out_total{cloud="cloud-a",result="refused"}'), 1);
    // Every answer is in the histogram once: 10 over UDP, 2 over TCP.
    assert.equal(valueOf(text, 'dnsfleet_answer_duration_seconds_count{cloud="cloud-a"}'), 12);
    assert.equal(valueOf(text, 'dnsfleet_answer_duration_seconds_bucket{cloud="cloud-a",le="+Inf"}'), 12);
    assert.ok(valueOf(text, 'dnsfleet_answer_duration_seconds_sum{cloud="cloud-a"}')! > 0);
  });

  it('counts a message it cannot answer as dropped, by reason', async () => {
    const before = valueOf(await registry.metrics(), 'dnsfleet_dropped_total{cloud="cloud-a",reason="malformed"}') ?? 0;
    // Four octets: not even a header to answer with (RFC 1035 §4.1.1): dropped.
    await exchangeTcp('127.0.0.1', port, new Uint8Array([1, 2, 3, 4]), 500).catch(() => undefined);
    const text = await registry.metrics();
    assert.equal(valueOf(text, 'dnsfleet_dropped_total{cloud="cloud-a",reason="malformed"}'), before + 1);
    assert.equal(valueOf(text, 'dnsfleet_dropped_total{cloud="cloud-a",reason="send-failed"}'), 0);
  });

  // promtool is Debian's prometheus package, which .ci/run installs.
  it('writes text that promtool check metrics accepts', async () => {
    const check = await run('promtool', ['check', 'metrics'], { input: await registry.metrics() });
    assert.equal(check.code, 0, `${check.stdout}${check.stderr}`);
  });
});
