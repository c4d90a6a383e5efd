import { sameBytes } from '../dns/bytes';
import type { Name } from '../dns/name';
import { RRType, typeToString } from '../dns/constants';
import { rdataToText } from '../dns/rdata/registry';
import { LayeredMap } from './layered-map';
import { Zone, ZoneNode, recordTtl, type RRset } from './zone';
import { ZoneBuilder, ZoneCheckError, checkNode, checkRecord, withTtls, type ZoneProblem, type ZoneRecord } from './zone-builder';
import { DnsfleetError } from '../dns/error';

/**
 * The one change path for a zone (STYLE.md, after Knot's zone_update_init → add/remove →
 * commit): records removed from and added to a base version, then built into a new immutable
 * `Zone` by `ZoneBuilder`, so a changed zone passes the same checks as a loaded one. The base
 * is never touched; a failed update leaves nothing behind.
 *
 * `commit` makes the new version share every name it did not change with the base (a
 * LayeredMap of nodes over the base's), checking the names it changed with the same functions
 * ZoneBuilder uses: its cost is that of the change, not of the zone. A change that alters the
 * shape of the tree beyond adding names — a name that loses all its records, a delegation that
 * appears or goes at a name that had records — rebuilds the whole zone through ZoneBuilder,
 * which is the reference the shared path is tested against (zone-update.test.ts).
 */

/** A change that does not fit the version it is applied to: it names the zone and the record. */
export class ZoneUpdateError extends DnsfleetError {
  constructor(
    readonly zone: string,
    readonly record: string,
    readonly reason: string,
  ) {
    super(`zone ${zone}: ${reason}: ${record}`, { zone, record });
    this.name = 'ZoneUpdateError';
  }
}

interface ChangedSet {
  owner: Name;
  ttl: number;
  rdata: Uint8Array[];
  /** RRSIG: each record's own TTL (RFC 4034 §3), parallel to rdata. */
  ttls?: number[];
}

export class ZoneUpdate {
  /** RRsets touched so far, by owner key then type, holding their new content. */
  private readonly changed = new Map<string, Map<number, ChangedSet>>();
  private removedCount = 0;
  private addedCount = 0;

  constructor(readonly base: Zone) {}

  get removed(): number {
    return this.removedCount;
  }

  get added(): number {
    return this.addedCount;
  }

  /** Removes one record, which must be in the zone as updated so far (TTL not compared). */
  remove(record: ZoneRecord): this {
    const set = this.touch(record.owner, record.type);
    const i = set.rdata.findIndex((r) => sameBytes(r, record.rdata));
    if (i < 0) throw new ZoneUpdateError(this.base.origin.toString(), describe(record), 'removes a record that is not in the zone');
    set.rdata.splice(i, 1);
    set.ttls?.splice(i, 1);
    this.removedCount++;
    return this;
  }

  /**
   * Adds one record, which must not be in the zone yet. The RRset takes the TTL of the record
   * added last: RFC 2181 §5.2 wants one TTL per RRset, and a primary changing a TTL sends the
   * whole RRset again with the new one.
   */
  add(record: ZoneRecord): this {
    const problem = checkRecord(record, this.base.origin);
    if (problem !== undefined) throw new ZoneUpdateError(this.base.origin.toString(), describe(record), problem);
    const set = this.touch(record.owner, record.type);
    if (set.rdata.some((r) => sameBytes(r, record.rdata))) {
      throw new ZoneUpdateError(this.base.origin.toString(), describe(record), 'adds a record that is already in the zone');
    }
    set.rdata.push(record.rdata);
    set.ttl = record.ttl;
    if (set.ttls) {
      set.ttls.push(record.ttl);
      set.ttl = Math.min(...set.ttls);
    }
    this.addedCount++;
    return this;
  }

  /**
   * Builds the new version: every RRset of the base that was not touched, and the touched ones
   * as they are now. Throws ZoneCheckError (from ZoneBuilder) when the result fails the checks.
   */
  commit(source?: string, options: { rebuild?: boolean } = {}): { zone: Zone; warnings: readonly ZoneProblem[] } {
    return (!options.rebuild && this.commitShared()) || this.rebuild(source);
  }

