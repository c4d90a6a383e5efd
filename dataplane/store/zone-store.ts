/**
 * Where the operator puts zones and the nameserver clouds take them from. The data model is
 * documented in docs/redis.md; `MemoryZoneStore` and `RedisZoneStore` implement it and pass the
 * same test suite (zone-store.suite.ts).
 *
 * Every change gets a version from one counter, so a reader that has seen version N asks for
 * what came after N and misses nothing, in order. A snapshot is the whole zone in master-file
 * text: one write replaces it atomically, and a cloud never sees half a change.
 *
 * The store has an identity, its epoch (ADR 0007): a store that lost its data (Redis emptied,
 * restarted without persistence, or restored from an older copy) has a new one. What a store of
 * a new epoch does not hold was not deleted, only not yet written again: readers keep what they
 * have until the operator marks the epoch complete.
 */

import type { StoreHealth } from './store-health';
import type { CloudSelector, OutboundTarget, SecondaryConfig } from '../zone/secondary-config';
import { DnsfleetError } from '../dns/error';
import type { SealedKey, SigningOrder } from '../dnssec/signing-order';

// The store's interface speaks these; they live below it so manifests need not import the store.
export { storeOrigin, type CloudSelector, type OutboundTarget, type SecondaryConfig } from '../zone/secondary-config';

/** The store could not be reached (or did not answer in time); names the operation and the store. */
export class StoreUnavailableError extends DnsfleetError {
  override name = 'StoreUnavailableError';
  constructor(
    readonly operation: string,
    readonly store: string,
    readonly reason: string,
  ) {
    super(`zone store ${store}: ${operation}: ${reason}`, { operation, store });
  }
}

/**
 * The store answered, but refused a write for want of memory (Redis `maxmemory` with the
 * `noeviction` policy, which the store needs: evicting would drop zones). What was written before
 * stays and keeps serving; the write is tried again.
 */
export class StoreFullError extends DnsfleetError {
  override name = 'StoreFullError';
  constructor(
    readonly operation: string,
    readonly store: string,
    readonly reason: string,
  ) {
    super(`zone store ${store} is full: ${operation}: ${reason}`, { operation, store });
  }
}

/** The store's identity and how far it has been written in it. */
export interface StoreEpoch {
  /** Random, made by whoever first finds the store without one. */
  readonly id: string;
  /** The operator has written every zone and secondary zone configuration in this epoch. */
  readonly complete: boolean;
  /** The control server has written its copies of the secondary zones in this epoch. */
  readonly copiesRewritten: boolean;
  /** The version counter as read with the epoch. */
  readonly version: number;
}

export interface ZoneSnapshot {
  /** Absolute zone name in lower case, e.g. `example.com.` */
  readonly origin: string;
  readonly serial: number;
  readonly clouds: CloudSelector;
  /** Customer secondaries of the zone (`spec.secondaries`), for the control server. */
  readonly secondaries?: readonly OutboundTarget[];
  /** The zone as RFC 1035 master-file text, with `$ORIGIN`. */
  readonly text: string;
  /**
   * Who wrote it (the operator's `Kind/namespace/name`). An owned zone is replaced only by a write
   * of the same owner and removed only by its owner's delete (see `ZoneOwnedError`).
   */
  readonly owner?: string;
}

export interface StoredZone extends ZoneSnapshot {
  /** The store version of the change that wrote this snapshot. */
  readonly version: number;
}

export type ZoneChange =
  /** `catchUp`: the snapshot of a version a `diff` already described; a pod serving `serial` may skip it. */
  | { readonly kind: 'put'; readonly origin: string; readonly serial: number; readonly version: number; readonly catchUp?: boolean }
  | { readonly kind: 'delete'; readonly origin: string; readonly version: number }
  | ({ readonly kind: 'diff'; readonly version: number } & ZoneDiff);

/**
 * An incremental change of a zone (from an IXFR): the records removed from version `fromSerial`
 * and added to make `serial`, in master-file text. It travels in the change stream only: pods
 * serving `fromSerial` apply it at once; the others wait for the snapshot that follows it.
 */
export interface ZoneDiff {
  readonly origin: string;
  readonly fromSerial: number;
  readonly serial: number;
  readonly removed: string;
  readonly added: string;
  /** The writer, checked like a snapshot's owner. */
  readonly owner?: string;
}

/** What one dataplane pod serves, as it last reported. */
export interface PodReport {
  readonly pod: string;
  /** Zone origin → serial served. */
  readonly serials: ReadonlyMap<string, number>;
  /** Milliseconds since the epoch of the report. */
  readonly at: number;
}

