import { strict as assert } from 'node:assert';
import type { PodReport } from '../../dataplane/store/zone-store';
import { cloudProgress, ownSerialProblem, readyCondition, ZoneReason, zoneReadyEvent } from './zone-status';

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
    assert.deepEqual(readyCondition({ ok: true, serial: 5 }, cloudProgress('example.com.', 5, ['cloud-a'], reports)), { type: 'Ready', status: 'True', reason: 'Serving', message: 'serial 5 served by every pod of cloud-a' });
    const partial = readyCondition({ ok: true, serial: 5 }, cloudProgress('example.com.', 5, ['cloud-a', 'cloud-b'], reports));
    assert.deepEqual([partial.status, partial.reason, partial.message], ['False', ZoneReason.Propagating, 'serial 5 not yet served everywhere (cloud-b: 1/2 pods)']);
  });

  it('says the same while Serving whatever the number of pods, so its Event keeps agreeing with it', () => {
    const more = new Map([...reports, ['cloud-a', [...reports.get('cloud-a')!, pod('a-2', { 'example.com.': 5 })]]]);
    assert.deepEqual(readyCondition({ ok: true, serial: 5 }, cloudProgress('example.com.', 5, ['cloud-a'], more)), readyCondition({ ok: true, serial: 5 }, cloudProgress('example.com.', 5, ['cloud-a'], reports)));
  });

  it('names the clouds spec.nameserverClouds asks for that do not exist', () => {
    const c = readyCondition({ ok: true, serial: 5 }, cloudProgress('example.com.', 5, ['cloud-a'], reports), ['cloud-c']);
    assert.deepEqual([c.status, c.reason], ['False', ZoneReason.UnknownCloud]);
    assert.match(c.message, /^spec\.nameserverClouds: no NameserverCloud named cloud-c \(written for cloud-a;/);
    assert.match(readyCondition({ ok: true, serial: 5 }, [], ['cloud-c']).message, /\(no cloud serves it;/);
  });

  it('says why it is not Ready: a refused build first, then missing clouds, no clouds, propagation', () => {
    assert.equal(readyCondition({ ok: false, message: 'bad rdata' }, []).reason, ZoneReason.InvalidZone);
    assert.equal(readyCondition({ ok: false, reason: ZoneReason.SerialNotIncreased, message: 'lower' }, [], ['cloud-c']).reason, ZoneReason.SerialNotIncreased);
    assert.equal(readyCondition({ ok: true, serial: 1 }, []).reason, ZoneReason.NoNameserverCloud);
    assert.match(readyCondition({ ok: true, serial: 1 }, cloudProgress('x.', 1, ['empty'], new Map())).message, /empty: no pods report yet/);
  });
});

describe('a zone\'s own SOA serial', () => {
  const served = { serial: 2026120601, text: 'example.com. 3600 IN SOA a b 2026120601 1 2 3 4\nwww A 192.0.2.1\n' };
  it('may replace the served version with a higher serial, changed or not', () => {
    assert.equal(ownSerialProblem(2026120602, 'anything', served), undefined);
    assert.equal(ownSerialProblem(2026120601, served.text, served), undefined, 'the same version again');
    assert.equal(ownSerialProblem(1, 'x', undefined), undefined, 'nothing served yet');
    assert.equal(ownSerialProblem(5, 'x', { serial: 0xfffffff0, text: 'y' }), undefined, 'across the wrap (RFC 1982)');
  });
  it('refuses a lower serial, naming both', () => {
    assert.match(ownSerialProblem(2026120600, 'x', served) ?? '', /^the SOA serial 2026120600 is lower than 2026120601, the serial being served/);
  });
  it('refuses changed content under the same serial', () => {
    assert.match(ownSerialProblem(2026120601, 'changed', served) ?? '', /^the zone changed but its SOA serial is still 2026120601/);
  });

  it('records a Ready Event per change of reason and per new message of a refused version, never for Propagating', () => {
    const c = (reason: string, message = 'm', status: 'True' | 'False' = 'False') => ({ type: 'Ready', status, reason, message, lastTransitionTime: '2026-12-06T12:00:00Z' });
    assert.equal(zoneReadyEvent(undefined, c(ZoneReason.Propagating)), undefined);
    assert.deepEqual(zoneReadyEvent(c(ZoneReason.Propagating), c(ZoneReason.Serving, 'served', 'True')), { type: 'Normal', reason: 'Serving', action: 'Reconcile', note: 'served' });
    assert.equal(zoneReadyEvent(c(ZoneReason.Serving, 'a', 'True'), c(ZoneReason.Serving, 'b', 'True')), undefined, 'a new count of pods is no Event');
    assert.equal(zoneReadyEvent(c(ZoneReason.InvalidZone, 'a'), c(ZoneReason.InvalidZone, 'a')), undefined);
    assert.deepEqual(zoneReadyEvent(c(ZoneReason.InvalidZone, 'a'), c(ZoneReason.InvalidZone, 'b'))?.type, 'Warning');
    assert.deepEqual(zoneReadyEvent(c(ZoneReason.SerialNotIncreased, 'a'), c(ZoneReason.SerialNotIncreased, 'b'))?.note, 'b');
  });
});
