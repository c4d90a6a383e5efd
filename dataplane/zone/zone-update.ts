import type { Name } from '../dns/name';
import { typeToString } from '../dns/constants';
import { rdataToText } from '../dns/rdata/registry';
import type { Zone } from './zone';
import { ZoneBuilder, type ZoneRecord } from './zone-builder';

/**
 * The one change path for a zone (STYLE.md, after Knot's zone_update_init → add/remove →
 * commit): records removed from and added to a base version, then built into a new immutable
 * `Zone` by `ZoneBuilder`, so a changed zone passes the same checks as a loaded one. The base
 * is never touched; a failed update leaves nothing behind.
 *
 * `commit` rebuilds the whole zone: its cost is that of loading the zone (see docs/transfers.md
 * for the figures and for how a version could share structure with the previous one).
 */

/** A change that does not fit the version it is applied to: it names the zone and the record. */
export class ZoneUpdateError extends Error {
  constructor(
    readonly zone: string,
    readonly record: string,
    readonly reason: string,
  ) {
    super(`zone ${zone}: ${reason}: ${record}`);
    this.name = 'ZoneUpdateError';
  }
}

interface ChangedSet {
  owner: Name;
  ttl: number;
  rdata: Uint8Array[];
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
    this.removedCount++;
    return this;
  }

  /**
   * Adds one record, which must not be in the zone yet. The RRset takes the TTL of the record
   * added last: RFC 2181 §5.2 wants one TTL per RRset, and a primary changing a TTL sends the
   * whole RRset again with the new one.
   */
  add(record: ZoneRecord): this {
    const set = this.touch(record.owner, record.type);
    if (set.rdata.some((r) => sameBytes(r, record.rdata))) {
      throw new ZoneUpdateError(this.base.origin.toString(), describe(record), 'adds a record that is already in the zone');
    }
    set.rdata.push(record.rdata);
    set.ttl = record.ttl;
    this.addedCount++;
    return this;
  }

  /**
   * Builds the new version: every RRset of the base that was not touched, and the touched ones
   * as they are now. Throws ZoneCheckError (from ZoneBuilder) when the result fails the checks.
   */
  commit(source?: string): { zone: Zone; warnings: ZoneBuilder['warnings'] } {
    const builder = new ZoneBuilder(this.base.origin);
    for (const [key, node] of this.base.nodes) {
      const touched = this.changed.get(key);
      for (const rrset of node.rrsets.values()) {
        if (touched?.has(rrset.type)) continue;
        for (const rdata of rrset.rdata) builder.add({ owner: rrset.owner, type: rrset.type, ttl: rrset.ttl, rdata }, source);
      }
    }
    for (const [type, set] of this.changedSets()) {
      for (const rdata of set.rdata) builder.add({ owner: set.owner, type, ttl: set.ttl, rdata }, source);
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
      byType.set(type, set);
    }
    return set;
  }
}

function describe(record: ZoneRecord): string {
  return `${record.owner} ${record.ttl} ${typeToString(record.type)} ${rdataToText(record.type, record.rdata)}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
