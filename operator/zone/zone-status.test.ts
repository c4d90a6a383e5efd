import { strict as assert } from 'node:assert';
import type { PodReport } from '../../dataplane/store/zone-store';
import { cloudProgress, readyCondition, ZoneReason } from './zone-status';

const pod = (name: string, serials: Record<string, number>): PodReport => ({ pod: name, serials: new Map(Object.entries(serials)), at: 0 });
const reports = new Map<string, PodReport[]>([
  ['cloud-a', [pod('a-0', { 'example.com.': 5 }), pod('a-1', { 'example.com.': 5 })]],
  ['cloud-b', [pod('b-0', { 'example.com.': 4 }), pod('b-1', { 'example.com.': 5 })]],
]);

describe('zone status policy', () => {
  it('counts the pods of each cloud that serve the serial', () => {
    assert.deepEqual(cloudProgress('example.com.', 5, ['cloud-a', 'cloud-b', 'cloud-c'], reports), [
      { name: 'cloud-a', serial: 5, pods: 2, podsInSync: 2 },
      { name: 'cloud-b', serial: 4, pods: 2, podsInSync: 1 },
      { name: 'cloud-c', pods: 0, podsInSync: 0 },
    ]);
  });

  it('orders serials by RFC 1982 across the wrap', () => {
    const wrapped = new Map([['c', [pod('p', { 'z.': 1 })]]]);
    assert.equal(cloudProgress('z.', 0xffffffff, ['c'], wrapped)[0]!.podsInSync, 1);
  });

  it('is Ready only when every pod of every cloud serves the serial', () => {
    assert.equal(readyCondition({ ok: true, serial: 5 }, cloudProgress('example.com.', 5, ['cloud-a'], reports)).status, 'True');
    const partial = readyCondition({ ok: true, serial: 5 }, cloudProgress('example.com.', 5, ['cloud-a', 'cloud-b'], reports));
    assert.deepEqual([partial.status, partial.reason, partial.message], ['False', ZoneReason.Propagating, 'serial 5 not yet served everywhere (cloud-b: 1/2 pods)']);
  });

  it('says why it is not Ready: invalid zone first, then no clouds, then propagation', () => {
    assert.equal(readyCondition({ ok: false, message: 'bad rdata' }, []).reason, ZoneReason.InvalidZone);
    assert.equal(readyCondition({ ok: true, serial: 1 }, []).reason, ZoneReason.NoNameserverCloud);
    assert.match(readyCondition({ ok: true, serial: 1 }, cloudProgress('x.', 1, ['empty'], new Map())).message, /empty: no pods report yet/);
  });
});
