import { strict as assert } from 'node:assert';
import { RRType } from '../constants';
import { rdataFromWire, rdataToText } from './registry';
import { assertRdataError, octets, parse } from './rdata.fixtures';

const SIG_TAIL = '2642 example. AAAA';

function rrsigTimes(expiration: string, inception = '20030220173103'): string {
  const text = rdataToText(RRType.RRSIG, parse('RRSIG', `A 5 3 86400 ${expiration} ${inception} ${SIG_TAIL}`));
  return text.split(' ').slice(4, 6).join(' ');
}

describe('DNSSEC fields', () => {
  describe('RRSIG times (RFC 4034 §3.2)', () => {
    it('reads YYYYMMDDHHmmSS and plain seconds alike', () => {
      // 1048354263 = 2003-03-22 17:31:03 UTC.
      assert.equal(rrsigTimes('1048354263'), '20030322173103 20030220173103');
      assert.equal(rrsigTimes('0', '4294967295'), '19700101000000 21060207062815');
      assert.equal(rrsigTimes('20240229120000'), '20240229120000 20030220173103');
    });

    it('refuses impossible dates', () => {
      for (const bad of ['20030230000000', '20230229000000', '20031322173103', '20030322243103', '20030322176003', '20030322173160', '2003032217310a']) {
        assertRdataError(() => rrsigTimes(bad), /signature expiration: ".*" is not a valid YYYYMMDDHHmmSS time/);
      }
    });

    it('refuses times without a 32-bit value', () => {
      assertRdataError(() => rrsigTimes('19691231235959'), /outside 19700101000000\.\.21060207062815/);
      assertRdataError(() => rrsigTimes('21060207062816'), /outside/);
      assertRdataError(() => rrsigTimes('4294967296'), /expected YYYYMMDDHHmmSS or seconds/);
      assertRdataError(() => rrsigTimes('-1'), /expected YYYYMMDDHHmmSS or seconds/);
    });
  });

  describe('type bit maps (RFC 4034 §4.1.2)', () => {
    it('sorts types, drops repeats and uses one window per block', () => {
      const rdata = parse('NSEC', 'a. TYPE65535 A A CAA TYPE256 NS');
      assert.deepEqual(rdata, octets('01 61 00   00 01 60   01 01 C0   FF 20 ' + '00'.repeat(31) + '01'));
      assert.equal(rdataToText(RRType.NSEC, rdata), 'a. A NS URI CAA TYPE65535');
    });

    it('may be empty', () => {
      assert.equal(rdataToText(RRType.NSEC, parse('NSEC', 'a.')), 'a.');
    });

    it('refuses malformed windows from the wire', () => {
      const nsec = (hex: string): Uint8Array => octets(`01 61 00 ${hex}`);
      const bad: Array<[string, RegExp]> = [
        ['00', /truncated window header/],
        ['00 00', /window 0 has length 0, outside 1..32/],
        [`00 21 ${'01'.repeat(33)}`, /window 0 has length 33/],
        ['00 02 40', /window 0 runs past the rdata/],
        ['00 02 40 00', /window 0 ends with a zero octet/],
        ['01 01 40 00 01 40', /window 0 out of order or repeated/],
        ['00 01 40 00 01 20', /window 0 out of order or repeated/],
      ];
      for (const [hex, message] of bad) {
        const rdata = nsec(hex);
        assertRdataError(() => rdataFromWire(RRType.NSEC, rdata, 0, rdata.length), message);
      }
    });
  });

  describe('NSEC3 salt and hash (RFC 5155 §3.3)', () => {
    it('writes no salt as "-" and reads hex of either case', () => {
      assert.equal(rdataToText(RRType.NSEC3PARAM, parse('NSEC3PARAM', '1 0 0 -')), '1 0 0 -');
      assert.equal(rdataToText(RRType.NSEC3PARAM, parse('NSEC3PARAM', '1 0 0 aB')), '1 0 0 AB');
    });

    it('refuses salts over 255 octets and an empty hash', () => {
      assertRdataError(() => parse('NSEC3PARAM', `1 0 0 ${'AB'.repeat(256)}`), /salt holds at most 255 octets/);
      assertRdataError(() => parse('NSEC3', '1 0 0 - ""'), /next hashed owner name must not be quoted/);
    });
  });
});
