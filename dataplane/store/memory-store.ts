import { EventEmitter, once } from 'node:events';
import { mayWrite, ZoneOwnedError, type PodReport, SecondaryConfig, SecondaryState, StoredZone, ZoneChange, ZoneDiff, ZoneSnapshot, ZoneStore } from './zone-store';

/**
 * The ZoneStore in one process's memory: for `dnsfleet serve`, unit tests, and as the reference
 * the Redis store is tested against. `keepChanges` bounds the change log like the Redis stream.
 */
export class MemoryZoneStore implements ZoneStore {
  private version = 0;
  private readonly zones = new Map<string, StoredZone>();
  private log: ZoneChange[] = [];
  private readonly reports = new Map<string, Map<string, { report: PodReport; expires: number }>>();
  private readonly wake = new EventEmitter();

  constructor(
    private readonly keepChanges = 10_000,
    private readonly clock: () => number = Date.now,
  ) {
    this.wake.setMaxListeners(0);
  }

  /** The owner-guard of every write: the zone's owner and the secondary configuration's. */
  private guard(origin: string, writer: string | undefined): void {
    for (const held of [this.zones.get(origin)?.owner, this.secondaries.get(origin)?.owner]) {
      if (!mayWrite(held, writer)) throw new ZoneOwnedError(origin, held!, writer);
    }
  }

  async putZone(zone: ZoneSnapshot, options: { catchUp?: boolean } = {}): Promise<number> {
    this.guard(zone.origin, zone.owner);
    const version = ++this.version;
    this.zones.set(zone.origin, { ...zone, clouds: zone.clouds === 'all' ? 'all' : [...zone.clouds], version });
    this.append({ kind: 'put', origin: zone.origin, serial: zone.serial, version, ...(options.catchUp ? { catchUp: true } : {}) });
    return version;
  }

  async putDiff(diff: ZoneDiff): Promise<number> {
    this.guard(diff.origin, diff.owner);
    const version = ++this.version;
    this.append({ kind: 'diff', version, ...diff });
    return version;
  }

  async deleteZone(origin: string, owner?: string): Promise<number> {
    const held = this.zones.get(origin)?.owner;
    if (owner !== undefined && !mayWrite(held, owner)) return 0;
    if (!this.zones.delete(origin)) return 0;
    const version = ++this.version;
    this.append({ kind: 'delete', origin, version });
    return version;
  }

  async getZone(origin: string): Promise<StoredZone | undefined> {
    return this.zones.get(origin);
  }

  async listZones(): Promise<{ zones: StoredZone[]; version: number }> {
    return { zones: [...this.zones.values()], version: this.version };
  }

  async changesSince(version: number, waitMs: number): Promise<{ changes: ZoneChange[]; reset: boolean }> {
    const first = this.log[0];
    if (version > this.version || (first && first.version > version + 1)) return { changes: [], reset: true };
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
    }
    return { changes, reset: false };
  }

  async reportServed(cloud: string, pod: string, serials: ReadonlyMap<string, number>, ttlSeconds: number): Promise<void> {
    let pods = this.reports.get(cloud);
    if (!pods) this.reports.set(cloud, (pods = new Map()));
    const at = this.clock();
    pods.set(pod, { report: { pod, serials: new Map(serials), at }, expires: at + ttlSeconds * 1000 });
  }

  async servedBy(cloud: string): Promise<PodReport[]> {
    const now = this.clock();
    return [...(this.reports.get(cloud)?.values() ?? [])].filter((r) => r.expires > now).map((r) => r.report);
  }

  private readonly secondaries = new Map<string, SecondaryConfig>();
  private readonly secondaryStates = new Map<string, SecondaryState>();
  private secondaryVersion = 0;

  async putSecondary(config: SecondaryConfig): Promise<void> {
    this.guard(config.origin, config.owner);
    this.secondaries.set(config.origin, structuredClone(config));
    this.secondaryVersion++;
  }

  async deleteSecondary(origin: string, owner?: string): Promise<void> {
    if (owner !== undefined && !mayWrite(this.secondaries.get(origin)?.owner, owner)) return;
    this.secondaries.delete(origin);
    this.secondaryStates.delete(origin);
    this.secondaryVersion++;
  }

  async listSecondaries(): Promise<{ secondaries: SecondaryConfig[]; version: number }> {
    return { secondaries: [...this.secondaries.values()].map((c) => structuredClone(c)), version: this.secondaryVersion };
  }

  async getSecondary(origin: string): Promise<SecondaryConfig | undefined> {
    const c = this.secondaries.get(origin);
    return c && structuredClone(c);
  }

  async secondariesVersion(): Promise<number> {
    return this.secondaryVersion;
  }

  async reportSecondary(state: SecondaryState): Promise<void> {
    this.secondaryStates.set(state.origin, structuredClone(state));
  }

  async secondaryState(origin: string): Promise<SecondaryState | undefined> {
    const s = this.secondaryStates.get(origin);
    return s && structuredClone(s);
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
