import type { Name } from '../dns/name';
import type { Zone } from './zone';

/**
 * The zones one server answers for, as an immutable snapshot. A reload builds a new set and
 * swaps it in whole, so a query is always answered from one consistent view.
 */
export class ZoneSet {
  private readonly byOrigin: ReadonlyMap<string, Zone>;

  constructor(zones: Iterable<Zone>) {
    const map = new Map<string, Zone>();
    for (const zone of zones) map.set(zone.origin.key, zone);
    this.byOrigin = map;
  }

  get size(): number {
    return this.byOrigin.size;
  }

  zones(): IterableIterator<Zone> {
    return this.byOrigin.values();
  }

  /** The zone whose origin is exactly `origin`. */
  get(origin: Name): Zone | undefined {
    return this.byOrigin.get(origin.key);
  }

  /** The most specific zone that contains `name` (the longest matching origin). */
  find(name: Name): Zone | undefined {
    return this.findByKey(name.key);
  }

  /** Same as `find`, on a wire-format key (see Name.key). */
  findByKey(key: string): Zone | undefined {
    for (let i = 0; ; i += key.charCodeAt(i) + 1) {
      const zone = this.byOrigin.get(i === 0 ? key : key.slice(i));
      if (zone) return zone;
      if (key.charCodeAt(i) === 0) return undefined;
    }
  }

  /** A new set with `zone` added or replaced. */
  with(zone: Zone): ZoneSet {
    const next = new Map(this.byOrigin);
    next.set(zone.origin.key, zone);
    return new ZoneSet(next.values());
  }

  /** A new set without the zone at `origin`. */
  without(origin: Name): ZoneSet {
    const next = new Map(this.byOrigin);
    next.delete(origin.key);
    return new ZoneSet(next.values());
  }
}