  /** The new version sharing untouched names with the base; undefined when only a rebuild will do. */
  private commitShared(): { zone: Zone; warnings: readonly ZoneProblem[] } | undefined {
    const origin = this.base.origin;
    const before = this.base.nodes;
    const layer = new Map<string, ZoneNode | undefined>();
    const added: ZoneNode[] = [];
    const problems: ZoneProblem[] = [];
    for (const [key, byType] of this.changed) {
      const old = before.get(key);
      const node = new ZoneNode(old?.name ?? byType.values().next().value!.owner);
      if (old) for (const rrset of old.rrsets.values()) if (!byType.has(rrset.type)) node.rrsets.set(rrset);
      for (const [type, set] of byType) if (set.rdata.length > 0) node.rrsets.set(changedRRset(type, set));
      if (node.rrsets.size === 0) {
        // Nothing left at a name that had data: it becomes an empty non-terminal or goes away,
        // with its empty ancestors; that needs to know its descendants, which a rebuild does.
        if (old && !old.isEmptyNonTerminal) return undefined;
        continue;
      }
      // RFC 1034 §4.2.1: NS at a name other than the apex is a delegation point.
      node.isDelegation = key !== origin.key && node.rrsets.has(RRType.NS);
      // A cut that appears or goes at an existing name changes what lies below it: rebuild.
      if (old && node.isDelegation !== old.isDelegation) return undefined;
      if (old) node.belowCut = old.belowCut;
      else added.push(node);
      checkNode(node, origin, problems);
      layer.set(key, node);
    }
    const view = (key: string): ZoneNode | undefined => (layer.has(key) ? layer.get(key) : before.get(key));
    for (const node of added) {
      node.belowCut = belowCut(node.name, origin, view);
      // RFC 4592 §2.2.2: the ancestors of a new name, up to the apex, exist.
      for (let name = node.name.parent(); name && name.key.length > origin.key.length && !view(name.key); name = name.parent()) {
        const empty = new ZoneNode(name);
        empty.belowCut = belowCut(name, origin, view);
        layer.set(name.key, empty);
      }
    }
    const apex = view(origin.key);
    const soa = apex?.rrsets.get(RRType.SOA);
    if (!soa) problems.push({ message: `zone ${origin} has no SOA record at its apex` });
    else if (soa.rdata.length > 1) problems.push({ message: `zone ${origin} has ${soa.rdata.length} SOA records; exactly one is allowed` });
    if (problems.length > 0) throw new ZoneCheckError(origin.toString(), problems);
    const warnings = apex!.rrsets.has(RRType.NS) ? [] : [{ message: `zone ${origin} has no NS records at its apex` }];
    const count = this.base.recordCount - this.removedCount + this.addedCount;
    return { zone: new Zone(origin, LayeredMap.of(before, layer), soa!, count), warnings };
  }

  /** The whole zone again through ZoneBuilder: the reference for commitShared. */
  private rebuild(source: string | undefined): { zone: Zone; warnings: readonly ZoneProblem[] } {
    const builder = new ZoneBuilder(this.base.origin);
    for (const [key, node] of this.base.nodes) {
      const touched = this.changed.get(key);
      for (const rrset of node.rrsets.values()) {
        if (touched?.has(rrset.type)) continue;
        rrset.rdata.forEach((rdata, i) => builder.add({ owner: rrset.owner, type: rrset.type, ttl: recordTtl(rrset, i), rdata }, source));
      }
    }
    for (const [type, set] of this.changedSets()) {
      set.rdata.forEach((rdata, i) => builder.add({ owner: set.owner, type, ttl: set.ttls?.[i] ?? set.ttl, rdata }, source));
    }
    return { zone: builder.build(), warnings: builder.warnings };
  }

  private *changedSets(): Generator<[number, ChangedSet]> {
    for (const byType of this.changed.values()) yield* byType;
  }

  private touch(owner: Name, type: number): ChangedSet {
    let byType = this.changed.get(owner.key);
    if (!byType) this.changed.set(owner.key, (byType = new Map()));
    let set = byType.get(type);
    if (!set) {
      const existing = this.base.node(owner)?.rrsets.get(type);
      set = existing ? { owner: existing.owner, ttl: existing.ttl, rdata: [...existing.rdata] } : { owner, ttl: 0, rdata: [] };
      if (type === RRType.RRSIG) set.ttls = set.rdata.map((_, i) => (existing ? recordTtl(existing, i) : 0));
      byType.set(type, set);
    }
    return set;
  }
}

function changedRRset(type: number, set: ChangedSet): RRset {
  if (set.ttls) return withTtls({ owner: set.owner, type, ttl: Math.min(...set.ttls), rdata: set.rdata }, set.ttls);
  return { owner: set.owner, type, ttl: set.ttl, rdata: set.rdata };
}

/** At or below a delegation point strictly between the apex and `name` (glue or occluded data). */
function belowCut(name: Name, origin: Name, view: (key: string) => ZoneNode | undefined): boolean {
  for (let up = name.parent(); up && up.key.length > origin.key.length; up = up.parent()) if (view(up.key)?.isDelegation) return true;
  return false;
}

function describe(record: ZoneRecord): string {
  return `${record.owner} ${record.ttl} ${typeToString(record.type)} ${rdataToText(record.type, record.rdata)}`;
}
