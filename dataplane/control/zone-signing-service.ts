import { performance } from 'node:perf_hooks';
import { openOrder, type SigningOrder } from '../dnssec/signing-order';
import { ZoneSigner, type SignedVersion } from '../signing/zone-signer';
import { SigningPool } from '../signing/signing-pool';
import { snapshotSteps, zoneSteps } from '../store/snapshot';
import { StoreUnavailableError, storeOrigin, type CloudSelector, type OutboundTarget, type SignedZoneEntry, type SignedZoneHead, type SigningReport, type StoreEpoch, type ZoneDiff, type ZoneStore } from '../store/zone-store';
import { runInSlices, stepRunner, type StepRunner } from '../runtime/slices';
import type { Steps } from '../zone/steps';
import type { Logger } from '../log/log';
import type { Zone } from '../zone/zone';
import { Name } from '../dns/name';
import { serialCompare } from '../zone/serial';
import { writeZoneFile } from '../dns/zonefile/writer';
import type { ZoneRecord } from '../zone/zone-builder';
import { zoneDifference } from './zone-difference';
import { zoneFromChangedLines } from './changed-lines';
import { KEK_ENV } from './key-encryption-key';

/**
 * The control server's signer (issue #11, docs/adr/0015-signing-in-the-control-server.md): it
 * follows the signed entries the operator puts in the store (`putSigned`: a sealed signing order,
 * and for a primary zone its unsigned version), opens each order with the key-encryption key,
 * signs the zone (ZoneSigner, one worker pool for the process), and writes the signed version as
 * the zone's snapshot (`putZone`, the entry's owner) for the clouds, which serve it as any zone.
 * It reports each signing (`reportSigning`) for the operator's status.
 *
 * - A new unsigned serial or a new order (keys changed) is signed at once; a zone whose
 *   signatures near expiry is signed again with a new serial (RFC 6781 §4.4.2), on a timer.
 * - Serials are ours (zone-signer.ts): monotonic in RFC 1982 arithmetic; after a restart they
 *   continue from the snapshot in the store, whose fresh signatures are reused.
 * - A zone that fails to sign (text, key-encryption key, store) keeps its last good signed version
 *   serving, and the report says why, naming the zone.
 * - A secondary zone's entry has no unsigned version: the secondary manager hands each copy it
 *   transfers to `publishCopy` (SecondaryCopies is its side).
 * - A store that lost its data (new epoch, ADR 0007) gets every signed version held written again.
 */

/** Where a signed version goes: the snapshot's fields besides the zone. */
export interface PublishTarget {
  readonly clouds: CloudSelector;
  readonly secondaries?: readonly OutboundTarget[];
  readonly owner?: string;
}

/** The secondary manager's side: the unsigned copies it transferred. */
export interface SecondaryCopies {
  /** The last copy transferred (unsigned, the primary's serial) and where it goes; undefined when none. */
  unsignedCopy(origin: string): { zone: Zone; target: PublishTarget } | undefined;
  /** The zone is no longer signed here: write the unsigned copy for the clouds again. */
  publishUnsigned(origin: string): Promise<void>;
}

export interface ZoneSigningServiceOptions {
  readonly store: ZoneStore;
  readonly log: Logger;
  /** The key-encryption key; without one every order is reported as not opening. */
  readonly kek: Uint8Array | undefined;
  /** One pool for the process; made (and closed on stop) when not given. */
  readonly pool?: SigningPool;
  /** How often the signed-entries counter is looked at (ms): a change waits this long at most. */
  readonly pollMs?: number;
  /** How long the snapshot after a difference waits for quiet (ms); default 300. */
  readonly catchUpQuietMs?: number;
  /** Seconds since the epoch, for signature times and re-sign timers. */
  readonly clock?: () => number;
  /** How zones are read and written out: in slices, so the server keeps answering (ADR 0009). */
  readonly steps?: StepRunner;
}

