import { strict as assert } from 'node:assert';
import type { Zone } from '../crds/v1alpha1/zone';
import { dsMismatch, parseConfirmRequest, parseDsText, parseEnableRequest, policyNameFor, scaiState } from './dnssec';
import { BadRequestError } from './errors';
import { ACKED_ANNOTATION, acknowledgedOf, messagesOf, UNSIGNED_ANNOTATION } from './messages';

const DS = 'example.com. 86400 IN DS 17016 15 2 589E8ACB590469EF45300E1342DE17F2FEA8FF13545346AF75AB0E9CF0C623C9';
const KSK = { keyTag: 17016, algorithm: 'ED25519', role: 'KSK' as const, state: 'active' as const, ds: 'submitted' as const, created: '2026-12-07T00:00:00Z' };
const ZSK = { keyTag: 40211, algorithm: 'ED25519', role: 'ZSK' as const, state: 'active' as const, created: '2026-12-07T00:00:00Z', nextActionAt: '2027-01-07T00:00:00Z', nextAction: 'roll' };

const zone = (over: Partial<Zone> = {}): Zone => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'Zone',
  metadata: { name: 'example.com', namespace: 'tenant-a', uid: 'u1' },
  spec: { zoneName: 'example.com', dnssecPolicy: 'api-ed25519' },
  ...over,
});

describe('api dnssec: the operator\'s DNSSEC status in RcodeZero\'s and ScaiDNS\'s shapes', () => {
  it('takes algorithms 8, 10, 13, 14, 15 (default 13) and refuses others with the list', () => {
    assert.equal(parseEnableRequest(undefined), 13);
    assert.equal(parseEnableRequest({}), 13);
    assert.equal(parseEnableRequest({ algorithm: 15 }), 15);
    assert.equal(policyNameFor(8), 'api-rsasha256');
    assert.throws(() => parseEnableRequest({ algorithm: 7 }), (e: unknown) => e instanceof BadRequestError && e.message === 'algorithm 7 is not supported: use 8 (RSASHA256), 10 (RSASHA512), 13 (ECDSAP256SHA256), 14 (ECDSAP384SHA384), 15 (ED25519)');
    assert.throws(() => parseEnableRequest({ algorithm: '13' }), /algorithm must be an integer/);
    assert.throws(() => parseEnableRequest({ algo: 13 }), /unknown field "algo"/);
  });

  it('reads DS records and says which field of a confirmed DS does not match the KSK\'s', () => {
    const wanted = parseDsText(DS)!;
    assert.deepEqual(wanted, { key_tag: 17016, algorithm: 15, digest_type: 2, digest: '589E8ACB590469EF45300E1342DE17F2FEA8FF13545346AF75AB0E9CF0C623C9' });
    assert.equal(dsMismatch([{ ...wanted, digest: wanted.digest.toLowerCase().toUpperCase() }], [wanted]), undefined);
    assert.equal(dsMismatch([{ ...wanted, key_tag: 1 }], [wanted]), 'ds_records[0]: key tag 1 is not 17016 (the DS wanted is for key tag 17016)');
    assert.equal(dsMismatch([{ ...wanted, algorithm: 13 }], [wanted]), 'ds_records[0]: algorithm 13 is not 15 (the DS wanted is for key tag 17016)');
    assert.equal(dsMismatch([{ ...wanted, digest_type: 4 }], [wanted]), 'ds_records[0]: digest type 4 is not 2 (the DS wanted is for key tag 17016)');
    assert.equal(dsMismatch([{ ...wanted, digest: 'AA' }], [wanted]), 'ds_records[0]: the digest of DS 17016 15 2 differs (the DS wanted is for key tag 17016)');
    assert.equal(dsMismatch([wanted], []), 'no DS is wanted now: nothing to confirm');
    assert.throws(() => parseConfirmRequest({ ds_records: [{ key_tag: 1, algorithm: 13, digest_type: 2, digest: 'XYZ' }] }), /ds_records\[0\]\.digest must be the digest in hex/);
    assert.throws(() => parseConfirmRequest({ ds_records: [] }), /ds_records must be a list of at least one DS record/);
  });

  it('shows the state with keys and DS records as ScaiDNS does', () => {
    const state = scaiState('api-ed25519', { state: 'pending_ds', dsRecords: [DS], keys: [KSK, ZSK] });
    assert.deepEqual(state, {
      enabled: true,
      status: 'pending_ds',
      algorithm: 15,
      ksk: [{ key_tag: 17016, algorithm: 15, key_type: 'KSK', created_at: '2026-12-07T00:00:00Z', expires_at: null, active: true, state: 'active' }],
      zsk: [{ key_tag: 40211, algorithm: 15, key_type: 'ZSK', created_at: '2026-12-07T00:00:00Z', expires_at: '2027-01-07T00:00:00Z', active: true, state: 'active' }],
      ds_records: [parseDsText(DS)],
    });
    // Named, not yet seen by the operator: the policy's algorithm, waiting.
    assert.deepEqual(scaiState('api-ecdsap256sha256', undefined), { enabled: true, status: 'pending_ds', algorithm: 13, ksk: [], zsk: [], ds_records: [] });
    assert.deepEqual(scaiState(undefined, undefined), { enabled: false, status: 'disabled', algorithm: null, ksk: [], zsk: [], ds_records: [] });
  });

  it('derives DSUPDATE, DSSEEN and DSREMOVED from the status, with ids that change with the DS set', () => {
    const pending = messagesOf(zone({ status: { dnssec: { state: 'pending_ds', dsRecords: [DS], keys: [KSK] }, conditions: [{ type: 'DNSSEC', status: 'False', reason: 'PendingDS', message: '', lastTransitionTime: '2026-12-07T01:00:00Z' }] } }));
    assert.deepEqual(pending.map((m) => [m.type, m.domain, m.date, m.ds_records]), [['DSUPDATE', 'example.com', '2026-12-07T01:00:00Z', [DS]]]);
    assert.match(pending[0]!.id, /^[0-9a-f]{16}$/);
    const other = messagesOf(zone({ status: { dnssec: { state: 'pending_ds', dsRecords: [DS.replace('17016', '17017')] } } }));
    assert.notEqual(other[0]!.id, pending[0]!.id);
    // Waiting for the DNSKEY to reach caches: no DS yet, no message.
    assert.deepEqual(messagesOf(zone({ status: { dnssec: { state: 'pending_ds', dsRecords: [] } } })), []);
    const seen = messagesOf(zone({ status: { dnssec: { state: 'active', dsRecords: [DS], keys: [{ ...KSK, ds: 'seen' }] } } }));
    assert.deepEqual(seen.map((m) => [m.type, m.comment]), [['DSSEEN', 'the parent publishes the DS of key tag 17016']]);
    const removed = messagesOf(zone({ metadata: { name: 'example.com', annotations: { [UNSIGNED_ANNOTATION]: '2026-12-07T02:00:00.000Z' } }, spec: { zoneName: 'example.com' } }));
    assert.deepEqual(removed.map((m) => [m.type, m.date]), [['DSREMOVED', '2026-12-07T02:00:00.000Z']]);
    // Still unsigning: not yet.
    assert.deepEqual(messagesOf(zone({ metadata: { name: 'example.com', annotations: { [UNSIGNED_ANNOTATION]: 'x' } }, spec: { zoneName: 'example.com' }, status: { dnssec: { state: 'unsigning' } } })), []);
    assert.deepEqual(acknowledgedOf(zone({ metadata: { name: 'example.com', annotations: { [ACKED_ANNOTATION]: 'not json' } } })), []);
  });
});
