import { strict as assert } from 'node:assert';
import { LogLimiter } from './log-limiter';

describe('LogLimiter', () => {
  it('logs the first event of a key, leaves out the rest of the interval, and counts them on the next line', () => {
    let now = 0;
    const limiter = new LogLimiter(1000, 100, () => now);
    assert.deepEqual(limiter.admit('xfr 192.0.2.1'), { log: true, suppressed: 0 });
    for (let i = 0; i < 5; i++) assert.equal(limiter.admit('xfr 192.0.2.1').log, false);
    assert.deepEqual(limiter.admit('xfr 192.0.2.2'), { log: true, suppressed: 0 }, 'another source has its own line');
    now = 1000;
    assert.deepEqual(limiter.admit('xfr 192.0.2.1'), { log: true, suppressed: 5 });
    assert.deepEqual(limiter.admit('xfr 192.0.2.1').log, false);
  });

  it('stays bounded: past maxKeys new keys share one line, and expired keys make room again', () => {
    let now = 0;
    const limiter = new LogLimiter(1000, 3, () => now);
    for (const k of ['a', 'b', 'c']) assert.equal(limiter.admit(k).log, true);
    assert.deepEqual(limiter.admit('d'), { log: true, suppressed: 0 }, 'the shared key logs once');
    assert.equal(limiter.admit('e').log, false);
    assert.equal(limiter.admit('f').log, false);
    assert.ok(limiter.size <= 4);
    now = 1500;
    assert.deepEqual(limiter.admit('g'), { log: true, suppressed: 0 }, 'room again once a, b and c expired');
    assert.ok(limiter.size <= 4);
  });
});
