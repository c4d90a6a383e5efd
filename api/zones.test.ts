import { strict as assert } from 'node:assert';
import { BadRequestError } from './errors';
import { formatMaster, parseCreateRequest, parseDomain, parseMasters, parseUpdateRequest, secondaryToApi, zoneToApi } from './zones';

const bad = (message: string) => (e: unknown): boolean => e instanceof BadRequestError && e.message === message;

describe('api zones: RcodeZero zones <-> Zone and SecondaryZone', () => {
  it('reads zone names, and says exactly what is wrong with a bad one', () => {
    assert.equal(parseDomain('Example.COM.'), 'example.com');
    assert.throws(() => parseDomain('exa mple.com'), bad('invalid zone name "exa mple.com": only letters, digits, "-" and "_" in labels of 1 to 63 characters, separated by single dots'));
    assert.throws(() => parseDomain('com'), bad('invalid zone name "com": a zone name needs at least two labels'));
    assert.throws(() => parseDomain('a..com'), /invalid zone name "a\.\.com": empty label/);
    assert.throws(() => parseDomain(`${'a'.repeat(64)}.com`), /invalid zone name/);
    assert.throws(() => parseDomain(42), bad('domain must be a zone name such as "example.com"'));
  });

  it('reads masters with and without ports, and refuses the rest by index', () => {
    assert.deepEqual(parseMasters(['192.0.2.1', '192.0.2.2:5353', '2001:db8::1', '[2001:db8::2]:54']), [
      { address: '192.0.2.1', port: 53 },
      { address: '192.0.2.2', port: 5353 },
      { address: '2001:db8::1', port: 53 },
      { address: '2001:db8::2', port: 54 },
    ]);
    assert.throws(() => parseMasters(['192.0.2.1', 'ns1.example.com']), bad('masters[1]: "ns1.example.com" is not an IPv4 or IPv6 address (with an optional :port)'));
    assert.throws(() => parseMasters(['192.0.2.1', '192.0.2.1:53']), bad('masters[1]: "192.0.2.1:53" is listed twice'));
    assert.throws(() => parseMasters(['192.0.2.1:70000']), /port 70000 is not between 1 and 65535/);
    assert.throws(() => parseMasters([]), /masters must be a list of 1 to 16/);
    assert.equal(formatMaster({ address: '2001:db8::2', port: 54 }), '[2001:db8::2]:54');
    assert.equal(formatMaster({ address: '192.0.2.1' }), '192.0.2.1');
  });

  it('reads add and update requests', () => {
    assert.deepEqual(parseCreateRequest({ domain: 'example.com', type: 'MASTER' }), { domain: 'example.com', type: 'master' });
    assert.deepEqual(parseCreateRequest({ domain: 'example.org.', type: 'slave', masters: ['192.0.2.1'] }), { domain: 'example.org', type: 'slave', primaries: [{ address: '192.0.2.1', port: 53 }] });
    assert.throws(() => parseCreateRequest({ domain: 'example.com', type: 'native' }), bad('type must be "master" or "slave", got "native"'));
    assert.throws(() => parseCreateRequest({ domain: 'example.com', type: 'master', masters: ['192.0.2.1'] }), bad('masters: only a slave zone has masters'));
    assert.throws(() => parseCreateRequest({ domain: 'example.com', type: 'master', dnssec: true }), bad('unknown field "dnssec": expected domain, type, masters'));
    assert.throws(() => parseCreateRequest([]), /must be a JSON object/);
    assert.deepEqual(parseUpdateRequest({ masters: ['192.0.2.9'] }, 'slave'), [{ address: '192.0.2.9', port: 53 }]);
    assert.throws(() => parseUpdateRequest({ type: 'master', masters: ['192.0.2.9'] }, 'slave'), /stays one/);
    assert.throws(() => parseUpdateRequest({ masters: ['192.0.2.9'] }, 'master'), /a master zone has nothing to update here/);
  });

  it('shows a Zone and a SecondaryZone as RcodeZero zones, with their serial, readiness and problem', () => {
    const zone = zoneToApi({
      apiVersion: 'dnsfleet.io/v1alpha1',
      kind: 'Zone',
      metadata: { name: 'example-com', creationTimestamp: '2026-12-07T00:00:00Z' },
      spec: { zoneName: 'Example.com.' },
      status: { serial: 7, conditions: [{ type: 'Ready', status: 'True', reason: 'Serving', message: '', lastTransitionTime: '' }] },
    });
    assert.deepEqual(zone, { id: 'example-com', domain: 'example.com', type: 'MASTER', masters: [], serial: 7, created: '2026-12-07T00:00:00Z', last_check: null, dnssec_status: 'disabled', ready: true, problem: null });
    const secondary = secondaryToApi({
      apiVersion: 'dnsfleet.io/v1alpha1',
      kind: 'SecondaryZone',
      metadata: { name: 'example.org' },
      spec: { zoneName: 'example.org', primaries: [{ address: '192.0.2.1', port: 5353 }] },
      status: { lastTransfer: '2026-12-07T01:00:00Z', problem: '192.0.2.1: REFUSED', conditions: [{ type: 'Ready', status: 'False', reason: 'TransferFailed', message: 'no primary answered', lastTransitionTime: '' }] },
    });
    assert.deepEqual(secondary, { id: 'example.org', domain: 'example.org', type: 'SLAVE', masters: ['192.0.2.1:5353'], serial: null, created: null, last_check: '2026-12-07T01:00:00Z', dnssec_status: 'disabled', ready: false, problem: '192.0.2.1: REFUSED' });
  });
});