/** What the control server reports about a secondary zone; the operator turns it into status. */
export interface SecondaryState {
  readonly origin: string;
  /** Serial of the copy written for the clouds. */
  readonly serial?: number;
  /** Milliseconds since the epoch of the last successful transfer. */
  readonly lastTransferMs?: number;
  /** No primary answered for `expire`: the clouds no longer serve the zone. */
  readonly expired: boolean;
  readonly presigned: boolean;
  readonly primaries: ReadonlyArray<{ readonly address: string; readonly port: number; readonly ok: boolean; readonly error?: string; readonly lastAttemptMs?: number }>;
  /** The `retrieve` value last acted on. */
  readonly retrieved?: string;
  /** Why the last check failed, in a few words; empty when it did not. */
  readonly problem: string;
}

/**
 * A zone the control server signs (issue #11, ADR 0015): the signing order (keys sealed) from
 * the operator, and for a primary zone its unsigned version. The control server signs it and
 * writes the signed version as the zone's snapshot (`putZone`, same owner); for a secondary zone
 * (no `unsigned`) it signs each copy it transfers before writing it.
 */
export interface SignedZoneEntry {
  readonly origin: string;
  readonly owner?: string;
  readonly order: SigningOrder<SealedKey>;
  readonly unsigned?: UnsignedZone;
}

/** A primary zone's unsigned version, for the signer: what a snapshot holds but the signed serial. */
export interface UnsignedZone {
  /** The serial of the unsigned zone (the operator's); the signed one is the control server's. */
  readonly serial: number;
  readonly text: string;
  readonly clouds: CloudSelector;
  readonly secondaries?: readonly OutboundTarget[];
}

/** An entry as listed: everything but the unsigned text (read it with `getSigned`). */
export interface SignedZoneHead {
  readonly origin: string;
  readonly owner?: string;
  readonly order: SigningOrder<SealedKey>;
  /** The unsigned serial of a primary zone. */
  readonly unsignedSerial?: number;
}

/** What the control server reports about a zone it signs; the operator shows it in status. */
export interface SigningReport {
  readonly origin: string;
  /** The serial of the signed version written for the clouds (ours, RFC 1982 monotonic). */
  readonly signedSerial?: number;
  /** The serial of the unsigned version it was made from (the operator's, or the customer primary's). */
  readonly unsignedSerial?: number;
  /** Milliseconds since the epoch of the last signing. */
  readonly signedAt?: number;
  /** Milliseconds since the epoch when the first signature of the served version expires. */
  readonly expiresAt?: number;
  /** The largest TTL and the negative TTL of the unsigned zone (for a secondary zone's key timings, RFC 7583 §3). */
  readonly maxTTL?: number;
  readonly negativeTTL?: number;
  /** Why the last signing failed, in a few words; empty when it did not. */
  readonly problem: string;
}

/**
 * A write refused because another owner holds the zone name: the snapshot at `origin`, or the
 * secondary zone configuration there, was written by `owner`, not by `writer`. It is the store's
 * guard behind the operator's own decision (docs/adr/0008-zone-name-ownership.md): two operator
 * replicas racing, or a reconcile working from a stale view, cannot replace another's zone.
 */
export class ZoneOwnedError extends DnsfleetError {
  override name = 'ZoneOwnedError';
  constructor(
    readonly origin: string,
    readonly owner: string,
    readonly writer: string | undefined,
  ) {
    super(`zone ${origin} belongs to ${owner}: a write by ${writer ?? 'a writer without an owner'} is refused`, { origin, owner, writer });
  }
}

/** Whether `writer` may replace what `held` wrote: an unowned name is anyone's. */
export function mayWrite(held: string | undefined, writer: string | undefined): boolean {
  return !held || held === writer;
}

