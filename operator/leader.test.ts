import { strict as assert } from 'node:assert';
import { mayTake } from './leader';

describe('leader election policy', () => {
  const lease = (holder: string, renewedAt: number, seconds = 15) => ({ holder, renewTime: new Date(renewedAt), durationSeconds: seconds, resourceVersion: '1' });

  it('takes a missing or unheld Lease, and renews its own', () => {
    assert.ok(mayTake(undefined, 'a', 0));
    assert.ok(mayTake({ holder: undefined, renewTime: undefined, durationSeconds: 15, resourceVersion: '1' }, 'a', 0));
    assert.ok(mayTake(lease('a', 1000), 'a', 2000));
  });

  it('leaves a Lease another replica renewed within its duration, and takes it once expired', () => {
    assert.ok(!mayTake(lease('b', 10_000), 'a', 20_000));
    assert.ok(mayTake(lease('b', 10_000), 'a', 25_001));
  });
});
