import { strict as assert } from 'node:assert';
import { createPrivateKey } from 'node:crypto';
import { Name } from '../dns/name';
import { parseRdata, rdataToText } from '../dns/rdata/registry';
import { RRType } from '../dns/constants';
import { tokenizeRdata } from '../dns/zonefile/tokenizer';
import {
  Algorithm,
  CDNSKEY_DELETE_RDATA,
  CDS_DELETE_RDATA,
  DigestType,
  KSK_FLAGS,
  ZSK_FLAGS,
  DnskeyFlag,
  algorithmFromString,
  algorithmName,
  checkDs,
  dnskeyRdata,
  dsFields,
  dsRdata,
  dsRdataText,
  dsRecordText,
  generateKey,
  importKey,
  keyTag,
  parseDs,
  publicKeyObject,
  withFlags,
  type SigningKey,
} from './keys';

/** A PKCS#8 PEM from a raw Ed25519 seed (RFC 8410 §7 prefix) or a P-256/P-384 scalar (SEC1, RFC 5915). */
function ed25519FromSeed(seedBase64: string): string {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedBase64, 'base64')]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string;
}
function ecFromScalar(scalarBase64: string, curveOidHex: string): string {
  const d = Buffer.from(scalarBase64, 'base64');
  const oid = Buffer.from(curveOidHex, 'hex');
  const params = Buffer.concat([Buffer.from([0xa0, oid.length]), oid]);
  const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x01, 0x04, d.length]), d, params]);
  const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  return createPrivateKey({ key: der, format: 'der', type: 'sec1' }).export({ format: 'pem', type: 'pkcs8' }) as string;
}
const P256_OID = '06082a8648ce3d030107';
const P384_OID = '06052b81040022';

function dnskeyText(key: SigningKey): string {
  return rdataToText(RRType.DNSKEY, dnskeyRdata(key));
}

