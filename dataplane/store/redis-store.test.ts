import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisZoneStore, redactUrl } from './redis-store';
import { runZoneStoreSuite } from './zone-store.suite';
import { StoreUnavailableError, type ZoneStore } from './zone-store';
import { freePort } from '../testkit/processes';

// Against the real Redis on 127.0.0.1:6379 (.ci/run starts one). Each test gets its own key
// prefix and removes its keys afterwards.
const URL = process.env.DNSFLEET_TEST_REDIS ?? 'redis://127.0.0.1:6379';

describe('RedisZoneStore @integration', function () {
  this.timeout(20_000);
  const prefixes: string[] = [];
  const prefixOf = new Map<ZoneStore, string>();
  const removeKeys = async (prefix: string): Promise<void> => {
    const redis = new Redis(URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  };
  after(async () => {
    for (const prefix of prefixes) await removeKeys(prefix);
  });
  runZoneStoreSuite(
    async (keepChanges) => {
      const prefix = `{dnsfleet-test-${randomBytes(4).toString('hex')}}:`;
      prefixes.push(prefix);
      const store = new RedisZoneStore(URL, { prefix, keepChanges });
      prefixOf.set(store, prefix);
      return store;
    },
    // What FLUSHALL does to this store's keys, without touching anyone else's.
    async (store) => removeKeys(prefixOf.get(store)!),
  );

  it('fails fast, with the store named, when Redis cannot be reached, and says so in its health', async () => {
    const port = await freePort();
    const store = new RedisZoneStore(`redis://:secret@127.0.0.1:${port}`, { commandTimeoutMs: 1000 });
    const started = Date.now();
    try {
      await assert.rejects(store.epoch(), (err: unknown) => err instanceof StoreUnavailableError && err.message.includes(`127.0.0.1:${port}`) && !err.message.includes('secret'));
      assert.ok(Date.now() - started < 3000, `failed after ${Date.now() - started} ms`);
      assert.equal(store.health.state.state, 'down');
      assert.match(store.health.state.error ?? '', /ECONNREFUSED/);
      // Requests while it is down fail as fast: nothing piles up behind the connection.
      const t = Date.now();
      await Promise.allSettled(Array.from({ length: 50 }, () => store.getZone('a.test.')));
      assert.ok(Date.now() - t < 3000);
    } finally {
      const t = Date.now();
      await store.close();
      assert.ok(Date.now() - t < 500, 'close does not wait for an absent Redis');
    }
  });

  it('redacts the password of the URL it logs', () => {
    assert.equal(redactUrl('redis://:pw@10.0.0.1:6379/0'), 'redis://:***@10.0.0.1:6379/0');
  });
});
