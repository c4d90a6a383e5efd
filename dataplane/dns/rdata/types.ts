import { RRType } from '../constants';
import * as f from './fields';
import { svcParams } from './svcb';

/**
 * Every record type we know, as its list of fields (RFC 1035 §3.3 and the RFCs named per line).
 * `additional` names the field whose name triggers additional-section processing.
 */
export interface TypeSpec {
  readonly type: number;
  readonly fields: readonly f.Field[];
  readonly additional?: number;
}

const soaFields = [
  f.name('MNAME', true),
  f.name('RNAME', true),
  f.u32('serial'),
  f.interval('refresh'),
  f.interval('retry'),
  f.interval('expire'),
  f.interval('minimum'),
];
const dsFields = [f.u16('key tag'), f.u8('algorithm'), f.u8('digest type'), f.hexRest('digest', false)];
const dnskeyFields = [f.u16('flags'), f.u8('protocol'), f.u8('algorithm'), f.base64Rest('public key')];
const svcbFields = [f.u16('priority'), f.name('target', false), svcParams];

export const TYPE_SPECS: readonly TypeSpec[] = [
  { type: RRType.A, fields: [f.ipv4] },
  { type: RRType.NS, fields: [f.name('NSDNAME', true)], additional: 0 },
  { type: RRType.CNAME, fields: [f.name('CNAME', true)] },
  { type: RRType.SOA, fields: soaFields },
  { type: RRType.PTR, fields: [f.name('PTRDNAME', true)] },
  { type: RRType.HINFO, fields: [f.charString('CPU'), f.charString('OS')] },
  { type: RRType.MX, fields: [f.u16('preference'), f.name('exchange', true)], additional: 1 },
  { type: RRType.TXT, fields: [f.charStrings('text')] },
  { type: RRType.AAAA, fields: [f.ipv6] }, // RFC 3596
  { type: RRType.SRV, fields: [f.u16('priority'), f.u16('weight'), f.u16('port'), f.name('target', false)], additional: 3 }, // RFC 2782
  {
    type: RRType.NAPTR, // RFC 3403 §4.1
    fields: [f.u16('order'), f.u16('preference'), f.charString('flags'), f.charString('services'), f.charString('regexp'), f.name('replacement', false)],
  },
  { type: RRType.DNAME, fields: [f.name('target', false)] }, // RFC 6672 §2.5: never compressed
  { type: RRType.DS, fields: dsFields }, // RFC 4034 §5
  { type: RRType.SSHFP, fields: [f.u8('algorithm'), f.u8('fingerprint type'), f.hexRest('fingerprint', false)] }, // RFC 4255
  {
    type: RRType.RRSIG, // RFC 4034 §3
    fields: [
      f.typeField('type covered'),
      f.u8('algorithm'),
      f.u8('labels'),
      f.u32('original TTL'),
      f.timeField('signature expiration'),
      f.timeField('signature inception'),
      f.u16('key tag'),
      f.name("signer's name", false),
      f.base64Rest('signature'),
    ],
  },
  { type: RRType.NSEC, fields: [f.name('next domain name', false), f.typeBitmap] }, // RFC 4034 §4
  { type: RRType.DNSKEY, fields: dnskeyFields }, // RFC 4034 §2
  { type: RRType.NSEC3, fields: [f.u8('hash algorithm'), f.u8('flags'), f.u16('iterations'), f.salt, f.hashedOwner, f.typeBitmap] }, // RFC 5155 §3
  { type: RRType.NSEC3PARAM, fields: [f.u8('hash algorithm'), f.u8('flags'), f.u16('iterations'), f.salt] }, // RFC 5155 §4
  { type: RRType.TLSA, fields: [f.u8('usage'), f.u8('selector'), f.u8('matching type'), f.hexRest('certificate data', false)] }, // RFC 6698
  { type: RRType.CDS, fields: dsFields }, // RFC 7344
  { type: RRType.CDNSKEY, fields: dnskeyFields }, // RFC 7344
  { type: RRType.SVCB, fields: svcbFields }, // RFC 9460
  { type: RRType.HTTPS, fields: svcbFields }, // RFC 9460 §9
  { type: RRType.CAA, fields: [f.u8('flags'), f.caaTag, f.caaValue] }, // RFC 8659 §4.1
];
