import assert from 'node:assert/strict';
import { Name } from '../dns/name';
import { lifecycleTimings } from '../manifest/dnssec-policy';
import { checkDsAnnotation, DSCheckReason } from './ds-check';
import type { DigestType, SigningKey } from './keys';
import { dsRecordText, generateKey, isAlgorithm, keyTag, KSK_FLAGS, ZSK_FLAGS } from './keys';
import type { KeyRole, LifecycleState } from './lifecycle';
import { initialState, run, view, zoneState } from './lifecycle';

/**
 * The DS handover end to end, as the wiring will do it: a policy from a DNSSECPolicy spec, real
 * keys from keys.ts, the DSUpdate's DS records, the user's annotation checked by ds-check, and
 * the lifecycle's dsSeen.
 */
describe('DS handover: policy → keys → DSUpdate → annotation → DSSeen', () => {
  const owner = Name.fromText('example.com.');
  const policy = lifecycleTimings({ algorithm: 'ED25519', dsDigestTypes: ['SHA-256', 'SHA-384'] })!;
  const zone = { maxTTL: 3600, negativeTTL: 300, neverServedUnsigned: true };
  const keys = new Map<string, SigningKey>();
  const generate = (role: KeyRole, algorithm: number) => {
    assert.ok(isAlgorithm(algorithm));
    const key = generateKey(algorithm, { flags: role === 'ZSK' ? ZSK_FLAGS : KSK_FLAGS });
    const id = `k${keys.size}`;
    keys.set(id, key);
    return { id, tag: keyTag(key), algorithm, role, ds: role === 'ZSK' ? [] : policy.digestTypes.map((d) => dsRecordText(owner, key, d as DigestType, 86400)) };
  };
  const wantedKeys = (state: LifecycleState): SigningKey[] => {
    const tags = new Set(view(state).dsRecords.map((r) => Number(r.split(/\s+/)[4])));
    return state.keys.filter((k) => tags.has(k.tag)).map((k) => keys.get(k.id)!);
  };

  it('shows the DS in both digest types, refuses a wrong one, confirms the right one', () => {
    const first = run(initialState(), { now: 0, policy, zone }, generate);
    const update = first.actions.find((a) => a.type === 'message' && a.message.kind === 'DSUpdate');
    assert.ok(update && update.type === 'message' && update.message.kind === 'DSUpdate');
    assert.equal(update.message.publish.length, 2);
    assert.match(update.message.publish[0]!, /^example\.com\. 86400 IN DS \d+ 15 2 [0-9A-F]{64}$/);
    assert.match(update.message.publish[1]!, /^example\.com\. 86400 IN DS \d+ 15 4 [0-9A-F]{96}$/);
    assert.deepEqual(view(first.state).dsRecords, update.message.publish);
    assert.equal(zoneState(first.state), 'pending_ds');

    const check = (value: string) => checkDsAnnotation(value, { owner, keys: wantedKeys(first.state), digestTypes: policy.digestTypes as DigestType[] });
    const wrong = check(update.message.publish[0]!.replace(/ 15 2 /, ' 13 2 '));
    assert.equal(wrong.reason, DSCheckReason.WrongAlgorithm);
    // A mismatch leaves the state as it is: no event for the lifecycle.
    const confirmed = check(update.message.publish[1]!);
    assert.ok(confirmed.ok && confirmed.kind === 'confirmed');
    const after = run(first.state, { now: 60, policy, zone, events: [{ type: 'dsSeen', tags: confirmed.tags }] }, generate);
    assert.equal(zoneState(after.state), 'active');
    assert.deepEqual(after.actions, [{ type: 'message', message: { kind: 'DSSeen', tags: confirmed.tags } }]);
  });
});
