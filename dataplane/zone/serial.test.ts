import { strict as assert } from 'node:assert';
import { nextSerial, serialAdd, serialCompare } from './serial';

describe('serial arithmetic (RFC 1982)', () => {
  it('orders serials across the wrap at 2^32', () => {
    assert.equal(serialCompare(1, 0), 1);
    assert.equal(serialCompare(0, 1), -1);
    assert.equal(serialCompare(0, 0xffffffff), 1, '0 follows 2^32-1');
    assert.equal(serialCompare(0xffffffff, 0), -1);
    assert.equal(serialCompare(5, 5), 0);
  });

  it('treats serials exactly 2^31 apart as not newer either way', () => {
    assert.equal(serialCompare(0, 2 ** 31), -1);
    assert.equal(serialCompare(2 ** 31, 0), -1);
  });

  it('adds modulo 2^32 and refuses increments of 2^31 or more', () => {
    assert.equal(serialAdd(0xffffffff, 1), 0);
    assert.throws(() => serialAdd(1, 2 ** 31), /RFC 1982/);
  });

  it('takes the clock when it is ahead, else previous + 1', () => {
    assert.equal(nextSerial(undefined, 1_700_000_000), 1_700_000_000);
    assert.equal(nextSerial(100, 1_700_000_000), 1_700_000_000);
    assert.equal(nextSerial(1_800_000_000, 1_700_000_000), 1_800_000_001);
    assert.equal(nextSerial(0xffffffff, 5), 5, 'wraps forward when the clock is newer in serial arithmetic');
  });
});
