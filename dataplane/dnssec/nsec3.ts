import type { Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { base32HexLower, base32HexLowerInto, nsec3Hash, type Nsec3Params } from '../zone/nsec3-hash';
import type { RRset, Zone, ZoneNode } from '../zone/zone';
import { dataTypes, delegationTypes, denialTtl, DenialError, namesAtOrBelow, withTypes, TypeSets, type DenialChange, type TypeSet } from './denial';

/**
 * The NSEC3 chain of a zone (RFC 5155 §7.1), as RRsets for the signer to sign, and its NSEC3PARAM:
 * - one NSEC3 per name that holds authoritative data, per delegation point and per empty
 *   non-terminal; none for glue or occluded names below a cut;
 * - with opt-out (RFC 5155 §6), none for an unsigned delegation (no DS), nor for an empty
 *   non-terminal that only leads to unsigned delegations (RFC 5155 §7.1), and the Opt-Out flag on
 *   every NSEC3;
 * - owner: the base32hex hash of the name as first label below the apex (RFC 5155 §3.3), next
 *   hashed owner: the following hash in order, the last pointing at the first (RFC 5155 §3.1.7);
 * - the bit map: the types at the name, RRSIG when the name holds a signed RRset, never NSEC3
 *   (RFC 5155 §3.2.1, §7.1); at a delegation only NS and DS (and RRSIG with a DS); NSEC3PARAM at
 *   the apex (RFC 5155 §4); empty for an empty non-terminal;
 * - the TTL of negative answers (denial.ts `denialTtl`, RFC 9077 §3.3).
 *
 * Defaults after RFC 9276 §3.1: SHA-1, no extra iterations, no salt, no opt-out.
 */

export interface Nsec3Options {
  /** RFC 9276 §3.1: 0. */
  readonly iterations?: number;
  /** RFC 9276 §3.1: empty. */
  readonly salt?: Uint8Array;
  /** RFC 5155 §6; RFC 9276 §3.1: off unless the zone has very many unsigned delegations. */
  readonly optOut?: boolean;
}

/** RFC 5155 §4.1.1 / §11: the hash algorithm, 1 = SHA-1, the only one defined. */
const SHA1 = 1;
/** SHA-1's 20 octets. */
const HASH_LENGTH = 20;
/** RFC 5155 §3.1.2: the Opt-Out flag. */
const OPT_OUT = 1;
/** RFC 5155 §3.2: 2^16 - 1 iterations at most; RFC 9276 §3.2 wants 0. */
const MAX_ITERATIONS = 0xffff;

interface Entry {
  readonly name: Name;
  /** Lower-case base32hex: the owner's first label; sorts as the hash octets do. */
  readonly label: string;
  types: TypeSet;
  /** The name holds data (not an empty non-terminal). */
  data: boolean;
}

export class Nsec3Chain {
  readonly params: Nsec3Params;
  private ttl: number;
  private readonly byName = new Map<string, Entry>();
  /** The entries in hash order (their labels ascending), the order of the chain. */
  private readonly order: Entry[] = [];
  /**
   * By name key: how many names with data in the chain are strictly below it. An empty non-terminal
   * is in the chain when some are (RFC 5155 §7.1, with opt-out possibly none).
   */
  private readonly support = new Map<string, number>();
  private readonly cuts = new Set<string>();
  private readonly typeSets = new TypeSets();
  /** The rdata of every NSEC3 up to the next hashed owner. */
  private readonly rdataHead: Uint8Array;

  private constructor(
    private readonly origin: Name,
    readonly optOut: boolean,
    options: Nsec3Options,
    ttl: number,
  ) {
    const iterations = options.iterations ?? 0;
    const salt = options.salt ?? new Uint8Array(0);
    if (!Number.isInteger(iterations) || iterations < 0 || iterations > MAX_ITERATIONS) {
      throw new DenialError(`NSEC3 iterations ${iterations} outside 0..${MAX_ITERATIONS} (RFC 5155 §3.2)`, { zone: origin.toString(), iterations });
    }
    if (salt.length > 255) throw new DenialError(`NSEC3 salt of ${salt.length} octets, at most 255 (RFC 5155 §3.2)`, { zone: origin.toString() });
    this.params = { algorithm: SHA1, iterations, salt };
    // RFC 5155 §3.2: hash algorithm, flags, iterations, salt length, salt, hash length.
    this.rdataHead = Uint8Array.from([SHA1, this.optOut ? OPT_OUT : 0, iterations >> 8, iterations & 0xff, salt.length, ...salt, HASH_LENGTH]);
    this.ttl = ttl;
  }

  /** The whole chain of `zone`. Throws DenialError on a hash collision (choose another salt, RFC 5155 §7.1). */
  static build(zone: Zone, options: Nsec3Options = {}): Nsec3Chain {
    const chain = new Nsec3Chain(zone.origin, options.optOut ?? false, options, denialTtl(zone));
    const empty: ZoneNode[] = [];
    for (const node of zone.nodes.values()) {
      if (node.isDelegation) chain.cuts.add(node.name.key);
      const types = chain.dataTypesOf(zone, node);
      if (types) {
        chain.add(node.name, types, true);
        chain.countAbove(node.name.key, 1);
      } else if (!node.belowCut && dataTypes(node).length === 0) {
        empty.push(node);
      }
    }
    for (const node of empty) if (chain.support.get(node.name.key)) chain.add(node.name, [], false);
    for (const entry of chain.byName.values()) chain.order.push(entry);
    chain.order.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    for (let i = 1; i < chain.order.length; i++) if (chain.order[i]!.label === chain.order[i - 1]!.label) chain.collision(chain.order[i]!, chain.order[i - 1]!);
    return chain;
  }

  get size(): number {
    return this.order.length;
  }

  /**
   * The NSEC3PARAM RRset of the apex (RFC 5155 §4): flags 0, whatever the NSEC3 flags (§4.1.2).
   * RFC 5155 sets no TTL for it; it takes the NSEC3 records' (ldns-signzone gives 3600, BIND 0).
   */
  nsec3param(): RRset {
    const p = this.params;
    const rdata = Uint8Array.from([p.algorithm, 0, p.iterations >> 8, p.iterations & 0xff, p.salt.length, ...p.salt]);
    return { owner: this.origin, type: RRType.NSEC3PARAM, ttl: this.ttl, rdata: [rdata] };
  }

  /** Every NSEC3 RRset, in hash order. */
  rrsets(): RRset[] {
    return this.order.map((_, i) => this.rrsetAt(i));
  }

  /** The NSEC3 RRset of the original name `name`, if the chain has one. */
  rrset(name: Name): RRset | undefined {
    const entry = this.byName.get(name.key);
    return entry ? this.rrsetAt(this.indexOf(entry.label)) : undefined;
  }

  /**
   * Brings the chain to `zone`, a new version in which at most the records of `changed` differ
   * from the version the chain was last built or updated for, and returns the NSEC3 RRsets that
   * change: for one name added or removed, its NSEC3 and its predecessor's in hash order, and the
   * empty non-terminals above it that appear or go with theirs. A name that becomes or stops
   * being a delegation point brings its subtree in (a scan of the zone); a changed negative TTL
   * changes every NSEC3. On a hash collision it throws DenialError and the chain is unusable
   * (build a new one with another salt).
   */
  update(zone: Zone, changed: Iterable<Name>): DenialChange {
    const affected = new Map<string, Name>();
    for (const name of changed) {
      affected.set(name.key, name);
      const isCut = zone.nodes.get(name.key)?.isDelegation ?? false;
      if (isCut === this.cuts.has(name.key)) continue;
      if (isCut) this.cuts.add(name.key);
      else this.cuts.delete(name.key);
      const known: Name[] = [];
      for (const entry of this.byName.values()) if (entry.name.isSubdomainOf(name)) known.push(entry.name);
      for (const below of namesAtOrBelow(zone, name, known)) affected.set(below.key, below);
    }

    // First the names with data, which decide what the empty non-terminals above them count.
    const wanted = new Map<string, number[] | null>();
    for (const [key, name] of affected) {
      const node = zone.nodes.get(key);
      const types = node ? this.dataTypesOf(zone, node) : null;
      wanted.set(key, types);
      const had = this.byName.get(key)?.data ?? false;
      if (had !== (types !== null)) this.countAbove(name.key, types ? 1 : -1);
    }
    // Then every name above them, which may become or stop being an empty non-terminal in the chain.
    const apexLength = this.origin.key.length;
    for (const name of [...affected.values()]) {
      for (let p = name.parent(); p && p.key.length >= apexLength && !affected.has(p.key); p = p.parent()) affected.set(p.key, p);
    }

    const touched = new Set<string>();
    const inserted: Entry[] = [];
    const removedLabels: string[] = [];
    const removed: Name[] = [];
    for (const key of affected.keys()) {
      const node = zone.nodes.get(key);
      let want = wanted.get(key);
      if (want === undefined) want = node ? this.dataTypesOf(zone, node) : null;
      const data = want !== null;
      if (!want && node && !node.belowCut && dataTypes(node).length === 0 && this.support.get(key)) want = [];
      const have = this.byName.get(key);
      if (!want && !have) continue;
      if (want && have) {
        have.data = data;
        const set = this.typeSets.of(want);
        if (set !== have.types) {
          have.types = set;
          touched.add(have.label);
        }
        continue;
      }
      if (want) {
        const entry = this.add(node!.name, want, data);
        inserted.push(entry);
        touched.add(entry.label);
      } else {
        this.byName.delete(key);
        removedLabels.push(have!.label);
        removed.push(this.ownerOf(have!.label));
      }
    }
    for (const label of removedLabels) {
      const i = this.indexOf(label);
      if (i >= 0) this.order.splice(i, 1);
    }
    for (const entry of inserted) {
      const at = lastBefore(this.order, entry.label) + 1;
      const there = this.order[at];
      if (there?.label === entry.label) this.collision(entry, there);
      this.order.splice(at, 0, entry);
    }

    const ttl = denialTtl(zone);
    if (ttl !== this.ttl) {
      this.ttl = ttl;
      return { upserts: this.rrsets(), removed };
    }
    // RFC 5155 §3.1.7: the predecessor of a hash that came or went changes its next hashed owner.
    if (this.order.length > 0) {
      for (const label of [...inserted.map((e) => e.label), ...removedLabels]) {
        const i = lastBefore(this.order, label);
        touched.add(this.order[i >= 0 ? i : this.order.length - 1]!.label);
      }
    }
    const upserts: RRset[] = [];
    for (const label of [...touched].sort()) {
      const i = this.indexOf(label);
      if (i >= 0) upserts.push(this.rrsetAt(i));
    }
    return { upserts, removed };
  }

  /**
   * The bit map types of a name with data in the chain, or null: the name is glue or occluded, an
   * empty non-terminal, or (with opt-out) an unsigned delegation.
   */
  private dataTypesOf(zone: Zone, node: ZoneNode): number[] | null {
    if (node.belowCut) return null;
    let types = dataTypes(node);
    if (types.length === 0) return null;
    if (node.isDelegation) {
      types = delegationTypes(types);
      const signed = types.includes(RRType.DS);
      // RFC 5155 §6 / §7.1: with opt-out, an unsigned delegation has no NSEC3.
      if (!signed && this.optOut) return null;
      // RFC 4035 §2.2: at a delegation only the DS is signed; NS and glue are not.
      return signed ? withTypes(types, RRType.RRSIG) : types;
    }
    // RFC 5155 §4 / §7.1: the NSEC3PARAM the signer puts at the apex, and the RRSIGs over the data.
    return node.name.key === zone.origin.key ? withTypes(types, RRType.RRSIG, RRType.NSEC3PARAM) : withTypes(types, RRType.RRSIG);
  }

  private add(name: Name, types: number[], data: boolean): Entry {
    const label = base32HexLower(nsec3Hash(name, this.params));
    const entry: Entry = { name, label, types: this.typeSets.of(types), data };
    this.byName.set(name.key, entry);
    return entry;
  }

  /** Adds `delta` to the count of every name above `key` up to the apex. */
  private countAbove(key: string, delta: number): void {
    const apexLength = this.origin.key.length;
    for (let i = key.charCodeAt(0) + 1; key.length - i >= apexLength; i += key.charCodeAt(i) + 1) {
      const above = key.slice(i);
      const n = (this.support.get(above) ?? 0) + delta;
      if (n === 0) this.support.delete(above);
      else this.support.set(above, n);
      if (key.charCodeAt(i) === 0) break;
    }
  }

  /** The index of the entry with `label` in the chain, or -1. */
  private indexOf(label: string): number {
    const i = lastBefore(this.order, label + '\0');
    return i >= 0 && this.order[i]!.label === label ? i : -1;
  }

  /** RFC 5155 §7.1: two names with one hash cannot both be proven; another salt is needed. */
  private collision(a: Entry, b: Entry): never {
    throw new DenialError(`NSEC3 hash collision in ${this.origin}: ${a.name} and ${b.name} both hash to ${a.label}; choose another salt (RFC 5155 §7.1)`, {
      zone: this.origin.toString(),
      names: [a.name.toString(), b.name.toString()],
    });
  }

  private ownerOf(label: string): Name {
    return this.origin.prepend(label);
  }

  private rrsetAt(i: number): RRset {
    const entry = this.order[i]!;
    const next = this.order[(i + 1) % this.order.length]!;
    const bitmap = entry.types.bitmap;
    const head = this.rdataHead;
    // RFC 5155 §3.2: the parameters, the next hashed owner (the hash back from its label), the type bit maps.
    const rdata = new Uint8Array(head.length + HASH_LENGTH + bitmap.length);
    rdata.set(head, 0);
    const end = base32HexLowerInto(next.label, rdata, head.length);
    rdata.set(bitmap, end);
    return { owner: this.ownerOf(entry.label), type: RRType.NSEC3, ttl: this.ttl, rdata: [rdata] };
  }

}

/** The NSEC3 chain of `zone` and its NSEC3PARAM, RFC 9276 defaults unless `options` says otherwise. */
export function nsec3RRsets(zone: Zone, options: Nsec3Options = {}): { nsec3: RRset[]; nsec3param: RRset } {
  const chain = Nsec3Chain.build(zone, options);
  return { nsec3: chain.rrsets(), nsec3param: chain.nsec3param() };
}

/** Index of the last entry of `sorted` whose label sorts strictly before `label`, or -1. */
function lastBefore(sorted: readonly Entry[], label: string): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.label < label) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
