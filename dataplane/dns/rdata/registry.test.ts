import { strict as assert } from 'node:assert';
import { Name } from '../name';
import { RRType, typeFromString } from '../constants';
import { RdataError } from './codec';
import { codecFor, parseRdata, rdataFromWire, rdataToText } from './registry';
import { tokenizeRdata } from '../zonefile/tokenizer';
import { toHex } from './text';

const origin = Name.fromText('example.com.');

function parse(type: string, text: string): Uint8Array {
  return parseRdata(typeFromString(type)!, tokenizeRdata(text), origin);
}

/** text -> wire -> text -> wire must be stable, and the wire form must be what the RFC says. */
function roundTrip(type: string, text: string, expectedText: string, expectedHex?: string): void {
  const t = typeFromString(type)!;
  const wire = parse(type, text);
  if (expectedHex !== undefined) assert.equal(toHex(wire), expectedHex.replace(/\s+/g, '').toUpperCase(), `${type} wire`);
  const printed = rdataToText(t, wire);
  assert.equal(printed, expectedText, `${type} text`);
  assert.deepEqual(parse(type, printed), wire, `${type} re-read`);
  // And through the wire path, as a record from a packet would arrive.
  assert.deepEqual(rdataFromWire(t, wire, 0, wire.length), wire, `${type} from wire`);
  // And in the RFC 3597 generic form.
  assert.deepEqual(parse(type, `\\# ${wire.length} ${toHex(wire)}`), wire, `${type} generic form`);
}

