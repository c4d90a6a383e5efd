import { strict as assert } from 'node:assert';
import { RRType } from '../constants';
import { parseTtl, readName } from './fields';
import { rdataFromWire, rdataToText } from './registry';
import type { Fail } from './text';
import { assertRdataError, octets, parse } from './rdata.fixtures';

class Problem extends Error {}
const fail: Fail = (message) => {
  throw new Problem(message);
};

/** Reads a name at `pos` of `msg` whose rdata ends at `end`; returns [octets read as hex, next]. */
function read(msg: Uint8Array, pos: number, end = msg.length, pointers = true): [string, number] {
  const out: number[] = [];
  const next = readName(msg, pos, end, out, pointers, 'name', fail);
  return [Buffer.from(out).toString('hex').toUpperCase(), next];
}

function readFails(msg: Uint8Array, pos: number, message: RegExp, end = msg.length, pointers = true): void {
  assert.throws(() => read(msg, pos, end, pointers), (err: unknown) => err instanceof Problem && message.test(err.message));
}

/** A name of `total` wire octets made of 63-octet labels and one shorter label. */
function longName(total: number): Uint8Array {
  const out: number[] = [];
  let left = total - 1;
  while (left > 0) {
    const len = Math.min(63, left - 1);
    out.push(len, ...new Array<number>(len).fill(0x61));
    left -= len + 1;
  }
  out.push(0);
  return Uint8Array.from(out);
}

describe('rdata fields', () => {
  describe('readName', () => {
    const EXAMPLE = '076578616D706C6503636F6D00';

    it('reads an uncompressed name and says where it ends', () => {
      assert.deepEqual(read(octets(`FF ${EXAMPLE} FF`), 1, 14), [EXAMPLE, 14]);
      assert.deepEqual(read(octets('00'), 0), ['00', 1]);
    });

    it('follows a chain of backward pointers and ends after the first pointer', () => {
      // 0: example.com.  13: "www" + pointer to 0  19: "a" + pointer to 13
      const msg = octets(`${EXAMPLE} 03777777 C000 0161 C00D`);
      assert.deepEqual(read(msg, 19), [`0161 03777777 ${EXAMPLE}`.replace(/ /g, ''), 23]);
    });

    it('refuses pointers that do not point backwards (no loops)', () => {
      readFails(octets('C000'), 0, /does not point backwards/);
      readFails(octets('00 C003 00'), 1, /does not point backwards/);
      readFails(octets('01 61 C000'), 0, /does not point backwards/);
    });

    it('refuses pointers when the type does not allow them', () => {
      readFails(octets(`${EXAMPLE} C000`), 13, /compressed, which its type does not allow/, 15, false);
    });

    it('checks bounds', () => {
      readFails(octets('03 6162'), 0, /runs past the rdata/);
      readFails(octets(`${EXAMPLE}`), 0, /runs past the rdata/, 5);
      readFails(octets('C0'), 0, /truncated compression pointer/);
      readFails(octets(''), 0, /runs past the rdata/);
    });

    it('refuses the reserved label types 01 and 10', () => {
      readFails(octets('41 00'), 0, /unknown label type 0x41/);
      readFails(octets('80 00'), 0, /unknown label type 0x80/);
    });

    it('allows 255 octets and no more, counting through pointers', () => {
      assert.equal(read(longName(255), 0)[1], 255);
      readFails(longName(256), 0, /longer than 255 octets/);
      // A 253-octet name behind a pointer, with a 2-octet label in front: 255; with 3: 256.
      const tail = longName(253);
      assert.equal(read(Uint8Array.from([...tail, 1, 0x62, 0xc0, 0]), 253)[0].length / 2, 255);
      readFails(Uint8Array.from([...tail, 2, 0x62, 0x62, 0xc0, 0]), 253, /longer than 255 octets/);
    });
  });

  describe('parseTtl', () => {
    it('reads seconds and units', () => {
      assert.equal(parseTtl('3600'), 3600);
      assert.equal(parseTtl('0'), 0);
      assert.equal(parseTtl('1h30m'), 5400);
      assert.equal(parseTtl('1W'), 604800);
      assert.equal(parseTtl('2d3h4m5s'), 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
      assert.equal(parseTtl('2147483647'), 2147483647);
      assert.equal(parseTtl('3550w'), 3550 * 604800);
    });

    it('refuses what is not a TTL or above 2^31-1 (RFC 2181 §8)', () => {
      for (const text of ['', 'h', '1x', '1h1', '-1', '2147483648', '1h 1m', '99999999999s', '3551w']) assert.equal(parseTtl(text), undefined, text);
    });
  });

  describe('integers', () => {
    it('reads numbers with leading zeros and writes them plainly', () => {
      assert.equal(rdataToText(RRType.MX, parse('MX', '010 mail.')), '10 mail.');
    });

    it('refuses quoted numbers', () => {
      assertRdataError(() => parse('MX', '"10" mail.'), /preference must not be quoted/);
    });
  });

  describe('names in rdata', () => {
    it('complete relative names with the origin and take @', () => {
      assert.equal(rdataToText(RRType.CNAME, parse('CNAME', '@')), 'example.com.');
      assert.equal(rdataToText(RRType.CNAME, parse('CNAME', 'a.b')), 'a.b.example.com.');
      assert.equal(rdataToText(RRType.CNAME, parse('CNAME', '.')), '.');
    });

    it('keep escaped octets and write them escaped', () => {
      const rdata = parse('PTR', 'a\\.b\\032c\\255.');
      assert.deepEqual(rdata, octets('06 612E622063FF 00'));
      assert.equal(rdataToText(RRType.PTR, rdata), 'a\\.b\\ c\\255.');
    });
  });

  describe('TXT strings', () => {
    it('accepts exactly 255 octets in one string and any number of strings', () => {
      const long = 'x'.repeat(255);
      const rdata = parse('TXT', `"${long}" "${long}"`);
      assert.equal(rdata.length, 512);
      assert.equal(rdataToText(RRType.TXT, rdata), `"${long}" "${long}"`);
    });

    it('counts octets after escapes and UTF-8', () => {
      assert.equal(parse('TXT', `"${'\\065'.repeat(255)}"`).length, 256);
      assertRdataError(() => parse('TXT', `"${'é'.repeat(128)}"`), /at most 255 octets, got 256/);
    });

    it('refuses rdata longer than 65535 octets', () => {
      const strings = new Array<string>(258).fill(`"${'x'.repeat(255)}"`).join(' ');
      assertRdataError(() => parse('TXT', strings), /longer than 65535/);
    });
  });

  describe('CAA', () => {
    it('takes an unquoted value and writes it quoted (RFC 8659 §4.1.1)', () => {
      assert.equal(rdataToText(RRType.CAA, parse('CAA', '0 issue ca.example.net')), '0 issue "ca.example.net"');
      assert.equal(rdataToText(RRType.CAA, parse('CAA', '0 issue "ca.example.net; account=230123"')), '0 issue "ca.example.net; account=230123"');
    });
  });

  describe('wire checks', () => {
    it('refuses a truncated A record from a message', () => {
      assertRdataError(() => rdataFromWire(RRType.A, octets('C00002'), 0, 3), /^A: rdata ends inside an IPv4 address/);
    });
  });
});
