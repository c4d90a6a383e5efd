import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { writeZoneFile } from '../dns/zonefile/writer';
import { readZoneRecords } from '../dns/zonefile/reader';
import { ZoneUpdate } from '../zone/zone-update';
import { withSerial, Zone } from '../zone/zone';
import { zoneOf, zoneText } from '../testkit/zone-text';
import { zoneDifference } from './zone-difference';

const ORIGIN = Name.fromText('diff.test.');
const v1 = zoneOf('@ 300 SOA ns1 hm 1 3600 600 86400 300\n@ 300 NS ns1\nns1 300 A 192.0.2.1\nwww 300 A 192.0.2.2\nwww 300 A 192.0.2.3\nold 300 TXT "gone"\nttl 300 A 192.0.2.4\n', ORIGIN);
const v2 = zoneOf('@ 300 SOA ns1 hm 2 3600 600 86400 300\n@ 300 NS ns1\nns1 300 A 192.0.2.1\nwww 300 A 192.0.2.2\nwww 300 A 192.0.2.5\nnew 300 MX 10 ns1\nttl 600 A 192.0.2.4\n', ORIGIN);

describe('zoneDifference: the records between two versions of a zone', () => {
  it('removes and adds only what changed (a TTL change is both), and applied through ZoneUpdate gives the new version', () => {
    const { removed, added } = zoneDifference(v1, v2);
    const text = (records: typeof removed) => writeZoneFile(records, { origin: ORIGIN });
    const lines = (records: typeof removed) => text(records).split('\n').slice(1).filter(Boolean).map((l) => l.split(/\s+/).join(' ')).sort();
    assert.deepEqual(lines(removed), ['@ 300 IN SOA ns1.diff.test. hm.diff.test. 1 3600 600 86400 300', 'old 300 IN TXT "gone"', 'ttl 300 IN A 192.0.2.4', 'www 300 IN A 192.0.2.3'].sort());
    assert.deepEqual(lines(added), ['@ 300 IN SOA ns1.diff.test. hm.diff.test. 2 3600 600 86400 300', 'new 300 IN MX 10 ns1.diff.test.', 'ttl 600 IN A 192.0.2.4', 'www 300 IN A 192.0.2.5'].sort());
    // Through text, as the clouds get it from the store.
    const update = new ZoneUpdate(v1);
    for (const r of readZoneRecords(text(removed), { origin: ORIGIN, source: 'removed' })) update.remove(r);
    for (const r of readZoneRecords(text(added), { origin: ORIGIN, source: 'added' })) update.add(r);
    assert.equal(zoneText(update.commit('diff').zone), zoneText(v2));
  });

  it('between a version and a layer over it (as the signer makes them) visits only the layer, with the result of a full scan', () => {
    const layered = withSerial(v1, 7);
    const scanned = new Zone(layered.origin, new Map(layered.nodes), layered.soa, layered.recordCount);
    const fast = zoneDifference(v1, layered);
    assert.deepEqual(fast, zoneDifference(v1, scanned));
    assert.deepEqual([fast.removed.length, fast.added.length], [1, 1], 'the SOA alone');
  });

  it('is empty between a version and itself', () => {
    assert.deepEqual(zoneDifference(v2, v2), { removed: [], added: [] });
  });
});
