import { canonicalCompare, latin1ToBytes, type Name } from '../dns/name';
import { RRType } from '../dns/constants';
import type { RRset, Zone, ZoneNode } from '../zone/zone';
import {
  dataTypes,
  delegationTypes,
  denialTtl,
  lastAtOrBefore,
  namesAtOrBelow,
  withTypes,
  TypeSets,
  type DenialChange,
  type TypeSet,
} from './denial';

/**
 * The NSEC chain of a zone (RFC 4034 §4, RFC 4035 §2.3), as RRsets for the signer to sign:
 * - one NSEC per name that holds authoritative data and per delegation point; none for glue or
 *   occluded names below a cut, none for empty non-terminals (RFC 4035 §2.3);
 * - in canonical order (RFC 4034 §6.1), each naming the next, the last naming the apex
 *   (RFC 4034 §4.1.1);
 * - the bit map lists the types at the name, NSEC and RRSIG included (RFC 4034 §4.1.2); at a
 *   delegation only NS and DS, with NSEC and RRSIG (RFC 4035 §2.3: the NSEC is signed there);
 * - the TTL of negative answers (denial.ts `denialTtl`, RFC 9077 §3.3).
 *
 * `NsecChain` keeps the chain between versions so that a change costs its size: `update` takes the
 * new version of the zone and the names whose records changed, and returns only the NSEC RRsets
 * that change (RFC 4035 §2.3 — for one added or removed name, that name's and its predecessor's).
 */
export class NsecChain {
  private constructor(
    private ttl: number,
    /** Owners of the chain, canonical order. */
    private readonly names: Name[],
    /** Bit map by owner key. */
    private readonly types: Map<string, TypeSet>,
    private readonly typeSets: TypeSets,
    /** Delegation points at the last version, to see a cut appear or go. */
    private readonly cuts: Set<string>,
  ) {}

  /** The whole chain of `zone`. */
  static build(zone: Zone): NsecChain {
    const names: Name[] = [];
    const types = new Map<string, TypeSet>();
    const typeSets = new TypeSets();
    const cuts = new Set<string>();
    for (const node of zone.sortedNodes()) {
      if (node.isDelegation) cuts.add(node.name.key);
      const t = nsecTypes(node);
      if (!t) continue;
      names.push(node.name);
      types.set(node.name.key, typeSets.of(t));
    }
    return new NsecChain(denialTtl(zone), names, types, typeSets, cuts);
  }

  get size(): number {
    return this.names.length;
  }

  /** Every NSEC RRset, in canonical order of owners. */
  rrsets(): RRset[] {
    return this.names.map((_, i) => this.rrsetAt(i));
  }

  /** The NSEC RRset at `name`, if the chain has one. */
  rrset(name: Name): RRset | undefined {
    const i = lastAtOrBefore(this.names, name);
    return i >= 0 && this.names[i]!.key === name.key ? this.rrsetAt(i) : undefined;
  }

  /**
   * Brings the chain to `zone`, a new version in which at most the records of `changed` differ
   * from the version the chain was last built or updated for, and returns the NSEC RRsets that
   * change. A name that becomes or stops being a delegation point brings its subtree in (glue
   * that becomes data, or data that becomes glue), found by a scan of the zone. A changed
   * negative TTL (the SOA's TTL or MINIMUM) changes every NSEC.
   */
  update(zone: Zone, changed: Iterable<Name>): DenialChange {
    const affected = new Map<string, Name>();
    for (const name of changed) {
      affected.set(name.key, name);
      const node = zone.nodes.get(name.key);
      const isCut = node?.isDelegation ?? false;
      if (isCut === this.cuts.has(name.key)) continue;
      if (isCut) this.cuts.add(name.key);
      else this.cuts.delete(name.key);
      for (const below of namesAtOrBelow(zone, name, this.subtree(name))) affected.set(below.key, below);
    }

    /** Owners whose NSEC changes, by key. */
    const touched = new Map<string, Name>();
    const predecessorsOf: Name[] = [];
    const removed: Name[] = [];
    for (const name of affected.values()) {
      const node = zone.nodes.get(name.key);
      const wantTypes = node ? nsecTypes(node) : null;
      const want = wantTypes && this.typeSets.of(wantTypes);
      const have = this.types.get(name.key);
      if (!want && !have) continue;
      if (want && have) {
        if (want !== have) {
          this.types.set(name.key, want);
          touched.set(name.key, name);
        }
        continue;
      }
      const at = lastAtOrBefore(this.names, name);
      if (want) {
        // RFC 4034 §4.1.1: a new owner takes its predecessor's next name; the predecessor points at it.
        this.names.splice(at + 1, 0, node!.name);
        this.types.set(name.key, want);
        touched.set(name.key, name);
      } else {
        this.names.splice(at, 1);
        this.types.delete(name.key);
        removed.push(name);
      }
      predecessorsOf.push(name);
    }
    const ttl = denialTtl(zone);
    if (ttl !== this.ttl) {
      this.ttl = ttl;
      return { upserts: this.rrsets(), removed };
    }
    for (const name of predecessorsOf) {
      if (this.names.length === 0) break;
      const i = lastAtOrBefore(this.names, name);
      const at = i >= 0 && this.names[i]!.key === name.key ? i - 1 : i;
      const predecessor = this.names[at >= 0 ? at : this.names.length - 1]!;
      touched.set(predecessor.key, predecessor);
    }
    const upserts: RRset[] = [];
    for (const name of touched.values()) upserts.push(this.rrsetAt(lastAtOrBefore(this.names, name)));
    upserts.sort((a, b) => canonicalCompare(a.owner, b.owner));
    return { upserts, removed };
  }

  /** The chain's owners strictly below `top`: they follow it in canonical order (RFC 4034 §6.1). */
  private subtree(top: Name): Name[] {
    const out: Name[] = [];
    for (let i = lastAtOrBefore(this.names, top) + 1; i < this.names.length && this.names[i]!.isSubdomainOf(top); i++) out.push(this.names[i]!);
    return out;
  }

  private rrsetAt(i: number): RRset {
    const owner = this.names[i]!;
    // RFC 4034 §4.1.1: the last NSEC names the apex, the first owner of the chain.
    const next = this.names[(i + 1) % this.names.length]!;
    const bitmap = this.types.get(owner.key)!.bitmap;
    const nextWire = latin1ToBytes(next.cased);
    const rdata = new Uint8Array(nextWire.length + bitmap.length);
    rdata.set(nextWire, 0);
    rdata.set(bitmap, nextWire.length);
    return { owner, type: RRType.NSEC, ttl: this.ttl, rdata: [rdata] };
  }
}

/** The NSEC chain of `zone` as RRsets, canonical order (`NsecChain.build(zone).rrsets()`). */
export function nsecRRsets(zone: Zone): RRset[] {
  return NsecChain.build(zone).rrsets();
}

/**
 * The bit map types of the NSEC at `node`, or null when it has none: glue and occluded names
 * (below a cut) and empty non-terminals (RFC 4035 §2.3).
 */
function nsecTypes(node: ZoneNode): number[] | null {
  if (node.belowCut) return null;
  let types = dataTypes(node);
  if (types.length === 0) return null;
  if (node.isDelegation) types = delegationTypes(types);
  // RFC 4034 §4.1.2 / RFC 4035 §2.3: the NSEC's own type and the RRSIG that signs it.
  return withTypes(types, RRType.RRSIG, RRType.NSEC);
}