describe('dnssec keys', () => {
  describe('RFC test vectors', () => {
    // Each case: the private key printed in the RFC, the DNSKEY and DS the RFC derives from it.
    const cases = [
      {
        rfc: 'RFC 6605 §6.1 (P-256)',
        owner: 'example.net.',
        pem: () => ecFromScalar('GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ=', P256_OID),
        algorithm: Algorithm.ECDSAP256SHA256,
        dnskey: '257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==',
        ds: { type: DigestType.SHA256, text: '55648 13 2 B4C8C1FE2E7477127B27115656AD6256F424625BF5C1E2770CE6D6E37DF61D17' },
      },
      {
        rfc: 'RFC 6605 §6.2 (P-384)',
        owner: 'example.net.',
        pem: () => ecFromScalar('WURgWHCcYIYUPWgeLmiPY2DJJk02vgrmTfitxgqcL4vwW7BOrbawVmVe0d9V94SR', P384_OID),
        algorithm: Algorithm.ECDSAP384SHA384,
        dnskey: '257 3 14 xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40',
        ds: { type: DigestType.SHA384, text: '10771 14 4 72D7B62976CE06438E9C0BF319013CF801F09ECC84B8D7E9495F27E305C6A9B0563A9B5F4D288405C3008A946DF983D6' },
      },
      {
        rfc: 'RFC 8080 §6.1 (Ed25519)',
        owner: 'example.com.',
        pem: () => ed25519FromSeed('ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI='),
        algorithm: Algorithm.ED25519,
        dnskey: '257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=',
        ds: { type: DigestType.SHA256, text: '3613 15 2 3AA5AB37EFCE57F737FC1627013FEE07BDF241BD10F3B1964AB55C78E79A304B' },
      },
      {
        rfc: 'RFC 8080 §6.1 (Ed25519, second key)',
        owner: 'example.com.',
        pem: () => ed25519FromSeed('DSSF3o0s0f+ElWzj9E/Osxw8hLpk55chkmx0LYN5WiY='),
        algorithm: Algorithm.ED25519,
        dnskey: '257 3 15 zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs=',
        ds: { type: DigestType.SHA256, text: '35217 15 2 401781B934E392DE492EC77AE2E15D70F6575A1C0BC59C5275C04EBE80C6614C' },
      },
    ];
    for (const c of cases) {
      it(`${c.rfc}: DNSKEY, key tag and DS`, () => {
        const key = importKey(c.algorithm, KSK_FLAGS, c.pem());
        assert.equal(dnskeyText(key), c.dnskey);
        const owner = Name.fromText(c.owner);
        const ds = dsFields(owner, dnskeyRdata(key), c.ds.type);
        assert.equal(dsRdataText(ds), c.ds.text);
        assert.equal(keyTag(key), Number(c.ds.text.split(' ')[0]));
        // The DS rdata codec of dns/ reads our DS rdata back to the same text.
        assert.equal(rdataToText(RRType.DS, dsRdata(owner, key, c.ds.type)), c.ds.text);
        assert.deepEqual(checkDs(parseDs(`${c.owner} 3600 IN DS ${c.ds.text.toLowerCase()}`), owner, key), []);
      });
    }
  });

  describe('generation', () => {
    const all: Array<[Algorithm, number]> = [
      [Algorithm.RSASHA256, 4 + 1 + 3 + 256],
      [Algorithm.RSASHA512, 4 + 1 + 3 + 256],
      [Algorithm.ECDSAP256SHA256, 4 + 64],
      [Algorithm.ECDSAP384SHA384, 4 + 96],
      [Algorithm.ED25519, 4 + 32],
    ];
    for (const [algorithm, rdataLength] of all) {
      it(`${algorithmName(algorithm)}: a key whose PEM imports back to the same DNSKEY`, () => {
        const key = generateKey(algorithm, { flags: KSK_FLAGS });
        const rdata = dnskeyRdata(key);
        // RSA: 4 octets of header, 1 of exponent length, 3 of exponent 65537, 256 of modulus (RFC 3110 §2).
        assert.equal(rdata.length, rdataLength);
        assert.equal(rdata[2], 3);
        assert.equal(rdata[3], algorithm);
        assert.equal((rdata[0]! << 8) | rdata[1]!, 257);
        const again = importKey(algorithm, KSK_FLAGS, key.privateKeyPem);
        assert.deepEqual(again.publicKey, key.publicKey);
        assert.match(key.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
        // The public key read back from the DNSKEY field is the key node:crypto derives.
        const jwk = publicKeyObject(algorithm, key.publicKey).export({ format: 'jwk' });
        assert.deepEqual(jwk, pickPublic(createPrivateKey(key.privateKeyPem).export({ format: 'jwk' })));
        // The key survives JSON (what a Secret or a state file holds).
        const json = JSON.parse(JSON.stringify({ ...key, publicKey: undefined })) as { privateKeyPem: string; flags: number };
        assert.deepEqual(importKey(algorithm, json.flags, json.privateKeyPem).publicKey, key.publicKey);
      });
    }

    it('refuses a key that does not fit the algorithm', () => {
      const ed = generateKey(Algorithm.ED25519);
      assert.throws(() => importKey(Algorithm.ECDSAP256SHA256, ZSK_FLAGS, ed.privateKeyPem), /does not fit ECDSAP256SHA256/);
      const p256 = generateKey(Algorithm.ECDSAP256SHA256);
      assert.throws(() => importKey(Algorithm.ECDSAP384SHA384, ZSK_FLAGS, p256.privateKeyPem), /does not fit/);
      assert.throws(() => importKey(Algorithm.ED25519, ZSK_FLAGS, 'not a key'), /PEM/);
    });

    it('RSA sizes outside RFC 5702 §2 are refused; 1024 is allowed', () => {
      assert.throws(() => generateKey(Algorithm.RSASHA512, { rsaBits: 512 }), /1024\.\.4096/);
      assert.equal(generateKey(Algorithm.RSASHA256, { rsaBits: 1024 }).publicKey.length, 1 + 3 + 128);
    });
  });

  describe('flags and key tag', () => {
    it('the REVOKE bit (RFC 5011 §2.1) and the SEP bit change the flags word and the key tag', () => {
      const key = generateKey(Algorithm.ECDSAP256SHA256, { flags: KSK_FLAGS });
      const revoked = withFlags(key, KSK_FLAGS | DnskeyFlag.REVOKE);
      assert.equal(rdataToText(RRType.DNSKEY, dnskeyRdata(revoked)).split(' ')[0], '385');
      assert.equal(rdataToText(RRType.DNSKEY, dnskeyRdata(withFlags(key, ZSK_FLAGS))).split(' ')[0], '256');
      assert.notEqual(keyTag(revoked), keyTag(key));
      assert.notEqual(keyTag(withFlags(key, ZSK_FLAGS)), keyTag(key));
    });
  });

  describe('CDS and CDNSKEY', () => {
    it('the delete forms of RFC 8078 §4 read as 0 0 0 00 and 0 3 0 AA==', () => {
      assert.equal(rdataToText(RRType.CDS, CDS_DELETE_RDATA), '0 0 0 00');
      assert.equal(rdataToText(RRType.CDNSKEY, CDNSKEY_DELETE_RDATA), '0 3 0 AA==');
      const origin = Name.fromText('example.');
      assert.deepEqual(parseRdata(RRType.CDS, tokens('0 0 0 00'), origin), CDS_DELETE_RDATA);
      assert.deepEqual(parseRdata(RRType.CDNSKEY, tokens('0 3 0 AA=='), origin), CDNSKEY_DELETE_RDATA);
    });
  });

  describe('DS text', () => {
    const owner = Name.fromText('example.org.');
    const key = generateKey(Algorithm.ECDSAP256SHA256, { flags: KSK_FLAGS });
    const good = dsRdataText(dsFields(owner, dnskeyRdata(key), DigestType.SHA256));

    it('formats a whole record for the registrar and parses it back', () => {
      const text = dsRecordText(owner, key, DigestType.SHA384, 3600);
      assert.match(text, /^example\.org\. 3600 IN DS \d+ 13 4 [0-9A-F]{96}$/);
      const parsed = parseDs(text);
      assert.equal(parsed.owner?.toString(), 'example.org.');
      assert.deepEqual(checkDs(parsed, owner, key), []);
    });

    it('accepts the bare rdata, a split digest, a mnemonic and parentheses', () => {
      const [tag, , type, digest] = good.split(' ');
      assert.deepEqual(checkDs(parseDs(`${tag} ECDSAP256SHA256 ${type} ( ${digest!.slice(0, 20)} ${digest!.slice(20)} )`), owner, key), []);
      assert.deepEqual(checkDs(parseDs(`example.org IN DS ${good}`), owner, key), []);
    });

    it('says what does not match', () => {
      const [tag, alg, type, digest] = good.split(' ') as [string, string, string, string];
      const flipped = (digest[0] === 'A' ? 'B' : 'A') + digest.slice(1);
      assert.deepEqual(checkDs(parseDs(`${tag} ${alg} ${type} ${flipped}`), owner, key), ['digest']);
      assert.deepEqual(checkDs(parseDs(`${(Number(tag) + 1) % 65536} ${alg} ${type} ${digest}`), owner, key), ['keyTag']);
      assert.deepEqual(checkDs(parseDs(`${tag} 8 ${type} ${digest}`), owner, key), ['algorithm']);
      assert.deepEqual(checkDs(parseDs(`${tag} ${alg} 1 ${digest.slice(0, 40)}`), owner, key), ['digestType']);
      assert.deepEqual(checkDs(parseDs(`other.org. IN DS ${good}`), owner, key), ['owner']);
    });

    it('refuses text that is not a DS', () => {
      assert.throws(() => parseDs('12345'), /expected key tag/);
      assert.throws(() => parseDs('12345 13 2 XYZ1'), /not hexadecimal/);
      assert.throws(() => parseDs('12345 13 2 ABCD'), /must be 32 octets/);
      assert.throws(() => parseDs('70000 13 2 ABCD'), /key tag/);
      assert.throws(() => parseDs('1 FOO 2 AB'), /unknown algorithm/);
    });
  });

  it('algorithm mnemonics and numbers', () => {
    assert.equal(algorithmFromString('ecdsap256sha256'), 13);
    assert.equal(algorithmFromString('10'), Algorithm.RSASHA512);
    assert.equal(algorithmName(15), 'ED25519');
    assert.throws(() => algorithmFromString('RSASHA1'), /unsupported/);
    assert.throws(() => algorithmFromString('7'), /unsupported/);
  });
});

function pickPublic(jwk: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['kty', 'crv', 'x', 'y', 'n', 'e']) if (jwk[k] !== undefined) out[k] = jwk[k];
  return out;
}

function tokens(text: string) {
  return tokenizeRdata(text);
}