interface Held {
  readonly origin: string;
  /** The origin as the ZoneSigner names zones (`Name.key`, the wire form in lower case). */
  readonly key: string;
  /** The head as last read (JSON): a different one is looked at again. */
  head: string;
  kind: 'primary' | 'secondary';
  /** The order last signed with, opened, and its JSON (a re-sealed order is the same order). */
  order: SigningOrder | undefined;
  orderJson: string | undefined;
  /** The primary's unsigned serial last signed. */
  unsignedSerial: number | undefined;
  /** The primary's unsigned text last read, and its zone: the base of the next one (changed-lines.ts). */
  unsignedText: { readonly text: string; readonly zone: Zone } | undefined;
  target: PublishTarget | undefined;
  /** The signed version last written for the clouds. */
  published: { version: SignedVersion; target: PublishTarget } | undefined;
  report: SigningReport;
  /** One signing at a time per zone, in order. */
  queue: Promise<void>;
  /** Look at the entry again at the next poll (the store failed under the last attempt). */
  retry: boolean;
  /** The background snapshot after a difference: `gen` counts versions, `wake` ends its quiet wait, `writtenAt` is when the last whole version was written or a forced one started (ms). */
  catchUp: { gen: number; writing: Promise<void>; wake?: () => void; writtenAt: number };
}

/** A difference of up to this many records (or a tenth of the zone) goes ahead of the snapshot. */
const DIFF_MIN_RECORDS = 1000;

/** The default counter poll: a change is picked up within it (the budget of issue #11 is 100 ms). */
const POLL_MS = 20;
/** The longest wait for the counter to move (`waitSigned`): the store's epoch is looked at as often. */
const WAIT_MS = 1000;
/**
 * The snapshot after a difference waits this long for quiet (ms): a burst of changes sends a
 * difference each and one snapshot, not a snapshot each (each costs the whole zone in text).
 */
const CATCH_UP_QUIET_MS = 300;
/** ...but a snapshot older than this (ms) is written at once: a pod starting afresh reads it. */
const CATCH_UP_MAX_STALE_MS = 3000;
/** The catch-up snapshot is made in slices this short (ms): background work, a change goes first. */
const CATCH_UP_SLICE_MS = 2;

export class ZoneSigningService {
  private readonly zones = new Map<string, Held>();
  private readonly signer: ZoneSigner;
  private readonly pool: SigningPool;
  private readonly ownPool: boolean;
  private readonly steps: StepRunner;
  private readonly clock: () => number;
  private copies: SecondaryCopies | undefined;
  private version = -1;
  private epoch: string | undefined;
  private stopped = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshAt: number | undefined;

  constructor(private readonly o: ZoneSigningServiceOptions) {
    this.ownPool = o.pool === undefined;
    this.pool = o.pool ?? new SigningPool();
    this.clock = o.clock ?? (() => Math.floor(Date.now() / 1000));
    this.signer = new ZoneSigner({ pool: this.pool, clock: this.clock });
    this.steps = o.steps ?? stepRunner();
  }

  /** The secondary manager, once it exists (it holds the service too). */
  attachCopies(copies: SecondaryCopies): void {
    this.copies = copies;
  }

