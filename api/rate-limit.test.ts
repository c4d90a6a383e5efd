import { strict as assert } from 'node:assert';
import { RateLimiter } from './rate-limit';

describe('api rate limit per token', () => {
  it('counts down Remaining, refuses past the limit with the reset time, and starts again after the minute', () => {
    let now = 1_700_000_000_500;
    const limiter = new RateLimiter({ now: () => now });
    assert.deepEqual(limiter.take('t', 2), { allowed: true, limit: 2, remaining: 1, resetAt: 1_700_000_061 });
    assert.deepEqual(limiter.take('t', 2), { allowed: true, limit: 2, remaining: 0, resetAt: 1_700_000_061 });
    assert.deepEqual(limiter.take('t', 2), { allowed: false, limit: 2, remaining: 0, resetAt: 1_700_000_061 });
    assert.equal(limiter.take('other', 2).remaining, 1);
    now += 60_000;
    assert.deepEqual(limiter.take('t', 2), { allowed: true, limit: 2, remaining: 1, resetAt: 1_700_000_121 });
  });
});
