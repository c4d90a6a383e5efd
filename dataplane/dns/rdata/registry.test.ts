import { strict as assert } from 'node:assert';
import { RRType, typeToString } from '../constants';
import { codecFor, parseRdata, rdataFromWire, rdataToText } from './registry';
import { TYPE_SPECS } from './types';
import { assertRdataError, octets, origin, parse, roundTrip, typeNumber } from './testing';

// Labels used in the expected wire forms below.
const EXAMPLE_COM = '07 6578616D706C65 03 636F6D 00';

/** [type, text, printed text, wire hex] */
type Case = [string, string, string, string];

// Wire forms are worked out by hand from the RFC layouts; base64 and base32hex payloads were
// decoded with an independent tool (Python's base64 module).
const DNSKEY_RFC4034 =
  '0103D22A6CA77F35B893206FD35E4C506D8378843709B97E041647E1BFF43D8D64C649AF1E371973C9E891FCE3DF519A8C840A63EE42A6D2EBDDBB97035D215AA4E417B1FA45FA11A9741EA2098C1DFA5FB5FEB332FD4BC8152089AEF36BA644CCE2413B3B72BE18CBEF8DA253F4E93D2103866D9234A2E28DF529A67D5468DBEFE3';
const RRSIG_RFC4034 =
  'A090755BA58D1AFFA576F4375831B4310920E481218D18A9F164EB3D81AFD3B875D3C75428631E0CF2A28D50875F70C329D7DBFAFEA807DC1FBA1DC34C95D401F23F334CE63BFCF3F1B5B44739E5F0EDED18D6B33F040A911376D173D757A9F0C1FA1798941BB0B36B2DF9062790FA7F0166F2737EEA907378341FB12DC0A77A';
const NSEC3_HASH = '174EB2409FE28BCB4887A1836F957F0A8425E27B';

