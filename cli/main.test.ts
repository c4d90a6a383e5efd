import { strict as assert } from 'node:assert';
import { parseIdentity, UsageError } from './main';

// The identity flags of `serve` and `dataplane` (docs/answers.md#identity).

describe('parseIdentity', () => {
  it('answers id.server with the default identity, sends no NSID and refuses the version unless told', () => {
    assert.deepEqual(parseIdentity({}, 'pod-1'), { identity: 'pod-1' });
    assert.deepEqual(parseIdentity({ identity: 'ns1', nsid: 'ns1-fra', 'version-string': 'dnsfleet' }, 'pod-1'), { identity: 'ns1', nsid: 'ns1-fra', version: 'dnsfleet' });
    assert.deepEqual(parseIdentity({ 'hide-identity': true, nsid: 'pod-1' }, 'pod-1'), { nsid: 'pod-1' });
  });

  it('names the flag of a text it cannot use', () => {
    assert.throws(() => parseIdentity({ nsid: '' }, 'h'), (e: unknown) => e instanceof UsageError && /^--nsid: must be 1 to 255/.test(e.message));
    assert.throws(() => parseIdentity({ 'version-string': 'a\u00e9' }, 'h'), /^UsageError: --version-string: must be printable ASCII/);
    assert.throws(() => parseIdentity({}, 'x'.repeat(256)), /^UsageError: --identity: must be 1 to 255/);
    assert.throws(() => parseIdentity({ identity: 'a', 'hide-identity': true }, 'h'), /exclude each other/);
  });
});
