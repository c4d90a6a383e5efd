import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import { MemoryZoneStore } from '../store/memory-store';
import { memoryLogger } from '../testkit/memory-logger';
import { freePort, waitFor } from '../testkit/processes';
import { SecondaryManager } from './secondary-manager';

/**
 * The control server's copies of secondary zones are the only ones outside the primaries: when
 * the store loses its data (ADR 0007) it writes them again at once, and it does not drop a zone
 * whose configuration the operator has not written again yet. The primary here is a closed
 * loopback port, so nothing is transferred: what comes back is the copy held.
 */
describe('SecondaryManager on a store reset', () => {
  it('writes the copies it holds again, keeps their configuration, and marks the epoch', async () => {
    const store = new MemoryZoneStore();
    const log = memoryLogger();
    const port = await freePort();
    const text = '$ORIGIN sec.test.\n@ 300 IN SOA ns hm 7 3600 600 864000 60\n@ 300 IN NS ns\nns 300 IN A 192.0.2.1\n';
    await store.putZone({ origin: 'sec.test.', serial: 7, clouds: 'all', text });
    await store.putSecondary({ origin: 'sec.test.', primaries: [{ address: '127.0.0.1', port }], clouds: ['cloud-a'] });
    const manager = new SecondaryManager({ store, log, configPollMs: 50, soaTimeoutMs: 200 });
    await manager.start();
    try {
      await waitFor('the copy picked up', async () => manager.state('sec.test.') !== undefined);
      store.wipe();
      await waitFor('the copy written again', async () => (await store.getZone('sec.test.'))?.serial === 7, 5000);
      assert.deepEqual((await store.getZone('sec.test.'))?.clouds, ['cloud-a'], 'with the clouds of its configuration');
      assert.equal((await store.epoch()).copiesRewritten, true);
      assert.equal((await store.epoch()).complete, false, 'the operator completes the epoch, not the control server');
      // The configuration is not back yet and the epoch is not complete: the zone is still held.
      await sleep(300);
      assert.ok(manager.state('sec.test.'), 'not dropped for lack of a configuration in an incomplete store');
      assert.ok(log.lines.some((l) => /secondary-zone copies written again/.test(l.msg)));
      // Once the operator completes the epoch without the zone, it was deleted meanwhile.
      await store.completeEpoch((await store.epoch()).id, 'zones');
      await store.putSecondary({ origin: 'other.test.', primaries: [{ address: '127.0.0.1', port }], clouds: 'all' });
      await waitFor('dropped after the complete epoch', async () => manager.state('sec.test.') === undefined, 5000);
    } finally {
      await manager.stop();
    }
  });
});

describe('SecondaryManager.tsigKey', () => {
  it("gives a secondary zone's key by name, for NOTIFYs its primaries sign (RFC 8945 §5.2)", async () => {
    const store = new MemoryZoneStore();
    const port = await freePort();
    const secret = Buffer.alloc(32, 7).toString('base64');
    await store.putSecondary({ origin: 'keyed.test.', primaries: [{ address: '127.0.0.1', port }], clouds: 'all', tsig: { name: 'Primary-Key', algorithm: 'hmac-sha256', secret } });
    const manager = new SecondaryManager({ store, log: memoryLogger(), configPollMs: 50, soaTimeoutMs: 200 });
    await manager.start();
    try {
      await waitFor('the zone configured', async () => manager.state('keyed.test.') !== undefined);
      const key = manager.tsigKey('primary-key.');
      assert.equal(key?.name, 'primary-key.');
      assert.equal(key?.algorithm, 'hmac-sha256');
      assert.deepEqual(Buffer.from(key!.secret), Buffer.alloc(32, 7));
      assert.equal(manager.tsigKey('other-key.'), undefined);
    } finally {
      await manager.stop();
    }
  });
});
