import { strict as assert } from 'node:assert';
import { Name } from '../../dns/name';
import { readZoneFile } from '../../dns/zonefile/reader';
import { ZoneBuilder } from '../../zone/zone-builder';
import type { Zone } from '../../zone/zone';
import { freePort, stopAll } from '../../testkit/processes';
import { startPrimary, type Primary, type PrimaryKind } from '../../testkit/primaries';
import { querySoa, transferZone } from '../../transfer/client';
import { TransferError } from '../../transfer/errors';

// The transfer client against real primaries on loopback (NSD 4.6, BIND 9.18, Knot 3.2), each
// serving a zone of about 3,000 records:
// - AXFR gives the zone of the file, record by record;
// - after a one-record change on the primary, IXFR from the old serial gives the new zone,
//   as an incremental transfer of a few hundred octets (BIND, Knot); NSD 4.6.1 adds a record
//   that did not change to its difference, which we refuse, falling back to AXFR;
// - IXFR from the current serial is "up to date";
// - a zone the primary does not serve, and a primary that is down, give their TransferError.

const zoneName = 'interop.test.';
const origin = Name.fromText(zoneName);
const NAMES = 1500;

function zoneText(serial: number, changedAddress = '10'): string {
  const lines = [
    '$ORIGIN interop.test.',
    '$TTL 3600',
    `@ SOA ns1 hostmaster ${serial} 3600 600 86400 300`,
    '@ NS ns1',
    '@ NS ns2.example.net.',
    '@ MX 10 mail',
    'ns1 A 192.0.2.1',
    'mail A 192.0.2.2',
    `www 300 A 192.0.2.${changedAddress}`,
    '_sip._tcp SRV 0 5 5060 www',
    'sub NS ns.sub',
    'ns.sub A 192.0.2.53',
    '*.wild TXT "wildcard"',
  ];
  for (let i = 0; i < NAMES; i++) {
    lines.push(`h${i} A 198.51.${i >> 8}.${i & 0xff}`);
    if (i % 2 === 0) lines.push(`h${i} AAAA 2001:db8::${i.toString(16)}`);
    if (i % 5 === 0) lines.push(`h${i} TXT "host ${i}" "v=1"`);
    if (i % 10 === 0) lines.push(`c${i} CNAME h${i}`);
  }
  return lines.join('\n') + '\n';
}

function zoneOf(text: string): Zone {
  const b = new ZoneBuilder(origin);
  for (const r of readZoneFile(text, { origin, source: 'fixture' })) b.add(r);
  return b.build();
}

/** Every record as `owner ttl type rdata-hex`, sorted: two zones are equal when these are. */
function recordsOf(zone: Zone): string[] {
  const out: string[] = [];
  for (const set of zone.rrsets()) for (const rd of set.rdata) out.push(`${set.owner.key} ${set.ttl} ${set.type} ${Buffer.from(rd).toString('hex')}`);
  return out.sort();
}

function assertSameZone(got: Zone, want: Zone): void {
  const a = recordsOf(got);
  const b = recordsOf(want);
  const missing = b.filter((r) => !a.includes(r)).slice(0, 5);
  const extra = a.filter((r) => !b.includes(r)).slice(0, 5);
  assert.deepEqual({ missing, extra, count: a.length }, { missing: [], extra: [], count: b.length });
}

async function rejectsWith(promise: Promise<unknown>, codes: readonly string[]): Promise<TransferError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof TransferError, `expected TransferError, got ${String(e)}`);
    assert.ok(codes.includes(e.code), `expected ${codes.join(' or ')}, got ${e.message}`);
    return e;
  }
  assert.fail(`expected ${codes.join(' or ')}, got a zone`);
}

const v1Text = zoneText(1000);
const v2Text = zoneText(1001, '11');
const v1 = zoneOf(v1Text);
const v2 = zoneOf(v2Text);

for (const kind of ['nsd', 'bind', 'knot'] as PrimaryKind[]) {
  describe(`transfers from ${kind} @integration`, function () {
    this.timeout(60_000);
    let primary: Primary;
    let axfrBytes = 0;

    before(async () => {
      primary = await startPrimary(kind, zoneName, v1Text);
    });
    after(async () => {
      await primary?.stop();
    });

    it('reads the serial', async () => {
      assert.equal(await querySoa(primary, origin), 1000);
    });

    it('transfers the zone by AXFR, record by record as in the file', async () => {
      const result = await transferZone(primary, origin, { timeoutMs: 20_000 });
      assert.equal(result.summary.kind, 'axfr');
      assert.equal(result.summary.serial, 1000);
      assertSameZone(result.zone, v1);
      assert.equal(result.presigned, false);
      axfrBytes = result.summary.bytes;
      console.log(`      ${kind} AXFR: ${result.summary.records} records, ${result.summary.messages} messages, ${result.summary.bytes} octets, ${result.summary.durationMs.toFixed(1)} ms`);
    });

    it('transfers a one-record change by IXFR from the old serial', async () => {
      await primary.update(v2Text, 1001);
      assert.equal(await querySoa(primary, origin), 1001);
      const result = await transferZone(primary, origin, { timeoutMs: 20_000, have: { serial: 1000, zone: v1 } });
      console.log(`      ${kind} IXFR: kind ${result.summary.kind}, ${result.summary.records} records, ${result.summary.messages} messages, ${result.summary.bytes} octets, ${result.summary.durationMs.toFixed(1)} ms${result.summary.ixfrFallback ? `, fallback: ${result.summary.ixfrFallback}` : ''}`);
      assert.equal(result.summary.serial, 1001);
      if (kind === 'nsd') {
        // NSD 4.6.1's create-ixfr puts the unchanged apex MX among the additions of the
        // difference: we refuse to add a record that is already there and fall back to AXFR.
        assert.equal(result.summary.kind, 'axfr');
        assert.match(result.summary.ixfrFallback ?? '', /bad-ixfr: .*adds a record that is already in the zone: interop\.test\. 3600 MX 10 mail\.interop\.test\./);
      } else {
        assert.equal(result.summary.kind, 'ixfr');
        assert.ok(result.summary.bytes < 1000, `${result.summary.bytes} octets for one changed record (AXFR: ${axfrBytes})`);
      }
      assertSameZone(result.zone, v2);
      assert.equal(v1.serial, 1000);
    });

    it('is up to date with an IXFR from the current serial', async () => {
      const result = await transferZone(primary, origin, { timeoutMs: 20_000, have: { serial: 1001, zone: v2 } });
      assert.equal(result.summary.kind, 'up-to-date');
      assert.equal(result.zone, v2);
    });

    it('reports a zone the primary does not serve', async () => {
      const soa = await rejectsWith(querySoa(primary, 'not-served.test.'), ['refused', 'notauth']);
      const axfr = await rejectsWith(transferZone(primary, 'not-served.test.', { timeoutMs: 5000 }), ['refused', 'notauth']);
      console.log(`      ${kind} for a zone it does not serve: SOA ${soa.code}, AXFR ${axfr.code}`);
    });
  });
}

describe('transfers from a primary that is down @integration', function () {
  this.timeout(10_000);
  after(stopAll);

  it('reports connection-refused for TCP and UDP', async () => {
    const port = await freePort();
    await rejectsWith(transferZone({ address: '127.0.0.1', port }, origin, { timeoutMs: 2000 }), ['connection-refused']);
    await rejectsWith(querySoa({ address: '127.0.0.1', port }, origin, { timeoutMs: 2000 }), ['connection-refused']);
  });
});
