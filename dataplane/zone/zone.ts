import { Name, canonicalCompare } from '../dns/name';
import { RRType } from '../dns/constants';
import { LayeredMap } from './layered-map';
import { runSteps, sortInSteps, type Steps } from './steps';

/**
 * The zone model: an immutable snapshot of one zone, built by `ZoneBuilder` (zone-builder.ts) and
 * swapped whole when the zone changes, so readers never see half an update.
 */

/** Where a record came from, so that checks can name the place (file and line). */
export interface SourceRef {
  readonly source: string;
  readonly line?: number;
}

/** All records of one owner, class and type (RFC 2181 §5): one TTL, rdata without duplicates. */
export interface RRset {
  readonly owner: Name;
  readonly type: number;
  readonly ttl: number;
  /** Uncompressed wire rdata, names in original case, in the order they were added. */
  readonly rdata: readonly Uint8Array[];
  /**
   * RRSIG only: the TTL of each record, parallel to `rdata`. RFC 4034 §3: an RRSIG's TTL is the
   * TTL of the RRset it covers, so the RRSIGs of one owner may differ (the exception to RFC 2181
   * §5.2); `ttl` is then the lowest. Absent when all are equal to `ttl`.
   */
  readonly ttls?: readonly number[];
}

/** The TTL of record `i` of an RRset (differs from `rrset.ttl` only for RRSIG, see `ttls`). */
export function recordTtl(rrset: RRset, i: number): number {
  return rrset.ttls?.[i] ?? rrset.ttl;
}

/**
 * The RRsets of one name, by type. A name rarely has more than a few types, so a short array
 * searched in order is as fast as a Map and a fraction of its size, which counts when a zone
 * has a million names. Iteration keeps the order in which the types were added (zone order).
 */
export class RRsetList {
  /** Exactly as long as it holds (an array grown by push keeps room for 16 more, per name). */
  private items: RRset[] = [];

  get size(): number {
    return this.items.length;
  }

  get(type: number): RRset | undefined {
    const items = this.items;
    for (let i = 0; i < items.length; i++) if (items[i]!.type === type) return items[i];
    return undefined;
  }

  has(type: number): boolean {
    return this.get(type) !== undefined;
  }

  set(rrset: RRset): void {
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      if (items[i]!.type === rrset.type) {
        items[i] = rrset;
        return;
      }
    }
    const grown = new Array<RRset>(items.length + 1);
    for (let i = 0; i < items.length; i++) grown[i] = items[i]!;
    grown[items.length] = rrset;
    this.items = grown;
  }

  values(): IterableIterator<RRset> {
    return this.items.values();
  }

  types(): number[] {
    return this.items.map((r) => r.type);
  }
}

/** A name in the zone tree. A node without RRsets is an empty non-terminal (RFC 4592 §2.2.2). */
export class ZoneNode {
  readonly rrsets = new RRsetList();
  /** Set at build time: a delegation point (NS at a name other than the apex, RFC 1034 §4.2.1). */
  isDelegation = false;
  /** Set at build time: the node is at or below a delegation point, so its data is glue or occluded. */
  belowCut = false;

  constructor(readonly name: Name) {}

  get isEmptyNonTerminal(): boolean {
    return this.rrsets.size === 0;
  }
}

export class Zone {
  private sortedCache: ZoneNode[] | undefined;
  private negativeSoaCache: RRset | undefined;

  constructor(
    readonly origin: Name,
    readonly nodes: ReadonlyMap<string, ZoneNode>,
    readonly soa: RRset,
    readonly recordCount: number,
  ) {}

  /** SOA serial (RFC 1035 §3.3.13): the third field after the two names. */
  get serial(): number {
    return soaSerial(this.soa.rdata[0]!);
  }

  /**
   * The SOA as it goes into negative answers: its TTL is the lower of the SOA's own TTL and its
   * MINIMUM field (RFC 2308 §3).
   */
  get negativeSoa(): RRset {
    if (!this.negativeSoaCache) {
      const ttl = Math.min(this.soa.ttl, soaMinimum(this.soa.rdata[0]!));
      this.negativeSoaCache = ttl === this.soa.ttl ? this.soa : { ...this.soa, ttl };
    }
    return this.negativeSoaCache;
  }

  get apex(): ZoneNode {
    return this.nodes.get(this.origin.key)!;
  }

  node(name: Name): ZoneNode | undefined {
    return this.nodes.get(name.key);
  }

  /** Nodes in canonical order (RFC 4034 §6.1), computed once per snapshot. */
  sortedNodes(): readonly ZoneNode[] {
    return this.sortedCache ?? runSteps(this.sortedNodesSteps());
  }

