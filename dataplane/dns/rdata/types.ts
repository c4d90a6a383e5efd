import { RRType } from '../constants';
import * as f from './fields';
import { hashedOwner, salt, timeField, typeBitmap, typeField, zonemdDigest } from './dnssec-fields';
import { loc } from './location';
import { aplItems } from './apl';
import { eui48, eui64, nodeId, psdnAddress } from './identifiers';
import { amtRelay, discoveryAndType, hip, ipseckeyGateway } from './gateway';
import { certAlgorithm, certType } from './mnemonics';
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
const tlsaFields = [f.u8('usage'), f.u8('selector'), f.u8('matching type'), f.hexRest('certificate data')];
const rrsigFields = [
  typeField('type covered'),
  f.u8('algorithm'),
  f.u8('labels'),
  f.u32('original TTL'),
  timeField('signature expiration'),
  timeField('signature inception'),
  f.u16('key tag'),
  f.name("signer's name", false), // RFC 4034 §3.1.7: not compressed
  f.base64Rest('signature'),
];

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
  { type: RRType.RRSIG, fields: rrsigFields }, // RFC 4034 §3.1
  { type: RRType.NSEC, fields: [f.name('next domain name', false), typeBitmap] }, // RFC 4034 §4.1
  { type: RRType.DNSKEY, fields: dnskeyFields }, // RFC 4034 §2.1
  {
    type: RRType.NSEC3, // RFC 5155 §3.2
    fields: [f.u8('hash algorithm'), f.u8('flags'), f.u16('iterations'), salt, hashedOwner, typeBitmap],
  },
  { type: RRType.NSEC3PARAM, fields: [f.u8('hash algorithm'), f.u8('flags'), f.u16('iterations'), salt] }, // RFC 5155 §4.2
  { type: RRType.TLSA, fields: tlsaFields }, // RFC 6698 §2.1
  { type: RRType.CDS, fields: dsFields }, // RFC 7344 §3.1
  { type: RRType.CDNSKEY, fields: dnskeyFields }, // RFC 7344 §3.2
  { type: RRType.SVCB, fields: svcbFields }, // RFC 9460 §2.2
  { type: RRType.HTTPS, fields: svcbFields }, // RFC 9460 §9
  { type: RRType.CAA, fields: [f.u8('flags'), f.caaTag, f.caaValue] }, // RFC 8659 §4.1

  // RFC 1035 §3.3: the mailbox types, names compressible like every RFC 1035 name.
  { type: RRType.MB, fields: [f.name('MADNAME', true)] }, // §3.3.3
  { type: RRType.MG, fields: [f.name('MGMNAME', true)] }, // §3.3.6
  { type: RRType.MR, fields: [f.name('NEWNAME', true)] }, // §3.3.8
  { type: RRType.MINFO, fields: [f.name('RMAILBX', true), f.name('EMAILBX', true)] }, // §3.3.7
  // RFC 1183; RFC 3597 §4 lets a reader decompress RP, AFSDB and RT names.
  { type: RRType.RP, fields: [f.nameDecompressed('mbox-dname'), f.nameDecompressed('txt-dname')] }, // §2.2
  { type: RRType.AFSDB, fields: [f.u16('subtype'), f.nameDecompressed('hostname')] }, // §1
  { type: RRType.X25, fields: [psdnAddress] }, // §3.1
  { type: RRType.ISDN, fields: [f.charString('ISDN-address'), f.optional(f.charString('sa'))] }, // §3.2
  { type: RRType.RT, fields: [f.u16('preference'), f.nameDecompressed('intermediate-host')] }, // §3.3
  { type: RRType.SIG, fields: rrsigFields }, // RFC 2535 §4.1, the layout RRSIG kept
  { type: RRType.KEY, fields: dnskeyFields }, // RFC 2535 §3.1
  { type: RRType.LOC, fields: [loc] }, // RFC 1876 §2, §3
  { type: RRType.KX, fields: [f.u16('preference'), f.name('exchanger', false)] }, // RFC 2230 §3
  { type: RRType.CERT, fields: [certType, f.u16('key tag'), certAlgorithm, f.base64Rest('certificate')] }, // RFC 4398 §2, §2.2
  { type: RRType.APL, fields: [aplItems] }, // RFC 3123 §4, §5
  // RFC 4025 §2.1, §3.1: the public key may be absent on the wire; BIND needs one in text.
  {
    type: RRType.IPSECKEY,
    fields: [f.u8('precedence'), f.u8('gateway type'), f.u8('algorithm'), ipseckeyGateway, f.optional(f.base64Rest('public key'))],
  },
  { type: RRType.DHCID, fields: [f.base64Rest('digest')] }, // RFC 4701 §3.3, §3.4
  { type: RRType.SMIMEA, fields: tlsaFields }, // RFC 8162 §2
  { type: RRType.HIP, fields: [hip] }, // RFC 8005 §5
  { type: RRType.NINFO, fields: [f.charStrings('zs-data')] }, // IANA, like TXT
  { type: RRType.TALINK, fields: [f.name('previous', false), f.name('next', false)] }, // IANA, as BIND reads it
  { type: RRType.OPENPGPKEY, fields: [f.base64Rest('public key')] }, // RFC 7929 §2.1, §2.3
  { type: RRType.CSYNC, fields: [f.u32('SOA serial'), f.u16('flags'), typeBitmap] }, // RFC 7477 §2.1, §2.2
  { type: RRType.ZONEMD, fields: [f.u32('serial'), f.u8('scheme'), f.u8('hash algorithm'), zonemdDigest] }, // RFC 8976 §2.2, §2.3
  { type: RRType.SPF, fields: [f.charStrings('text')] }, // RFC 4408 §3.1.1 (RFC 7208 §3.1 retired it; still read)
  // RFC 6742 §2: ILNP.
  { type: RRType.NID, fields: [f.u16('preference'), nodeId('node ID')] }, // §2.1
  { type: RRType.L32, fields: [f.u16('preference'), f.ipv4] }, // §2.2
  { type: RRType.L64, fields: [f.u16('preference'), nodeId('locator')] }, // §2.3
  { type: RRType.LP, fields: [f.u16('preference'), f.name('FQDN', false)] }, // §2.4
  { type: RRType.EUI48, fields: [eui48] }, // RFC 7043 §3
  { type: RRType.EUI64, fields: [eui64] }, // RFC 7043 §4
  { type: RRType.URI, fields: [f.u16('priority'), f.u16('weight'), f.uriTarget] }, // RFC 7553 §4
  { type: RRType.AVC, fields: [f.charStrings('text')] }, // IANA, like TXT
  { type: RRType.AMTRELAY, fields: [f.u8('precedence'), discoveryAndType, amtRelay] }, // RFC 8777 §4
  { type: RRType.RESINFO, fields: [f.charStrings('key-value pairs')] }, // RFC 9606 §4: the TXT format
  { type: RRType.WALLET, fields: [f.charStrings('text')] }, // IANA, the TXT format
  { type: RRType.TA, fields: dsFields }, // IANA (DNSSEC Trust Anchors), DS layout
  { type: RRType.DLV, fields: dsFields }, // RFC 4431 §2
];
