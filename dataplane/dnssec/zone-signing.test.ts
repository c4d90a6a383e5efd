import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { signingPolicy } from '../manifest/dnssec-policy';
import { zoneOf } from '../testkit/zone-text';
import { openOrder, sealOrder, signOptionsOf, SigningOrderError, zoneKeysOf } from './signing-order';
import { signZone } from './signzone';
import { verifyZone } from './signzone.fixtures';
import { driveSigning, emptyRecord, type SigningInput } from './zone-signing';

const ORIGIN = Name.fromText('drive.test.');
const ZONE = zoneOf(
  `@ 3600 IN SOA ns1 hostmaster 1 3600 900 604800 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.1
www 600 IN A 192.0.2.2
sub 3600 IN NS ns.sub
ns.sub 3600 IN A 192.0.2.3
`,
  ORIGIN,
);
const T0 = 1_800_000_000;

describe('driveSigning: one zone from policy to signed order and back to unsigned', () => {
  const policy = signingPolicy({ algorithm: 'ED25519', denial: { type: 'NSEC3' }, propagationDelay: '1m', parentPropagationDelay: '1m', parentDSTTL: 60, dnskeyTTL: 60 })!;
  const input = (now: number, extra: Partial<SigningInput> = {}): SigningInput => ({ now, origin: ORIGIN, policy, zone: ZONE, ...extra });

  it('makes the keys, an order that signs a zone every signature of which verifies, and pending_ds', () => {
    const r = driveSigning(emptyRecord(), input(T0));
    assert.equal(r.view.state, 'pending_ds');
    assert.equal(Object.keys(r.record.keys).length, 2, 'a KSK and a ZSK, private parts in the record');
    assert.ok(r.order, 'an order');
    assert.deepEqual(r.order.keys.map((k) => [k.role, k.flags, k.published, k.signsKeys, k.signsZone]).sort(), [
      ['KSK', 257, true, true, false],
      ['ZSK', 256, true, false, true],
    ]);
    const signed = signZone(ZONE, zoneKeysOf(r.order), signOptionsOf(r.order, T0));
    const { verified, problems } = verifyZone(signed, T0);
    assert.deepEqual(problems, []);
    assert.ok(verified > 5);
    assert.ok(signed.apex.rrsets.get(RRType.NSEC3PARAM), 'NSEC3 as the policy says');
    assert.ok(r.nextWakeAt !== undefined && r.nextWakeAt > T0, 'wakes for the DSUpdate');
    assert.ok(!JSON.stringify(r.view).includes('PRIVATE'), 'no private part in the view');
  });

  it('announces DSUpdate, refuses a wrong DS with a reason, confirms the right one: active', () => {
    let r = driveSigning(emptyRecord(), input(T0));
    r = driveSigning(r.record, input(r.nextWakeAt!));
    assert.deepEqual(r.messages.map((m) => m.kind), ['DSUpdate']);
    const ds = r.view.dsRecords[0]!;
    const wrong = ds.replace(/[0-9A-F]{8}$/i, '00000000');
    const refused = driveSigning(r.record, input(r.nextWakeAt ?? T0 + 600, { annotations: { dsPublished: wrong } }));
    assert.equal(refused.dsCheck?.ok, false);
    assert.equal(refused.dsCheck?.reason, 'DSWrongDigest');
    assert.equal(refused.view.state, 'pending_ds');
    const again = driveSigning(refused.record, input(T0 + 700, { annotations: { dsPublished: wrong } }));
    assert.equal(again.dsCheck, undefined, 'the same value is reported once');
    const confirmed = driveSigning(again.record, input(T0 + 800, { annotations: { dsPublished: ds } }));
    assert.equal(confirmed.dsCheck?.ok, true);
    assert.deepEqual(confirmed.messages.map((m) => m.kind), ['DSSeen']);
    assert.equal(confirmed.view.state, 'active');
  });

  it('rolls the ZSK on a new rotate-zsk value only, and unsigns with the CDS delete form when the policy goes', () => {
    let r = driveSigning(emptyRecord(), input(T0, { annotations: { rotateZsk: 'first' } }));
    r = driveSigning(r.record, input(r.nextWakeAt!));
    r = driveSigning(r.record, input(T0 + 900, { annotations: { dsPublished: r.view.dsRecords.join('\n'), rotateZsk: 'first' } }));
    assert.equal(r.view.state, 'active', 'the first value seen starts no rollover');
    r = driveSigning(r.record, input(T0 + 1000, { annotations: { rotateZsk: 'second' } }));
    assert.equal(r.view.state, 'rotating_zsk');
    assert.equal(Object.keys(r.record.keys).length, 3);
    const unsign = driveSigning(r.record, { ...input(T0 + 1100), policy: undefined });
    assert.equal(unsign.view.state, 'unsigning');
    assert.equal(unsign.order?.cdsDelete, true);
    assert.deepEqual(unsign.messages.map((m) => m.kind), ['DSUpdate']);
    const gone = driveSigning(unsign.record, { ...input(T0 + 1200), policy: undefined, annotations: { dsPublished: 'none' } });
    const done = driveSigning(gone.record, { ...input(gone.nextWakeAt!), policy: undefined });
    assert.equal(done.view.state, 'disabled');
    assert.equal(done.order, undefined);
    assert.deepEqual(done.record.keys, {}, 'the private keys are deleted');
    assert.deepEqual(done.messages.map((m) => m.kind), ['DSRemoved']);
  });

  it('rolls the algorithm (13 → 15): every version it signs verifies, and every RRset is signed by every algorithm of its DNSKEY set (RFC 4035 §2.2)', () => {
    const p13 = signingPolicy({ algorithm: 'ECDSAP256SHA256', propagationDelay: '1m', parentPropagationDelay: '1m', parentDSTTL: 60, dnskeyTTL: 60 })!;
    const p15 = signingPolicy({ algorithm: 'ED25519', propagationDelay: '1m', parentPropagationDelay: '1m', parentDSTTL: 60, dnskeyTTL: 60 })!;
    const at = (now: number, policy = p13, dsPublished?: string): SigningInput => ({ now, origin: ORIGIN, policy, zone: ZONE, ...(dsPublished ? { annotations: { dsPublished } } : {}) });
    let r = driveSigning(emptyRecord(), at(T0));
    r = driveSigning(r.record, at(r.nextWakeAt!));
    r = driveSigning(r.record, at(r.nextWakeAt ?? T0 + 3600, p13, r.view.dsRecords.join('\n')));
    assert.equal(r.view.state, 'active');
    let now = T0 + 7200;
    const states: string[] = [];
    for (let i = 0; i < 20 && (i === 0 || r.view.state !== 'active'); i++) {
      // The user publishes whatever DS the zone asks for as soon as it asks.
      r = driveSigning(r.record, at(now, p15, r.view.dsRecords.join('\n')));
      if (states.at(-1) !== r.view.state) states.push(r.view.state);
      assert.ok(r.order, 'signed throughout');
      const signed = signZone(ZONE, zoneKeysOf(r.order), signOptionsOf(r.order, now));
      const problems = verifyZone(signed, now).problems;
      // RFC 6781 §4.1.4: the new algorithm signs before its DNSKEYs are published; those signatures
      // have no DNSKEY yet (verifyZone says "algorithm" for each key tried), every other verifies.
      const prepublished = r.order.keys.some((k) => !k.published && (k.signsZone || k.signsKeys));
      if (prepublished) assert.deepEqual(problems.filter((p) => !/: (algorithm, )*algorithm$/.test(p)), [], `version at +${now - T0}s verifies`);
      else assert.deepEqual(problems, [], `version at +${now - T0}s verifies`);
      const published = new Set(r.order.keys.filter((k) => k.published).map((k) => k.algorithm));
      const signingZone = new Set(r.order.keys.filter((k) => k.signsZone).map((k) => k.algorithm));
      const signingKeys = new Set(r.order.keys.filter((k) => k.signsKeys).map((k) => k.algorithm));
      for (const a of published) assert.ok(signingZone.has(a) && signingKeys.has(a), `algorithm ${a} is in the DNSKEY set at +${now - T0}s, so it signs every RRset`);
      now = Math.max(now + 1, r.nextWakeAt ?? now + 60);
    }
    assert.equal(r.view.state, 'active', 'the rollover ends');
    assert.deepEqual(states, ['rotating_ksk', 'active']);
    assert.deepEqual([...new Set(r.order!.keys.map((k) => k.algorithm))], [15], 'only the new algorithm is left');
  });

  it('seals the private keys for the store and opens them only with the same key and zone', () => {
    const r = driveSigning(emptyRecord(), input(T0));
    const kek = randomBytes(32);
    const sealed = sealOrder(r.order!, kek, ORIGIN.toString());
    assert.ok(sealed.keys.every((k) => k.privateKey.startsWith('v1:') && !k.privateKey.includes('PRIVATE')));
    assert.deepEqual(openOrder(sealed, kek, ORIGIN.toString()), r.order);
    assert.throws(() => openOrder(sealed, randomBytes(32), ORIGIN.toString()), SigningOrderError);
    assert.throws(() => openOrder(sealed, kek, 'other.test.'), SigningOrderError, 'a sealed key copied to another zone does not open');
  });
});
