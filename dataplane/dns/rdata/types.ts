import { RRType } from '../constants';
import * as f from './fields';
import { hashedOwner, salt, timeField, typeBitmap, typeField } from './dnssec-fields';
import type { TypeSpec } from './field-codec';
import { svcParams } from './svcb';

/**
 * Every record type with a known presentation format, as its fields in wire order. Names are
 * compressible only in the types of RFC 1035 (RFC 3597 §4); `additional` is the index of the
 * field whose host gets its addresses in the additional section.
 */

const soaFields = [
  f.name('MNAME', true),
  f.name('RNAME', true),
  f.u32('serial'),
  f.interval('refresh'),
  f.interval('retry'),
  f.interval('expire'),
  f.interval('minimum'),
];
const dsFields = [f.u16('key tag'), f.u8('algorithm'), f.u8('digest type'), f.hexRest('digest')];
const dnskeyFields = [f.u16('flags'), f.u8('protocol'), f.u8('algorithm'), f.base64Rest('public key')];
const svcbFields = [f.u16('priority'), f.name('target', false), svcParams];

export const TYPE_SPECS: readonly TypeSpec[] = [
  { type: RRType.A, fields: [f.ipv4] }, // RFC 1035 §3.4.1
  { type: RRType.NS, fields: [f.name('NSDNAME', true)], additional: 0 }, // RFC 1035 §3.3.11
  { type: RRType.CNAME, fields: [f.name('CNAME', true)] }, // RFC 1035 §3.3.1
  { type: RRType.SOA, fields: soaFields }, // RFC 1035 §3.3.13
  { type: RRType.PTR, fields: [f.name('PTRDNAME', true)] }, // RFC 1035 §3.3.12
  { type: RRType.HINFO, fields: [f.charString('CPU'), f.charString('OS')] }, // RFC 1035 §3.3.2
  { type: RRType.MX, fields: [f.u16('preference'), f.name('exchange', true)], additional: 1 }, // RFC 1035 §3.3.9
  { type: RRType.TXT, fields: [f.charStrings('text')] }, // RFC 1035 §3.3.14
  { type: RRType.AAAA, fields: [f.ipv6] }, // RFC 3596 §2.2
  // RFC 2782: the target is not compressed, and its addresses go in the additional section.
  { type: RRType.SRV, fields: [f.u16('priority'), f.u16('weight'), f.u16('port'), f.name('target', false)], additional: 3 },
  {
    type: RRType.NAPTR, // RFC 3403 §4.1
    fields: [f.u16('order'), f.u16('preference'), f.charString('flags'), f.charString('services'), f.charString('regexp'), f.name('replacement', false)],
  },
  { type: RRType.DNAME, fields: [f.name('target', false)] }, // RFC 6672 §2.5: never compressed
  { type: RRType.DS, fields: dsFields }, // RFC 4034 §5.1
  { type: RRType.SSHFP, fields: [f.u8('algorithm'), f.u8('fingerprint type'), f.hexRest('fingerprint')] }, // RFC 4255 §3
  {
    type: RRType.RRSIG, // RFC 4034 §3.1
    fields: [
      typeField('type covered'),
      f.u8('algorithm'),
      f.u8('labels'),
      f.u32('original TTL'),
      timeField('signature expiration'),
      timeField('signature inception'),
      f.u16('key tag'),
      f.name("signer's name", false), // RFC 4034 §3.1.7: not compressed
      f.base64Rest('signature'),
    ],
  },
  { type: RRType.NSEC, fields: [f.name('next domain name', false), typeBitmap] }, // RFC 4034 §4.1
  { type: RRType.DNSKEY, fields: dnskeyFields }, // RFC 4034 §2.1
  {
    type: RRType.NSEC3, // RFC 5155 §3.2
    fields: [f.u8('hash algorithm'), f.u8('flags'), f.u16('iterations'), salt, hashedOwner, typeBitmap],
  },
  { type: RRType.NSEC3PARAM, fields: [f.u8('hash algorithm'), f.u8('flags'), f.u16('iterations'), salt] }, // RFC 5155 §4.2
  { type: RRType.TLSA, fields: [f.u8('usage'), f.u8('selector'), f.u8('matching type'), f.hexRest('certificate data')] }, // RFC 6698 §2.1
  { type: RRType.CDS, fields: dsFields }, // RFC 7344 §3.1
  { type: RRType.CDNSKEY, fields: dnskeyFields }, // RFC 7344 §3.2
  { type: RRType.SVCB, fields: svcbFields }, // RFC 9460 §2.2
  { type: RRType.HTTPS, fields: svcbFields }, // RFC 9460 §9
  { type: RRType.CAA, fields: [f.u8('flags'), f.caaTag, f.caaValue] }, // RFC 8659 §4.1
];
