import type { Name } from '../dns/name';
import type { Zone } from '../zone/zone';
import type { Logger } from '../log/log';
import type { DsMessage } from '../dnssec/lifecycle';
import { driveSigning, emptyRecord, type SigningPolicy, type SigningResult } from '../dnssec/zone-signing';
import { orderOf, type SigningOrder } from '../dnssec/signing-order';
import { SigningPool } from '../signing/signing-pool';
import { ZoneSigner } from '../signing/zone-signer';
import { queryParentDs, type ParentDsResult, type ParentNameserver } from '../transfer/parent-ds';
import { StateDir, type ZoneState } from './state-dir';
import type { ZoneSigningConfig } from './catalog';

/**
 * Signing in `dnsfleet serve`: serve runs each zone's key lifecycle itself (driveSigning, the step
 * the operator runs per reconcile) and signs (ZoneSigner on a SigningPool), keeping the keys and
 * the lifecycle's record in its state directory (state-dir.ts) instead of a Secret. A zone is
 * driven when it loads, on every reload, and when the lifecycle asks to be woken
 * (`nextWakeAt`); it is signed again when the order or the zone changes, and before its
 * signatures need refreshing (`ZoneSigner.nextRefreshAt`). DS messages and the DS checks go to
 * the log, one line each, and the `view` to `<state-dir>/<zone>/status.json`.
 *
 * All work runs one step at a time (a queue), so a reload, a timer and a transfer never drive
 * the same zone at once. A failure (a state file that cannot be written, a signing error) is
 * logged and leaves the zone served as it was.
 */

export interface ServeSigningOptions {
  readonly stateDir: string;
  readonly log: Logger;
  /** Called when a signed version changed (a zone signed, re-signed, or served unsigned again). */
  readonly onChange: () => void;
  /** Seconds since the epoch. */
  readonly clock?: () => number;
  readonly pool?: SigningPool;
  /** The DS query of mode Parent (dataplane/transfer/parent-ds.ts). */
  readonly parentDs?: (origin: Name, servers: readonly ParentNameserver[]) => Promise<ParentDsResult>;
}

/** A zone as serve has it now: the unsigned version and how the files ask to sign it. */
export interface SigningSubject {
  readonly zone: Zone;
  readonly config?: ZoneSigningConfig;
}

interface Held {
  origin: Name;
  unsigned: Zone;
  config?: ZoneSigningConfig;
  state?: ZoneState;
  /** The order the current signed version was made with (JSON, to compare). */
  orderKey?: string;
  /** The zone the current signed version was made of. */
  signedFrom?: Zone;
  nextWakeAt?: number;
  /** The zone was served unsigned by this process (a policy added later is not a new zone's). */
  servedUnsigned: boolean;
}

/** How long a zone whose step failed (a state file not written, a signing error) waits to try again. */
const RETRY_SECONDS = 60;

