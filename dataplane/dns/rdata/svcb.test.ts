import { RRType } from '../constants';
import { rdataFromWire } from './registry';
import { assertRdataError, octets, parse, roundTrip } from './rdata.fixtures';

const FOO_COM = '03 666F6F 07 6578616D706C65 03 636F6D 00';
const FOO_ORG = '03 666F6F 07 6578616D706C65 03 6F7267 00';

describe('SVCB and HTTPS SvcParams', () => {
  describe('RFC 9460 Appendix D vectors', () => {
    const vectors: Array<[string, string, string, string]> = [
      // D.1 AliasMode.
      ['alias mode', '0 foo.example.com.', '0 foo.example.com.', `0000 ${FOO_COM}`],
      // D.2 ServiceMode.
      ['the owner name as target', '1 .', '1 .', '0001 00'],
      ['a port', '16 foo.example.com. port=53', '16 foo.example.com. port=53', `0010 ${FOO_COM} 0003 0002 0035`],
      ['an unregistered key', '1 foo.example.com. key667=hello', '1 foo.example.com. key667="hello"', `0001 ${FOO_COM} 029B 0005 68656C6C6F`],
      [
        'a quoted value with a decimal escape',
        '1 foo.example.com. key667="hello\\210qoo"',
        '1 foo.example.com. key667="hello\\210qoo"',
        `0001 ${FOO_COM} 029B 0009 68656C6C6F D2 716F6F`,
      ],
      [
        'two quoted IPv6 hints',
        '1 foo.example.com. ipv6hint="2001:db8::1,2001:db8::53:1"',
        '1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1',
        `0001 ${FOO_COM} 0006 0020 20010DB8000000000000000000000001 20010DB8000000000000000000530001`,
      ],
      [
        'an IPv6 hint with an embedded IPv4 address',
        '1 example.com. ipv6hint="2001:db8:122:344::192.0.2.33"',
        '1 example.com. ipv6hint=2001:db8:122:344::c000:221',
        '0001 07 6578616D706C65 03 636F6D 00 0006 0010 20010DB80122034400000000C0000221',
      ],
      [
        'unsorted keys and mandatory list',
        '16 foo.example.org. ( alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1 )',
        '16 foo.example.org. mandatory=alpn,ipv4hint alpn="h2,h3-19" ipv4hint=192.0.2.1',
        `0010 ${FOO_ORG} 0000 0004 0001 0004 0001 0009 02 6832 05 68332D3139 0004 0004 C0000201`,
      ],
      [
        'an alpn value with escaped comma and backslashes',
        '16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"',
        '16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"',
        `0010 ${FOO_ORG} 0001 000C 08 665C6F6F2C626172 02 6832`,
      ],
      [
        'the same alpn value with decimal escapes',
        '16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2',
        '16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"',
        `0010 ${FOO_ORG} 0001 000C 08 665C6F6F2C626172 02 6832`,
      ],
    ];
    for (const [what, text, printed, hex] of vectors) {
      it(what, () => roundTrip('SVCB', text, printed, hex));
    }
  });

  describe('other keys', () => {
    it('ech, no-default-alpn next to alpn, and the same params for HTTPS', () => {
      roundTrip('HTTPS', '1 . alpn=h3,h2 no-default-alpn ech="AEP+DQA="', '1 . alpn="h3,h2" no-default-alpn ech=AEP+DQA=', '0001 00 0001 0006 02 6833 02 6832 0002 0000 0005 0005 0043FE0D00');
    });

    it('mandatory with an unregistered key, and keys written in upper case', () => {
      roundTrip('SVCB', '1 . MANDATORY=key123 key123', '1 . mandatory=key123 key123', '0001 00 0000 0002 007B 007B 0000');
    });

    it('a value given as key= and then a quoted token', () => {
      roundTrip('SVCB', '1 . alpn= "h2"', '1 . alpn="h2"', '0001 00 0001 0003 02 6832');
    });
  });

  describe('RFC 9460 Appendix D.3 failure cases, and more', () => {
    const bad: Array<[string, RegExp]> = [
      ['1 foo.example.com. key123=abc key123=def', /SvcParamKey key123 appears twice/],
      ['1 foo.example.com. mandatory', /mandatory needs a value/],
      ['1 foo.example.com. alpn', /alpn needs a value/],
      ['1 foo.example.com. port', /port needs a value/],
      ['1 foo.example.com. ipv4hint', /ipv4hint needs a value/],
      ['1 foo.example.com. ipv6hint', /ipv6hint needs a value/],
      ['1 foo.example.com. no-default-alpn=abc', /no-default-alpn takes no value/],
      ['1 foo.example.com. mandatory=key123', /mandatory lists key123, which is not present/],
      ['1 foo.example.com. mandatory=mandatory', /mandatory must not list itself/],
      ['1 foo.example.com. mandatory=key123,key123 key123=abc', /mandatory lists key123 twice/],
      ['1 . no-default-alpn', /no-default-alpn needs alpn/],
      ['1 . alpn=h2,,h3', /alpn: empty item in the value list/],
      [`1 . alpn=${'x'.repeat(256)}`, /protocol id longer than 255 octets/],
      ['1 . port=99999', /port "99999" is not a number from 0 to 65535/],
      ['1 . ipv4hint=192.0.2.1,192.0.2', /ipv4hint: "192.0.2" is not an IPv4 address/],
      ['1 . ipv6hint=::1,1.2.3.4', /ipv6hint: "1.2.3.4" is not an IPv6 address/],
      ['1 . ech=AEP+DQA', /ech: base64/],
      ['1 . bogus=1', /unknown SvcParamKey "bogus"/],
      ['1 . key65536=1', /unknown SvcParamKey "key65536"/],
      ['1 . key65535=1', /key65535 is reserved/],
      ['1', /missing target/],
    ];
    for (const [text, message] of bad) {
      it(`rejects ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`, () => {
        assertRdataError(() => parse('SVCB', text), message);
        assertRdataError(() => parse('HTTPS', text), message);
      });
    }
  });

  describe('wire form', () => {
    const bad: Array<[string, string, RegExp]> = [
      ['keys out of order', '0003 0002 0035 0001 0003 02 6832', /SvcParamKey alpn out of order or repeated/],
      ['a repeated key', '0003 0002 0035 0003 0002 0035', /SvcParamKey port out of order/],
      ['a truncated header', '0003 00', /SvcParam header runs past the rdata/],
      ['a value past the end', '0003 0004 0035', /value of port runs past the rdata/],
      ['mandatory listing itself', '0000 0002 0000', /mandatory must not list itself/],
      ['mandatory out of order', '0000 0004 0004 0001 0001 0003 02 6832 0004 0004 C0000201', /mandatory keys must be in increasing order/],
      ['mandatory of odd length', '0000 0003 000100', /mandatory must hold one or more two-octet keys/],
      ['an empty alpn id', '0001 0003 00 0168', /alpn holds an empty protocol id/],
      ['an alpn id past its value', '0001 0002 03 68', /alpn protocol id runs past its value/],
      ['no-default-alpn with a value', '0002 0001 00', /no-default-alpn must have an empty value/],
      ['a port of three octets', '0003 0003 000035', /port must be two octets/],
      ['an ipv4hint of five octets', '0004 0005 C000020100', /ipv4hint must hold one or more 4-octet addresses/],
      ['an empty ipv6hint', '0006 0000', /ipv6hint must hold one or more 16-octet addresses/],
      ['the reserved key', 'FFFF 0000', /SvcParamKey 65535 is reserved/],
    ];
    for (const [what, params, message] of bad) {
      it(`refuses ${what}`, () => {
        const rdata = octets(`0001 00 ${params}`);
        assertRdataError(() => rdataFromWire(RRType.SVCB, rdata, 0, rdata.length), message);
        assertRdataError(() => rdataFromWire(RRType.HTTPS, rdata, 0, rdata.length), message);
      });
    }

    it('refuses a compressed target (RFC 9460 §2.2)', () => {
      const msg = octets(`${FOO_COM} 0001 C000`);
      assertRdataError(() => rdataFromWire(RRType.SVCB, msg, 17, 4), /target is compressed/);
    });
  });
});
