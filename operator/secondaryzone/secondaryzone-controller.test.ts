import { strict as assert } from 'node:assert';
import type { NameserverCloud } from '../../crds/v1alpha1/nameservercloud';
import type { SecondaryZone } from '../../crds/v1alpha1/secondaryzone';
import { pendingCondition, servingClouds } from './secondaryzone-controller';

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
    assert.deepEqual(pendingCondition(zone()), { type: 'Ready', status: 'Unknown', reason: 'Pending', message: 'no transfer from 192.0.2.1:53, [2001:db8::1]:5300 yet' });
  });
});
