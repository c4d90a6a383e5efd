import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisZoneStore } from './redis-store';
import { runZoneStoreSuite } from './zone-store.suite';

// Against the real Redis on 127.0.0.1:6379 (.ci/run starts one). Each test gets its own key
// prefix and removes its keys afterwards.
const URL = process.env.DNSFLEET_TEST_REDIS ?? 'redis://127.0.0.1:6379';

describe('RedisZoneStore @integration', function () {
  this.timeout(20_000);
  const prefixes: string[] = [];
  after(async () => {
    const redis = new Redis(URL);
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await redis.quit();
  });
  runZoneStoreSuite(async (keepChanges) => {
    const prefix = `{dnsfleet-test-${randomBytes(4).toString('hex')}}:`;
    prefixes.push(prefix);
    return new RedisZoneStore(URL, { prefix, keepChanges });
  });
});
