import { strict as assert } from 'node:assert';
import type { Zone } from '../crds/v1alpha1/zone';
import type { SecondaryZone } from '../crds/v1alpha1/secondaryzone';
import { ZoneOwnedError } from '../dataplane/store/zone-store';
import { admissionOfOwnedError, compareClaims, describeOwner, firstClaim, OwnershipReason, ownerTag, ZoneNames, type Claim } from './ownership';

const zone = (namespace: string, name: string, zoneName: string, created: string): Zone => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'Zone',
  metadata: { namespace, name, creationTimestamp: created },
  spec: { zoneName },
});
const secondary = (namespace: string, name: string, zoneName: string, created: string): SecondaryZone => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'SecondaryZone',
  metadata: { namespace, name, creationTimestamp: created },
  spec: { zoneName, primaries: [{ address: '127.0.0.1' }] },
});

describe('zone name ownership', () => {
  describe('the first claim', () => {
    const claim = (namespace: string, name: string, createdAt?: string, kind: Claim['kind'] = 'Zone'): Claim => ({ kind, namespace, name, ...(createdAt ? { createdAt } : {}) });

    it('is the oldest object', () => {
      const older = claim('team-b', 'z', '2026-12-01T10:00:00Z');
      const newer = claim('team-a', 'z', '2026-12-01T10:00:01Z');
      assert.equal(firstClaim([newer, older]), older);
      assert.equal(firstClaim([older, newer]), older);
    });

    it('breaks a tie of creation times by namespace, name, then kind (whatever the order seen)', () => {
      const t = '2026-12-01T10:00:00Z';
      const all = [claim('team-b', 'a', t), claim('team-a', 'b', t), claim('team-a', 'a', t, 'Zone'), claim('team-a', 'a', t, 'SecondaryZone')];
      for (let i = 0; i < all.length; i++) {
        const rotated = [...all.slice(i), ...all.slice(0, i)];
        assert.deepEqual(firstClaim(rotated), claim('team-a', 'a', t, 'SecondaryZone'));
      }
      assert.ok(compareClaims(all[1]!, all[0]!) < 0);
    });

    it('puts an object without a creation time last', () => {
      assert.equal(firstClaim([claim('a', 'x'), claim('z', 'z', '2026-12-01T10:00:00Z')])!.namespace, 'z');
      assert.equal(firstClaim([]), undefined);
    });
  });

  it('names owners as people read them', () => {
    assert.equal(ownerTag('Zone', 'team-a', 'shared'), 'Zone/team-a/shared');
    assert.equal(describeOwner('Zone/team-a/shared'), 'Zone team-a/shared');
    assert.equal(describeOwner({ kind: 'SecondaryZone', namespace: 'n', name: 'x' }), 'SecondaryZone n/x');
    const refusal = admissionOfOwnedError(new ZoneOwnedError('shared.test.', 'Zone/team-a/shared', 'Zone/team-b/shared'));
    assert.equal(refusal.reason, OwnershipReason.ZoneNameTaken);
    assert.match(refusal.message, /shared\.test\. belongs to Zone team-a\/shared/);
  });

  describe('ZoneNames', () => {
    const a = zone('team-a', 'shared', 'shared.test', '2026-12-01T10:00:00Z');
    const b = zone('team-b', 'shared', 'Shared.Test.', '2026-12-01T10:05:00Z');

    it('admits the first claimant of a name and refuses the later one, naming the owner (names compared absolute, lower case)', () => {
      const names = new ZoneNames();
      assert.deepEqual(names.update('Zone', undefined, a), []);
      assert.deepEqual(names.update('Zone', undefined, b), ['Zone/team-a/shared']);
      assert.deepEqual(names.admit('Zone', a), { ok: true, owner: 'Zone/team-a/shared' });
      const refused = names.admit('Zone', b);
      assert.ok(!refused.ok);
      assert.equal(refused.reason, 'ZoneNameTaken');
      assert.match(refused.message, /^zone name shared\.test\. belongs to Zone team-a\/shared/);
    });

    it('decides alike whichever object the informer delivered first', () => {
      const names = new ZoneNames();
      names.update('Zone', undefined, b);
      names.update('Zone', undefined, a);
      assert.ok(names.admit('Zone', a).ok);
      assert.ok(!names.admit('Zone', b).ok);
    });

    it('hands the name to the next claimant when the owner is gone, and says whom to requeue', () => {
      const names = new ZoneNames();
      names.update('Zone', undefined, a);
      names.update('Zone', undefined, b);
      // Being deleted still holds the name: its finalizer removes what it wrote first.
      const deleting = { ...a, metadata: { ...a.metadata, deletionTimestamp: '2026-12-01T11:00:00Z' } };
      assert.deepEqual(names.update('Zone', a, deleting), []);
      assert.ok(!names.admit('Zone', b).ok);
      assert.deepEqual(names.update('Zone', deleting, undefined), ['Zone/team-b/shared']);
      assert.ok(names.admit('Zone', b).ok);
    });

    it('releases the old name on a rename', () => {
      const names = new ZoneNames();
      names.update('Zone', undefined, a);
      names.update('Zone', undefined, b);
      const renamed = { ...a, spec: { zoneName: 'other.test' } };
      assert.deepEqual(names.update('Zone', a, renamed), ['Zone/team-b/shared']);
      assert.ok(names.admit('Zone', b).ok);
      assert.ok(names.admit('Zone', renamed).ok);
    });

    it('decides by the object as read when the cache has not seen its rename yet', () => {
      const names = new ZoneNames();
      names.update('Zone', undefined, a);
      const late = zone('team-c', 'late', 'late.test', '2026-12-01T12:00:00Z');
      names.update('Zone', undefined, late);
      assert.ok(!names.admit('Zone', { ...late, spec: { zoneName: 'shared.test' } }).ok);
    });

    it('holds one name across Zone and SecondaryZone', () => {
      const names = new ZoneNames();
      const sec = secondary('team-c', 'shared', 'shared.test.', '2026-12-01T10:10:00Z');
      names.update('Zone', undefined, a);
      assert.deepEqual(names.update('SecondaryZone', undefined, sec), ['Zone/team-a/shared']);
      const refused = names.admit('SecondaryZone', sec);
      assert.ok(!refused.ok && refused.reason === 'ZoneNameTaken' && refused.owner === 'SecondaryZone/team-c/shared');
      const older = secondary('team-d', 'early', 'shared.test', '2026-11-01T00:00:00Z');
      names.update('SecondaryZone', undefined, older);
      assert.ok(names.admit('SecondaryZone', older).ok);
      assert.ok(!names.admit('Zone', a).ok);
    });

    it('refuses a name the policy does not allow, and such an object holds no name', () => {
      const names = new ZoneNames({ rules: [{ domain: 'shared.test.', namespaces: ['team-b'] }] });
      names.update('Zone', undefined, a);
      names.update('Zone', undefined, b);
      const refused = names.admit('Zone', a);
      assert.ok(!refused.ok && refused.reason === 'ZoneNameNotAllowed', JSON.stringify(refused));
      assert.ok(names.admit('Zone', b).ok, 'team-a holds no claim, so team-b owns the name');
      const com = zone('team-a', 'com', 'com', '2026-01-01T00:00:00Z');
      const verdict = names.admit('Zone', com);
      assert.ok(!verdict.ok && verdict.reason === 'ZoneNameNotAllowed' && /public suffix/.test(verdict.message));
    });
  });
});
