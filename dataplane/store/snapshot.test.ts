import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Name } from '../dns/name';
import { readZoneRecords } from '../dns/zonefile/reader';
import { writeZoneFile, type WritableRecord } from '../dns/zonefile/writer';
import { ZoneBuilder, ZoneCheckError } from '../zone/zone-builder';
import { recordTtl, withSerial, type Zone } from '../zone/zone';
import { ITEMS_PER_STEP, runSteps } from '../zone/steps';
import { runInSlices } from '../runtime/slices';
import { snapshotOf, snapshotSteps, zoneOf, zoneSteps } from './snapshot';

// Snapshots (the store's master-file text) and back, in one go and in slices (ADR 0009).

const origin = Name.fromText('snap.test.');

function zoneFrom(text: string): Zone {
  const b = new ZoneBuilder(origin);
  for (const r of readZoneRecords(text, { origin, source: 'test' })) b.add(r, 'test');
  return b.build();
}

/** The text as writeZoneFile writes it from the zone's records in order: what snapshotOf wrote before ADR 0009. */
function reference(zone: Zone): string {
  const records: WritableRecord[] = [];
  for (const rrset of zone.rrsets()) rrset.rdata.forEach((rdata, i) => records.push({ owner: rrset.owner, ttl: recordTtl(rrset, i), type: rrset.type, rdata }));
  return writeZoneFile(records, { origin: zone.origin });
}

function largeText(names: number): string {
  const lines = ['@ 300 SOA ns hm 5 1 2 3 4', '@ 300 NS ns', 'ns 300 A 192.0.2.1'];
  for (let i = 0; i < names; i++) lines.push(`h${i} 300 A 10.0.${(i >> 8) & 255}.${i & 255}`, `h${i} 60 TXT "n ${i}"`);
  return lines.join('\n') + '\n';
}

const line = fc.oneof(
  fc.tuple(fc.constantFrom('a', 'b.a', 'c', 'x.y.z'), fc.nat({ max: 255 })).map(([o, n]) => `${o} 300 A 192.0.2.${n}`),
  fc.tuple(fc.constantFrom('a', 'c', 'd'), fc.string({ maxLength: 20 })).map(([o, s]) => `${o} 120 TXT ${JSON.stringify(s.replace(/[\\"]/g, ''))}`),
  fc.constantFrom('@ 300 MX 10 mail', 'sub 300 NS ns.sub', 'ns.sub 300 A 192.0.2.9'),
);

describe('snapshots in steps', () => {
  it('snapshotSteps writes what writeZoneFile writes, across step boundaries', async () => {
    const zone = zoneFrom(largeText(ITEMS_PER_STEP + 700));
    const sliced = await runInSlices(snapshotSteps(zone, 'all'), 0);
    assert.equal(sliced.text, reference(zone));
    assert.equal(snapshotOf(zone, 'all').text, sliced.text);
    assert.equal(sliced.serial, 5);
  });

  it('keepText: a second version sharing RRsets with the first gets the same text as one written afresh', async () => {
    const zone = zoneFrom(largeText(300));
    const first = runSteps(snapshotSteps(zone, 'all', undefined, { keepText: true }));
    assert.equal(first.text, reference(zone));
    const next = withSerial(zone, 6);
    assert.equal(runSteps(snapshotSteps(next, 'all', undefined, { keepText: true })).text, reference(next), 'the changed SOA is written anew, the rest taken as kept');
  });

  it('zoneSteps in slices builds the zone zoneOf builds, and the round trip keeps the text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 30 }), async (lines) => {
        const zone = zoneFrom(`@ 300 SOA ns hm 1 1 2 3 4\n@ 300 NS ns\n${lines.join('\n')}\n`);
        const snapshot = snapshotOf(zone, 'all');
        assert.equal(snapshot.text, reference(zone));
        const back = await runInSlices(zoneSteps(snapshot), 0);
        assert.equal(snapshotOf(back, 'all').text, snapshot.text);
        assert.equal(back.recordCount, zoneOf(snapshot).recordCount);
      }),
      { numRuns: 100 },
    );
  });

  it('a large snapshot round-trips in slices', async () => {
    const zone = zoneFrom(largeText(3 * ITEMS_PER_STEP));
    const snapshot = await runInSlices(snapshotSteps(zone, 'all'), 1);
    const back = await runInSlices(zoneSteps(snapshot), 1);
    assert.equal(back.recordCount, zone.recordCount);
    assert.equal(snapshotOf(back, 'all').text, snapshot.text);
  });

  it('rejects a broken snapshot whole, with the same error, in slices', async () => {
    const text = `$ORIGIN snap.test.\n${largeText(ITEMS_PER_STEP).replace('@ 300 SOA ns hm 5 1 2 3 4\n', '')}`;
    const bad = { origin: 'snap.test.', text };
    assert.throws(() => zoneOf(bad), ZoneCheckError);
    await assert.rejects(runInSlices(zoneSteps(bad), 0), (err: unknown) => err instanceof ZoneCheckError && /no SOA record/.test(err.message));
  });
});
