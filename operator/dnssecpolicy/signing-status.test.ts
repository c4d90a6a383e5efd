import { strict as assert } from 'node:assert';
import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import { policyProblem } from './signing-status';

const policy = (spec: DNSSECPolicy['spec'] = {}): DNSSECPolicy => ({ apiVersion: 'dnsfleet.io/v1alpha1', kind: 'DNSSECPolicy', metadata: { name: 'p', namespace: 'team-a' }, spec });

describe('the DNSSEC condition of a zone whose policy cannot be used', () => {
  it('is absent when the zone names no policy, or a valid one', () => {
    assert.equal(policyProblem('team-a', undefined, policy()), undefined);
    assert.equal(policyProblem('team-a', 'p', policy()), undefined);
  });
  it('names a policy that does not exist, and says what happens to the zone', () => {
    const c = policyProblem('team-a', 'gone', undefined)!;
    assert.deepEqual([c.status, c.reason, c.message], ['False', 'PolicyNotFound', 'DNSSECPolicy team-a/gone does not exist; the zone is served unsigned']);
    assert.match(policyProblem('team-a', 'gone', undefined, true)!.message, /stays signed with its current keys/);
  });
  it('names what is wrong with an invalid policy', () => {
    const c = policyProblem('team-a', 'p', policy({ signatures: { validity: '24h', refresh: '23h58m' } }))!;
    assert.equal(c.reason, 'PolicyInvalid');
    assert.match(c.message, /^DNSSECPolicy team-a\/p is invalid \(spec\.signatures\.refresh: signatures are renewed 2m before they expire/);
  });
});
