import { strict as assert } from 'node:assert';
import type { NameserverCloud } from '../../crds/v1alpha1/nameservercloud';
import type { SecondaryZone } from '../../crds/v1alpha1/secondaryzone';
import { servingClouds } from './secondaryzone-controller';
import { secondaryConfigOf, secondaryReadyCondition, statusFields } from './secondary-status';

const cloud = (name: string, ipv4: string[]): NameserverCloud => ({ apiVersion: 'dnsfleet.io/v1alpha1', kind: 'NameserverCloud', metadata: { name }, spec: { nameservers: [`ns.${name}.example.`], addresses: { ipv4 } } });
const zone = (extra: Partial<SecondaryZone['spec']> = {}): SecondaryZone => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'SecondaryZone',
  metadata: { name: 'example-net' },
  spec: { zoneName: 'example.net', primaries: [{ address: '192.0.2.1' }, { address: '2001:db8::1', port: 5300 }], ...extra },
});

describe('SecondaryZone status', () => {
  it('lists every cloud with what it announces, or only the clouds the zone names', () => {
    const clouds = [cloud('cloud-b', ['198.51.100.53']), cloud('cloud-a', ['192.0.2.53'])];
    assert.deepEqual(servingClouds(zone(), clouds), [
      { cloud: 'cloud-a', nameservers: ['ns.cloud-a.example.'], addresses: ['192.0.2.53'] },
      { cloud: 'cloud-b', nameservers: ['ns.cloud-b.example.'], addresses: ['198.51.100.53'] },
    ]);
    assert.deepEqual(servingClouds(zone({ nameserverClouds: ['cloud-b'] }), clouds).map((c) => c.cloud), ['cloud-b']);
  });

  it('says Unknown/Pending until a transfer, naming the primaries', () => {
    assert.deepEqual(secondaryReadyCondition(zone(), undefined, []), { type: 'Ready', status: 'Unknown', reason: 'Pending', message: 'no transfer from 192.0.2.1:53, [2001:db8::1]:5300 yet' });
  });

  const state = (extra = {}) => ({ origin: 'example.net.', serial: 7, lastTransferMs: Date.UTC(2026, 10, 24, 10, 0, 0), expired: false, presigned: false, primaries: [{ address: '192.0.2.1', port: 53, ok: true, lastAttemptMs: Date.UTC(2026, 10, 24, 10, 0, 0) }], problem: '', ...extra });
  const synced = [{ name: 'cloud-a', serial: 7, pods: 2, podsInSync: 2 }];

  it('is Transferred once every pod serves the transferred serial, Propagating before', () => {
    assert.deepEqual(secondaryReadyCondition(zone(), state(), synced), { type: 'Ready', status: 'True', reason: 'Transferred', message: 'serial 7 transferred and served by 2 pods in 1 clouds' });
    assert.equal(secondaryReadyCondition(zone(), state(), [{ name: 'cloud-a', pods: 2, podsInSync: 1 }]).reason, 'Propagating');
  });

  it('says TransferFailed while the last good copy serves, and Expired once it no longer does', () => {
    const failed = secondaryReadyCondition(zone(), state({ problem: '192.0.2.1:53: timeout' }), synced);
    assert.equal(failed.reason, 'TransferFailed');
    assert.match(failed.message, /serial 7 still served; the last check failed: 192\.0\.2\.1:53: timeout/);
    assert.equal(secondaryReadyCondition(zone(), state({ expired: true, problem: 'expired: x' }), synced).reason, 'Expired');
  });

  it('turns the control server\'s report into status fields', () => {
    const f = statusFields(state({ primaries: [{ address: '192.0.2.1', port: 53, ok: false, error: 'REFUSED', lastAttemptMs: Date.UTC(2026, 10, 24, 10, 0, 0) }] }), synced);
    assert.equal(f.lastTransfer, '2026-11-24T10:00:00Z');
    assert.deepEqual(f.primaries, [{ address: '192.0.2.1', port: 53, status: 'FAILED', errorMessage: 'REFUSED', lastAttempt: '2026-11-24T10:00:00Z' }]);
  });

  it('hands the control server the zone with ports, refresh overrides, key and the retrieve annotation', () => {
    const z = zone({ refresh: { minimumRefresh: 60 } });
    z.metadata.annotations = { 'dnsfleet.io/retrieve': '2026-11-24' };
    assert.deepEqual(secondaryConfigOf(z, { name: 'k.', algorithm: 'hmac-sha256', secret: 'c2VjcmV0' }), {
      origin: 'example.net.',
      primaries: [{ address: '192.0.2.1', port: 53 }, { address: '2001:db8::1', port: 5300 }],
      tsig: { name: 'k.', algorithm: 'hmac-sha256', secret: 'c2VjcmV0' },
      refresh: { minimumRefresh: 60 },
      clouds: 'all',
      retrieve: '2026-11-24',
    });
  });
});
