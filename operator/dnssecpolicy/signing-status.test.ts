import { strict as assert } from 'node:assert';
import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import { dnssecCondition, DNSSECReason } from './signing-status';

const policy = (spec: DNSSECPolicy['spec'] = {}): DNSSECPolicy => ({ apiVersion: 'dnsfleet.io/v1alpha1', kind: 'DNSSECPolicy', metadata: { name: 'p', namespace: 'team-a' }, spec });

describe('the DNSSEC condition of a zone naming a policy', () => {
  it('is absent when the zone names no policy', () => {
    assert.equal(dnssecCondition('team-a', undefined, policy()), undefined);
  });
  it('says the zone is served unsigned: no signer yet', () => {
    assert.deepEqual(dnssecCondition('team-a', 'p', policy()), {
      type: 'DNSSEC',
      status: 'False',
      reason: DNSSECReason.SigningNotAvailable,
      message: 'DNSSECPolicy team-a/p is valid, but this version of dnsfleet does not sign zones yet; the zone is served unsigned',
    });
  });
  it('names a policy that does not exist', () => {
    const c = dnssecCondition('team-a', 'gone', undefined)!;
    assert.deepEqual([c.status, c.reason, c.message], ['False', 'PolicyNotFound', 'DNSSECPolicy team-a/gone does not exist; the zone is served unsigned']);
  });
  it('names what is wrong with an invalid policy', () => {
    const c = dnssecCondition('team-a', 'p', policy({ signatures: { validity: '24h', refresh: '23h58m' } }))!;
    assert.equal(c.reason, 'PolicyInvalid');
    assert.match(c.message, /^DNSSECPolicy team-a\/p is invalid \(spec\.signatures\.refresh: signatures are renewed 2m before they expire/);
  });
});
