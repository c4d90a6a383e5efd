import { strict as assert } from 'node:assert';
import { effectiveTimers, isExpired, nextCheckAt } from './refresh-policy';

const soa = { refresh: 7200, retry: 900, expire: 1_209_600 };

describe('refresh policy', () => {
  it('takes the SOA timers, with refresh and retry raised to the floor', () => {
    assert.deepEqual(effectiveTimers(soa), { refresh: 7200, retry: 3600, expire: 1_209_600 });
    assert.deepEqual(effectiveTimers({ refresh: 60, retry: 30, expire: 600 }, { minimumRefresh: 86_400 }), { refresh: 86_400, retry: 86_400, expire: 600 });
  });

  it('lets the zone override each timer', () => {
    assert.deepEqual(effectiveTimers(soa, { refresh: 10_000, retry: 5000, expire: 50_000, minimumRefresh: 60 }), { refresh: 10_000, retry: 5000, expire: 50_000 });
  });

  it('checks at once when never checked, after retry when the last check failed, after refresh from the last success', () => {
    const t = effectiveTimers(soa);
    assert.equal(nextCheckAt(t, {}), 0);
    assert.equal(nextCheckAt(undefined, { lastAttemptMs: 1000, lastAttemptFailed: true }), 11_000, 'no copy yet: soon');
    assert.equal(nextCheckAt(t, { lastSuccessMs: 0, lastAttemptMs: 5000, lastAttemptFailed: true }), 5000 + 3_600_000);
    assert.equal(nextCheckAt(t, { lastSuccessMs: 5000, lastAttemptMs: 5000 }), 5000 + 7_200_000);
  });

  it('expires a copy not refreshed for expire seconds, counted from the last success', () => {
    const t = { refresh: 3600, retry: 3600, expire: 7200 };
    assert.equal(isExpired(t, { lastSuccessMs: 0 }, 7_199_999), false);
    assert.equal(isExpired(t, { lastSuccessMs: 0 }, 7_200_000), true);
    assert.equal(isExpired(undefined, {}, 1e12), false, 'nothing to expire before the first transfer');
  });
});