const CASES: Case[] = [
  ['A', '192.0.2.1', '192.0.2.1', 'C0000201'],
  ['AAAA', '2001:DB8:0:0:0:0:0:1', '2001:db8::1', '20010DB8 00000000 00000000 00000001'],
  ['AAAA', '::ffff:192.0.2.1', '::ffff:192.0.2.1', '00000000 00000000 0000FFFF C0000201'],
  ['NS', 'ns1', 'ns1.example.com.', `03 6E7331 ${EXAMPLE_COM}`],
  ['CNAME', 'Target.Example.NET.', 'Target.Example.NET.', '06 546172676574 07 4578616D706C65 03 4E4554 00'],
  ['PTR', 'host', 'host.example.com.', `04 686F7374 ${EXAMPLE_COM}`],
  ['DNAME', 'example.net.', 'example.net.', '07 6578616D706C65 03 6E6574 00'],
  ['MX', '10 mail', '10 mail.example.com.', `000A 04 6D61696C ${EXAMPLE_COM}`],
  [
    'SOA',
    'ns1 hostmaster 2026112201 1h 15m 2w 300',
    'ns1.example.com. hostmaster.example.com. 2026112201 3600 900 1209600 300',
    `03 6E7331 ${EXAMPLE_COM} 0A 686F73746D6173746572 ${EXAMPLE_COM} 78C404C9 00000E10 00000384 00127500 0000012C`,
  ],
  ['HINFO', '"PC" Linux', '"PC" "Linux"', '02 5043 05 4C696E7578'],
  // RFC 1035 §5.1 escapes: \" \\ \DDD, several strings, unquoted too.
  ['TXT', '"a\\"b" "\\\\" "\\065" plain', '"a\\"b" "\\\\" "A" "plain"', '03 612262 01 5C 01 41 05 706C61696E'],
  ['TXT', '""', '""', '00'],
  ['TXT', '"tab\\009 and \\255"', '"tab\\009 and \\255"', '0A 746162 09 20616E6420 FF'],
  ['TXT', '"café"', '"caf\\195\\169"', '05 636166 C3A9'],
  ['SRV', '10 60 5060 sip', '10 60 5060 sip.example.com.', `000A 003C 13C4 03 736970 ${EXAMPLE_COM}`],
  // RFC 8659 §4.1, §4.3 examples.
  ['CAA', '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"', '00 05 6973737565 6C657473656E63727970742E6F7267'],
  ['CAA', '128 iodef "mailto:security@example.com"', '128 iodef "mailto:security@example.com"', '80 05 696F646566 6D61696C746F3A7365637572697479406578616D706C652E636F6D'],
  ['CAA', '0 issue ""', '0 issue ""', '00 05 6973737565'],
  // RFC 3403 §6.2 style NAPTR: an empty regexp, a replacement that is not compressed.
  [
    'NAPTR',
    '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.',
    '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.',
    `0064 000A 01 53 07 5349502B443255 00 04 5F736970 04 5F756470 ${EXAMPLE_COM}`,
  ],
  // RFC 4034 §5.4.
  ['DS', '60485 5 1 ( 2BB183AF5F22588179A53B0A98631FAD1A292118 )', '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118', 'EC45 05 01 2BB183AF5F22588179A53B0A98631FAD1A292118'],
  // RFC 8078 §4: the delete-DS and delete-DNSKEY forms.
  ['CDS', '0 0 0 00', '0 0 0 00', '0000 00 00 00'],
  ['CDNSKEY', '0 3 0 AA==', '0 3 0 AA==', '0000 03 00 00'],
  // RFC 4034 §2.3.
  [
    'DNSKEY',
    '256 3 5 ( AQPSKmynfzW4kyBv015MUG2DeIQ3 Cbl+BBZH4b/0PY1kxkmvHjcZc8no kfzj31GajIQKY+5CptLr3buXA10h WqTkF7H6RfoRqXQeogmMHfpftf6z Mv1LyBUgia7za6ZEzOJBOztyvhjL 742iU/TpPSEDhm2SNKLijfUppn1U aNvv4w== )',
    '256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3buXA10hWqTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w==',
    `0100 03 05 ${DNSKEY_RFC4034}`,
  ],
  // RFC 4034 §3.3: expiration 2003-03-22 17:31:03 UTC = 0x3E7C9DD7, inception 0x3E5510D7.
  [
    'RRSIG',
    'A 5 3 86400 20030322173103 ( 20030220173103 2642 example.com. oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTr PYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6o B9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3t GNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkG J5D6fwFm8nN+6pBzeDQfsS3Ap3o= )',
    'A 5 3 86400 20030322173103 20030220173103 2642 example.com. oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o=',
    `0001 05 03 00015180 3E7C9DD7 3E5510D7 0A52 ${EXAMPLE_COM} ${RRSIG_RFC4034}`,
  ],
  // RFC 4034 §4.3, bit map as the RFC spells it out.
  [
    'NSEC',
    'host.example.com. ( A MX RRSIG NSEC TYPE1234 )',
    'host.example.com. A MX RRSIG NSEC TYPE1234',
    `04 686F7374 ${EXAMPLE_COM} 00 06 40 01 00 00 00 03 04 1B ${'00'.repeat(26)} 20`,
  ],
  // RFC 5155 Appendix A.
  [
    'NSEC3',
    '1 1 12 aabbccdd ( 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG )',
    '1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA MX RRSIG DNSKEY NSEC3PARAM',
    `01 01 000C 04 AABBCCDD 14 ${NSEC3_HASH} 00 07 22 01 00 00 00 02 90`,
  ],
  // No salt, and an empty bit map (an empty non-terminal, RFC 5155 §7.1).
  ['NSEC3', '1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR', '1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR', `01 00 0000 00 14 ${NSEC3_HASH}`],
  ['NSEC3PARAM', '1 0 12 aabbccdd', '1 0 12 AABBCCDD', '01 00 000C 04 AABBCCDD'],
  ['NSEC3PARAM', '1 0 0 -', '1 0 0 -', '01 00 0000 00'],
  // RFC 6698 §2.3.
  [
    'TLSA',
    '0 0 1 ( d2abde240d7cd3ee6b4b28c54df034b9 7983a1d16e8a410e4561cb106618e971 )',
    '0 0 1 D2ABDE240D7CD3EE6B4B28C54DF034B97983A1D16E8A410E4561CB106618E971',
    '00 00 01 D2ABDE240D7CD3EE6B4B28C54DF034B97983A1D16E8A410E4561CB106618E971',
  ],
  ['SSHFP', '4 2 ( 1234 5678 )', '4 2 12345678', '04 02 12345678'],
  // RFC 9460 Appendix D.1 and D.2; the full set is in svcb.test.ts.
  ['SVCB', '0 foo.example.com.', '0 foo.example.com.', '0000 03 666F6F 07 6578616D706C65 03 636F6D 00'],
  ['HTTPS', '1 . alpn=h3 ech=AEP+DQA=', '1 . alpn="h3" ech=AEP+DQA=', '0001 00 0001 0003 02 6833 0005 0005 0043FE0D00'],
];

