import { strict as assert } from 'node:assert';
import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import type { SecondaryZone } from '../../crds/v1alpha1/secondaryzone';
import { MemoryZoneStore } from '../../dataplane/store/memory-store';
import { memoryLogger } from '../../dataplane/testkit/memory-logger';
import { buildControlDeployment } from '../control/control-objects';
import { FakeKubeClient } from '../testkit/fake-kube-client';
import { watchCache } from '../testkit/fake-cache';
import { SecondaryZoneController } from '../secondaryzone/secondaryzone-controller';
import { KEK_ENV, KEK_KEY, KEK_SECRET, KeyEncryptionKey } from './kek';
import { KeyRecords } from './key-secret';
import { ZoneSigning } from './zone-dnssec';

/** A SecondaryZone with a DNSSECPolicy: signed by the control server from the copies it transfers; and the control server's key. */

const policy: DNSSECPolicy = { apiVersion: 'dnsfleet.io/v1alpha1', kind: 'DNSSECPolicy', metadata: { name: 'fast', namespace: 'default' }, spec: { algorithm: 'ED25519', propagationDelay: '1m', parentPropagationDelay: '1m', parentDSTTL: 60, dnskeyTTL: 60 } };
const secondary: SecondaryZone = { apiVersion: 'dnsfleet.io/v1alpha1', kind: 'SecondaryZone', metadata: { name: 'example-net', namespace: 'default' }, spec: { zoneName: 'example.net', primaries: [{ address: '127.0.0.1', port: 5300 }], dnssecPolicy: 'fast' } };
const OWNER = 'SecondaryZone/default/example-net';

describe('SecondaryZoneController with a DNSSECPolicy', () => {
  it('signs nothing before the first copy; then hands over the sealed order without an unsigned version, keys in the Secret first', async () => {
    const kube = new FakeKubeClient({ now: () => new Date('2026-12-07T00:00:00Z') });
    const store = new MemoryZoneStore();
    const log = memoryLogger();
    const cache = await watchCache(kube, 'SecondaryZone');
    const signing = new ZoneSigning({ store, log, records: new KeyRecords(kube), kek: new KeyEncryptionKey(kube, 'dnsfleet-system'), now: () => new Date('2026-12-07T00:00:00Z') });
    const controller = new SecondaryZoneController({ kube, store, log, secondaryZone: cache.get, clouds: () => [], policy: () => policy, signing });
    kube.put('SecondaryZone', secondary);
    await kube.settle();
    await controller.reconcile('default/example-net');
    await kube.settle();
    await controller.reconcile('default/example-net');
    await kube.settle();
    assert.equal(await store.getSigned('example.net.'), undefined);
    assert.equal(kube.object('SecondaryZone', 'default', 'example-net')?.status?.conditions?.find((c) => c.type === 'DNSSEC')?.reason, 'Disabled');

    // The control server's first copy, as it writes it for the clouds.
    await store.putZone({ origin: 'example.net.', serial: 5, clouds: 'all', owner: OWNER, text: '$ORIGIN example.net.\n@\t3600\tIN\tSOA\tns1 h 5 3600 600 86400 300\n@\t3600\tIN\tNS\tns1.example.org.\nwww\t86400\tIN\tA\t10.0.0.2\n' });
    await controller.reconcile('default/example-net');
    await kube.settle();
    const entry = (await store.getSigned('example.net.'))!;
    assert.equal(entry.owner, OWNER);
    assert.equal(entry.unsigned, undefined, 'the control server signs what it transfers');
    assert.ok(kube.secretObject('default', 'example-net-dnssec'), 'keys in a Secret owned by the SecondaryZone');
    assert.equal(kube.secretObject('default', 'example-net-dnssec')?.metadata.ownerReferences[0]?.kind, 'SecondaryZone');
    const record = JSON.parse(kube.secretObject('default', 'example-net-dnssec') ? Buffer.from(kube.secretObject('default', 'example-net-dnssec')!.data['record.json']!, 'base64').toString() : '{}') as { maxTTL?: number };
    assert.equal(record.maxTTL, 86400, 'the lifecycle is timed by the copy’s TTLs');
    const status = kube.object('SecondaryZone', 'default', 'example-net')!.status!;
    assert.equal(status.dnssec?.state, 'pending_ds');
    assert.ok(!JSON.stringify([status, kube.events, log.lines]).includes('PRIVATE KEY'));

    kube.delete('SecondaryZone', 'default', 'example-net');
    await kube.settle();
    await controller.reconcile('default/example-net');
    assert.equal(await store.getSigned('example.net.'), undefined, 'deleted with the SecondaryZone');
  });
});

describe('the control server Deployment and the key-encryption key', () => {
  it('takes the key from the Secret through a secretKeyRef, never as a value', () => {
    const d = buildControlDeployment({ namespace: 'dnsfleet-system', pods: { image: 'x', redisUrl: 'redis://r' }, allowTransfer: [] });
    const env = (d.spec as { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string; valueFrom?: unknown }> }> } } }).template.spec.containers[0]!.env;
    assert.deepEqual(env.find((e) => e.name === KEK_ENV), { name: KEK_ENV, valueFrom: { secretKeyRef: { name: KEK_SECRET, key: KEK_KEY } } });
  });
});
