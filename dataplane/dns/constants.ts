/** Numeric values of the DNS registries that the core uses (IANA "Domain Name System (DNS) Parameters"). */

export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MB: 7,
  MG: 8,
  MR: 9,
  PTR: 12,
  HINFO: 13,
  MINFO: 14,
  MX: 15,
  TXT: 16,
  RP: 17,
  AFSDB: 18,
  X25: 19,
  ISDN: 20,
  RT: 21,
  SIG: 24,
  KEY: 25,
  AAAA: 28,
  LOC: 29,
  SRV: 33,
  NAPTR: 35,
  KX: 36,
  CERT: 37,
  DNAME: 39,
  OPT: 41,
  APL: 42,
  DS: 43,
  SSHFP: 44,
  IPSECKEY: 45,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  DHCID: 49,
  NSEC3: 50,
  NSEC3PARAM: 51,
  TLSA: 52,
  SMIMEA: 53,
  HIP: 55,
  NINFO: 56,
  TALINK: 58,
  CDS: 59,
  CDNSKEY: 60,
  OPENPGPKEY: 61,
  CSYNC: 62,
  ZONEMD: 63,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  NID: 104,
  L32: 105,
  L64: 106,
  LP: 107,
  EUI48: 108,
  EUI64: 109,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
  URI: 256,
  CAA: 257,
  AVC: 258,
  AMTRELAY: 260,
  RESINFO: 261,
  WALLET: 262,
  TA: 32768,
  DLV: 32769,
} as const;

export const RRClass = {
  IN: 1,
  CH: 3,
  HS: 4,
  NONE: 254,
  ANY: 255,
} as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  NOTAUTH: 9,
  NOTZONE: 10,
  /** Extended rcode 16, carried in the OPT record (RFC 6891 §6.1.3). */
  BADVERS: 16,
} as const;

export const Opcode = {
  QUERY: 0,
  IQUERY: 1,
  STATUS: 2,
  NOTIFY: 4,
  UPDATE: 5,
} as const;

const TYPE_BY_NUMBER = new Map<number, string>(Object.entries(RRType).map(([k, v]) => [v, k]));
const TYPE_BY_NAME = new Map<string, number>(Object.entries(RRType).map(([k, v]) => [k, v]));
const CLASS_BY_NUMBER = new Map<number, string>(Object.entries(RRClass).map(([k, v]) => [v, k]));
const CLASS_BY_NAME = new Map<string, number>(Object.entries(RRClass).map(([k, v]) => [k, v]));
const RCODE_BY_NUMBER = new Map<number, string>(Object.entries(Rcode).map(([k, v]) => [v, k]));

/** Mnemonic of a type, or the RFC 3597 §5 form `TYPE123`. */
export function typeToString(type: number): string {
  return TYPE_BY_NUMBER.get(type) ?? `TYPE${type}`;
}

/** Parses a type mnemonic or `TYPEnnn` (RFC 3597 §5); undefined when it is neither. */
export function typeFromString(text: string): number | undefined {
  return fromMnemonic(TYPE_BY_NAME, 'TYPE', text);
}

export function classToString(cls: number): string {
  return CLASS_BY_NUMBER.get(cls) ?? `CLASS${cls}`;
}

/** Parses a class mnemonic or `CLASSnnn` (RFC 3597 §5). */
export function classFromString(text: string): number | undefined {
  return fromMnemonic(CLASS_BY_NAME, 'CLASS', text);
}

function fromMnemonic(known: ReadonlyMap<string, number>, prefix: string, text: string): number | undefined {
  const upper = text.toUpperCase();
  const value = known.get(upper);
  if (value !== undefined) return value;
  if (!upper.startsWith(prefix)) return undefined;
  const digits = upper.slice(prefix.length);
  return /^\d{1,5}$/.test(digits) && Number(digits) <= 0xffff ? Number(digits) : undefined;
}

export function rcodeToString(rcode: number): string {
  return RCODE_BY_NUMBER.get(rcode) ?? `RCODE${rcode}`;
}

/** Meta-types and QTYPEs that never appear as data in a zone (RFC 6895 §3.1). */
export function isMetaType(type: number): boolean {
  return type === RRType.OPT || (type >= 128 && type <= 255 && type !== RRType.ANY) || type === RRType.ANY;
}