describe('rdata registry', () => {
  describe('round trips through text, wire and the generic form', () => {
    for (const [type, text, printed, hex] of CASES) {
      it(`${type} ${text.length > 50 ? `${text.slice(0, 47)}...` : text}`, () => roundTrip(type, text, printed, hex));
    }

    it('covers every type in the table', () => {
      const covered = new Set(CASES.map(([type]) => typeNumber(type)));
      const missing = TYPE_SPECS.filter((spec) => !covered.has(spec.type)).map((spec) => typeToString(spec.type));
      assert.deepEqual(missing, []);
    });
  });

  describe('RFC 3597 generic form', () => {
    it('is the text of unknown types, both ways', () => {
      roundTrip('TYPE65401', '\\# 4 0A000001', '\\# 4 0A000001', '0A000001');
      roundTrip('TYPE65401', '\\# 0', '\\# 0', '');
      roundTrip('TYPE731', '\\# 6 ( 0102 03 040506 )', '\\# 6 010203040506', '010203040506');
    });

    it('is accepted for known types and checked like wire data', () => {
      assert.deepEqual(parse('A', '\\# 4 C0000201'), octets('C0000201'));
      assert.deepEqual(parse('MX', '\\# 8 000A 046D61696C 00'), octets('000A 046D61696C 00'));
      assertRdataError(() => parse('A', '\\# 3 C00002'), /^A: rdata ends inside an IPv4 address/);
      assertRdataError(() => parse('A', '\\# 0'), /^A: rdata ends inside an IPv4 address/);
      assertRdataError(() => parse('A', '\\# 5 C000020100'), /^A: 1 octets after the last field/);
      assertRdataError(() => parse('TXT', '\\# 2 0500'), /text runs past the rdata/);
    });

    it('refuses compression pointers, which have nothing to point into', () => {
      assertRdataError(() => parse('MX', '\\# 4 000A C000'), /compression pointer/);
      assertRdataError(() => parse('SRV', '\\# 8 0001 0002 0003 C000'), /compressed, which its type does not allow/);
    });

    it('needs a length that matches the data', () => {
      assertRdataError(() => parse('TYPE65401', '\\# 3 0102'), /\\# says 3 octets but the data has 2/);
      assertRdataError(() => parse('A', '\\# 5 C0000201'), /\\# says 5 octets but the data has 4/);
      assertRdataError(() => parse('TYPE65401', '\\#'), /\\# needs a length from 0 to 65535, got nothing/);
      assertRdataError(() => parse('TYPE65401', '\\# 65536'), /\\# needs a length/);
      assertRdataError(() => parse('TYPE65401', '\\# 2 0G01'), /not hex/);
      assertRdataError(() => parse('TYPE65401', '\\# 2 010'), /odd number of digits/);
    });

    it('is the only text form of an unknown type', () => {
      assertRdataError(() => parse('TYPE65401', 'hello'), /^TYPE65401: type TYPE65401 has no known text form/);
    });
  });

  describe('malformed text', () => {
    const bad: Array<[string, string, RegExp]> = [
      ['A', '192.0.2', /"192.0.2" is not an IPv4 address/],
      ['A', '192.0.2.256', /not an IPv4 address/],
      ['A', '01.2.3.4', /not an IPv4 address/],
      ['A', '"192.0.2.1"', /IPv4 address must not be quoted/],
      ['A', '', /missing IPv4 address/],
      ['A', '1.2.3.4 5.6.7.8', /unexpected "5.6.7.8" after the last field/],
      ['AAAA', '2001:db8::1::2', /not an IPv6 address/],
      ['AAAA', '1.2.3.4::', /not an IPv6 address/],
      ['MX', 'mail', /preference: expected a number from 0 to 65535, got "mail"/],
      ['MX', '10', /missing exchange/],
      ['MX', '10 a b', /unexpected "b"/],
      ['SRV', '1 2 65536 sip', /port: expected a number from 0 to 65535/],
      ['NS', `${'a'.repeat(64)}.example.`, /NSDNAME: label longer than 63 octets/],
      ['NS', 'a..b.', /NSDNAME: empty label/],
      ['CNAME', `${'abcdefghi.'.repeat(26)}`, /CNAME: name longer than 255 octets/],
      ['SOA', 'ns1 hostmaster 1 2 3 4', /missing minimum/],
      ['SOA', 'ns1 hostmaster 1 2 3 4 5x', /minimum: expected a number or a duration/],
      ['SOA', 'ns1 hostmaster 4294967296 2 3 4 5', /serial: expected a number from 0 to 4294967295/],
      ['TXT', `"${'x'.repeat(256)}"`, /text holds at most 255 octets, got 256/],
      ['TXT', '"\\25"', /escape "\\25" needs three digits/],
      ['TXT', '"\\300"', /escape "\\300" is above 255/],
      ['TXT', '', /missing text/],
      ['HINFO', '"PC"', /missing OS/],
      ['DNSKEY', '257 3 13 not*base64==', /public key: "not\*base64==" is not base64/],
      ['DNSKEY', '257 3 13 abc', /length is not a multiple of 4/],
      ['DNSKEY', '257 3 13 AB==', /non-zero padding bits/],
      ['DNSKEY', '257 3 13', /missing public key/],
      ['DS', '1 2 3 abc', /digest: hex "abc" has an odd number of digits/],
      ['DS', '1 2 3', /missing digest/],
      ['CAA', '0 is-sue "x"', /tag "is-sue" must be letters and digits only/],
      ['CAA', '0 "issue" "x"', /tag must not be quoted/],
      ['CAA', '0 issue a b', /value must be a single token/],
      ['RRSIG', 'A 5 3 86400 20031322173103 20030220173103 2642 example. AAAA', /signature expiration: "20031322173103" is not a valid YYYYMMDDHHmmSS time/],
      ['RRSIG', 'BOGUS 5 3 86400 1 2 2642 example. AAAA', /type covered: unknown type "BOGUS"/],
      ['NSEC', 'next.example. A BOGUS', /type bit map: unknown type "BOGUS"/],
      ['NSEC3', '1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJW', /not base32hex/],
      ['NSEC3', '1 0 0 zz 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR', /salt: "zz" is not hex/],
      ['NSEC3PARAM', '1 0 0', /missing salt/],
      ['TLSA', '3 1 1 0C72AC7', /odd number of digits/],
      ['SVCB', '1 . port=99999', /port "99999" is not a number/],
    ];
    for (const [type, text, message] of bad) {
      it(`rejects ${type} "${text.length > 40 ? `${text.slice(0, 37)}...` : text}"`, () => {
        assertRdataError(() => parse(type, text), message);
      });
    }

    it('names the type in the error', () => {
      assertRdataError(() => parse('MX', 'x y'), /^MX: /);
      assertRdataError(() => parse('TYPE999', 'x'), /^TYPE999: /);
    });
  });

  describe('from wire', () => {
    // "example.com." at offset 0 of a message, then rdata that points back at it.
    const head = [...octets(EXAMPLE_COM)];

    it('follows compression pointers in the names of RFC 1035 types', () => {
      const msg = Uint8Array.from([...head, 0x00, 0x0a, 4, ...Buffer.from('mail'), 0xc0, 0x00]);
      const rdata = rdataFromWire(RRType.MX, msg, 13, msg.length - 13);
      assert.equal(rdataToText(RRType.MX, rdata), '10 mail.example.com.');
      assert.equal(rdata.length, 2 + 5 + 13);
    });

    it('decompresses both SOA names', () => {
      const timers = new Array<number>(20).fill(0);
      const msg = Uint8Array.from([...head, 0xc0, 0x00, 2, ...Buffer.from('hm'), 0xc0, 0x00, ...timers]);
      const rdata = rdataFromWire(RRType.SOA, msg, 13, msg.length - 13);
      assert.equal(rdataToText(RRType.SOA, rdata), 'example.com. hm.example.com. 0 0 0 0 0');
    });

    it('refuses pointers where the type forbids compression (RFC 3597 §4)', () => {
      const srv = Uint8Array.from([...head, 0, 1, 0, 2, 0, 3, 0xc0, 0]);
      assertRdataError(() => rdataFromWire(RRType.SRV, srv, 13, srv.length - 13), /^SRV: target is compressed, which its type does not allow/);
      const dname = Uint8Array.from([...head, 0xc0, 0]);
      assertRdataError(() => rdataFromWire(RRType.DNAME, dname, 13, 2), /compressed/);
    });

    it('refuses pointer loops and forward pointers', () => {
      assertRdataError(() => rdataFromWire(RRType.MX, Uint8Array.from([0, 10, 0xc0, 2]), 0, 4), /does not point backwards/);
      assertRdataError(() => rdataFromWire(RRType.NS, Uint8Array.from([0xc0, 2, 0]), 0, 3), /does not point backwards/);
    });

    it('refuses truncated rdata and trailing octets', () => {
      assertRdataError(() => rdataFromWire(RRType.AAAA, new Uint8Array(8), 0, 8), /rdata ends inside an IPv6 address/);
      assertRdataError(() => rdataFromWire(RRType.A, new Uint8Array(5), 0, 5), /1 octets after the last field/);
      assertRdataError(() => rdataFromWire(RRType.A, new Uint8Array(4), 2, 4), /runs past the message/);
      assertRdataError(() => rdataFromWire(RRType.MX, octets('000A 04 6D61'), 0, 5), /exchange runs past the rdata/);
      assertRdataError(() => rdataFromWire(RRType.TXT, octets('05 6869'), 0, 3), /text runs past the rdata/);
      assertRdataError(() => rdataFromWire(RRType.TXT, new Uint8Array(0), 0, 0), /missing text/);
      assertRdataError(() => rdataFromWire(RRType.DS, octets('EC45 05 01'), 0, 4), /missing digest/);
      assertRdataError(() => rdataFromWire(RRType.NSEC3PARAM, octets('01 00 000C 04 AABB'), 0, 7), /salt runs past the rdata/);
      assertRdataError(() => rdataFromWire(RRType.NSEC3, octets('01 00 0000 00 00'), 0, 6), /next hashed owner name must not be empty/);
      assertRdataError(() => rdataFromWire(RRType.CAA, octets('00 00'), 0, 2), /tag must not be empty/);
      assertRdataError(() => rdataFromWire(RRType.CAA, octets('00 02 692D'), 0, 4), /tag must be letters and digits/);
    });

    it('reads rdata in the middle of a message', () => {
      const msg = octets('FFFF C0000201 FFFF');
      assert.deepEqual(rdataFromWire(RRType.A, msg, 2, 4), octets('C0000201'));
      assert.deepEqual(rdataFromWire(999, msg, 2, 4), octets('C0000201'));
    });
  });

  describe('name lists', () => {
    const sample = new Map<number, Uint8Array>();
    for (const [type, text] of CASES) sample.set(typeNumber(type), parse(type, text));

    it('lists compressible names only for NS, CNAME, SOA, MX and PTR (RFC 3597 §4)', () => {
      const compressing = TYPE_SPECS.map((spec) => spec.type).filter((type) => codecFor(type).compressibleNames(sample.get(type)!).length > 0);
      assert.deepEqual(compressing.map(typeToString).sort(), ['CNAME', 'MX', 'NS', 'PTR', 'SOA']);
      const soa = sample.get(RRType.SOA)!;
      assert.deepEqual(codecFor(RRType.SOA).compressibleNames(soa), [
        [0, 17],
        [17, 41],
      ]);
      assert.deepEqual(codecFor(RRType.MX).compressibleNames(sample.get(RRType.MX)!), [[2, 20]]);
      assert.deepEqual(codecFor(4242).compressibleNames(octets('00')), []);
    });

    it('names the hosts that need additional-section addresses: NS, MX, SRV', () => {
      const names = (type: string, text: string): string[] => codecFor(typeNumber(type)).additionalNames(parse(type, text)).map(String);
      assert.deepEqual(names('NS', 'ns1'), ['ns1.example.com.']);
      assert.deepEqual(names('MX', '10 mail'), ['mail.example.com.']);
      assert.deepEqual(names('SRV', '1 2 3 sip'), ['sip.example.com.']);
      const others = TYPE_SPECS.map((spec) => spec.type).filter((type) => codecFor(type).additionalNames(sample.get(type)!).length > 0);
      assert.deepEqual(others.map(typeToString).sort(), ['MX', 'NS', 'SRV']);
    });
  });

  it('keeps the case of names inside rdata and stores them uncompressed', () => {
    const rdata = parseRdata(RRType.MX, [{ text: '5', quoted: false }, { text: 'Mail.Example.COM.', quoted: false }], origin);
    assert.equal(rdataToText(RRType.MX, rdata), '5 Mail.Example.COM.');
    assert.deepEqual(rdata.subarray(2), octets('04 4D61696C 07 4578616D706C65 03 434F4D 00'));
  });

  it('reuses one codec per type', () => {
    assert.equal(codecFor(RRType.A), codecFor(RRType.A));
    assert.equal(codecFor(4242), codecFor(4242));
    assert.equal(codecFor(4242).mnemonic, 'TYPE4242');
  });
});
