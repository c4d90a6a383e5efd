import { EventEmitter, once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mayWrite, StoreUnavailableError, ZoneOwnedError, type PodReport, type SecondaryConfig, type SecondaryState, type SignedZoneEntry, type SignedZoneHead, type SigningReport, type StoreEpoch, type StoredZone, type ZoneChange, type ZoneDiff, type ZoneSnapshot, type ZoneStore } from './zone-store';
import { StoreHealth } from './store-health';

/**
 * The ZoneStore in one process's memory: for `dnsfleet serve`, unit tests, and as the reference
 * the Redis store is tested against. `keepChanges` bounds the change log like the Redis stream.
 *
 * A new memory store has nothing to lose, so its first epoch is complete; `wipe()` plays a Redis
 * that lost its data, and `unavailable` one that cannot be reached.
 */
export class MemoryZoneStore implements ZoneStore {
  private version = 0;
  private readonly zones = new Map<string, StoredZone>();
  private log: ZoneChange[] = [];
  private readonly reports = new Map<string, Map<string, { report: PodReport; expires: number }>>();
  private readonly wake = new EventEmitter();
  private epochId: string | undefined = newId();
  private completeId: string | undefined = this.epochId;
  private copiesId: string | undefined = this.epochId;
  readonly health = new StoreHealth();
  readonly where = 'memory';
  /** While true every request fails as a Redis that cannot be reached would. */
  unavailable = false;

  constructor(
    private readonly keepChanges = 10_000,
    private readonly clock: () => number = Date.now,
  ) {
    this.wake.setMaxListeners(0);
  }

  /** The owner-guard of every write: the zone's owner, the secondary configuration's and the signed entry's. */
  private guard(origin: string, writer: string | undefined): void {
    for (const held of [this.zones.get(origin)?.owner, this.secondaries.get(origin)?.owner, this.signed.get(origin)?.owner]) {
      if (!mayWrite(held, writer)) throw new ZoneOwnedError(origin, held!, writer);
    }
  }

  /** Loses everything, as Redis restarted without persistence does; readers of the old epoch wake. */
  wipe(): void {
    this.version = 0;
    this.zones.clear();
    this.log = [];
    this.reports.clear();
    this.secondaries.clear();
    this.secondaryStates.clear();
    this.secondaryVersion = 0;
    this.signed.clear();
    this.signingReports.clear();
    this.signedCounter = 0;
    this.epochId = this.completeId = this.copiesId = undefined;
    this.wake.emit('change');
  }

  /** Fails while `unavailable`; feeds `health` like the Redis store's requests. */
  private check(operation: string): void {
    if (this.unavailable) {
      this.health.failed('unavailable (test switch)');
      throw new StoreUnavailableError(operation, this.where, 'unavailable (test switch)');
    }
    this.health.succeeded();
  }

  private currentEpoch(): StoreEpoch {
    this.epochId ??= newId();
    return { id: this.epochId, complete: this.completeId === this.epochId, copiesRewritten: this.copiesId === this.epochId, version: this.version };
  }

  async epoch(): Promise<StoreEpoch> {
    this.check('read the epoch');
    return this.currentEpoch();
  }

  async renewEpoch(id: string): Promise<StoreEpoch> {
    this.check('renew the epoch');
    if (this.epochId === undefined || this.epochId === id) this.epochId = newId();
    return this.currentEpoch();
  }

  async completeEpoch(id: string, part: 'zones' | 'copies'): Promise<boolean> {
    this.check('complete the epoch');
    if (this.epochId !== id) return false;
    if (part === 'zones') this.completeId = id;
    else this.copiesId = id;
    return true;
  }

  async putZone(zone: ZoneSnapshot, options: { catchUp?: boolean } = {}): Promise<number> {
    this.check('write a zone');
    this.guard(zone.origin, zone.owner);
    const version = ++this.version;
    this.zones.set(zone.origin, { ...zone, clouds: zone.clouds === 'all' ? 'all' : [...zone.clouds], version });
    this.append({ kind: 'put', origin: zone.origin, serial: zone.serial, version, ...(options.catchUp ? { catchUp: true } : {}) });
    return version;
  }

  async putDiff(diff: ZoneDiff): Promise<number> {
    this.check('write a zone difference');
    this.guard(diff.origin, diff.owner);
    const version = ++this.version;
    this.append({ kind: 'diff', version, ...diff });
    return version;
  }

  async deleteZone(origin: string, owner?: string): Promise<number> {
    this.check('delete a zone');
    const held = this.zones.get(origin)?.owner;
    if (owner !== undefined && !mayWrite(held, owner)) return 0;
    if (!this.zones.delete(origin)) return 0;
    const version = ++this.version;
    this.append({ kind: 'delete', origin, version });
    return version;
  }

  async getZone(origin: string): Promise<StoredZone | undefined> {
    this.check('read a zone');
    return this.zones.get(origin);
  }

  async listZones(): Promise<{ zones: StoredZone[]; version: number; epoch: StoreEpoch }> {
    this.check('list the zones');
    return { zones: [...this.zones.values()], version: this.version, epoch: this.currentEpoch() };
  }

