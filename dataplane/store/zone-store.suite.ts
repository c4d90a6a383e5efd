import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import { ZoneOwnedError, type ZoneSnapshot, type ZoneStore } from './zone-store';

/**
 * One test suite for every ZoneStore (memory and Redis), so both keep the same promises.
 * `newStore` gives a fresh, empty store; `keepChanges` is how many changes it keeps. `wipe` makes
 * the store lose everything, as a Redis restarted without persistence does.
 */
export function runZoneStoreSuite(newStore: (keepChanges: number) => Promise<ZoneStore>, wipe: (store: ZoneStore) => Promise<void>): void {
  const zone = (origin: string, serial: number, clouds: ZoneSnapshot['clouds'] = 'all'): ZoneSnapshot => ({
    origin,
    serial,
    clouds,
    text: `$ORIGIN ${origin}\n@ 300 IN SOA ns hm ${serial} 1 2 3 4\n`,
  });
  let store: ZoneStore;
  beforeEach(async () => {
    store = await newStore(100);
  });
  afterEach(async () => {
    await store.close();
  });

  it('stores and reads back a zone snapshot, with increasing versions', async () => {
    const v1 = await store.putZone(zone('a.test.', 1, ['cloud-a']));
    const v2 = await store.putZone(zone('b.test.', 7));
    assert.ok(v2 > v1 && v1 > 0);
    const a = await store.getZone('a.test.');
    assert.deepEqual(a, { ...zone('a.test.', 1, ['cloud-a']), version: v1 });
    assert.equal(await store.getZone('missing.test.'), undefined);
  });

  it('replaces a zone whole and lists every zone with the version it was read at', async () => {
    await store.putZone(zone('a.test.', 1));
    await store.putZone(zone('a.test.', 2));
    await store.putZone(zone('b.test.', 5));
    const { zones, version } = await store.listZones();
    assert.deepEqual(zones.map((z) => `${z.origin}@${z.serial}`).sort(), ['a.test.@2', 'b.test.@5']);
    assert.equal(version, 3);
  });

  it('deletes a zone and says nothing changed when it was not there', async () => {
    await store.putZone(zone('a.test.', 1));
    assert.ok((await store.deleteZone('a.test.')) > 0);
    assert.equal(await store.getZone('a.test.'), undefined);
    assert.equal(await store.deleteZone('a.test.'), 0);
    assert.deepEqual((await store.listZones()).zones, []);
  });

  it('hands out every change after a version, in order', async () => {
    const v0 = (await store.listZones()).version;
    await store.putZone(zone('a.test.', 1));
    await store.putZone(zone('b.test.', 2));
    await store.deleteZone('a.test.');
    const { changes, reset } = await store.changesSince(v0, 0);
    assert.equal(reset, false);
    assert.deepEqual(
      changes.map((c) => (c.kind === 'put' ? `put ${c.origin} ${c.serial}` : `delete ${c.origin}`)),
      ['put a.test. 1', 'put b.test. 2', 'delete a.test.'],
    );
    assert.deepEqual((await store.changesSince(changes[1]!.version, 0)).changes.map((c) => c.kind), ['delete']);
  });

  it('wakes a waiting reader when a change arrives', async () => {
    const v0 = (await store.listZones()).version;
    const started = Date.now();
    const waiting = store.changesSince(v0, 5000);
    setTimeout(() => void store.putZone(zone('late.test.', 9)), 100);
    const { changes } = await waiting;
    assert.deepEqual(changes.map((c) => c.origin), ['late.test.']);
    assert.ok(Date.now() - started < 4000, 'woke before the wait ran out');
  });

  it('returns nothing after waiting when nothing changes', async () => {
    const v0 = (await store.listZones()).version;
    const { changes, reset } = await store.changesSince(v0, 200);
    assert.deepEqual(changes, []);
    assert.equal(reset, false);
  });

  it('tells a reader that fell too far behind to list again', async () => {
    for (let i = 0; i < 400; i++) await store.putZone(zone(`z${i}.test.`, i));
    const { reset } = await store.changesSince(1, 0);
    assert.equal(reset, true);
  });

  it('tells a reader whose version the store never reached to list again (a store that restarted empty)', async () => {
    await store.putZone(zone('a.test.', 1));
    const { reset } = await store.changesSince(1000, 0);
    assert.equal(reset, true);
  });

  it('keeps what each pod reports it serves, until the report expires', async () => {
    await store.reportServed('cloud-a', 'pod-1', new Map([['a.test.', 3]]), 60);
    await store.reportServed('cloud-a', 'pod-2', new Map([['a.test.', 2], ['b.test.', 1]]), 60);
    await store.reportServed('cloud-b', 'pod-9', new Map(), 60);
    await store.reportServed('cloud-a', 'pod-1', new Map([['a.test.', 4]]), 60);
    const reports = (await store.servedBy('cloud-a')).sort((x, y) => x.pod.localeCompare(y.pod));
    assert.deepEqual(reports.map((r) => [r.pod, [...r.serials]]), [
      ['pod-1', [['a.test.', 4]]],
      ['pod-2', [['a.test.', 2], ['b.test.', 1]]],
    ]);
    await store.reportServed('cloud-a', 'pod-1', new Map([['a.test.', 4]]), 1);
    await sleep(1200);
    assert.deepEqual((await store.servedBy('cloud-a')).map((r) => r.pod), ['pod-2']);
  });

  it('keeps secondary zones for the control server, and moves a counter on every change', async () => {
    const v0 = await store.secondariesVersion();
    const config = { origin: 'sec.test.', primaries: [{ address: '192.0.2.1', port: 53 }], clouds: 'all' as const, tsig: { name: 'k.', algorithm: 'hmac-sha256', secret: 'c2VjcmV0' }, retrieve: '1' };
    await store.putSecondary(config);
    await store.putSecondary({ origin: 'other.test.', primaries: [{ address: '2001:db8::1', port: 5300 }], clouds: ['cloud-a'] });
    const { secondaries, version } = await store.listSecondaries();
    assert.ok(version > v0);
    assert.deepEqual(secondaries.find((c) => c.origin === 'sec.test.'), config);
    assert.deepEqual(await store.getSecondary('sec.test.'), config);
    assert.equal(await store.getSecondary('none.test.'), undefined);
    assert.equal(secondaries.length, 2);
    await store.reportSecondary({ origin: 'sec.test.', serial: 7, expired: false, presigned: false, primaries: [{ address: '192.0.2.1', port: 53, ok: true }], problem: '' });
    assert.equal((await store.secondaryState('sec.test.'))?.serial, 7);
    await store.deleteSecondary('sec.test.');
    assert.ok((await store.secondariesVersion()) > version);
    assert.deepEqual((await store.listSecondaries()).secondaries.map((c) => c.origin), ['other.test.']);
    assert.equal(await store.secondaryState('sec.test.'), undefined, 'the state goes with the zone');
  });

  it('keeps the zones the control server signs (heads listed without text), their reports, and a counter', async () => {
    const v0 = await store.signedVersion();
    const order = { parameters: { validity: 1209600, refresh: 432000, jitter: 0, dnskeyTtl: 3600, denial: { type: 'NSEC' as const }, cdsDigestTypes: [2 as const] }, cdsDelete: false, keys: [{ id: 'k1', tag: 1234, algorithm: 13 as const, role: 'CSK' as const, flags: 257, published: true, signsKeys: true, signsZone: true, cds: true, privateKey: 'v1:aXY=:dGFn:ZGF0YQ==' }] };
    const primary = { origin: 'signed.test.', owner: 'Zone/ns/signed', order, unsigned: { serial: 5, text: '$ORIGIN signed.test.\n@ 60 IN SOA ns hm 5 1 1 1 1\n', clouds: 'all' as const } };
    await store.putSigned(primary);
    await store.putSigned({ origin: 'sec-signed.test.', order });
    const { entries, version } = await store.listSigned();
    assert.ok(version > v0);
    assert.deepEqual(entries.find((e) => e.origin === 'signed.test.'), { origin: 'signed.test.', owner: 'Zone/ns/signed', order, unsignedSerial: 5 });
    assert.deepEqual(entries.find((e) => e.origin === 'sec-signed.test.'), { origin: 'sec-signed.test.', order });
    assert.deepEqual(await store.getSigned('signed.test.'), primary);
    assert.deepEqual(await store.getSigned('sec-signed.test.'), { origin: 'sec-signed.test.', order });
    await assert.rejects(store.putSigned({ ...primary, owner: 'Zone/other/x' }), ZoneOwnedError, 'another owner cannot take the entry');
    await assert.rejects(store.putZone({ ...zone('signed.test.', 6), owner: 'Zone/other/x' }), ZoneOwnedError, 'nor the zone name');
    await store.reportSigning({ origin: 'signed.test.', signedSerial: 9, unsignedSerial: 5, problem: '' });
    assert.equal((await store.signingReport('signed.test.'))?.signedSerial, 9);
    await store.deleteSigned('signed.test.', 'Zone/other/x');
    assert.ok(await store.getSigned('signed.test.'), 'a delete by another owner leaves it');
    await store.deleteSigned('signed.test.', 'Zone/ns/signed');
    await store.deleteSigned('sec-signed.test.');
    assert.deepEqual((await store.listSigned()).entries, []);
    assert.equal(await store.signingReport('signed.test.'), undefined, 'the report goes with the entry');
  });

  it('wakes a wait for the signed entries when one is written or deleted, and ends an idle wait on time', async () => {
    if (!store.waitSigned) return;
    const order = { parameters: { validity: 1209600, refresh: 432000, jitter: 0, dnskeyTtl: 3600, denial: { type: 'NSEC' as const }, cdsDigestTypes: [2 as const] }, cdsDelete: false, keys: [] };
    const v0 = await store.signedVersion();
    let started = Date.now();
    await store.waitSigned(v0, 150);
    assert.ok(Date.now() - started >= 100, 'nothing written: the wait lasts its time');
    started = Date.now();
    const waiting = store.waitSigned(v0, 5000);
    await sleep(20);
    await store.putSigned({ origin: 'wake.test.', order });
    await waiting;
    assert.ok(Date.now() - started < 2000, `woken by the write, not the timeout (${Date.now() - started} ms)`);
    const v1 = await store.signedVersion();
    assert.ok(v1 > v0);
    started = Date.now();
    await store.waitSigned(v0, 5000);
    assert.ok(Date.now() - started < 2000, 'a counter already past the version: at once');
    const deleting = store.waitSigned(v1, 5000);
    await store.deleteSigned('wake.test.');
    await deleting;
    assert.ok((await store.signedVersion()) > v1, 'woken by the delete');
  });

  it('stores a zone text of megabytes as it was given, characters beyond ASCII included', async () => {
    // A surrogate pair across the first megabyte's end (where a writer in slices may cut), other
    // multi-octet characters around it.
    const head = `${zone('big.test.', 3).text};`;
    const filler = 'x'.repeat((1 << 20) - 2 - head.length);
    const text = `${head}${filler}é😀é\n;${'y'.repeat(1 << 20)}\n`;
    assert.equal(text.charCodeAt((1 << 20) - 1), 0xd83d, 'the pair starts in the first megabyte');
    await store.putZone({ ...zone('big.test.', 3), text });
    assert.ok((await store.getZone('big.test.'))?.text === text, 'the same text read back');
  });

  it('keeps a zone\'s customer secondaries with its snapshot', async () => {
    const secondaries = [{ address: '192.0.2.53', port: 53 }, { address: '2001:db8::53', port: 5300, tsig: { name: 'k.', algorithm: 'hmac-sha256', secret: 'c2VjcmV0' } }];
    await store.putZone({ ...zone('out.test.', 1), secondaries });
    assert.deepEqual((await store.getZone('out.test.'))?.secondaries, secondaries);
    await store.putZone(zone('out.test.', 2));
    assert.equal((await store.getZone('out.test.'))?.secondaries, undefined, 'a snapshot without them drops them');
  });

  it('carries a zone difference in the change stream, and marks the snapshot that catches up with it', async () => {
    const from = await store.changesSince(0, 0);
    const at = from.changes.length > 0 ? from.changes[from.changes.length - 1]!.version : 0;
    await store.putDiff({ origin: 'diff.test.', fromSerial: 1, serial: 2, removed: 'www 60 IN A 192.0.2.1\n', added: 'www 60 IN A 192.0.2.2\n' });
    await store.putZone(zone('diff.test.', 2), { catchUp: true });
    const { changes } = await store.changesSince(at, 0);
    assert.deepEqual(changes.map((c) => c.kind), ['diff', 'put']);
    const diff = changes[0]!;
    assert.ok(diff.kind === 'diff' && diff.fromSerial === 1 && diff.serial === 2 && diff.added === 'www 60 IN A 192.0.2.2\n');
    assert.ok(changes[1]!.kind === 'put' && changes[1]!.catchUp === true);
    assert.equal((await store.getZone('diff.test.'))?.serial, 2, 'the difference alone does not change the snapshot');
  });

  describe('owner guard (ADR 0008)', () => {
    const owned = (origin: string, serial: number, owner: string | undefined): ZoneSnapshot => ({ ...zone(origin, serial), ...(owner ? { owner } : {}) });
    const refused = (owner: string, writer: string) => (err: unknown): boolean => err instanceof ZoneOwnedError && err.owner === owner && err.writer === writer && err.message.includes(owner);

    it('keeps a zone\'s owner, lets it replace the zone, and refuses another owner\'s put', async () => {
      await store.putZone(owned('shared.test.', 1, 'Zone/team-a/shared'));
      await store.putZone(owned('shared.test.', 2, 'Zone/team-a/shared'));
      const before = (await store.listZones()).version;
      await assert.rejects(store.putZone(owned('shared.test.', 9, 'Zone/team-b/shared')), refused('Zone/team-a/shared', 'Zone/team-b/shared'));
      await assert.rejects(store.putZone(owned('shared.test.', 9, undefined)), ZoneOwnedError, 'a put without an owner cannot replace an owned zone');
      const stored = await store.getZone('shared.test.');
      assert.equal(stored?.serial, 2);
      assert.equal(stored?.owner, 'Zone/team-a/shared');
      assert.equal((await store.listZones()).version, before, 'a refused put announces nothing');
    });

    it('lets an owner take a zone nobody owns (written before owners existed)', async () => {
      await store.putZone(owned('legacy.test.', 1, undefined));
      await store.putZone(owned('legacy.test.', 2, 'Zone/default/legacy'));
      assert.equal((await store.getZone('legacy.test.'))?.owner, 'Zone/default/legacy');
    });

    it('makes a delete by another owner a no-op; the owner\'s delete (or an untagged one) removes it', async () => {
      await store.putZone(owned('shared.test.', 1, 'Zone/team-a/shared'));
      const before = (await store.listZones()).version;
      assert.equal(await store.deleteZone('shared.test.', 'Zone/team-b/shared'), 0);
      assert.equal((await store.getZone('shared.test.'))?.serial, 1);
      assert.equal((await store.changesSince(before, 0)).changes.length, 0, 'nothing announced');
      assert.ok((await store.deleteZone('shared.test.', 'Zone/team-a/shared')) > 0);
      assert.equal(await store.getZone('shared.test.'), undefined);
      await store.putZone(owned('other.test.', 1, 'Zone/team-a/other'));
      assert.ok((await store.deleteZone('other.test.')) > 0, 'an untagged delete is the administrator\'s');
    });

    it('guards a name across kinds: a secondary configuration and a zone of one name have one owner', async () => {
      await store.putZone(owned('shared.test.', 1, 'Zone/team-a/shared'));
      await assert.rejects(store.putSecondary({ origin: 'shared.test.', primaries: [{ address: '127.0.0.1', port: 53 }], clouds: 'all', owner: 'SecondaryZone/team-b/shared' }), refused('Zone/team-a/shared', 'SecondaryZone/team-b/shared'));
      assert.equal(await store.getSecondary('shared.test.'), undefined);
      const sec = { origin: 'sec.test.', primaries: [{ address: '127.0.0.1', port: 53 }], clouds: 'all' as const, owner: 'SecondaryZone/team-b/sec' };
      await store.putSecondary(sec);
      await store.putSecondary({ ...sec, retrieve: '2' });
      await assert.rejects(store.putZone(owned('sec.test.', 5, 'Zone/team-a/sec')), refused('SecondaryZone/team-b/sec', 'Zone/team-a/sec'), 'a configured secondary zone holds its name before its first transfer');
      await store.putZone(owned('sec.test.', 5, 'SecondaryZone/team-b/sec'));
      await assert.rejects(store.putDiff({ origin: 'sec.test.', fromSerial: 5, serial: 6, removed: '', added: '', owner: 'Zone/team-a/sec' }), ZoneOwnedError);
      await store.putDiff({ origin: 'sec.test.', fromSerial: 5, serial: 6, removed: '', added: '', owner: 'SecondaryZone/team-b/sec' });
      await store.deleteSecondary('sec.test.', 'Zone/team-a/sec');
      assert.deepEqual(await store.getSecondary('sec.test.'), { ...sec, retrieve: '2' }, 'another owner\'s delete leaves it');
      await store.deleteSecondary('sec.test.', 'SecondaryZone/team-b/sec');
      assert.equal(await store.getSecondary('sec.test.'), undefined);
    });
  });

  describe('epochs (ADR 0007)', () => {
    it('has one identity, read with its version counter, until it loses its data', async () => {
      await store.putZone(zone('a.test.', 1));
      const e1 = await store.epoch();
      assert.equal((await store.epoch()).id, e1.id);
      assert.equal(e1.version, (await store.listZones()).version);
      assert.equal((await store.listZones()).epoch.id, e1.id);
      assert.equal((await store.changesSince(0, 0)).epoch.id, e1.id);
    });

    it('a wiped store has a new epoch that is not complete until the operator says so', async () => {
      await store.putZone(zone('a.test.', 1));
      await store.putZone(zone('b.test.', 1));
      const e1 = await store.epoch();
      assert.equal(await store.completeEpoch(e1.id, 'zones'), true);
      assert.equal((await store.epoch()).complete, true);
      const seen = (await store.listZones()).version;
      await wipe(store);
      const e2 = await store.epoch();
      assert.notEqual(e2.id, e1.id, 'a new identity');
      assert.equal(e2.complete, false);
      assert.equal(e2.copiesRewritten, false);
      const since = await store.changesSince(seen, 0);
      assert.equal(since.epoch.id, e2.id, 'a reader of the old epoch learns of the new one');
      assert.equal(since.reset, true);
      const listed = await store.listZones();
      assert.equal(listed.epoch.complete, false, 'an empty listing of an incomplete epoch is not the truth');
      assert.deepEqual(listed.zones, []);
      assert.equal(await store.completeEpoch(e1.id, 'zones'), false, 'the old epoch cannot be completed');
      assert.equal(await store.completeEpoch(e2.id, 'copies'), true);
      assert.deepEqual([(await store.epoch()).complete, (await store.epoch()).copiesRewritten], [false, true]);
      assert.equal(await store.completeEpoch(e2.id, 'zones'), true);
      assert.equal((await store.listZones()).epoch.complete, true);
    });

    it('renews the epoch once for the readers that found the store behind them', async () => {
      const e1 = await store.epoch();
      await store.completeEpoch(e1.id, 'zones');
      const r1 = await store.renewEpoch(e1.id);
      assert.notEqual(r1.id, e1.id);
      assert.equal(r1.complete, false);
      const r2 = await store.renewEpoch(e1.id);
      assert.equal(r2.id, r1.id, 'a second reader with the old identity does not renew again');
    });

    it('a trimmed change stream in the same epoch is an ordinary re-list', async () => {
      const e1 = await store.epoch();
      for (let i = 0; i < 400; i++) await store.putZone(zone(`t${i}.test.`, i));
      const { reset, epoch } = await store.changesSince(1, 0);
      assert.equal(reset, true);
      assert.equal(epoch.id, e1.id);
    });
  });
}
