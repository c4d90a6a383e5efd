import { strict as assert } from 'node:assert';
import { RRType } from '../../dns/constants';
import { Name } from '../../dns/name';
import { readZoneFile } from '../../dns/zonefile/reader';
import { MemoryZoneStore } from '../../store/memory-store';
import { SecondaryManager } from '../../control/secondary-manager';
import { memoryLogger } from '../../testkit/memory-logger';
import { answer, startFakePrimary, type AnswerRecord, type FakePrimary } from '../../testkit/fake-primary';
import { waitFor } from '../../testkit/processes';

/**
 * The control server against a primary that misbehaves (a scripted one on loopback): a zone that
 * fails our checks, garbage instead of a transfer, a transfer cut off half-way. Each is reported
 * in the zone's state with the reason, and the last good copy stays what the clouds serve.
 */

const ORIGIN = 'bad-primary.test.';
const origin = Name.fromText(ORIGIN);
const zone = (serial: number, ...extra: string[]): AnswerRecord[] =>
  readZoneFile([`@ 300 SOA ns hm ${serial} 3600 600 86400 300`, '@ 300 NS ns', 'ns 300 A 192.0.2.1', ...extra].join('\n') + '\n', { origin, source: 'test' });

describe('the control server against a misbehaving primary @integration', function () {
  this.timeout(30_000);
  let behaviour: 'good' | 'broken-zone' | 'garbage' | 'cut-off' = 'good';
  let serial = 1;
  let primary: FakePrimary;
  const store = new MemoryZoneStore();
  const log = memoryLogger();
  const manager = new SecondaryManager({ store, log, configPollMs: 50 });

  before(async () => {
    primary = await startFakePrimary((x) => {
      const q = x.query.questions[0]!;
      if (q.type === RRType.SOA) return x.send(answer(x.query, zone(serial).slice(0, 1)));
      // AXFR, and IXFR answered with the whole zone (RFC 1995 §4 allows it).
      if (behaviour === 'garbage') return x.sendRaw(Uint8Array.from([0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
      const soa = zone(serial)[0]!;
      const body = behaviour === 'broken-zone' ? zone(serial, 'www 300 A 192.0.2.9', 'www 300 CNAME elsewhere.example.') : zone(serial, `www 300 A 192.0.2.${serial}`);
      if (behaviour === 'cut-off') {
        x.send(answer(x.query, body));
        return x.close();
      }
      x.send(answer(x.query, [...body, soa]));
    });
    await store.putSecondary({ origin: ORIGIN, primaries: [{ address: primary.address, port: primary.port }], clouds: 'all', refresh: { minimumRefresh: 86_400 } });
    await manager.start();
    await waitFor('the first transfer', async () => (await store.getZone(ORIGIN))?.serial === 1);
  });
  after(async () => {
    await manager.stop();
    await primary?.stop();
  });

  for (const [what, code] of [['broken-zone', /: zone-check$/], ['garbage', /: malformed$/], ['cut-off', /: connection-closed$/]] as const) {
    it(`reports ${what} and keeps serving serial 1`, async () => {
      behaviour = what;
      serial++;
      assert.equal(manager.notify(ORIGIN, primary.address), 'accepted');
      await waitFor(`the ${what} problem reported`, async () => code.test((await store.secondaryState(ORIGIN))?.problem ?? ''), 10_000);
      const state = (await store.secondaryState(ORIGIN))!;
      assert.equal(state.primaries[0]!.ok, false);
      assert.match(state.primaries[0]!.error ?? '', new RegExp(`${ORIGIN.replace(/\./g, '\\.')}`), 'the error names the zone');
      assert.equal((await store.getZone(ORIGIN))?.serial, 1, 'the last good copy is what the clouds serve');
      assert.equal(state.serial, 1);
      console.log(`      ${what}: ${state.problem}`);
    });
  }

  it('recovers when the primary serves a good zone again', async () => {
    behaviour = 'good';
    serial++;
    manager.notify(ORIGIN, primary.address);
    await waitFor('the new copy', async () => (await store.getZone(ORIGIN))?.serial === serial, 10_000);
    assert.equal((await store.secondaryState(ORIGIN))?.problem, '');
  });
});
