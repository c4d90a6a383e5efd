import { strict as assert } from 'node:assert';
import { parseRrlFlags } from './rrl-flags';
import { UsageError } from './usage-error';

describe('--rrl-* flags', () => {
  it('are off without --rrl-rate, and fill in the defaults with it', () => {
    assert.equal(parseRrlFlags({}), undefined);
    assert.deepEqual(parseRrlFlags({ 'rrl-rate': '20' }), { responsesPerSecond: 20, slip: 2, ipv4PrefixLength: 24, ipv6PrefixLength: 56, exempt: [], tableSize: 262_144 });
    assert.deepEqual(parseRrlFlags({ 'rrl-rate': '5', 'rrl-slip': '0', 'rrl-ipv6-prefix': '64', 'rrl-exempt': ['192.0.2.0/24'] }), {
      responsesPerSecond: 5, slip: 0, ipv4PrefixLength: 24, ipv6PrefixLength: 64, exempt: ['192.0.2.0/24'], tableSize: 262_144,
    });
  });

  it('refuse a setting without --rrl-rate, and values out of range, naming the flag', () => {
    const refused = (values: Parameters<typeof parseRrlFlags>[0], message: RegExp): void =>
      assert.throws(() => parseRrlFlags(values), (e: unknown) => e instanceof UsageError && message.test(e.message));
    refused({ 'rrl-slip': '3' }, /^--rrl-slip needs --rrl-rate/);
    refused({ 'rrl-rate': '0' }, /^--rrl-rate 0: expected a whole number from 1 to/);
    refused({ 'rrl-rate': 'fast' }, /^--rrl-rate fast: expected a whole number$/);
    refused({ 'rrl-rate': '10', 'rrl-ipv4-prefix': '33' }, /^--rrl-ipv4-prefix 33: expected a whole number from 8 to 32$/);
    refused({ 'rrl-rate': '10', 'rrl-exempt': ['192.0.2.0/33'] }, /^--rrl-exempt 192\.0\.2\.0\/33: expected IPv4 or IPv6 prefixes/);
  });
});
