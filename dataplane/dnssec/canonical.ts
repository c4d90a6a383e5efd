import { RRType } from '../dns/constants';
import { DnsfleetError } from '../dns/error';
import type { RRset } from '../zone/zone';

/**
 * The canonical form of records for signing (RFC 4034 §6.2) and their canonical order within an
 * RRset (RFC 4034 §6.3). Names in rdata are lower-cased for the types RFC 4034 §6.2 item 3 lists,
 * minus NSEC (RFC 6840 §5.1: its Next Domain Name keeps its case); HINFO is listed but holds no
 * name. Rdata is held uncompressed already (zone model), so only the case changes.
 */

export class CanonicalFormError extends DnsfleetError {}

/** Where the names of a type's rdata start; the names end themselves. Text fields are skipped by `skip`. */
type NameWalker = (rdata: Uint8Array, lower: (at: number) => number) => void;

const u16 = 2;

/** The names of the types of RFC 4034 §6.2 item 3 (less NSEC, RFC 6840 §5.1). */
const WALKERS: ReadonlyMap<number, NameWalker> = new Map<number, NameWalker>([
  // One name, the whole rdata: NS, MD (3), MF (4), CNAME, MB, MG, MR, PTR, DNAME.
  ...[RRType.NS, 3, 4, RRType.CNAME, RRType.MB, RRType.MG, RRType.MR, RRType.PTR, RRType.DNAME].map((t): [number, NameWalker] => [t, (_r, lower) => void lower(0)]),
  // Two names, then fixed fields: SOA (RFC 1035 §3.3.13), MINFO, RP.
  ...[RRType.SOA, RRType.MINFO, RRType.RP].map((t): [number, NameWalker] => [t, (_r, lower) => void lower(lower(0))]),
  // A 16-bit field, then one name: MX, AFSDB, RT, KX.
  ...[RRType.MX, RRType.AFSDB, RRType.RT, RRType.KX].map((t): [number, NameWalker] => [t, (_r, lower) => void lower(u16)]),
  // PX (26, RFC 2163): preference, MAP822, MAPX400.
  [26, (_r, lower) => void lower(lower(u16))],
  // SRV (RFC 2782): priority, weight, port, target.
  [RRType.SRV, (_r, lower) => void lower(3 * u16)],
  // SIG and RRSIG (RFC 4034 §3.1): 18 octets of fixed fields, then the signer's name.
  [RRType.SIG, (_r, lower) => void lower(18)],
  [RRType.RRSIG, (_r, lower) => void lower(18)],
  // NXT (30, RFC 2535): the next name, then the bitmap.
  [30, (_r, lower) => void lower(0)],
  // NAPTR (RFC 3403 §4.1): order, preference, three character-strings, replacement.
  [
    RRType.NAPTR,
    (r, lower) => {
      let p = 2 * u16;
      for (let i = 0; i < 3; i++) p += 1 + (r[p] ?? 0);
      lower(p);
    },
  ],
  // A6 (38, RFC 2874 §3.1.1): prefix length, address suffix, prefix name when the length is not 0.
  [
    38,
    (r, lower) => {
      const prefix = r[0] ?? 0;
      if (prefix > 0) lower(1 + Math.ceil((128 - prefix) / 8));
    },
  ],
]);

/** True when the rdata of `type` holds names that signing lower-cases. */
export function hasCanonicalNames(type: number): boolean {
  return WALKERS.has(type);
}

/**
 * The canonical rdata of one record (RFC 4034 §6.2 item 3): `rdata` itself when nothing changes
 * (no names, or names already in lower case), else a lower-cased copy.
 */
export function canonicalRdata(type: number, rdata: Uint8Array): Uint8Array {
  const walk = WALKERS.get(type);
  if (!walk) return rdata;
  let out: Uint8Array | undefined;
  walk(rdata, (at) => {
    let p = at;
    for (;;) {
      if (p >= rdata.length) throw new CanonicalFormError(`rdata of type ${type} ends inside a name`, { type });
      const len = rdata[p]!;
      if (len === 0) return p + 1;
      if (len > 63) throw new CanonicalFormError(`rdata of type ${type} holds a compressed or malformed name`, { type });
      for (let i = p + 1; i <= p + len; i++) {
        const c = rdata[i]!;
        if (c >= 0x41 && c <= 0x5a) {
          out ??= rdata.slice();
          out[i] = c + 0x20;
        }
      }
      p += len + 1;
    }
  });
  return out ?? rdata;
}

/** RFC 4034 §6.3: rdata compared as left-justified unsigned octet sequences, the shorter first. */
export function compareRdata(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * The canonical rdata of an RRset in canonical order (RFC 4034 §6.3), duplicates removed (two
 * records whose canonical forms are equal are one record, RFC 4034 §6.3 last paragraph).
 */
export function canonicalRRsetRdata(rrset: Pick<RRset, 'type' | 'rdata'>): Uint8Array[] {
  const list = rrset.rdata.map((r) => canonicalRdata(rrset.type, r));
  if (list.length < 2) return list;
  list.sort(compareRdata);
  const out = [list[0]!];
  for (let i = 1; i < list.length; i++) if (compareRdata(list[i]!, out[out.length - 1]!) !== 0) out.push(list[i]!);
  return out;
}