/** setTimeout's limit (about 24.8 days): a later wake-up is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class ServeSigning {
  private readonly held = new Map<string, Held>();
  private readonly dir: StateDir;
  private readonly signer: ZoneSigner;
  private readonly pool: SigningPool;
  private readonly ownPool: boolean;
  private readonly clock: () => number;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** After a failure: no timer fires before this (seconds). */
  private retryAt = 0;

  constructor(private readonly options: ServeSigningOptions) {
    this.dir = new StateDir(options.stateDir);
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.ownPool = options.pool === undefined;
    this.pool = options.pool ?? new SigningPool();
    this.signer = new ZoneSigner({ pool: this.pool, clock: this.clock });
  }

  /** The signed version to serve for the zone, or undefined: serve it as it is. */
  signedZone(origin: Name): Zone | undefined {
    return this.signer.current(origin.key)?.zone;
  }

  /**
   * The zones served now (the files' and the transferred ones): drives each one whose zone or
   * signing changed, forgets the gone. Resolves when done (the first load waits for it).
   */
  update(subjects: readonly SigningSubject[]): Promise<void> {
    return this.enqueue(async () => {
      const wanted = new Map(subjects.map((s) => [s.zone.origin.key, s]));
      for (const key of this.held.keys()) {
        if (wanted.has(key)) continue;
        // Gone from the files: no longer served. Its keys stay in the state directory.
        this.held.delete(key);
        this.signer.forget(key);
      }
      let changed = false;
      for (const [key, subject] of wanted) {
        const h = this.held.get(key);
        if (h && sameContent(h.unsigned, subject.zone) && JSON.stringify(h.config) === JSON.stringify(subject.config)) continue;
        const entry: Held = h ?? { origin: subject.zone.origin, unsigned: subject.zone, servedUnsigned: false };
        entry.unsigned = subject.zone;
        entry.config = subject.config;
        this.held.set(key, entry);
        changed = (await this.guarded(entry, () => this.drive(entry))) || changed;
      }
      if (changed) this.options.onChange();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.queue;
    if (this.ownPool) await this.pool.close();
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.stopped) return;
      try {
        await work();
      } catch (err) {
        this.options.log.error('signing failed', { error: (err as Error).message });
      }
      this.arm();
    });
    this.queue = run;
    return run;
  }

  /** One zone's work; its failure is logged and leaves the zone as it was, the other zones go on. */
  private async guarded(h: Held, work: () => Promise<boolean>): Promise<boolean> {
    try {
      return await work();
    } catch (err) {
      this.options.log.error('signing failed: the zone is served as it was', { zone: h.origin.toString(), error: (err as Error).message, retryInSeconds: RETRY_SECONDS });
      // Tried again later, not in a loop: the zone's next step, and every timer, wait a while.
      this.retryAt = this.clock() + RETRY_SECONDS;
      h.nextWakeAt = this.retryAt;
      return false;
    }
  }

  /** One lifecycle step for the zone, then signing when the order or the zone changed. True when the served version changed. */
  private async drive(h: Held): Promise<boolean> {
    const origin = h.origin.toString();
    const log = this.options.log;
    const config = h.config;
    try {
      h.state ??= this.dir.read(origin);
    } catch (err) {
      log.error('signing state unreadable: the zone is held as it is', { zone: origin, error: (err as Error).message });
      return false;
    }
    const record = h.state?.record ?? emptyRecord();
    // Named, but the files define no such policy: hold the lifecycle; the content is still signed.
    const hold = config?.policyName !== undefined && config.policy === undefined;
    if (!hold && config?.policy === undefined && record.state.phase === 'unsigned') {
      // Unsigned and nothing asks otherwise: nothing to keep.
      h.servedUnsigned = true;
      h.nextWakeAt = undefined;
      return this.serveUnsigned(h);
    }
    if (hold) {
      log.warn('signing held: the policy named is not defined', { zone: origin, policy: config?.policyName });
      // The keys as the record has them, the lifecycle not moved (a policy file briefly gone must not unsign the zone).
      return this.sign(h, record.parameters ? orderOf(record.state, record.keys, record.parameters) : undefined);
    }

    const now = this.clock();
    let policy = config?.policy;
    const servers = policy?.dsConfirmation.mode === 'Parent' ? policy.dsConfirmation.parentNameservers : policy ? undefined : h.state?.parentNameservers;
    let parentDsTags: readonly number[] | undefined;
    if (servers && servers.length > 0 && record.state.phase !== 'unsigned') {
      const asked = await (this.options.parentDs ?? queryParentDs)(h.origin, servers);
      if (asked.confirmed) parentDsTags = asked.tags;
      log.info('DS at the parent', {
        zone: origin,
        confirmed: asked.confirmed,
        tags: asked.tags.join(',') || undefined,
        ttl: asked.ttl,
        answers: asked.answers.map((a) => `${a.server}=${a.tags.join('/') || 'none'}`).join(' ') || undefined,
        errors: asked.errors.map((e) => e.message).join('; ') || undefined,
      });
      // The DSSEEN wait uses the TTL the parent really gives its DS when that is larger (RFC 7583 §3.3.1 TTLds).
      if (policy && asked.ttl !== undefined && asked.ttl > policy.lifecycle.parentDSTTL) policy = withParentDsTtl(policy, asked.ttl);
    }
    const result = driveSigning(record, {
      now,
      origin: h.origin,
      ...(policy ? { policy } : {}),
      zone: h.unsigned,
      ...(record.state.phase === 'unsigned' && !h.servedUnsigned ? { neverServedUnsigned: true } : {}),
      annotations: config?.annotations ?? {},
      ...(parentDsTags !== undefined ? { parentDsTags } : {}),
    });
    const parentNameservers = policy ? policy.dsConfirmation.parentNameservers : h.state?.parentNameservers;
    const next: ZoneState = { version: 1, record: result.record, ...(h.state?.lastSerial !== undefined ? { lastSerial: h.state.lastSerial } : {}), ...(parentNameservers ? { parentNameservers } : {}) };
    // Persisted before anything is signed or announced with it: a key never serves unsaved (it
    // would be lost to a restart while resolvers may hold its DS). A failed write throws here,
    // and the next step starts again from the record on disk.
    this.dir.write(origin, next);
    h.state = next;
    h.nextWakeAt = result.nextWakeAt;
    this.report(origin, result);
    const changed = await this.sign(h, result.order);
    this.writeStatus(h, result);
    return changed;
  }

  /** Signs the zone with `order` when it or the zone changed; serves it unsigned without one. */
  private async sign(h: Held, order: SigningOrder | undefined): Promise<boolean> {
    if (!order) return this.serveUnsigned(h);
    const key = h.origin.key;
    const orderKey = JSON.stringify(order);
    if (this.signer.current(key) && h.orderKey === orderKey && h.signedFrom !== undefined && sameContent(h.signedFrom, h.unsigned)) return false;
    const signed = await this.signer.sign(h.unsigned, order, h.state?.lastSerial !== undefined ? { lastSerial: h.state.lastSerial } : {});
    h.orderKey = orderKey;
    h.signedFrom = h.unsigned;
    if (h.state) {
      h.state = { ...h.state, lastSerial: signed.serial };
      this.dir.write(h.origin.toString(), h.state);
    }
    this.options.log.info('signed', { zone: h.origin.toString(), serial: signed.serial, unsignedSerial: signed.unsignedSerial, keys: order.keys.map((k) => `${k.role}:${k.tag}`).join(','), refreshAt: new Date(signed.refreshAt * 1000).toISOString() });
    return true;
  }

  private serveUnsigned(h: Held): boolean {
    const key = h.origin.key;
    if (!this.signer.current(key)) return false;
    this.signer.forget(key);
    h.orderKey = undefined;
    h.signedFrom = undefined;
    this.options.log.info('served unsigned', { zone: h.origin.toString() });
    return true;
  }

  /** The DS messages (RcodeZero's DSUPDATE, DSSEEN, DSREMOVED) and the DS check, one log line each. */
  private report(origin: string, result: SigningResult): void {
    const log = this.options.log;
    for (const m of result.messages) log.info(m.kind, { zone: origin, ...messageFields(m) });
    const check = result.dsCheck;
    if (check?.ok) log.info('DS check', { zone: origin, reason: check.reason, message: check.message });
    else if (check) log.warn('DS check', { zone: origin, reason: check.reason, message: check.message });
  }

  private writeStatus(h: Held, result: SigningResult): void {
    const current = this.signer.current(h.origin.key);
    const check = result.dsCheck;
    const previous = this.lastCheck.get(h.origin.key);
    const lastDsCheck = check ? { ok: check.ok, reason: check.reason, message: check.message, at: new Date(this.clock() * 1000).toISOString() } : previous;
    if (lastDsCheck) this.lastCheck.set(h.origin.key, lastDsCheck);
    const status = {
      zone: h.origin.toString(),
      ...result.view,
      ...(current ? { serial: current.serial, unsignedSerial: current.unsignedSerial, expiresAt: iso(current.expiresAt), refreshAt: iso(current.refreshAt) } : { unsignedSerial: h.unsigned.serial }),
      ...(h.config?.policyName ? { policy: h.config.policyName } : {}),
      ...(result.nextWakeAt !== undefined ? { nextWakeAt: iso(result.nextWakeAt) } : {}),
      ...(lastDsCheck ? { lastDsCheck } : {}),
      ...(result.messages.length > 0 ? { lastMessages: result.messages.map((m) => ({ kind: m.kind, ...messageFields(m) })) } : {}),
    };
    try {
      this.dir.writeStatus(h.origin.toString(), status);
    } catch (err) {
      this.options.log.error('status not written', { zone: h.origin.toString(), error: (err as Error).message });
    }
  }

  private readonly lastCheck = new Map<string, { ok: boolean; reason: string; message: string; at: string }>();

  /** The timer: the earliest wake-up of a lifecycle or signature refresh. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    let next = this.signer.nextRefreshAt();
    for (const h of this.held.values()) if (h.nextWakeAt !== undefined) next = next === undefined ? h.nextWakeAt : Math.min(next, h.nextWakeAt);
    if (next === undefined) return;
    next = Math.max(next, this.retryAt);
    const ms = Math.min(MAX_TIMER_MS, Math.max(0, (next - this.clock()) * 1000));
    this.timer = setTimeout(() => void this.enqueue(() => this.wake()), ms);
    this.timer.unref();
  }

  private async wake(): Promise<void> {
    const now = this.clock();
    let changed = false;
    for (const h of this.held.values()) {
      if (h.nextWakeAt !== undefined && h.nextWakeAt <= now) changed = (await this.guarded(h, () => this.drive(h))) || changed;
    }
    for (const key of this.signer.due(now)) {
      const h = this.held.get(key);
      if (!h) continue;
      // RFC 6781 §4.4.2: re-signed before the signatures get within `refresh` of their expiry.
      changed = (await this.guarded(h, async () => {
        const signed = await this.signer.resign(key);
        if (h.state) {
          h.state = { ...h.state, lastSerial: signed.serial };
          this.dir.write(h.origin.toString(), h.state);
        }
        this.options.log.info('re-signed', { zone: h.origin.toString(), serial: signed.serial, refreshAt: iso(signed.refreshAt) });
        return true;
      })) || changed;
    }
    if (changed) this.options.onChange();
  }
}

/**
 * The same version of a zone, as serve's reload tells changes (catalog.ts `diffZones`): the same
 * serial and number of records. A reload rebuilds every zone; an unchanged one is not re-signed
 * (which would move its serial).
 */
function sameContent(a: Zone, b: Zone): boolean {
  return a === b || (a.serial === b.serial && a.recordCount === b.recordCount);
}

function withParentDsTtl(policy: SigningPolicy, ttl: number): SigningPolicy {
  return { ...policy, lifecycle: { ...policy.lifecycle, parentDSTTL: ttl } };
}

function messageFields(m: DsMessage): Record<string, string | undefined> {
  switch (m.kind) {
    case 'DSUpdate':
      return { publish: m.publish.join('; ') || undefined, publishTags: m.publishTags.join(',') || undefined, withdrawTags: m.withdrawTags.join(',') || undefined };
    case 'DSSeen':
      return { tags: m.tags.join(',') };
    case 'DSRemoved':
      return {};
  }
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
