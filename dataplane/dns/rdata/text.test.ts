import { strict as assert } from 'node:assert';
import {
  base32HexToBytes,
  base64ToBytes,
  decodeEscapes,
  hexToBytes,
  parseDecimal,
  quoteString,
  toBase32Hex,
  toBase64,
  toHex,
  type Fail,
} from './text';

class Problem extends Error {}
const fail: Fail = (message) => {
  throw new Problem(message);
};

/** Runs a decoder and returns its octets as a plain array. */
function decode(decoder: (text: string, out: number[], what: string, fail: Fail) => void, text: string): number[] {
  const out: number[] = [];
  decoder(text, out, 'field', fail);
  return out;
}

function rejects(decoder: (text: string, out: number[], what: string, fail: Fail) => void, text: string, message: RegExp): void {
  assert.throws(() => decode(decoder, text), (err: unknown) => err instanceof Problem && message.test(err.message));
}

const ascii = (s: string): number[] => Array.from(Buffer.from(s, 'latin1'));
const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('rdata text helpers', () => {
  describe('parseDecimal', () => {
    it('reads 1 to 10 digits up to the maximum', () => {
      assert.equal(parseDecimal('0', 255), 0);
      assert.equal(parseDecimal('007', 255), 7);
      assert.equal(parseDecimal('65535', 65535), 65535);
      assert.equal(parseDecimal('4294967295', 0xffffffff), 0xffffffff);
    });

    it('returns -1 for anything else', () => {
      for (const text of ['', '65536', '-1', '1a', ' 1', '1.0', '12345678901']) assert.equal(parseDecimal(text, 65535), -1, text);
    });
  });

  describe('character-string escapes (RFC 1035 §5.1)', () => {
    it('decodes \\X and \\DDD', () => {
      assert.deepEqual(decode(decodeEscapes, 'a\\"b'), ascii('a"b'));
      assert.deepEqual(decode(decodeEscapes, '\\\\'), ascii('\\'));
      assert.deepEqual(decode(decodeEscapes, '\\065\\000\\255'), [65, 0, 255]);
      assert.deepEqual(decode(decodeEscapes, '\\.\\;x'), ascii('.;x'));
      assert.deepEqual(decode(decodeEscapes, '\\0651'), ascii('A1'));
    });

    it('writes characters above U+007F as UTF-8', () => {
      assert.deepEqual(decode(decodeEscapes, 'é'), [0xc3, 0xa9]);
      assert.deepEqual(decode(decodeEscapes, '\\é'), [0xc3, 0xa9]);
      assert.deepEqual(decode(decodeEscapes, '€😀'), [0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
    });

    it('rejects malformed escapes', () => {
      rejects(decodeEscapes, 'ab\\', /field: dangling backslash/);
      rejects(decodeEscapes, '\\25', /field: escape "\\25" needs three digits/);
      rejects(decodeEscapes, '\\2x5', /needs three digits/);
      rejects(decodeEscapes, '\\256', /field: escape "\\256" is above 255/);
    });

    it('quotes octets so they read back the same', () => {
      const raw = Uint8Array.from([0x22, 0x5c, 0x41, 0x20, 0x0a, 0x00, 0x7f, 0xff, 0x3b]);
      const quoted = quoteString(raw);
      assert.equal(quoted, '"\\"\\\\A \\010\\000\\127\\255;"');
      assert.deepEqual(decode(decodeEscapes, quoted.slice(1, -1)), Array.from(raw));
      assert.equal(quoteString(new Uint8Array(0)), '""');
      assert.equal(quoteString(bytes('xabcx'), 1, 4), '"abc"');
    });
  });

  describe('hex', () => {
    it('reads either case and writes upper case', () => {
      assert.deepEqual(decode(hexToBytes, '00aBfF'), [0x00, 0xab, 0xff]);
      assert.equal(toHex(Uint8Array.from([0x00, 0xab, 0xff])), '00ABFF');
      assert.deepEqual(decode(hexToBytes, ''), []);
    });

    it('rejects odd lengths and other characters', () => {
      rejects(hexToBytes, 'abc', /field: hex "abc" has an odd number of digits/);
      rejects(hexToBytes, '0g', /field: "0g" is not hex/);
    });
  });

  describe('base64 (RFC 4648 §4)', () => {
    // RFC 4648 §10 test vectors.
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      it(`"${plain}" <-> "${encoded}"`, () => {
        assert.equal(toBase64(bytes(plain)), encoded);
        assert.deepEqual(decode(base64ToBytes, encoded), ascii(plain));
      });
    }

    it('rejects bad lengths, characters, padding and padding bits', () => {
      rejects(base64ToBytes, 'Zm9', /length is not a multiple of 4/);
      rejects(base64ToBytes, 'Zm9*', /is not base64/);
      rejects(base64ToBytes, 'Zg==Zm8=', /is not base64/);
      rejects(base64ToBytes, 'Z===', /is not base64/);
      rejects(base64ToBytes, 'Zm=v', /is not base64/);
      rejects(base64ToBytes, 'Zh==', /non-zero padding bits/);
      rejects(base64ToBytes, 'Zm9=', /non-zero padding bits/);
    });
  });

  describe('base32hex without padding (RFC 4648 §7, RFC 5155 §3.3)', () => {
    // RFC 4648 §10 test vectors, padding removed.
    const vectors: Array<[string, string]> = [
      ['f', 'CO'],
      ['fo', 'CPNG'],
      ['foo', 'CPNMU'],
      ['foob', 'CPNMUOG'],
      ['fooba', 'CPNMUOJ1'],
      ['foobar', 'CPNMUOJ1E8'],
    ];
    for (const [plain, encoded] of vectors) {
      it(`"${plain}" <-> "${encoded}"`, () => {
        assert.equal(toBase32Hex(bytes(plain)), encoded);
        assert.deepEqual(decode(base32HexToBytes, encoded), ascii(plain));
        assert.deepEqual(decode(base32HexToBytes, encoded.toLowerCase()), ascii(plain));
      });
    }

    it('rejects other characters and leftover bits', () => {
      rejects(base32HexToBytes, 'CW', /is not base32hex/);
      rejects(base32HexToBytes, 'CO======', /is not base32hex/);
      rejects(base32HexToBytes, 'CP', /trailing base32hex bits/);
      rejects(base32HexToBytes, 'C', /trailing base32hex bits/);
    });
  });
});
