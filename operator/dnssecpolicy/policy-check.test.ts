import { strict as assert } from 'node:assert';
import { checkPolicy, parseDuration, policyReadyCondition } from './policy-check';

describe('parseDuration', () => {
  it('reads Go-style durations', () => {
    assert.equal(parseDuration('720h'), 720 * 3600);
    assert.equal(parseDuration('1h30m'), 5400);
    assert.equal(parseDuration('90s'), 90);
    assert.equal(parseDuration('1.5h'), 5400);
  });
  it('refuses anything else', () => {
    for (const bad of ['', '30d', '1 h', 'h', '10', '5m3x']) assert.equal(parseDuration(bad), undefined, bad);
  });
});

describe('checkPolicy', () => {
  it('accepts the defaults', () => {
    assert.deepEqual(checkPolicy({}), []);
  });
  it('wants signatures renewed earlier than the propagation delay before they expire', () => {
    const p = checkPolicy({ signatures: { validity: '24h', refresh: '23h50m' }, propagationDelay: '15m' });
    assert.deepEqual(p.map((x) => x.field), ['spec.signatures.refresh']);
    assert.match(p[0]!.message, /renewed 10m before they expire, not more than the propagation delay \(15m\)/);
  });
  it('wants a key to live longer than it takes its successor to be published', () => {
    const p = checkPolicy({ keys: { strategy: 'KSK+ZSK', zskLifetime: '1h' }, dnskeyTTL: 3600, propagationDelay: '5m' });
    assert.equal(p[0]!.field, 'spec.keys.zskLifetime');
    assert.match(p[0]!.message, /propagation delay \+ DNSKEY TTL = 65m/);
  });
});

describe('policyReadyCondition', () => {
  it('summarises a valid policy', () => {
    assert.deepEqual(policyReadyCondition({ denial: { type: 'NSEC3' } }), {
      type: 'Ready',
      status: 'True',
      reason: 'Valid',
      message: 'ECDSAP256SHA256, KSK+ZSK, NSEC3',
    });
  });
  it('names the field of each problem', () => {
    const c = policyReadyCondition({ propagationDelay: 'soon' });
    assert.equal(c.reason, 'Invalid');
    assert.match(c.message, /^spec\.propagationDelay: "soon" is not a duration/);
  });
});
