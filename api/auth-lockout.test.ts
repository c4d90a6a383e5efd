import { strict as assert } from 'node:assert';
import { AuthLockout, lockoutKey } from './auth-lockout';

describe('api auth lockout (RcodeZero: 10 unauthorized requests block the address for 10 minutes)', () => {
  let now = 1_000_000;
  const clock = (): number => now;

  it('blocks an address at its 10th failure within a minute, for 10 minutes, and only that address', () => {
    const lockout = new AuthLockout({ now: clock });
    for (let i = 0; i < 9; i++) assert.equal(lockout.recordFailure('192.0.2.1'), undefined);
    assert.equal(lockout.blockedUntil('192.0.2.1'), undefined);
    assert.equal(lockout.recordFailure('192.0.2.1'), now + 600_000);
    assert.equal(lockout.blockedUntil('192.0.2.1'), now + 600_000);
    assert.equal(lockout.blockedUntil('192.0.2.2'), undefined);
    now += 600_000;
    assert.equal(lockout.blockedUntil('192.0.2.1'), undefined);
  });

  it('forgets failures older than the window', () => {
    const lockout = new AuthLockout({ now: clock });
    for (let i = 0; i < 9; i++) lockout.recordFailure('192.0.2.3');
    now += 61_000;
    assert.equal(lockout.recordFailure('192.0.2.3'), undefined);
    assert.equal(lockout.blockedUntil('192.0.2.3'), undefined);
  });

  it('counts IPv6 by /64 and IPv4-mapped addresses as IPv4', () => {
    assert.equal(lockoutKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(lockoutKey('2001:db8:1:2::ffff'), '2001:db8:1:2::/64');
    assert.equal(lockoutKey('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(lockoutKey('::1'), '0:0:0:0::/64');
    const lockout = new AuthLockout({ now: clock, maxFailures: 2 });
    lockout.recordFailure('2001:db8::1');
    lockout.recordFailure('2001:db8::2');
    assert.ok(lockout.blockedUntil('2001:db8::3') !== undefined);
  });

  it('keeps at most maxAddresses tracks', () => {
    const lockout = new AuthLockout({ now: clock, maxAddresses: 2, maxFailures: 2 });
    lockout.recordFailure('192.0.2.10');
    lockout.recordFailure('192.0.2.11');
    lockout.recordFailure('192.0.2.12');
    // 192.0.2.10 was forgotten: one more failure does not block it.
    lockout.recordFailure('192.0.2.10');
    assert.equal(lockout.blockedUntil('192.0.2.10'), undefined);
  });
});
