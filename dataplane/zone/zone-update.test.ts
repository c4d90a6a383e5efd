import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder, ZoneCheckError } from './zone-builder';
import { ZoneUpdate, ZoneUpdateError } from './zone-update';
import type { Zone } from './zone';

// ZoneUpdate: removals and additions against a base version, built into a new version that
// passed ZoneBuilder's checks; the base stays as it was, whatever happens.

const origin = Name.fromText('upd.test.');
const base = zoneOf(`@ 300 SOA ns hm 1 3600 600 86400 300
@ 300 NS ns
ns 300 A 192.0.2.1
www 300 A 192.0.2.10
www 300 A 192.0.2.11
`);

function zoneOf(text: string): Zone {
  const b = new ZoneBuilder(origin);
  for (const r of readZoneFile(text, { origin, source: 'test' })) b.add(r);
  return b.build();
}

function record(line: string) {
  return readZoneFile(line, { origin, source: 'change' })[0]!;
}

function texts(zone: Zone): string[] {
  const out: string[] = [];
  for (const set of zone.rrsets()) for (const rd of set.rdata) out.push(`${set.owner} ${set.ttl} ${set.type} ${Buffer.from(rd).toString('hex')}`);
  return out.sort();
}

describe('ZoneUpdate', () => {
  it('applies removals and additions into a new version, leaving the base as it was', () => {
    const before = texts(base);
    const { zone } = new ZoneUpdate(base)
      .remove(record('@ 300 SOA ns hm 1 3600 600 86400 300'))
      .add(record('@ 300 SOA ns hm 2 3600 600 86400 300'))
      .remove(record('www 300 A 192.0.2.10'))
      .add(record('new 60 AAAA 2001:db8::1'))
      .commit('test');
    assert.equal(zone.serial, 2);
    assert.equal(zone.node(Name.fromText('www.upd.test.'))!.rrsets.get(RRType.A)!.rdata.length, 1);
    assert.ok(zone.node(Name.fromText('new.upd.test.'))!.rrsets.has(RRType.AAAA));
    assert.equal(zone.recordCount, base.recordCount);
    assert.deepEqual(texts(base), before);
  });

  it('gives an RRset the TTL of the record added last', () => {
    const { zone } = new ZoneUpdate(base).add(record('www 60 A 192.0.2.12')).commit();
    assert.equal(zone.node(Name.fromText('www.upd.test.'))!.rrsets.get(RRType.A)!.ttl, 60);
  });

  it('drops a name whose last record is removed', () => {
    const { zone } = new ZoneUpdate(base).remove(record('www 300 A 192.0.2.10')).remove(record('www 300 A 192.0.2.11')).commit();
    assert.equal(zone.node(Name.fromText('www.upd.test.')), undefined);
  });

  it('refuses to remove a record that is not there, or to add one that is', () => {
    assert.throws(() => new ZoneUpdate(base).remove(record('www 300 A 192.0.2.99')), (e: unknown) => e instanceof ZoneUpdateError && /not in the zone: www\.upd\.test\. 300 A 192\.0\.2\.99/.test(e.message));
    assert.throws(() => new ZoneUpdate(base).add(record('ns 300 A 192.0.2.1')), (e: unknown) => e instanceof ZoneUpdateError && /already in the zone/.test(e.message));
  });

  it('runs the zone checks on the result', () => {
    assert.throws(() => new ZoneUpdate(base).add(record('www 300 CNAME ns')).commit(), (e: unknown) => e instanceof ZoneCheckError && /CNAME beside other data/.test(e.message));
    assert.throws(() => new ZoneUpdate(base).add(record('@ 300 SOA ns hm 2 3600 600 86400 300')).commit(), ZoneCheckError);
  });
});
