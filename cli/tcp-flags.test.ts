import { strict as assert } from 'node:assert';
import { parseTcpFlags, TcpFlagError } from './tcp-flags';

describe('--tcp-* flags', () => {
  it('turns seconds into milliseconds and keeps counts as they are; flags not given stay unset', () => {
    assert.deepEqual(parseTcpFlags({}), {});
    assert.deepEqual(
      parseTcpFlags({ 'tcp-idle-timeout': '3', 'tcp-message-timeout': '0.5', 'tcp-lifetime': '60', 'tcp-max-connections': '200', 'tcp-max-per-client': '10', 'tcp-ipv6-prefix': '56', 'tcp-max-queued': '65536' }),
      { idleMs: 3000, messageMs: 500, lifetimeMs: 60_000, maxConnections: 200, maxPerClient: 10, ipv6PrefixLength: 56, maxQueuedBytes: 65536 },
    );
  });

  it('names the flag and what it expected', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'tcp-idle-timeout': '0' }, /^--tcp-idle-timeout 0: expected a positive number of seconds$/],
      [{ 'tcp-message-timeout': 'soon' }, /^--tcp-message-timeout soon: expected a positive number of seconds$/],
      [{ 'tcp-max-connections': '1.5' }, /^--tcp-max-connections 1.5: expected a positive whole number$/],
      [{ 'tcp-max-per-client': '' }, /^--tcp-max-per-client : expected a positive whole number$/],
      [{ 'tcp-ipv6-prefix': '129' }, /^--tcp-ipv6-prefix 129: expected at most 128$/],
      [{ 'tcp-lifetime': '0.0001' }, /^--tcp-lifetime 0.0001: expected a positive number$/],
    ];
    for (const [values, message] of cases) assert.throws(() => parseTcpFlags(values), (e: unknown) => e instanceof TcpFlagError && message.test(e.message), JSON.stringify(values));
  });
});