describe('rdata codecs', () => {
  const cases: Array<[string, string, string, string?]> = [
    ['A', '192.0.2.1', '192.0.2.1', 'C0000201'],
    ['AAAA', '2001:DB8:0:0:0:0:0:1', '2001:db8::1', '20010DB8000000000000000000000001'],
    ['AAAA', '::ffff:192.0.2.1', '::ffff:c000:201'],
    ['AAAA', '2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['NS', 'ns1', 'ns1.example.com.', '036E7331076578616D706C6503636F6D00'],
    ['CNAME', 'Target.Example.NET.', 'Target.Example.NET.'],
    ['PTR', 'host', 'host.example.com.'],
    ['DNAME', 'example.net.', 'example.net.'],
    ['MX', '10 mail', '10 mail.example.com.', '000A046D61696C076578616D706C6503636F6D00'],
    ['SOA', 'ns1 hostmaster 2026112201 1h 15m 2w 300', 'ns1.example.com. hostmaster.example.com. 2026112201 3600 900 1209600 300'],
    ['TXT', '"a\\"b" "\\\\" "\\065" plain', '"a\\"b" "\\\\" "A" "plain"'],
    ['TXT', '""', '""', '00'],
    ['TXT', '"caf\\195\\169"', '"caf\\195\\169"', '05636166C3A9'],
    ['SRV', '10 60 5060 sip', '10 60 5060 sip.example.com.'],
    ['CAA', '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"', '000569737375656C657473656E63727970742E6F7267'],
    ['CAA', '128 iodef "mailto:security@example.com"', '128 iodef "mailto:security@example.com"'],
    ['NAPTR', '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.', '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.'],
    // RFC 4034 §5.4 DS example.
    ['DS', '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118', '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118', 'EC45 05 01 2BB183AF5F22588179A53B0A98631FAD1A292118'],
    ['CDS', '0 0 0 00', '0 0 0 00'],
    ['DNSKEY', '256 3 5 ( AQPSKmynfzW4kyBv015MUG2DeIQ3 Cbl+BBZH4b/0PY1kxkmvHjcZc8no kfzj31GajIQKY+5CptLr3buXA10h WqTkF7H6RfoRqXQeogmMHfpftf6z Mv1LyBUgia7za6ZEzOJBOztyvhjL 742iU/TpPSEDhm2SNKLijfUppn1U aNvv4w== )', '256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3buXA10hWqTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w=='],
    ['CDNSKEY', '257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==', '257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=='],
    // RFC 4034 §3.3 RRSIG example (signature shortened).
    ['RRSIG', 'A 5 3 86400 20030322173103 ( 20030220173103 2642 example. oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTr PYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6o B9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3t GNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkG J5D6fwFm8nN+6pBzeDQfsS3Ap3o= )', 'A 5 3 86400 20030322173103 20030220173103 2642 example. oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o='],
    // RFC 4034 §4.3 NSEC example: host.example.com. A MX RRSIG NSEC TYPE1234.
    ['NSEC', 'host.example.com. ( A MX RRSIG NSEC TYPE1234 )', 'host.example.com. A MX RRSIG NSEC TYPE1234', '04686F7374076578616D706C6503636F6D00 0006400100000003 041B' + '00'.repeat(26) + '20'],
    // RFC 5155 Appendix A style NSEC3 and NSEC3PARAM.
    ['NSEC3', '1 1 12 aabbccdd ( 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG )', '1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA MX RRSIG DNSKEY NSEC3PARAM'],
    ['NSEC3', '1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR', '1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR'],
    ['NSEC3PARAM', '1 0 12 aabbccdd', '1 0 12 AABBCCDD', '01 00 000C 04 AABBCCDD'],
    ['TLSA', '3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6', '3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6'],
    ['SSHFP', '4 2 ( 1234 5678 )', '4 2 12345678', '0402 12345678'],
    ['HINFO', '"PC" Linux', '"PC" "Linux"'],
    // RFC 9460 Appendix D test vectors.
    ['SVCB', '0 foo.example.com.', '0 foo.example.com.', '0000 03666F6F076578616D706C6503636F6D00'],
    ['SVCB', '1 .', '1 .', '0001 00'],
    ['SVCB', '16 foo.example.com. port=53', '16 foo.example.com. port=53', '0010 03666F6F076578616D706C6503636F6D00 0003 0002 0035'],
    ['SVCB', '1 foo.example.com. key667=hello', '1 foo.example.com. key667="hello"', '0001 03666F6F076578616D706C6503636F6D00 029B 0005 68656C6C6F'],
    ['SVCB', '1 foo.example.com. ipv6hint="2001:db8::1,2001:db8::53:1"', '1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1'],
    ['SVCB', '16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1', '16 foo.example.org. mandatory=alpn,ipv4hint alpn="h2,h3-19" ipv4hint=192.0.2.1', '0010 03666F6F076578616D706C65036F726700 0000 0004 00010004 0001 0009 026832 0568332D3139 0004 0004 C0000201'],
    ['SVCB', '16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"', '16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"', '0010 03666F6F076578616D706C65036F726700 0001 000C 08665C6F6F2C626172 026832'],
    ['HTTPS', '1 . alpn=h3 no-default-alpn ech=AEP+DQA=', '1 . alpn="h3" no-default-alpn ech=AEP+DQA='],
  ];
  for (const [type, text, printed, hex] of cases) {
    it(`round-trips ${type} ${text.length > 50 ? text.slice(0, 47) + '...' : text}`, () => roundTrip(type, text, printed, hex));
  }

  it('keeps unknown types in RFC 3597 generic form (RcodeZero ALIAS is TYPE65401)', () => {
    roundTrip('TYPE65401', '\\# 4 0A000001', '\\# 4 0A000001', '0A000001');
    roundTrip('TYPE65401', '\\# 0', '\\# 0', '');
  });

  it('checks a known type given in generic form like wire data', () => {
    assert.throws(() => parse('A', '\\# 3 0A0000'), /A: rdata ends inside an IPv4 address/);
    assert.deepEqual(parse('MX', '\\# 8 000A 046D61696C 00'), Uint8Array.from([0, 10, 4, 109, 97, 105, 108, 0]));
  });

  const bad: Array<[string, string, RegExp]> = [
    ['A', '192.0.2', /not an IPv4 address/],
    ['A', '192.0.2.256', /not an IPv4 address/],
    ['A', '01.2.3.4', /not an IPv4 address/],
    ['A', '1.2.3.4 5.6.7.8', /unexpected "5.6.7.8"/],
    ['AAAA', '2001:db8::1::2', /not an IPv6 address/],
    ['MX', 'mail', /preference: expected a number/],
    ['MX', '10', /missing exchange/],
    ['NS', `${'a'.repeat(64)}.example.`, /label longer than 63/],
    ['TXT', `"${'x'.repeat(256)}"`, /at most 255 octets/],
    ['DNSKEY', '257 3 13 not*base64==', /not base64/],
    ['DNSKEY', '257 3 13 abc', /multiple of 4/],
    ['DS', '1 2 3 abc', /odd number of digits/],
    ['TYPE65401', '\\# 3 0102', /says 3 octets but has 2/],
    ['TYPE65401', 'hello', /needs the generic form/],
    ['SOA', 'ns1 hostmaster 1 2 3 4', /missing minimum/],
    ['CAA', '0 is-sue "x"', /tag: "is-sue" must be letters and digits/],
    ['SVCB', '1 . port=99999', /port "99999"/],
    ['SVCB', '1 . alpn=h2 alpn=h3', /appears twice/],
    ['SVCB', '1 . mandatory=alpn', /mandatory lists alpn, which is not present/],
    ['SVCB', '1 . bogus=1', /unknown SvcParamKey "bogus"/],
    ['RRSIG', 'A 5 3 86400 20031322173103 20030220173103 2642 example. AAAA', /not a valid time/],
    ['NSEC', 'next.example. A BOGUS', /unknown type "BOGUS"/],
  ];
  for (const [type, text, message] of bad) {
    it(`rejects ${type} "${text.length > 40 ? text.slice(0, 37) + '...' : text}"`, () => {
      assert.throws(() => parse(type, text), (err: unknown) => err instanceof RdataError && message.test(err.message));
    });
  }

  describe('from wire', () => {
    it('follows compression pointers in the names of RFC 1035 types', () => {
      // A message fragment: "example.com." at 0, then MX rdata 10 + "mail" + pointer to 0.
      const msg = Uint8Array.from([7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0, 0, 10, 4, ...Buffer.from('mail'), 0xc0, 0]);
      const rdata = rdataFromWire(RRType.MX, msg, 13, msg.length - 13);
      assert.equal(rdataToText(RRType.MX, rdata), '10 mail.example.com.');
    });

    it('refuses pointers where the type forbids compression (RFC 3597 §4)', () => {
      const msg = Uint8Array.from([7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0, 0, 1, 0, 2, 0, 3, 0xc0, 0]);
      assert.throws(() => rdataFromWire(RRType.SRV, msg, 13, msg.length - 13), /compressed, which its type does not allow/);
    });

    it('refuses pointer loops and forward pointers', () => {
      const msg = Uint8Array.from([0, 10, 0xc0, 2]);
      assert.throws(() => rdataFromWire(RRType.MX, msg, 0, 4), /does not point backwards/);
    });

    it('refuses truncated rdata and trailing octets', () => {
      assert.throws(() => rdataFromWire(RRType.AAAA, new Uint8Array(8), 0, 8), /rdata ends inside/);
      assert.throws(() => rdataFromWire(RRType.A, new Uint8Array(5), 0, 5), /1 octets after the last field/);
    });

    it('refuses out-of-order SvcParamKeys', () => {
      const rdata = Uint8Array.from([0, 1, 0, 0, 3, 0, 2, 0, 53, 0, 1, 0, 3, 2, 104, 50]);
      assert.throws(() => rdataFromWire(RRType.SVCB, rdata, 0, rdata.length), /out of order/);
    });
  });

  it('names the targets that need additional-section addresses', () => {
    const names = (type: string, text: string): string[] => codecFor(typeFromString(type)!).additionalNames(parse(type, text)).map(String);
    assert.deepEqual(names('NS', 'ns1'), ['ns1.example.com.']);
    assert.deepEqual(names('MX', '10 mail'), ['mail.example.com.']);
    assert.deepEqual(names('SRV', '1 2 3 sip'), ['sip.example.com.']);
    assert.deepEqual(names('A', '192.0.2.1'), []);
  });

  it('lists only RFC 1035 names as compressible', () => {
    const soa = parse('SOA', 'ns1 hm 1 2 3 4 5');
    assert.equal(codecFor(RRType.SOA).compressibleNames(soa).length, 2);
    assert.equal(codecFor(RRType.SRV).compressibleNames(parse('SRV', '1 2 3 sip')).length, 0);
    assert.equal(codecFor(RRType.DNAME).compressibleNames(parse('DNAME', 'x.')).length, 0);
  });
});
