import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { formatIPv6, parseIPv4, parseIPv6 } from './address';

function v4(text: string): number[] | undefined {
  const out: number[] = [];
  return parseIPv4(text, out) ? out : undefined;
}

function v6(text: string): Uint8Array | undefined {
  const out: number[] = [];
  return parseIPv6(text, out) ? Uint8Array.from(out) : undefined;
}

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

describe('addresses', () => {
  describe('IPv4 dotted quad', () => {
    it('accepts four decimals 0..255', () => {
      assert.deepEqual(v4('192.0.2.1'), [192, 0, 2, 1]);
      assert.deepEqual(v4('0.0.0.0'), [0, 0, 0, 0]);
      assert.deepEqual(v4('255.255.255.255'), [255, 255, 255, 255]);
      assert.deepEqual(v4('10.0.100.20'), [10, 0, 100, 20]);
    });

    for (const text of ['256.0.0.1', '01.2.3.4', '1.2.3.00', '1.2.3', '1.2.3.4.5', '1..2.3', '1.2.3.', '.1.2.3', ' 1.2.3.4', '1.2.3.4a', '0x1.2.3.4', '1234.1.1.1', '', '1.2.3.-4']) {
      it(`rejects "${text}"`, () => assert.equal(v4(text), undefined));
    }

    it('appends nothing when it fails', () => {
      const out = [7];
      assert.equal(parseIPv4('1.2.3.256', out), false);
      assert.deepEqual(out, [7]);
    });
  });

  describe('IPv6 text (RFC 4291 §2.2)', () => {
    const accepted: Array<[string, string]> = [
      ['2001:db8:0:0:0:0:0:1', '20010db8000000000000000000000001'],
      ['2001:DB8::1', '20010db8000000000000000000000001'],
      ['::', '00000000000000000000000000000000'],
      ['::1', '00000000000000000000000000000001'],
      ['1::', '00010000000000000000000000000000'],
      ['fe80::1:2', 'fe800000000000000000000000010002'],
      ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
      ['::2:3:4:5:6:7:8', '00000002000300040005000600070008'],
      ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
      ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
      ['2001:db8:122:344::192.0.2.33', '20010db80122034400000000c0000221'],
      ['0000:0000:0000:0000:0000:0000:0000:0001', '00000000000000000000000000000001'],
    ];
    for (const [text, expected] of accepted) {
      it(`reads "${text}"`, () => assert.deepEqual(v6(text), hex(expected)));
    }

    const rejected = [
      '',
      ':',
      ':::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '1::2::3',
      ':1::',
      '1::2:',
      '1:',
      '12345::',
      '1.2.3.4::',
      '::1.2.3.4:1',
      '1:2:3:4:5:6:7:1.2.3.4',
      '1:2:3:4:5:6:7:8::',
      '::1:2:3:4:5:6:7:8',
      '::g',
      '::ffff:1.2.3.256',
      '::ffff:01.2.3.4',
      '[::1]',
      '::1%eth0',
    ];
    for (const text of rejected) {
      it(`rejects "${text}"`, () => assert.equal(v6(text), undefined));
    }
  });

  describe('IPv6 output (RFC 5952)', () => {
    const cases: Array<[string, string]> = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'], // §4.1 no leading zeros
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2 a lone zero group stays
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3 the longest run
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3 the first of equal runs
      ['2001:DB8::ABCD', '2001:db8::abcd'], // §4.3 lower case
      ['0:0:0:0:0:0:0:0', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['1:0:0:0:0:0:0:0', '1::'],
      ['0:0:1:0:0:0:1:0', '0:0:1::1:0'],
      ['::ffff:c000:201', '::ffff:192.0.2.1'], // §5 IPv4-mapped keeps the dotted quad
      ['::c000:201', '::c000:201'],
      ['64:ff9b::c000:201', '64:ff9b::c000:201'],
    ];
    for (const [input, output] of cases) {
      it(`writes ${input} as ${output}`, () => assert.equal(formatIPv6(v6(input)!, 0), output));
    }

    it('reads back every address it writes', () => {
      const zeroHeavy = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => b.map((x) => (x < 128 ? 0 : x)));
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), zeroHeavy), (address) => {
          assert.deepEqual(v6(formatIPv6(address, 0)), Uint8Array.from(address));
        }),
        { numRuns: 2000 },
      );
    });
  });
});