  async changesSince(version: number, waitMs: number): Promise<{ changes: ZoneChange[]; reset: boolean; epoch: StoreEpoch }> {
    this.check('read the change stream');
    const epoch = this.currentEpoch();
    const first = this.log[0];
    if (version > this.version || (first && first.version > version + 1)) return { changes: [], reset: true, epoch };
    let changes = this.log.filter((c) => c.version > version);
    if (changes.length === 0 && waitMs > 0) {
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), waitMs);
      try {
        await once(this.wake, 'change', { signal: timeout.signal });
      } catch {
        // waited long enough
      } finally {
        clearTimeout(timer);
      }
      changes = this.log.filter((c) => c.version > version);
      // A wipe while waiting: the versions no longer belong to the epoch the reader knows.
      if (this.epochId !== epoch.id) changes = [];
    }
    // Trimmed while waiting: the changes no longer follow on from `version`.
    if (changes.length > 0 && changes[0]!.version > version + 1) return { changes: [], reset: true, epoch };
    return { changes, reset: false, epoch };
  }

  async reportServed(cloud: string, pod: string, serials: ReadonlyMap<string, number>, ttlSeconds: number): Promise<void> {
    this.check('report served serials');
    let pods = this.reports.get(cloud);
    if (!pods) this.reports.set(cloud, (pods = new Map()));
    const at = this.clock();
    pods.set(pod, { report: { pod, serials: new Map(serials), at }, expires: at + ttlSeconds * 1000 });
  }

  async servedBy(cloud: string): Promise<PodReport[]> {
    this.check('read served serials');
    const now = this.clock();
    return [...(this.reports.get(cloud)?.values() ?? [])].filter((r) => r.expires > now).map((r) => r.report);
  }

  private readonly secondaries = new Map<string, SecondaryConfig>();
  private readonly secondaryStates = new Map<string, SecondaryState>();
  private secondaryVersion = 0;

  async putSecondary(config: SecondaryConfig): Promise<void> {
    this.check('write a secondary zone');
    this.guard(config.origin, config.owner);
    this.secondaries.set(config.origin, structuredClone(config));
    this.secondaryVersion++;
  }

  async deleteSecondary(origin: string, owner?: string): Promise<void> {
    this.check('delete a secondary zone');
    if (owner !== undefined && !mayWrite(this.secondaries.get(origin)?.owner, owner)) return;
    this.secondaries.delete(origin);
    this.secondaryStates.delete(origin);
    this.secondaryVersion++;
  }

  async listSecondaries(): Promise<{ secondaries: SecondaryConfig[]; version: number }> {
    this.check('list the secondary zones');
    return { secondaries: [...this.secondaries.values()].map((c) => structuredClone(c)), version: this.secondaryVersion };
  }

  async getSecondary(origin: string): Promise<SecondaryConfig | undefined> {
    this.check('read a secondary zone');
    const c = this.secondaries.get(origin);
    return c && structuredClone(c);
  }

  async secondariesVersion(): Promise<number> {
    this.check('read the secondary zones counter');
    return this.secondaryVersion;
  }

  async reportSecondary(state: SecondaryState): Promise<void> {
    this.check('report a secondary zone');
    this.secondaryStates.set(state.origin, structuredClone(state));
  }

  async secondaryState(origin: string): Promise<SecondaryState | undefined> {
    this.check('read a secondary zone state');
    const s = this.secondaryStates.get(origin);
    return s && structuredClone(s);
  }

  private readonly signed = new Map<string, SignedZoneEntry>();
  private readonly signingReports = new Map<string, SigningReport>();
  private signedCounter = 0;

  /** Those waiting for the counter to move (waitSigned). */
  private signedWaiters = new Set<() => void>();

  private signedMoved(): void {
    this.signedCounter++;
    const waiters = this.signedWaiters;
    this.signedWaiters = new Set();
    for (const wake of waiters) wake();
  }

  async putSigned(entry: SignedZoneEntry): Promise<void> {
    this.check('write a signed zone entry');
    this.guard(entry.origin, entry.owner);
    this.signed.set(entry.origin, structuredClone(entry));
    this.signedMoved();
  }

  async waitSigned(version: number, waitMs: number): Promise<void> {
    this.check('wait for a signed zone entry change');
    if (this.signedCounter !== version) return;
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.signedWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, waitMs);
      this.signedWaiters.add(wake);
    });
  }

  async deleteSigned(origin: string, owner?: string): Promise<void> {
    this.check('delete a signed zone entry');
    if (owner !== undefined && !mayWrite(this.signed.get(origin)?.owner, owner)) return;
    if (!this.signed.delete(origin)) return;
    this.signingReports.delete(origin);
    this.signedMoved();
  }

  async listSigned(): Promise<{ entries: SignedZoneHead[]; version: number }> {
    this.check('list the signed zone entries');
    const entries = [...this.signed.values()].map(({ unsigned, ...head }): SignedZoneHead => ({ ...structuredClone(head), ...(unsigned ? { unsignedSerial: unsigned.serial } : {}) }));
    return { entries, version: this.signedCounter };
  }

  async getSigned(origin: string): Promise<SignedZoneEntry | undefined> {
    this.check('read a signed zone entry');
    const e = this.signed.get(origin);
    return e && structuredClone(e);
  }

  async signedVersion(): Promise<number> {
    this.check('read the signed zones counter');
    return this.signedCounter;
  }

  async reportSigning(report: SigningReport): Promise<void> {
    this.check('report a signed zone');
    this.signingReports.set(report.origin, structuredClone(report));
  }

  async signingReport(origin: string): Promise<SigningReport | undefined> {
    this.check('read a signing report');
    const r = this.signingReports.get(origin);
    return r && structuredClone(r);
  }

  async close(): Promise<void> {
    this.wake.removeAllListeners();
  }

  private append(change: ZoneChange): void {
    this.log.push(change);
    if (this.log.length > this.keepChanges) this.log = this.log.slice(this.log.length - this.keepChanges);
    this.wake.emit('change');
  }
}

function newId(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}
