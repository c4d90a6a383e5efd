import { strict as assert } from 'node:assert';
import type { Zone as ZoneResource } from '../../crds/v1alpha1/zone';
import { apiObjectLocator, buildZone, type ManagedSerial } from '../../dataplane/manifest/zone-manifest';
import { snapshotOf } from '../../dataplane/store/snapshot';
import { keepStoredSerial } from './stored-serial';

const zone = (address: string, extra: Partial<ZoneResource['spec']> = {}): ZoneResource => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'Zone',
  metadata: { name: 'example-com', namespace: 'default' },
  spec: { zoneName: 'example.com', rrsets: [{ name: '@', type: 'NS', records: ['ns1.example.net.'] }, { name: 'www', type: 'A', records: [address] }], ...extra },
});
const locator = apiObjectLocator('Zone', 'default', 'example-com');
const build = (z: ZoneResource, previous: ManagedSerial | undefined, now: number) => buildZone(locator, z, previous, now);
/** What the operator wrote at `now` for `z`: the store's copy. */
const storedAt = (z: ZoneResource, now: number, previous?: ManagedSerial) => snapshotOf(build(z, previous, now).zone, 'all');
/** The operator's build at `now` with what the status says, then the rule. */
const decide = (z: ZoneResource, stored: { serial: number; text: string } | undefined, previous: ManagedSerial | undefined, now: number) =>
  keepStoredSerial(build(z, previous, now), stored, previous, (p) => build(z, p, now)).zone.serial;

describe('keeping the stored serial when the status lost it', () => {
  it('keeps the stored serial of the same zone when the Zone has no status (its write was lost)', () => {
    const stored = storedAt(zone('192.0.2.1'), 1_700_000_000);
    assert.equal(decide(zone('192.0.2.1'), stored, undefined, 1_700_000_100), 1_700_000_000);
  });

  it('gives a changed zone a new serial', () => {
    const stored = storedAt(zone('192.0.2.1'), 1_700_000_000);
    assert.equal(decide(zone('192.0.2.2'), stored, undefined, 1_700_000_100), 1_700_000_100);
  });

  it('keeps the serial a lost status write had for a changed spec', () => {
    const v1 = zone('192.0.2.1');
    const first = build(v1, undefined, 1_700_000_000).managedSerial!;
    // The spec changed, the new zone was written at …050, and its status write was lost.
    const stored = storedAt(zone('192.0.2.2'), 1_700_000_050, first);
    assert.equal(decide(zone('192.0.2.2'), stored, first, 1_700_000_100), 1_700_000_050);
  });

  it('never goes back to a stored serial older than the status knows', () => {
    const stored = storedAt(zone('192.0.2.1'), 1_700_000_000);
    const status: ManagedSerial = { serial: 1_700_000_050, specDigest: 'a spec since changed back' };
    assert.equal(decide(zone('192.0.2.1'), stored, status, 1_700_000_100), 1_700_000_100);
  });

  it('leaves a serial that the status already agrees with alone', () => {
    const built = build(zone('192.0.2.1'), undefined, 1_700_000_000);
    const stored = snapshotOf(built.zone, 'all');
    let rebuilt = 0;
    const kept = keepStoredSerial(build(zone('192.0.2.1'), built.managedSerial, 1_700_000_100), stored, built.managedSerial, (p) => {
      rebuilt++;
      return build(zone('192.0.2.1'), p, 1_700_000_100);
    });
    assert.equal(kept.zone.serial, 1_700_000_000);
    assert.equal(rebuilt, 0, 'no second build when nothing was lost');
  });

  it('does not touch a zone whose SOA the user wrote', () => {
    const own = zone('192.0.2.1', { zoneFile: '@ 3600 IN SOA ns1.example.net. hostmaster.example.com. 42 3600 600 1209600 3600\n' });
    const stored = { serial: 41, text: storedAt(own, 1_700_000_000).text.replace(' 42 ', ' 41 ') };
    assert.equal(decide(own, stored, undefined, 1_700_000_100), 42);
  });
});
