import { canonicalCompare, type Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { nsec3HashLabel, type Nsec3Params } from './nsec3-hash';
import { recordTtl, type RRset, type Zone, type ZoneNode } from './zone';
import { ITEMS_PER_STEP, runSteps, sortInSteps, type Steps } from './steps';

/**
 * What answering DNSSEC-aware needs from a signed zone version (RFC 4035 §3.1), built once per
 * version on the first query with the DO bit and dropped with the version:
 * - the RRSIGs at a node grouped by the type they cover (RFC 4034 §3.1.1), each group with the
 *   TTL of the RRset it covers;
 * - the NSEC chain: the names holding an NSEC, in canonical order (RFC 4034 §6.1), to find the NSEC
 *   that covers a name (RFC 4035 §3.1.3);
 * - or, for a zone using NSEC3 (RFC 5155), its parameters and the hashed owners in order, to find
 *   the NSEC3 that matches or covers a name (RFC 5155 §7.2).
 *
 * A zone without a DNSKEY at its apex is not signed: `dnssecOf` gives null and the answer logic
 * adds nothing, so unsigned zones pay one lookup per DO query and nothing otherwise.
 * The zone is pre-signed: nothing here signs or checks signatures.
 */

export type { Nsec3Params } from './nsec3-hash';

interface HashedOwner {
  /** The first label of the NSEC3 owner: the hash in lower-case base32hex (RFC 5155 §3.3). */
  readonly hash: string;
  readonly node: ZoneNode;
}

const cache = new WeakMap<Zone, ZoneDnssec | null>();

/** The DNSSEC view of a zone version, or null when the zone is not signed. */
export function dnssecOf(zone: Zone): ZoneDnssec | null {
  let sec = cache.get(zone);
  if (sec === undefined) {
    sec = zone.apex.rrsets.has(RRType.DNSKEY) ? new ZoneDnssec(zone, nsec3ParamsOf(zone)) : null;
    cache.set(zone, sec);
  }
  return sec;
}

/**
 * A new zone version made ready to answer: for a signed zone, its denial chain ordered (see
 * ZoneDnssec.prepareSteps), so that the first negative answer does not pay for it.
 */
export function* preparedSteps(zone: Zone): Steps<Zone> {
  const sec = dnssecOf(zone);
  if (sec) yield* sec.prepareSteps();
  return zone;
}

export class ZoneDnssec {
  private readonly signatureGroups = new Map<ZoneNode, Map<number, RRset>>();
  /** NSEC3 hashes of names in the zone and of wildcards at them, by key (see `hash`). */
  private readonly hashes = new Map<string, string>();
  private nsecChain: readonly ZoneNode[] | undefined;
  private nsec3Chain: readonly HashedOwner[] | undefined;

  constructor(
    readonly zone: Zone,
    /** Null for an NSEC zone. */
    readonly nsec3: Nsec3Params | null,
  ) {}

  /** The type of denial records this zone uses: NSEC or NSEC3. */
  get denialType(): number {
    return this.nsec3 ? RRType.NSEC3 : RRType.NSEC;
  }

  /** The RRSIGs at `node` that cover `type` (RFC 4035 §3.1.1), as one RRSIG RRset. */
  signatures(node: ZoneNode, type: number): RRset | undefined {
    const rrsig = node.rrsets.get(RRType.RRSIG);
    if (!rrsig) return undefined;
    let groups = this.signatureGroups.get(node);
    if (!groups) this.signatureGroups.set(node, (groups = groupByTypeCovered(rrsig)));
    return groups.get(type);
  }

  /** All RRSIGs at `node`, one RRset per type covered, in zone order (an explicit RRSIG query). */
  allSignatures(node: ZoneNode): RRset[] {
    const rrsig = node.rrsets.get(RRType.RRSIG);
    if (!rrsig) return [];
    this.signatures(node, 0);
    return [...this.signatureGroups.get(node)!.values()];
  }

  /**
   * The node whose NSEC covers or matches `name`: the last name of the NSEC chain that sorts at
   * or before it (RFC 4034 §6.1). Empty non-terminals and glue have no NSEC and are passed over,
   * so for them it is the NSEC that proves they hold no data. The apex starts the chain, so any
   * name in the zone has one.
   */
  nsecCovering(name: Name): ZoneNode | undefined {
    const chain = (this.nsecChain ??= runSteps(this.nsecChainSteps()));
    let lo = 0;
    let hi = chain.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (canonicalCompare(chain[mid]!.name, name) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return chain[found >= 0 ? found : chain.length - 1];
  }

  /**
   * RFC 5155 §5: the hash of `name` in lower-case base32hex, as in the NSEC3 owner label. Hashes of
   * names of the zone and of wildcards below them (closest enclosers, source of synthesis) are
   * kept: every negative answer needs them again. Query names are not, so a flood of random names
   * cannot grow the memory.
   */
  hash(name: Name): string {
    const known = this.hashes.get(name.key);
    if (known !== undefined) return known;
    const hash = nsec3HashLabel(name, this.nsec3!);
    const key = name.key;
    if (this.zone.nodes.has(key) || (name.isWildcard() && this.zone.nodes.has(key.slice(2)))) this.hashes.set(key, hash);
    return hash;
  }

  /** The node of the NSEC3 whose hashed owner is the hash of `name` (RFC 5155 §7.2.3), if any. */
  nsec3Matching(name: Name): ZoneNode | undefined {
    const chain = this.hashedChain();
    const h = this.hash(name);
    const i = this.lastAtOrBefore(h);
    return i >= 0 && chain[i]!.hash === h ? chain[i]!.node : undefined;
  }

  /**
   * The node of the NSEC3 that covers `name`: the last hashed owner before its hash, or the last
   * of the chain when the hash sorts before the first (the chain wraps, RFC 5155 §3.1.7).
   */
  nsec3Covering(name: Name): ZoneNode | undefined {
    const chain = this.hashedChain();
    if (chain.length === 0) return undefined;
    const h = this.hash(name);
    let i = this.lastAtOrBefore(h);
    if (i >= 0 && chain[i]!.hash === h) i--;
    return chain[i >= 0 ? i : chain.length - 1]!.node;
  }

  private lastAtOrBefore(hash: string): number {
    const chain = this.hashedChain();
    let lo = 0;
    let hi = chain.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (chain[mid]!.hash <= hash) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** The NSEC3 owners one label below the apex, by hash; base32hex sorts as the hash octets do. */
  private hashedChain(): readonly HashedOwner[] {
    return (this.nsec3Chain ??= runSteps(this.nsec3ChainSteps()));
  }

  /**
   * Orders the denial chain now, in steps (zone/steps.ts), instead of at the first negative answer:
   * for a signed zone of a million names that is a second of work, which must not fall on a query
   * (ADR 0009). Callers that build zones in slices run it before they swap the zone in.
   */
  *prepareSteps(): Steps<void> {
    if (this.nsec3) this.nsec3Chain ??= yield* this.nsec3ChainSteps();
    else this.nsecChain ??= yield* this.nsecChainSteps();
  }

  private *nsecChainSteps(): Steps<readonly ZoneNode[]> {
    const sorted = yield* this.zone.sortedNodesSteps();
    const chain: ZoneNode[] = [];
    for (let i = 0; i < sorted.length; i++) {
      if (sorted[i]!.rrsets.has(RRType.NSEC)) chain.push(sorted[i]!);
      if ((i + 1) % ITEMS_PER_STEP === 0) yield;
    }
    return chain;
  }

  private *nsec3ChainSteps(): Steps<readonly HashedOwner[]> {
    const apexLength = this.zone.origin.key.length;
    const chain: HashedOwner[] = [];
    let n = 0;
    for (const node of this.zone.nodes.values()) {
      if (++n % ITEMS_PER_STEP === 0) yield;
      const key = node.name.key;
      if (!node.rrsets.has(RRType.NSEC3) || key.length - key.charCodeAt(0) - 1 !== apexLength) continue;
      chain.push({ hash: key.slice(1, 1 + key.charCodeAt(0)), node });
    }
    return yield* sortInSteps(chain, (a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  }
}

/** The type an RRSIG covers: its first two octets (RFC 4034 §3.1.1). */
export function typeCovered(rrsigRdata: Uint8Array): number {
  return (rrsigRdata[0]! << 8) | rrsigRdata[1]!;
}

function groupByTypeCovered(rrsig: RRset): Map<number, RRset> {
  const parts = new Map<number, { ttl: number; rdata: Uint8Array[] }>();
  rrsig.rdata.forEach((rdata, i) => {
    const type = typeCovered(rdata);
    const ttl = recordTtl(rrsig, i);
    const part = parts.get(type);
    if (!part) parts.set(type, { ttl, rdata: [rdata] });
    else {
      part.rdata.push(rdata);
      part.ttl = Math.min(part.ttl, ttl);
    }
  });
  const groups = new Map<number, RRset>();
  for (const [type, part] of parts) groups.set(type, { owner: rrsig.owner, type: RRType.RRSIG, ttl: part.ttl, rdata: part.rdata });
  return groups;
}

/**
 * NSEC3 parameters from the NSEC3PARAM at the apex (RFC 5155 §4), else from any NSEC3 record;
 * null when the zone has neither (an NSEC zone).
 */
function nsec3ParamsOf(zone: Zone): Nsec3Params | null {
  let rdata = zone.apex.rrsets.get(RRType.NSEC3PARAM)?.rdata[0];
  if (!rdata && !zone.apex.rrsets.has(RRType.NSEC)) {
    for (const node of zone.nodes.values()) {
      rdata = node.rrsets.get(RRType.NSEC3)?.rdata[0];
      if (rdata) break;
    }
  }
  if (!rdata) return null;
  // RFC 5155 §3.2 / §4.2: hash algorithm, flags, iterations (2 octets), salt length, salt.
  const saltLength = rdata[4]!;
  return { algorithm: rdata[0]!, iterations: (rdata[2]! << 8) | rdata[3]!, salt: rdata.slice(5, 5 + saltLength) };
}