  async start(): Promise<void> {
    await this.sync().catch((err: unknown) => this.syncFailed(err));
    const poll = (): void => {
      this.pollTimer = setTimeout(() => {
        void this.sync()
          .catch((err: unknown) => this.syncFailed(err))
          .finally(() => !this.stopped && next());
      }, this.o.pollMs ?? POLL_MS);
    };
    // A store that can wait for the counter wakes us as an entry is written (issue #11: the
    // poll's interval was a fifth of the 100 ms budget); its wait is bounded, so a new epoch
    // and entries to retry are still looked at. Waiting failed: polled until it works again.
    const wait = async (): Promise<void> => {
      const retrying = [...this.zones.values()].some((h) => h.retry);
      try {
        await this.o.store.waitSigned!(this.version, retrying ? (this.o.pollMs ?? POLL_MS) : WAIT_MS);
      } catch (err) {
        if (this.stopped) return;
        this.syncFailed(err);
        return poll();
      }
      if (this.stopped) return;
      await this.sync().catch((err: unknown) => this.syncFailed(err));
      if (!this.stopped) void wait();
    };
    const next = (): void => void (this.o.store.waitSigned ? wait() : poll());
    next();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const h of this.zones.values()) h.catchUp.wake?.();
    await Promise.all([...this.zones.values()].flatMap((h) => [h.queue, h.catchUp.writing]));
    if (this.ownPool) await this.pool.close();
  }

  /** Every zone's report as last made (the control server's /zones). */
  reports(): SigningReport[] {
    return [...this.zones.values()].map((h) => h.report);
  }

  report(origin: string): SigningReport | undefined {
    return this.zones.get(origin)?.report;
  }

  /** Whether the copies of this secondary zone are signed before the clouds get them. */
  signsCopies(origin: string): boolean {
    return this.zones.get(origin)?.kind === 'secondary';
  }

  /**
   * Signs a copy of a secondary zone just transferred and writes it for the clouds. A failure is
   * reported (the last good signed version keeps serving), not thrown: the secondary manager keeps
   * the copy for IXFR all the same, and it is signed when the problem goes.
   */
  async publishCopy(copy: Zone, target: PublishTarget): Promise<void> {
    const h = this.zones.get(storeOrigin(copy.origin.toString()));
    if (!h || h.kind !== 'secondary') return;
    await this.enqueue(h, async () => {
      const order = h.order ?? (await this.openCurrent(h));
      if (order) await this.signAndPublish(h, copy, order, target);
    });
  }

  private syncFailed(err: unknown): void {
    // An unreachable store is logged by its health, once per change.
    if (!(err instanceof StoreUnavailableError)) this.o.log.warn('reading signed zones failed', { error: String(err) });
  }

  private enqueue(h: Held, work: () => Promise<void>): Promise<void> {
    const run = h.queue.then(async () => {
      if (this.stopped || this.zones.get(h.origin) !== h) return;
      await work();
    });
    h.queue = run.catch((err: unknown) => this.o.log.error('zone signing failed unexpectedly', { zone: h.origin, error: String(err) }));
    return h.queue;
  }

  /** Reads the entries when their counter moved: new or changed ones are signed, removed ones forgotten. */
  private async sync(): Promise<void> {
    // Both in one round trip (the client pipelines them): a change pays for each one it waits on.
    const [epoch, version] = await Promise.all([this.o.store.epoch(), this.o.store.signedVersion()]);
    if (epoch.id !== this.epoch) await this.newEpoch(epoch);
    const retries = [...this.zones.values()].filter((h) => h.retry);
    if (version === this.version && retries.length === 0) return;
    const { entries, version: read } = await this.o.store.listSigned();
    this.version = read;
    const seen = new Set<string>();
    for (const head of entries) {
      seen.add(head.origin);
      const json = JSON.stringify(head);
      let h = this.zones.get(head.origin);
      if (!h) {
        h = { origin: head.origin, key: Name.fromText(head.origin).key, head: '', kind: kindOf(head), order: undefined, orderJson: undefined, unsignedSerial: undefined, unsignedText: undefined, target: undefined, published: undefined, report: { origin: head.origin, problem: '' }, queue: Promise.resolve(), retry: false, catchUp: { gen: 0, writing: Promise.resolve(), writtenAt: 0 } };
        this.zones.set(head.origin, h);
      }
      if (h.head === json && !h.retry) continue;
      h.head = json;
      h.kind = kindOf(head);
      h.retry = false;
      const held = h;
      void this.enqueue(held, () => this.refresh(held));
    }
    for (const [origin, h] of this.zones) {
      if (seen.has(origin)) continue;
      // A store being written again after a reset lacks entries that were not deleted.
      if (!epoch.complete) continue;
      this.zones.delete(origin);
      this.signer.forget(h.key);
      this.o.log.info('zone no longer signed here', { zone: origin, kind: h.kind });
      // A primary zone's unsigned version is the operator's to write again; a secondary zone's
      // copy is the secondary manager's.
      if (h.kind === 'secondary') await this.copies?.publishUnsigned(origin);
    }
    this.schedule();
  }

  /**
   * The store lost its data: write every signed version held again, with its report. At the
   * first start nothing is held; the snapshots in the store are picked up by the first signing.
   */
  private async newEpoch(epoch: StoreEpoch): Promise<void> {
    if (this.epoch !== undefined) {
      let n = 0;
      for (const h of this.zones.values()) {
        // A secondary zone that expired (its copy dropped) is not served any more.
        if (!h.published || (h.kind === 'secondary' && !this.copies?.unsignedCopy(h.origin))) continue;
        await this.o.store.putZone(await this.snapshotOf(h.published.version.zone, h.published.target));
        await this.o.store.reportSigning(h.report);
        n++;
      }
      this.o.log.warn('zone store reset (new epoch): signed zones written again', { from: this.epoch, to: epoch.id, zones: n });
    }
    // The entries' counter started again with the store.
    this.version = -1;
    this.epoch = epoch.id;
  }

  /** The entry changed: sign it when its order or unsigned version did, else write it where it now goes. */
  private async refresh(h: Held): Promise<void> {
    let entry: SignedZoneEntry | undefined;
    try {
      entry = await this.o.store.getSigned(h.origin);
    } catch (err) {
      return this.failed(h, err, 'reading the entry');
    }
    if (!entry) return;
    const order = this.open(h, entry);
    if (!order) return;
    const orderJson = JSON.stringify(order);
    const newOrder = orderJson !== h.orderJson;
    if (entry.unsigned) {
      const { unsigned } = entry;
      const target: PublishTarget = { clouds: unsigned.clouds, ...(unsigned.secondaries ? { secondaries: unsigned.secondaries } : {}), ...(entry.owner ? { owner: entry.owner } : {}) };
      if (newOrder || unsigned.serial !== h.unsignedSerial || !this.signer.current(h.key)) {
        let zone: Zone;
        const loading = performance.now();
        try {
          zone = (h.unsignedText && zoneFromChangedLines(h.unsignedText, unsigned.text)) ?? (await this.steps(zoneSteps({ origin: h.origin, text: unsigned.text })));
        } catch (err) {
          return this.failed(h, err, `the unsigned zone (serial ${unsigned.serial}) does not load`);
        }
        h.unsignedText = { text: unsigned.text, zone };
        await this.signAndPublish(h, zone, order, target, performance.now() - loading);
      } else if (JSON.stringify(target) !== JSON.stringify(h.target)) {
        // Only where it is served changed: the same signed version, written anew.
        await this.publish(h, this.signer.current(h.key)!, target);
      }
      return;
    }
    // A secondary zone: sign the copy held, if any; else the next transfer brings one.
    const copy = this.copies?.unsignedCopy(h.origin);
    if (!copy) {
      h.order = order;
      h.orderJson = orderJson;
      return;
    }
    if (newOrder || !this.signer.current(h.key) || JSON.stringify(copy.target) !== JSON.stringify(h.target)) await this.signAndPublish(h, copy.zone, order, copy.target);
  }

  /** Opens the entry's order; reports and returns undefined when it does not open. */
  private open(h: Held, entry: Pick<SignedZoneEntry, 'order'>): SigningOrder | undefined {
    if (!this.o.kek) {
      this.problem(h, `zone ${h.origin}: no key-encryption key to open its signing order (set ${KEK_ENV} or --key-encryption-key-file); the last signed version keeps serving`);
      return undefined;
    }
    try {
      return openOrder(entry.order, this.o.kek, h.origin);
    } catch (err) {
      this.problem(h, `zone ${h.origin}: its signing order does not open with this key-encryption key (${(err as Error).message}); the last signed version keeps serving`);
      return undefined;
    }
  }

  /** For a copy that comes before the entry was looked at: the entry's order as stored now. */
  private async openCurrent(h: Held): Promise<SigningOrder | undefined> {
    const entry = await this.o.store.getSigned(h.origin).catch((err: unknown) => void this.failed(h, err, 'reading the entry'));
    return entry ? this.open(h, entry) : undefined;
  }

  private async signAndPublish(h: Held, unsigned: Zone, order: SigningOrder, target: PublishTarget, loadMs?: number): Promise<void> {
    const started = performance.now();
    let version: SignedVersion;
    try {
      version = await this.signer.sign(unsigned, order, this.signer.current(h.key) ? {} : await this.lastServed(h));
    } catch (err) {
      return this.failed(h, err, `signing serial ${unsigned.serial}`);
    }
    h.order = order;
    h.orderJson = JSON.stringify(order);
    h.unsignedSerial = unsigned.serial;
    const signedMs = performance.now() - started;
    await this.publish(h, version, target, signedMs, loadMs);
  }

  /**
   * After a restart (or when a zone is first signed here): the snapshot the clouds serve, so the
   * new serial is above it and its signatures still fresh are reused.
   */
  private async lastServed(h: Held): Promise<{ lastSerial?: number; previous?: Zone }> {
    const stored = await this.o.store.getZone(h.origin);
    // The snapshot trails the differences sent after it (writeCatchUp): the report has the last
    // serial sent, which the next must follow (RFC 1982).
    const reported = (await this.o.store.signingReport(h.origin))?.signedSerial;
    const newer = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined || serialCompare(a, b) >= 0 ? a : b);
    const lastSerial = newer(stored?.serial, reported);
    if (!stored) return lastSerial === undefined ? {} : { lastSerial };
    try {
      return { lastSerial: lastSerial!, previous: await this.steps(zoneSteps(stored)) };
    } catch (err) {
      this.o.log.warn('the zone in the store does not load; its signatures are not reused', { zone: h.origin, error: String(err) });
      return { lastSerial: lastSerial! };
    }
  }

  private async publish(h: Held, version: SignedVersion, target: PublishTarget, signedMs?: number, loadMs?: number): Promise<void> {
    const started = performance.now();
    let storeVersion: number | undefined;
    let diffMs: number | undefined;
    try {
      const diff = this.differenceOf(h, version, target);
      // A catch-up snapshot of an older version not written yet is dropped: written after this
      // version's difference it would take the clouds back. Only a write already sent is waited for.
      const gen = ++h.catchUp.gen;
      h.catchUp.wake?.();
      if (diff) {
        // The difference first (milliseconds for the clouds to apply); the whole signed version,
        // for pods that start afresh or missed it, follows in the background (store/zone-store.ts
        // `putDiff`): a change right after this one need not wait for it.
        storeVersion = await this.o.store.putDiff(diff);
        diffMs = performance.now() - started;
        // The snapshot that follows needs the names in canonical order: taken from the last
        // version's at the cost of the change (not a sort of every name), once the clouds have
        // the difference.
        version.zone.inheritOrder(h.published!.version.zone);
        h.catchUp.writing = this.writeCatchUp(h, gen, version, target, h.catchUp.writing);
      } else {
        // A snapshot of an older version still being written would land after this one.
        await h.catchUp.writing;
        storeVersion = await this.o.store.putZone(await this.snapshotOf(version.zone, target));
        h.catchUp.writtenAt = Date.now();
      }
    } catch (err) {
      // Signed but not written: the next poll tries again, from the unsigned version.
      this.signer.forget(h.key);
      return this.failed(h, err, `writing serial ${version.serial}`);
    }
    h.published = { version, target };
    h.target = target;
    h.report = { origin: h.origin, signedSerial: version.serial, unsignedSerial: version.unsignedSerial, signedAt: Date.now(), expiresAt: version.expiresAt * 1000, problem: '' };
    this.o.log.info('zone signed', { zone: h.origin, serial: version.serial, unsignedSerial: version.unsignedSerial, kind: h.kind, loadMs: loadMs === undefined ? undefined : Math.round(loadMs), signMs: signedMs === undefined ? undefined : Math.round(signedMs), diffMs: diffMs === undefined ? undefined : Math.round(diffMs), writeMs: Math.round(performance.now() - started), version: storeVersion, expiresAt: new Date(version.expiresAt * 1000).toISOString() });
    await this.o.store.reportSigning(h.report).catch((err: unknown) => this.syncFailed(err));
    this.schedule();
  }

  /**
   * The difference from the version last written to this one, when it is small against the zone
   * (a one-record change: the record, its RRSIG, the NSEC/NSEC3 records and signatures around it,
   * the SOA and its RRSIG) and goes to the same clouds; undefined otherwise.
   */
  private differenceOf(h: Held, version: SignedVersion, target: PublishTarget): ZoneDiff | undefined {
    const last = h.published;
    if (!last || JSON.stringify(last.target) !== JSON.stringify(target)) return undefined;
    const { removed, added } = zoneDifference(last.version.zone, version.zone);
    if (removed.length + added.length > Math.max(DIFF_MIN_RECORDS, version.zone.recordCount / 10)) return undefined;
    const text = (records: readonly ZoneRecord[]): string => writeZoneFile(records, { origin: version.zone.origin });
    return { origin: h.origin, fromSerial: last.version.serial, serial: version.serial, removed: text(removed), added: text(added), ...(target.owner ? { owner: target.owner } : {}) };
  }

  /**
   * The snapshot after a difference: after a quiet `catchUpQuietMs` (a newer version first drops
   * it), or at once, and then surely written, when the last one written is older than
   * `CATCH_UP_MAX_STALE_MS` (a zone that changes without pause still gets one every few seconds,
   * for pods that start afresh). Snapshots reach the store in version order (`previous` is the
   * write before); a pod already serving a newer version skips an older one (cloud-sync.ts).
   */
  private async writeCatchUp(h: Held, gen: number, version: SignedVersion, target: PublishTarget, previous: Promise<void>): Promise<void> {
    const forced = this.stopped || Date.now() - h.catchUp.writtenAt >= CATCH_UP_MAX_STALE_MS;
    // One forced snapshot at a time: the versions after it while it is made wait for quiet (each
    // of them forced too would format the whole zone at once, several times over).
    if (forced) h.catchUp.writtenAt = Date.now();
    // Written at a stop too: the snapshot's serial is where a restart continues from.
    const wanted = (): boolean => forced || h.catchUp.gen === gen;
    try {
      if (!forced) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.o.catchUpQuietMs ?? CATCH_UP_QUIET_MS);
          h.catchUp.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        h.catchUp.wake = undefined;
      }
      // Short slices: a change that comes meanwhile makes a few round trips to the store before
      // its difference is written, and each waits for the slice in hand to end.
      const snapshot = wanted() ? await runInSlices(whileTrue(snapshotSteps(version.zone, target.clouds, target.secondaries, { keepText: true }), wanted), CATCH_UP_SLICE_MS) : undefined;
      await previous;
      if (!snapshot || !wanted()) return;
      await this.o.store.putZone({ ...snapshot, ...(target.owner ? { owner: target.owner } : {}) }, { catchUp: true });
      h.catchUp.writtenAt = Date.now();
    } catch (err) {
      // The clouds that took the difference serve this version; a pod starting afresh would get
      // an older snapshot: the next version goes out whole.
      if (h.published?.version === version) h.published = undefined;
      this.o.log.warn('signed zone snapshot not written after its difference; the next version is written whole', { zone: h.origin, serial: version.serial, error: String(err) });
    }
  }

  private async snapshotOf(zone: Zone, target: PublishTarget) {
    return { ...(await this.steps(snapshotSteps(zone, target.clouds, target.secondaries, { keepText: true }))), ...(target.owner ? { owner: target.owner } : {}) };
  }

  private failed(h: Held, err: unknown, what: string): void {
    if (err instanceof StoreUnavailableError) h.retry = true;
    this.problem(h, `zone ${h.origin}: ${what}: ${(err as Error).message ?? String(err)}`);
  }

  /** A failure: reported with the last good version's figures, which keep serving. */
  private problem(h: Held, problem: string): void {
    this.o.log.warn('zone not signed', { zone: h.origin, problem });
    h.report = { ...h.report, problem };
    void this.o.store.reportSigning(h.report).catch((err: unknown) => this.syncFailed(err));
  }

  /** One timer, for the earliest refresh of any zone (RFC 6781 §4.4.2: before signatures expire). */
  private schedule(): void {
    if (this.stopped) return;
    const next = this.signer.nextRefreshAt();
    if (next === this.refreshAt && this.refreshTimer) return;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.refreshAt = next;
    if (next === undefined) return;
    // setTimeout's limit is 2^31-1 ms (24.8 days); a longer wait is looked at again then.
    const delay = Math.min(Math.max(0, (next - this.clock()) * 1000), 2 ** 31 - 1);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshAt = undefined;
      this.refreshDue();
    }, delay);
  }

  private refreshDue(): void {
    const byKey = new Map([...this.zones.values()].map((h) => [h.key, h]));
    for (const key of this.signer.due()) {
      const h = byKey.get(key);
      if (!h) {
        this.signer.forget(key);
        continue;
      }
      void this.enqueue(h, async () => {
        if (!this.signer.due().includes(key)) return;
        // A secondary zone that expired (RFC 1035 §3.3.13) is no longer served: nothing to refresh.
        if (h.kind === 'secondary' && !this.copies?.unsignedCopy(h.origin)) {
          this.signer.forget(key);
          return;
        }
        const started = performance.now();
        let version: SignedVersion;
        try {
          version = await this.signer.resign(key);
        } catch (err) {
          return this.failed(h, err, 'refreshing the signatures');
        }
        await this.publish(h, version, h.target ?? h.published!.target, performance.now() - started);
      });
    }
    // Zones that failed to refresh stay due: look again in a minute, not in a loop.
    const next = this.signer.nextRefreshAt();
    if (next !== undefined && next <= this.clock()) {
      this.refreshTimer = setTimeout(() => this.refreshDue(), 60_000);
      this.refreshAt = next;
    } else this.schedule();
  }
}

/** `steps` while `go()` holds; undefined when it stopped holding first. */
function* whileTrue<T>(steps: Steps<T>, go: () => boolean): Steps<T | undefined> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (!go()) return undefined;
    yield;
  }
}

function kindOf(head: SignedZoneHead): 'primary' | 'secondary' {
  return head.unsignedSerial === undefined ? 'secondary' : 'primary';
}
