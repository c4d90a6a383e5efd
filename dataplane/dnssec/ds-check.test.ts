import assert from 'node:assert/strict';
import { Name } from '../dns/name';
import { checkDsAnnotation, DSCheckReason } from './ds-check';
import type { SigningKey } from './keys';
import { Algorithm, DigestType, dsFields, dnskeyRdata, dsRecordText, generateKey, keyTag, KSK_FLAGS } from './keys';

const owner = Name.fromText('example.com.');
const ksk = generateKey(Algorithm.ECDSAP256SHA256, { flags: KSK_FLAGS });
const next = generateKey(Algorithm.ECDSAP256SHA256, { flags: KSK_FLAGS });
const tag = keyTag(ksk);
const options = { owner, keys: [ksk], digestTypes: [DigestType.SHA256] as DigestType[] };

/** The key's DS rdata fields, to tamper with one at a time. */
function fields(key: SigningKey, digestType: DigestType = DigestType.SHA256): [number, number, number, string] {
  const ds = dsFields(owner, dnskeyRdata(key), digestType);
  return [ds.keyTag, ds.algorithm, ds.digestType, Buffer.from(ds.digest).toString('hex').toUpperCase()];
}
const text = (f: [number, number, number, string]): string => f.join(' ');

describe('DS confirmation (dnsfleet.io/ds-published)', () => {
  it('confirms the DS record the user published, whole or as rdata, in any case, the digest split', () => {
    const record = dsRecordText(owner, ksk, DigestType.SHA256, 86400);
    const [t, a, d, hex] = fields(ksk);
    for (const value of [record, `  ${record}\n`, `${t} ${a} ${d} ${hex.toLowerCase()}`, `${t} ECDSAP256SHA256 ${d} ( ${hex.slice(0, 20)} ${hex.slice(20)} )`]) {
      const result = checkDsAnnotation(value, options);
      assert.deepEqual(result, { ok: true, kind: 'confirmed', tags: [tag], reason: DSCheckReason.Confirmed, message: `DS for key tag ${tag} confirmed` }, value);
    }
  });

  it('confirms a bare key tag, and says whose tag it wanted when it is not the key\'s', () => {
    assert.equal(checkDsAnnotation(String(tag), options).ok, true);
    const wrong = (tag + 1) % 65536;
    const result = checkDsAnnotation(String(wrong), options);
    assert.equal(result.ok, false);
    assert.equal(result.reason, DSCheckReason.WrongKeyTag);
    assert.equal(result.message, `key tag ${wrong} is not the key's: the DS wanted is for key tag ${tag}`);
  });

  it('names each kind of mismatch: key tag, algorithm, digest type, digest, owner', () => {
    const [t, a, d, hex] = fields(ksk);
    const cases: Array<[string, string, string[]]> = [
      [text([(t + 1) % 65536, a, d, hex]), DSCheckReason.WrongKeyTag, ['keyTag']],
      [text([t, 15, d, hex]), DSCheckReason.WrongAlgorithm, ['algorithm']],
      // A SHA-384 DS of the right key, when the policy names SHA-256 only.
      [text(fields(ksk, DigestType.SHA384)), DSCheckReason.WrongDigestType, ['digestType']],
      // SHA-1 (1) is not made (RFC 8624 §3.3).
      [text([t, a, 1, hex.slice(0, 40)]), DSCheckReason.WrongDigestType, ['digestType']],
      [text([t, a, d, `${hex.slice(0, -2)}${hex.endsWith('00') ? '01' : '00'}`]), DSCheckReason.WrongDigest, ['digest']],
      [`example.net. 3600 IN DS ${text([t, a, d, hex])}`, DSCheckReason.WrongOwner, ['owner']],
    ];
    for (const [value, reason, mismatches] of cases) {
      const result = checkDsAnnotation(value, options);
      assert.equal(result.ok, false, value);
      assert.equal(result.reason, reason, value);
      assert.deepEqual(result.ok ? [] : result.mismatches, mismatches, value);
    }
    const digest = checkDsAnnotation(text([t, a, d, `${hex.slice(0, -2)}${hex.endsWith('00') ? '01' : '00'}`]), options);
    assert.equal(digest.message, `DS ${t} 13 2 does not match: the digest differs (the DS wanted is for key tag ${tag})`);
    const algorithm = checkDsAnnotation(text([t, 15, d, hex]), options);
    assert.match(algorithm.message, /algorithm 15 is not 13/);
  });

  it('accepts SHA-384 when the policy names it', () => {
    const result = checkDsAnnotation(text(fields(ksk, DigestType.SHA384)), { ...options, digestTypes: [DigestType.SHA256, DigestType.SHA384] });
    assert.equal(result.ok, true);
  });

  it('says what is unparsable', () => {
    for (const [value, why] of [
      ['', /the annotation is empty/],
      ['yes', /expected key tag, algorithm, digest type and digest/],
      ['70000', /not a key tag/],
      [`${tag} 13 2 XYZ`, /digest is not hexadecimal/],
      [`${tag} 13 2 ABCD`, /must be 32 octets/],
    ] as const) {
      const result = checkDsAnnotation(value, options);
      assert.equal(result.reason, DSCheckReason.Unparsable, value);
      assert.match(result.message, why);
    }
  });

  it('during a KSK rollover wants the new key\'s DS; the old one listed as well does no harm', () => {
    const rollover = { ...options, keys: [next] };
    const old = dsRecordText(owner, ksk, DigestType.SHA256);
    assert.equal(checkDsAnnotation(old, rollover).reason, DSCheckReason.WrongKeyTag);
    const both = checkDsAnnotation(`${old}; ${dsRecordText(owner, next, DigestType.SHA256)}`, rollover);
    assert.deepEqual([both.ok, both.ok && both.kind === 'confirmed' && both.tags], [true, [keyTag(next)]]);
  });

  it('with two keys wanted (an algorithm rollover\'s pair, or KSKs of two algorithms), confirms only when each has its DS', () => {
    const two = { ...options, keys: [ksk, next] };
    assert.equal(checkDsAnnotation(dsRecordText(owner, ksk, DigestType.SHA256), two).ok, false);
    assert.equal(checkDsAnnotation(`${dsRecordText(owner, ksk, DigestType.SHA256)}\n${dsRecordText(owner, next, DigestType.SHA256)}`, two).ok, true);
  });

  it('`none` confirms the DS is gone; nothing is confirmed when no DS is wanted', () => {
    assert.deepEqual(checkDsAnnotation('None', options), { ok: true, kind: 'removed', reason: DSCheckReason.Removed, message: 'the DS is confirmed gone from the parent' });
    const result = checkDsAnnotation(String(tag), { ...options, keys: [] });
    assert.equal(result.reason, DSCheckReason.NoKey);
  });
});
