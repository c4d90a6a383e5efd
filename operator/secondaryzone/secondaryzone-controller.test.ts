import { strict as assert } from 'node:assert';
import type { NameserverCloud } from '../../crds/v1alpha1/nameservercloud';
import type { SecondaryZone } from '../../crds/v1alpha1/secondaryzone';
import { missingClouds, servingClouds } from './secondaryzone-controller';
import { secondaryConfigOf, secondaryReadyCondition, statusFields } from './secondary-status';

const cloud = (name: string, ipv4: string[], namespace = 'dnsfleet-system', creationTimestamp = '2026-12-06T10:00:00Z'): NameserverCloud => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'NameserverCloud',
  metadata: { name, namespace, creationTimestamp },
  spec: { nameservers: [`ns.${name}.${namespace}.example.`], addresses: { ipv4 } },
});
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
      { cloud: 'cloud-a', nameservers: ['ns.cloud-a.dnsfleet-system.example.'], addresses: ['192.0.2.53'] },
      { cloud: 'cloud-b', nameservers: ['ns.cloud-b.dnsfleet-system.example.'], addresses: ['198.51.100.53'] },
    ]);
    assert.deepEqual(servingClouds(zone({ nameserverClouds: ['cloud-b'] }), clouds).map((c) => c.cloud), ['cloud-b']);
  });

  it('takes nothing from a later cloud of the same name in another namespace (DuplicateName)', () => {
    const first = cloud('cloud-a', ['192.0.2.53']);
    const duplicate = cloud('cloud-a', ['203.0.113.66'], 'team-b', '2026-12-06T11:00:00Z');
    for (const order of [[first, duplicate], [duplicate, first]]) {
      assert.deepEqual(servingClouds(zone(), order), [{ cloud: 'cloud-a', nameservers: ['ns.cloud-a.dnsfleet-system.example.'], addresses: ['192.0.2.53'] }]);
    }
  });

  it('names the clouds the zone asks for that do not exist', () => {
    assert.deepEqual(missingClouds(zone({ nameserverClouds: ['cloud-a', 'cloud-c'] }), [cloud('cloud-a', [])]), ['cloud-c']);
    assert.deepEqual(missingClouds(zone(), []), []);
  });

  it('says Unknown/Pending until a transfer, naming the primaries', () => {
    assert.deepEqual(secondaryReadyCondition(zone(), undefined, []), { type: 'Ready', status: 'Unknown', reason: 'Pending', message: 'no transfer from 192.0.2.1:53, [2001:db8::1]:5300 yet' });
  });

  const state = (extra = {}) => ({ origin: 'example.net.', serial: 7, lastTransferMs: Date.UTC(2026, 10, 24, 10, 0, 0), expired: false, presigned: false, primaries: [{ address: '192.0.2.1', port: 53, ok: true, lastAttemptMs: Date.UTC(2026, 10, 24, 10, 0, 0) }], problem: '', ...extra });
  const synced = [{ name: 'cloud-a', serial: 7, pods: 2, podsInSync: 2 }];

  it('is Transferred once every pod serves the transferred serial, Propagating before', () => {
    assert.deepEqual(secondaryReadyCondition(zone(), state(), synced), { type: 'Ready', status: 'True', reason: 'Transferred', message: 'serial 7 transferred and served by every pod of cloud-a' });
    assert.deepEqual(secondaryReadyCondition(zone(), state(), [{ name: 'cloud-a', serial: 7, pods: 3, podsInSync: 3 }]), secondaryReadyCondition(zone(), state(), synced), 'the same message with more pods');
    assert.equal(secondaryReadyCondition(zone(), state(), [{ name: 'cloud-a', pods: 2, podsInSync: 1 }]).reason, 'Propagating');
  });

  it('says UnknownCloud for a named cloud that does not exist, NoNameserverCloud when none serves it', () => {
    const c = secondaryReadyCondition(zone({ nameserverClouds: ['cloud-a', 'cloud-c'] }), state(), synced, ['cloud-c']);
    assert.deepEqual([c.status, c.reason], ['False', 'UnknownCloud']);
    assert.match(c.message, /no NameserverCloud named cloud-c/);
    assert.equal(secondaryReadyCondition(zone(), state(), []).reason, 'NoNameserverCloud');
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