  /** `sortedNodes` in steps (zone/steps.ts): ordering a million names takes about a second. */
  *sortedNodesSteps(): Steps<readonly ZoneNode[]> {
    if (!this.sortedCache) {
      const sorted = yield* sortInSteps([...this.nodes.values()], (a, b) => canonicalCompare(a.name, b.name));
      this.sortedCache ??= sorted;
    }
    return this.sortedCache;
  }

  /**
   * Takes the canonical order from `previous` when this version is a layer over it (as
   * `ZoneUpdate`, `withSerial` and the signer make versions): the previous order less the names
   * the layer changed, with the changed names that remain put in place, at the cost of the
   * change (plus one copy of the array), not of a sort of every name. False when it cannot (the
   * versions share nothing, or `previous` was never ordered); `sortedNodes` then sorts as before.
   */
  inheritOrder(previous: Zone): boolean {
    if (this.sortedCache) return true;
    const before = previous.sortedCache;
    const changed = before && LayeredMap.changedKeys(previous.nodes, this.nodes);
    if (!before || !changed) return false;
    const keys = new Set(changed);
    if (keys.size * 32 < before.length) {
      // A few names: each found by binary search and moved in place.
      const sorted = before.slice();
      const at = (name: Name): number => {
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (canonicalCompare(sorted[mid]!.name, name) < 0) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      for (const key of keys) {
        const old = previous.nodes.get(key);
        if (!old) continue;
        const i = at(old.name);
        if (sorted[i] === old) sorted.splice(i, 1);
      }
      for (const key of keys) {
        const node = this.nodes.get(key);
        if (node) sorted.splice(at(node.name), 0, node);
      }
      this.sortedCache = sorted;
      return true;
    }
    const kept = keys.size === 0 ? before.slice() : before.filter((n) => !keys.has(n.name.key));
    const added: ZoneNode[] = [];
    for (const key of keys) {
      const node = this.nodes.get(key);
      if (node) added.push(node);
    }
    added.sort((a, b) => canonicalCompare(a.name, b.name));
    // Merge the two ordered runs.
    const sorted: ZoneNode[] = new Array(kept.length + added.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < kept.length && j < added.length) sorted[k++] = canonicalCompare(kept[i]!.name, added[j]!.name) <= 0 ? kept[i++]! : added[j++]!;
    while (i < kept.length) sorted[k++] = kept[i++]!;
    while (j < added.length) sorted[k++] = added[j++]!;
    this.sortedCache = sorted;
    return true;
  }

  /** Every RRset, apex first and then in canonical order, SOA first at the apex. */
  *rrsets(): IterableIterator<RRset> {
    for (const node of this.sortedNodes()) {
      const soa = node.rrsets.get(RRType.SOA);
      if (soa) yield soa;
      for (const rrset of node.rrsets.values()) if (rrset !== soa) yield rrset;
    }
  }
}

/** Reads the serial out of SOA rdata: it follows MNAME and RNAME. */
export function soaSerial(rdata: Uint8Array): number {
  let i = skipWireName(rdata, 0);
  i = skipWireName(rdata, i);
  return ((rdata[i]! << 24) | (rdata[i + 1]! << 16) | (rdata[i + 2]! << 8) | rdata[i + 3]!) >>> 0;
}

/**
 * The same zone with another SOA serial: a new apex node, every other node shared (the node map
 * too: a LayeredMap over the zone's, so the cost does not grow with the zone). What a signer
 * does before signing a new version (the SOA's RRSIG covers the serial).
 */
export function withSerial(zone: Zone, serial: number): Zone {
  const soa = soaWithSerial(zone.soa, serial);
  const apex = new ZoneNode(zone.origin);
  apex.isDelegation = zone.apex.isDelegation;
  apex.belowCut = zone.apex.belowCut;
  for (const rrset of zone.apex.rrsets.values()) apex.rrsets.set(rrset.type === soa.type ? soa : rrset);
  return new Zone(zone.origin, LayeredMap.of(zone.nodes, new Map([[zone.origin.key, apex]])), soa, zone.recordCount);
}

/** The SOA RRset with another serial (RFC 1035 §3.3.13). */
export function soaWithSerial(soa: RRset, serial: number): RRset {
  const rdata = soa.rdata[0]!.slice();
  const i = skipWireName(rdata, skipWireName(rdata, 0));
  new DataView(rdata.buffer, rdata.byteOffset, rdata.byteLength).setUint32(i, serial >>> 0);
  return { ...soa, rdata: [rdata] };
}

/** Reads the MINIMUM field, the last of SOA's five counters (RFC 2308 §4). */
export function soaMinimum(rdata: Uint8Array): number {
  const i = rdata.length - 4;
  return ((rdata[i]! << 24) | (rdata[i + 1]! << 16) | (rdata[i + 2]! << 8) | rdata[i + 3]!) >>> 0;
}

export function skipWireName(bytes: Uint8Array, offset: number): number {
  let i = offset;
  while (bytes[i] !== 0) i += bytes[i]! + 1;
  return i + 1;
}
