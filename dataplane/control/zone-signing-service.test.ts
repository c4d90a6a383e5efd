import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { signingPolicy } from '../manifest/dnssec-policy';
import { driveSigning, emptyRecord } from '../dnssec/zone-signing';
import { sealOrder, type SigningOrder } from '../dnssec/signing-order';
import { parseRrsig } from '../dnssec/rrsig';
import { MemoryZoneStore } from '../store/memory-store';
import { zoneOf } from '../store/snapshot';
import { memoryLogger } from '../testkit/memory-logger';
import { waitFor } from '../testkit/processes';
import { ZoneSigningService } from './zone-signing-service';

/**
 * The signing service against the memory store (the same interface as Redis, one suite): what it
 * does on its own between the operator's writes — a restart, a store that lost its data, an
 * entry deleted, a text that does not load.
 */

const ORIGIN = 'unit.test.';
const OWNER = 'Zone/default/unit';
const text = (serial: number, www: string): string => `$TTL 300\n@ SOA ns1 hm ${serial} 3600 600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A ${www}\n`;

describe('ZoneSigningService', function () {
  this.timeout(20_000);
  const kek = randomBytes(32);
  const policy = signingPolicy({ algorithm: 'ED25519', denial: { type: 'NSEC' } })!;
  const order: SigningOrder = driveSigning(emptyRecord(), { now: Math.floor(Date.now() / 1000), origin: Name.fromText(ORIGIN), policy, zone: zoneOf({ origin: ORIGIN, text: text(1, '192.0.2.2') }) }).order!;
  let store: MemoryZoneStore;
  let services: ZoneSigningService[];
  const log = memoryLogger();
  const service = (): ZoneSigningService => {
    const s = new ZoneSigningService({ store, log, kek, pollMs: 5 });
    services.push(s);
    return s;
  };
  const put = (serial: number, www: string, t = text(serial, www)): Promise<void> => store.putSigned({ origin: ORIGIN, owner: OWNER, order: sealOrder(order, kek, ORIGIN), unsigned: { serial, text: t, clouds: 'all' } });
  const stored = async (): Promise<number | undefined> => (await store.getZone(ORIGIN))?.serial;

  beforeEach(() => {
    store = new MemoryZoneStore();
    services = [];
  });
  afterEach(async () => {
    for (const s of services) await s.stop();
  });

  it('after a restart continues the serial from the store and reuses the signatures still fresh', async () => {
    const first = service();
    await first.start();
    await put(10, '192.0.2.2');
    await waitFor('signed', async () => (await stored()) === 10);
    const before = zoneOf((await store.getZone(ORIGIN))!);
    await first.stop();
    const second = service();
    await second.start();
    await waitFor('signed again after the restart', async () => (await stored()) === 11);
    const after = zoneOf((await store.getZone(ORIGIN))!);
    const sig = (z: typeof before) => z.node(Name.fromText(`www.${ORIGIN}`))!.rrsets.get(RRType.RRSIG)!.rdata.map((r) => Buffer.from(r).toString('hex'));
    assert.deepEqual(sig(after), sig(before), 'the RRSIG of an unchanged RRset is reused');
    const soaSig = (z: typeof before) => parseRrsig(z.apex.rrsets.get(RRType.RRSIG)!.rdata.find((r) => parseRrsig(r).typeCovered === RRType.SOA)!);
    assert.notEqual(Buffer.from(soaSig(after).signature).toString('hex'), Buffer.from(soaSig(before).signature).toString('hex'), 'the SOA, with its new serial, is signed anew');
    assert.equal((await store.signingReport(ORIGIN))?.signedSerial, 11);
  });

  it('signs a new entry as it is written, not at the next poll; a store that cannot wait is polled', async () => {
    const waiting = new ZoneSigningService({ store, log, kek, pollMs: 600_000 });
    services.push(waiting);
    await waiting.start();
    const started = Date.now();
    await put(10, '192.0.2.2');
    await waitFor('signed', async () => (await stored()) === 10);
    assert.ok(Date.now() - started < 5000, `woken by the write (${Date.now() - started} ms), with a poll of 10 minutes`);
    await waiting.stop();
    // The same store without `waitSigned`: the counter is polled.
    const polling = new Proxy(store, { get: (target, key) => (key === 'waitSigned' ? undefined : (Reflect.get(target, key) as unknown)) }) as MemoryZoneStore;
    const polled = new ZoneSigningService({ store: polling, log, kek, pollMs: 5 });
    services.push(polled);
    await polled.start();
    await waitFor('signed again after the restart', async () => (await stored()) === 11);
    await put(12, '192.0.2.3');
    await waitFor('the next version signed by polling', async () => (await stored()) === 12);
  });

  it('an unsigned text that does not load is reported; the last good version stays', async () => {
    await service().start();
    await put(10, '192.0.2.2');
    await waitFor('signed', async () => (await stored()) === 10);
    await put(11, '', `${text(11, '192.0.2.3')}bad A 999.1.1.1\n`);
    await waitFor('the problem reported', async () => /zone unit\.test\.: the unsigned zone \(serial 11\) does not load: .*999\.1\.1\.1/.test((await store.signingReport(ORIGIN))?.problem ?? ''));
    assert.equal(await stored(), 10);
    assert.equal((await store.signingReport(ORIGIN))?.signedSerial, 10, 'the last good figures');
    await put(12, '192.0.2.4');
    await waitFor('the next good text signed', async () => (await stored()) === 12 && (await store.signingReport(ORIGIN))?.problem === '');
  });

  it('writes its signed versions again into a store that lost its data, keeps entries until the epoch is complete, then forgets deleted ones', async () => {
    await service().start();
    await put(10, '192.0.2.2');
    await waitFor('signed', async () => (await stored()) === 10);
    store.wipe();
    await waitFor('written again after the reset', async () => (await stored()) === 10);
    assert.equal((await store.getZone(ORIGIN))?.owner, OWNER);
    assert.ok(log.lines.some((l) => l.msg === 'zone store reset (new epoch): signed zones written again' && l.fields?.zones === 1));
    // The operator has not written the entry again yet: it is not forgotten.
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(!log.lines.some((l) => l.msg === 'zone no longer signed here'));
    const epoch = await store.epoch();
    await store.completeEpoch(epoch.id, 'zones');
    await put(11, '192.0.2.3');
    await waitFor('signed in the new epoch', async () => (await stored()) === 11);
    await store.deleteSigned(ORIGIN, OWNER);
    await waitFor('forgotten', async () => log.lines.some((l) => l.msg === 'zone no longer signed here' && l.fields?.zone === ORIGIN));
  });
});
