/**
 * Where the operator puts zones and the nameserver clouds take them from. The data model is
 * documented in docs/redis.md; `MemoryZoneStore` and `RedisZoneStore` implement it and pass the
 * same test suite (zone-store.suite.ts).
 *
 * Every change gets a version from one counter, so a reader that has seen version N asks for
 * what came after N and misses nothing, in order. A snapshot is the whole zone in master-file
 * text: one write replaces it atomically, and a cloud never sees half a change.
 */

/** Which clouds serve a zone: the named ones, or every cloud. */
export type CloudSelector = readonly string[] | 'all';

export interface ZoneSnapshot {
  /** Absolute zone name in lower case, e.g. `example.com.` */
  readonly origin: string;
  readonly serial: number;
  readonly clouds: CloudSelector;
  /** The zone as RFC 1035 master-file text, with `$ORIGIN`. */
  readonly text: string;
}

export interface StoredZone extends ZoneSnapshot {
  /** The store version of the change that wrote this snapshot. */
  readonly version: number;
}

export type ZoneChange =
  | { readonly kind: 'put'; readonly origin: string; readonly serial: number; readonly version: number }
  | { readonly kind: 'delete'; readonly origin: string; readonly version: number };

/** What one dataplane pod serves, as it last reported. */
export interface PodReport {
  readonly pod: string;
  /** Zone origin → serial served. */
  readonly serials: ReadonlyMap<string, number>;
  /** Milliseconds since the epoch of the report. */
  readonly at: number;
}

export interface ZoneStore {
  /** Writes a zone snapshot and announces the change, atomically. Returns the change's version. */
  putZone(zone: ZoneSnapshot): Promise<number>;
  /** Removes a zone and announces it. Returns the change's version (0 when there was nothing). */
  deleteZone(origin: string): Promise<number>;
  getZone(origin: string): Promise<StoredZone | undefined>;
  /** Every zone, with the version of the store they were read at. */
  listZones(): Promise<{ zones: StoredZone[]; version: number }>;
  /**
   * Changes after `version`, oldest first; waits up to `waitMs` when there are none yet. Returns
   * `reset` when the changes after `version` are no longer kept: the reader must list again.
   */
  changesSince(version: number, waitMs: number): Promise<{ changes: ZoneChange[]; reset: boolean }>;
  /** A pod's report of the serials it serves; kept for `ttlSeconds` unless renewed. */
  reportServed(cloud: string, pod: string, serials: ReadonlyMap<string, number>, ttlSeconds: number): Promise<void>;
  /** The live reports of a cloud's pods. */
  servedBy(cloud: string): Promise<PodReport[]>;
  close(): Promise<void>;
}

/** A zone name as the store keys it: absolute, lower case. */
export function storeOrigin(name: string): string {
  const absolute = name.endsWith('.') ? name : `${name}.`;
  return absolute.toLowerCase();
}

/**
 * The name the control server reports under. It holds every zone, whatever clouds serve it, to
 * transfer zones out; Kubernetes names cannot begin with `@`, so no cloud can be called this.
 */
export const CONTROL_SERVER = '@control';

export function servesCloud(zone: Pick<ZoneSnapshot, 'clouds'>, cloud: string): boolean {
  return zone.clouds === 'all' || cloud === CONTROL_SERVER || zone.clouds.includes(cloud);
}
