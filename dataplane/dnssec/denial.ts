import { canonicalCompare, type Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { DnsfleetError } from '../dns/error';
import type { RRset, Zone, ZoneNode } from '../zone/zone';

/**
 * What the NSEC chain (nsec.ts) and the NSEC3 chain (nsec3.ts) share: which types of a node are
 * its data, the type bit map, the TTL of denial records, and the shape of an incremental change.
 *
 * Both chains are built from the zone as it will be published, without denial records: its data,
 * DNSKEY (and CDS/CDNSKEY) at the apex included, so that the apex bit map names them. NSEC, NSEC3
 * and RRSIG records already in it are not data and are passed over: a name holding only those
 * (an NSEC3 owner of an earlier signing) is not a name of the zone.
 */

/** A denial chain that cannot be built as asked (an NSEC3 hash collision, RFC 5155 §7.1). */
export class DenialError extends DnsfleetError {}

/** What an incremental update changes in a chain: the RRsets to add or replace, and the owners to remove. */
export interface DenialChange {
  /** New or changed NSEC/NSEC3 RRsets, one per owner. */
  readonly upserts: readonly RRset[];
  /** Owners whose NSEC/NSEC3 RRset goes away (with its RRSIG). */
  readonly removed: readonly Name[];
}

/** Types that are signatures or denial of existence, never data of their own. */
function isDenialOrSignature(type: number): boolean {
  return type === RRType.RRSIG || type === RRType.NSEC || type === RRType.NSEC3;
}

/** The data types of a node, sorted; empty for an empty non-terminal. */
export function dataTypes(node: ZoneNode): number[] {
  const types: number[] = [];
  for (const rrset of node.rrsets.values()) if (!isDenialOrSignature(rrset.type)) types.push(rrset.type);
  return types.sort(byNumber);
}

/**
 * The types a delegation point holds on the parent side: RFC 4035 §2.3 / RFC 5155 §7.1, only NS
 * and DS are there; anything else at the cut is occluded.
 */
export function delegationTypes(types: readonly number[]): number[] {
  return types.filter((t) => t === RRType.NS || t === RRType.DS);
}

/**
 * RFC 9077 §3.3 (updating RFC 4034 §4 and RFC 5155 §3): the TTL of NSEC and NSEC3 records is the
 * lower of the SOA's MINIMUM field and the SOA's own TTL, the TTL of negative answers (RFC 2308 §3).
 */
export function denialTtl(zone: Zone): number {
  return zone.negativeSoa.ttl;
}

/**
 * The Type Bit Maps field (RFC 4034 §4.1.2, RFC 5155 §3.2.1) for `types` sorted ascending: one
 * window per block of 256 types that holds any, trailing zero octets left out. Empty for no type.
 */
export function typeBitmap(types: readonly number[]): Uint8Array {
  const out: number[] = [];
  let k = 0;
  while (k < types.length) {
    const window = types[k]! >> 8;
    const bits = new Uint8Array(32);
    let used = 0;
    for (; k < types.length && types[k]! >> 8 === window; k++) {
      const low = types[k]! & 0xff;
      bits[low >> 3]! |= 0x80 >> (low & 7);
      used = Math.max(used, (low >> 3) + 1);
    }
    out.push(window, used);
    for (let b = 0; b < used; b++) out.push(bits[b]!);
  }
  return Uint8Array.from(out);
}

/** A type bit map and the sorted types it holds. */
export interface TypeSet {
  readonly types: readonly number[];
  readonly bitmap: Uint8Array;
}

/**
 * One TypeSet per distinct list of types, shared by every owner that has it: a zone of a million
 * names has a handful of distinct bit maps, so a chain keeps a handful, and two owners have the
 * same bit map exactly when they hold the same TypeSet.
 */
export class TypeSets {
  private readonly sets = new Map<string, TypeSet>();

  /** The TypeSet of `types`, sorted ascending without duplicates. */
  of(types: readonly number[]): TypeSet {
    const key = types.join(',');
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = { types, bitmap: typeBitmap(types) }));
    return set;
  }
}

/** `sorted` (ascending, no duplicates) with `extra` types added in their place. */
export function withTypes(sorted: readonly number[], ...extra: number[]): number[] {
  const out = sorted.slice();
  for (const t of extra) {
    let i = out.length;
    while (i > 0 && out[i - 1]! > t) i--;
    if (out[i - 1] !== t) out.splice(i, 0, t);
  }
  return out;
}

function byNumber(a: number, b: number): number {
  return a - b;
}

/**
 * The names of `zone` at or below `top`, and the names of `known` (the chain's owners before the
 * change) below it: what a delegation that appears or goes at `top` can change (its subtree turns
 * into glue, or back into authoritative data). A scan of the zone, paid only when a cut moves.
 */
export function namesAtOrBelow(zone: Zone, top: Name, known: Iterable<Name>): Name[] {
  const out: Name[] = [];
  for (const node of zone.nodes.values()) if (node.name.isSubdomainOf(top)) out.push(node.name);
  for (const name of known) if (name.isSubdomainOf(top)) out.push(name);
  return out;
}

/** Index of the last of `sorted` (canonical order) that sorts at or before `name`, or -1. */
export function lastAtOrBefore(sorted: readonly Name[], name: Name): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (canonicalCompare(sorted[mid]!, name) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