export interface ZoneStore {
  /**
   * Writes a zone snapshot and announces the change, atomically. Returns the change's version.
   * Throws `ZoneOwnedError` when the zone or a secondary configuration of that name has another owner.
   */
  putZone(zone: ZoneSnapshot, options?: { readonly catchUp?: boolean }): Promise<number>;
  /**
   * Announces a difference ahead of the snapshot (which must follow with `catchUp`): the snapshot
   * of a large zone takes seconds to write, the difference milliseconds.
   */
  putDiff(diff: ZoneDiff): Promise<number>;
  /**
   * Removes a zone and announces it. Returns the change's version (0 when there was nothing). With
   * `owner`, a zone another owner wrote stays (0): a delete removes only what its owner wrote.
   */
  deleteZone(origin: string, owner?: string): Promise<number>;
  getZone(origin: string): Promise<StoredZone | undefined>;
  /**
   * Every zone, with the version of the store they were read at and its epoch. An epoch that is
   * not complete (or changed during the listing, then reported as not complete) may lack zones.
   */
  listZones(): Promise<{ zones: StoredZone[]; version: number; epoch: StoreEpoch }>;
  /**
   * Changes after `version`, oldest first; waits up to `waitMs` when there are none yet. Returns
   * `reset` when the changes after `version` are no longer kept (or the counter is below it): the
   * reader must list again. `epoch` is the store's as read before the changes; a reader from
   * another epoch must ignore `reset` and the versions and list again.
   */
  changesSince(version: number, waitMs: number): Promise<{ changes: ZoneChange[]; reset: boolean; epoch: StoreEpoch }>;
  /** The store's epoch (made when it has none) with its version counter; also a cheap probe. */
  epoch(): Promise<StoreEpoch>;
  /**
   * Gives the store a new epoch if it still has `id`: for a reader that has seen a higher version
   * in this epoch than the store now has (Redis restored from an older copy). Returns the epoch now.
   */
  renewEpoch(id: string): Promise<StoreEpoch>;
  /**
   * Marks epoch `id` complete (`zones`, the operator) or its secondary-zone copies rewritten
   * (`copies`, the control server). False when the store has moved on to another epoch.
   */
  completeEpoch(id: string, part: 'zones' | 'copies'): Promise<boolean>;
  /** Whether the store answers, fed by every request. */
  readonly health: StoreHealth;
  /** Where the store is, for logs (no password). */
  readonly where: string;
  /** A pod's report of the serials it serves; kept for `ttlSeconds` unless renewed. */
  reportServed(cloud: string, pod: string, serials: ReadonlyMap<string, number>, ttlSeconds: number): Promise<void>;
  /** The live reports of a cloud's pods. */
  servedBy(cloud: string): Promise<PodReport[]>;
  /**
   * Adds or replaces a secondary zone's configuration for the control server. Throws
   * `ZoneOwnedError` when the configuration or the zone of that name has another owner.
   */
  putSecondary(config: SecondaryConfig): Promise<void>;
  /** Removes it, and its reported state; with `owner`, only when it is that owner's. */
  deleteSecondary(origin: string, owner?: string): Promise<void>;
  /** Every secondary zone's configuration, with a counter that changes whenever one does. */
  listSecondaries(): Promise<{ secondaries: SecondaryConfig[]; version: number }>;
  getSecondary(origin: string): Promise<SecondaryConfig | undefined>;
  /** The counter alone: cheap to poll. */
  secondariesVersion(): Promise<number>;
  reportSecondary(state: SecondaryState): Promise<void>;
  secondaryState(origin: string): Promise<SecondaryState | undefined>;
  /**
   * Adds or replaces a zone the control server signs. Throws `ZoneOwnedError` when the zone, a
   * secondary configuration or a signed entry of that name has another owner.
   */
  putSigned(entry: SignedZoneEntry): Promise<void>;
  /** Removes it and its report; with `owner`, only when it is that owner's. */
  deleteSigned(origin: string, owner?: string): Promise<void>;
  /** Every signed entry without its unsigned text, with a counter that changes whenever one does. */
  listSigned(): Promise<{ entries: SignedZoneHead[]; version: number }>;
  getSigned(origin: string): Promise<SignedZoneEntry | undefined>;
  /** The counter alone: cheap to poll. */
  signedVersion(): Promise<number>;
  /**
   * Resolves when the counter has moved past `version`, or after `waitMs` (whichever is first):
   * a change is seen as it is written, not at the next poll. A store without it is polled.
   */
  waitSigned?(version: number, waitMs: number): Promise<void>;
  reportSigning(report: SigningReport): Promise<void>;
  signingReport(origin: string): Promise<SigningReport | undefined>;
  close(): Promise<void>;
}

/**
 * The name the control server reports under. It holds every zone, whatever clouds serve it, to
 * transfer zones out; Kubernetes names cannot begin with `@`, so no cloud can be called this.
 */
export const CONTROL_SERVER = '@control';

export function servesCloud(zone: Pick<ZoneSnapshot, 'clouds'>, cloud: string): boolean {
  return zone.clouds === 'all' || cloud === CONTROL_SERVER || zone.clouds.includes(cloud);
}
