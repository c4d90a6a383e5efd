import { parseTsigKey, TsigKeyError, type TsigKey } from '../dns/tsig';
import type { Zone } from '../zone/zone';
import type { ZoneRecord } from '../zone/zone-builder';
import { writeZoneFile } from '../dns/zonefile/writer';
import { serialCompare } from '../zone/serial';
import { snapshotSteps, zoneSteps } from '../store/snapshot';
import { stepRunner, type StepRunner } from '../runtime/slices';
import { StoreUnavailableError, type SecondaryConfig, type SecondaryState, type StoreEpoch, type ZoneSnapshot, type ZoneStore } from '../store/zone-store';
import type { Logger } from '../log/log';
import type { NotifyVerdict } from '../nameserver/notify';
import { sameAddress } from '../nameserver/acl';
import { querySoa, transferZone, type RequestSigner } from '../transfer/client';
import { tsigSigner } from '../transfer/tsig-signer';
import { effectiveTimers, isExpired, nextCheckAt, type RefreshHistory, type SoaTimers } from './refresh-policy';
import type { PublishTarget, SecondaryCopies, ZoneSigningService } from './zone-signing-service';

/**
 * The control server's secondary zones (RFC 1996, 1995, 5936): follows their configuration in the
 * store, checks each zone's primaries on its SOA timers or at once on a NOTIFY, transfers a newer
 * serial (IXFR from the copy it holds, else AXFR), and writes each new copy to the store for the
 * clouds — whole, or not at all. It reports every zone's state back to the store, where the
 * operator turns it into the SecondaryZone's status.
 *
 * One check at a time per zone: a NOTIFY during a check makes one more check afterwards, so a
 * burst of NOTIFYs costs at most two.
 *
 * The copies it holds are the only ones outside the primaries: when the store lost its data (a
 * new epoch, ADR 0007) it writes them all again at once and says so (`completeEpoch(…,
 * 'copies')`), and until the operator has completed the epoch a zone missing from the
 * configuration is not dropped, only not yet written again.
 *
 * A signed secondary zone (a signed entry without an unsigned version, ADR 0015): each copy goes
 * to the signing service, which signs it and writes the signed version for the clouds (the
 * primary's IXFR difference is not passed on: a signed version differs from the last in more,
 * and the signing service sends that difference itself). The unsigned copy stays here, with the
 * primary's serial, for the SOA checks and IXFR.
 * After a restart the store holds only the signed version: the first check transfers the whole
 * zone (AXFR).
 */

export interface SecondaryManagerOptions {
  readonly store: ZoneStore;
  readonly log: Logger;
  readonly now?: () => number;
  /** How often the configuration counter is looked at. */
  readonly configPollMs?: number;
  readonly soaTimeoutMs?: number;
  readonly transferTimeoutMs?: number;
  /** How zones are built and written out: by default in slices, so the server keeps answering (ADR 0009). */
  readonly steps?: StepRunner;
  /** The signer of the signed secondary zones; none: every copy is written as transferred. */
  readonly signing?: Pick<ZoneSigningService, 'signsCopies' | 'publishCopy'>;
}

interface Entry {
  config: SecondaryConfig;
  signer: RequestSigner | undefined;
  /** The copy the clouds serve (for a signed zone: the unsigned copy it was signed from). */
  copy: { zone: Zone; serial: number } | undefined;
  timers: SoaTimers | undefined;
  history: RefreshHistory;
  state: SecondaryState;
  running: Promise<void> | undefined;
  again: { force: boolean } | undefined;
  timer: NodeJS.Timeout | undefined;
}


export class SecondaryManager implements SecondaryCopies {
  private readonly zones = new Map<string, Entry>();
  private version = -1;
  /** The store epoch the copies were last written in. */
  private epoch: string | undefined;
  private stopped = false;
  private configTimer: NodeJS.Timeout | undefined;
  /** NOTIFYs refused because they came from an address that is not a primary of the zone. */
  refusedNotifies = 0;
  /** Transfers from the primaries, by `kind` (axfr, ixfr: as asked) and result (success, failed), for `/metrics`. */
  readonly transfersIn = new Map<string, number>();
  /** SOA queries to the primaries (RFC 1035 §4.3.5 refresh checks), by what they found: newer, same, older, failed; first (no copy yet) and forced (a retrieve) when not compared. */
  readonly soaChecks = new Map<string, number>();

  private readonly steps: StepRunner;

  constructor(private readonly o: SecondaryManagerOptions) {
    this.steps = o.steps ?? stepRunner();
  }

  /** The snapshot of a copy for the clouds, tagged with its SecondaryZone (ADR 0008), written out in slices (ADR 0009). */
  private async copyOf(zone: Zone, config: SecondaryConfig): Promise<ZoneSnapshot> {
    return { ...(await this.steps(snapshotSteps(zone, config.clouds, config.secondaries))), ...(config.owner ? { owner: config.owner } : {}) };
  }

  /** Writes a copy for the clouds: signed first when the zone is signed here. */
  private async writeCopy(zone: Zone, config: SecondaryConfig, options?: { catchUp?: boolean }): Promise<number | undefined> {
    if (this.o.signing?.signsCopies(config.origin)) {
      await this.o.signing.publishCopy(zone, targetOf(config));
      return undefined;
    }
    return this.o.store.putZone(await this.copyOf(zone, config), options);
  }

  unsignedCopy(origin: string): { zone: Zone; target: PublishTarget } | undefined {
    const e = this.zones.get(origin);
    return e?.copy ? { zone: e.copy.zone, target: targetOf(e.config) } : undefined;
  }

  async publishUnsigned(origin: string): Promise<void> {
    const e = this.zones.get(origin);
    if (!e?.copy) return;
    // A deleted SecondaryZone loses its configuration before its signed entry (the operator's
    // order): this manager may not have seen that yet (it polls), the store has.
    const config = await this.o.store.getSecondary(origin);
    if (!config || config.owner !== e.config.owner) return;
    await this.o.store.putZone(await this.copyOf(e.copy.zone, e.config));
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  async start(): Promise<void> {
    await this.syncConfig();
    const poll = (): void => {
      this.configTimer = setTimeout(() => {
        void this.syncConfig()
          // An unreachable store is logged by its health, once per change.
          .catch((err: unknown) => err instanceof StoreUnavailableError || this.o.log.warn('reading secondary zones failed', { error: String(err) }))
          .finally(() => !this.stopped && poll());
      }, this.o.configPollMs ?? 1000);
    };
    poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.configTimer) clearTimeout(this.configTimer);
    for (const e of this.zones.values()) if (e.timer) clearTimeout(e.timer);
    await Promise.all([...this.zones.values()].map((e) => e.running));
  }

  /** Every zone's state as last reported (the control server's /zones). */
  states(): SecondaryState[] {
    return [...this.zones.values()].map((e) => e.state);
  }

  /** The state of a zone as last reported, for tests and /zones. */
  state(origin: string): SecondaryState | undefined {
    return this.zones.get(origin)?.state;
  }

  /**
   * The TSIG key named `name` (lower case, trailing dot) of a secondary zone, so that a NOTIFY its
   * primaries sign with it verifies (RFC 8945 §5.2); undefined when no zone has a usable one.
   */
  tsigKey(name: string): TsigKey | undefined {
    const wanted = name.toLowerCase();
    for (const e of this.zones.values()) {
      const fields = e.config.tsig;
      if (!fields || !isKeyNamed(fields.name, wanted)) continue;
      try {
        return parseTsigKey(fields, `secondary zone ${e.config.origin}`);
      } catch (err) {
        if (!(err instanceof TsigKeyError)) throw err;
      }
    }
    return undefined;
  }

  /**
   * RFC 1996 §3.10-3.11: a NOTIFY from one of the zone's primaries starts a check now (its serial
   * is only a hint: the SOA query decides); from anyone else it is refused and counted. A zone with
   * a TSIG key takes only NOTIFYs signed with it (`keyName`, verified by the responder, RFC 8945
   * §5.2): an address alone can be spoofed over UDP.
   */
  notify(origin: string, source: string, keyName?: string): NotifyVerdict {
    const e = this.zones.get(origin.toLowerCase());
    if (!e) return 'unknown-zone';
    // Counted here; logged by the DNS server, once per source a minute (anyone can send these).
    if (!e.config.primaries.some((p) => sameAddress(p.address, source))) {
      this.refusedNotifies++;
      return 'not-a-primary';
    }
    const zoneKey = e.config.tsig?.name;
    if (zoneKey !== undefined && (keyName === undefined || !isKeyNamed(zoneKey, keyName))) {
      this.refusedNotifies++;
      return 'key-required';
    }
    this.check(e, false);
    return 'accepted';
  }

  /** Reads the configuration when its counter moved: new zones are checked at once, removed ones dropped. */
  private async syncConfig(): Promise<void> {
    const epoch = await this.o.store.epoch();
    if (epoch.id !== this.epoch) await this.newEpoch(epoch);
    const version = await this.o.store.secondariesVersion();
    if (version === this.version) return;
    const { secondaries, version: read } = await this.o.store.listSecondaries();
    this.version = read;
    const seen = new Set<string>();
    for (const config of secondaries) {
      seen.add(config.origin);
      const e = this.zones.get(config.origin);
      if (!e) {
        const entry = await this.newEntry(config);
        this.zones.set(config.origin, entry);
        this.check(entry, false);
      } else if (JSON.stringify(e.config) !== JSON.stringify(config)) {
        const force = config.retrieve !== undefined && config.retrieve !== e.state.retrieved;
        const rewrite = e.copy && (JSON.stringify(e.config.clouds) !== JSON.stringify(config.clouds) || JSON.stringify(e.config.secondaries) !== JSON.stringify(config.secondaries) || e.config.owner !== config.owner);
        e.config = config;
        // Where the copy is served, and to whom it goes out, changed: the same copy, written anew.
        if (rewrite && e.copy) await this.writeCopy(e.copy.zone, config);
        e.signer = signerOf(config);
        // New overrides take effect now, not at the next transfer.
        if (e.copy) e.timers = timersOf(e.copy.zone, config);
        this.check(e, force);
      }
    }
    for (const [origin, e] of this.zones) {
      if (seen.has(origin)) continue;
      // A store being written again after a reset lacks zones that were not deleted.
      if (!epoch.complete) continue;
      if (e.timer) clearTimeout(e.timer);
      this.zones.delete(origin);
      // The operator removes the zone from the clouds when the SecondaryZone goes.
    }
  }

  /**
   * The store has another identity than the one the copies were written in: it lost its data.
   * Every copy held is written again, at once, with its state; then the epoch is marked. At the
   * first start there is nothing held, and the copies in the store are picked up as they are.
   */
  private async newEpoch(epoch: StoreEpoch): Promise<void> {
    const held = [...this.zones.values()].filter((e) => e.copy);
    if (this.epoch !== undefined) {
      for (const e of held) {
        // A signed zone's signed version is the signing service's to write again.
        if (!this.o.signing?.signsCopies(e.config.origin)) await this.o.store.putZone(await this.copyOf(e.copy!.zone, e.config));
        await this.o.store.reportSecondary(e.state);
      }
      this.o.log.warn('zone store reset (new epoch): secondary-zone copies written again', { from: this.epoch, to: epoch.id, zones: held.length });
    }
    // The configuration counter started again with the store.
    this.version = -1;
    if (!epoch.copiesRewritten) await this.o.store.completeEpoch(epoch.id, 'copies');
    this.epoch = epoch.id;
  }

  /** A zone seen for the first time: pick up the copy the store has (after a restart), if any. */
  private async newEntry(config: SecondaryConfig): Promise<Entry> {
    const previous = await this.o.store.secondaryState(config.origin);
    const entry: Entry = {
      config,
      signer: signerOf(config),
      copy: undefined,
      timers: undefined,
      history: previous?.lastTransferMs !== undefined ? { lastSuccessMs: previous.lastTransferMs } : {},
      state: previous ?? { origin: config.origin, expired: false, presigned: false, primaries: [], problem: '' },
      running: undefined,
      again: undefined,
      timer: undefined,
    };
    // A signed zone's stored copy is the signed version, with our serial: not a base for IXFR.
    const stored = this.o.signing?.signsCopies(config.origin) ? undefined : await this.o.store.getZone(config.origin);
    if (stored) {
      try {
        const zone = await this.steps(zoneSteps(stored));
        entry.copy = { zone, serial: stored.serial };
        entry.timers = timersOf(zone, config);
      } catch (err) {
        this.o.log.warn('stored copy of a secondary zone unreadable; transferring afresh', { zone: config.origin, error: String(err) });
      }
    }
    return entry;
  }

  private check(e: Entry, force: boolean): void {
    if (this.stopped) return;
    if (e.running) {
      e.again = { force: force || (e.again?.force ?? false) };
      return;
    }
    if (e.timer) clearTimeout(e.timer);
    e.running = this.refresh(e, force)
      .catch((err: unknown) => this.o.log.error('secondary zone check failed unexpectedly', { zone: e.config.origin, error: String(err) }))
      .finally(() => {
        e.running = undefined;
        if (this.stopped || this.zones.get(e.config.origin) !== e) return;
        if (e.again) {
          const { force: f } = e.again;
          e.again = undefined;
          this.check(e, f);
          return;
        }
        const delay = Math.max(0, nextCheckAt(e.timers, e.history) - this.now());
        // setTimeout's limit is 2^31-1 ms (24.8 days); a longer wait is checked again then.
        e.timer = setTimeout(() => this.check(e, false), Math.min(delay, 2 ** 31 - 1));
      });
  }

  /** One check: the primaries in turn until one answers; transfer when its serial is newer (or forced). */
  private async refresh(e: Entry, force: boolean): Promise<void> {
    const origin = e.config.origin;
    const primaries: Array<SecondaryState['primaries'][number]> = [];
    let answered = false;
    let problem = '';
    const count = (counts: Map<string, number>, key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const p of e.config.primaries) {
      const started = this.now();
      const label = `${p.address.includes(':') ? `[${p.address}]` : p.address}:${p.port}`;
      let transferKind: 'axfr' | 'ixfr' | undefined;
      try {
        let serial: number;
        try {
          serial = await querySoa(p, origin, { signer: e.signer, timeoutMs: this.o.soaTimeoutMs });
        } catch (err) {
          count(this.soaChecks, 'failed');
          throw err;
        }
        if (e.copy && !force) {
          const order = serialCompare(serial, e.copy.serial);
          count(this.soaChecks, order < 0 ? 'older' : order === 0 ? 'same' : 'newer');
          // The primary answered for the zone: the copy is not getting stale (the expire clock).
          answered = true;
          if (order < 0) {
            // RFC 1982: an older serial is never taken; the copy we have keeps serving.
            const error = `serial ${serial} is older than the ${e.copy.serial} served`;
            primaries.push({ ...p, ok: false, error, lastAttemptMs: started });
            problem ||= `${label}: ${error}`;
            continue;
          }
          if (order === 0) {
            primaries.push({ ...p, ok: true, lastAttemptMs: started });
            break;
          }
        } else count(this.soaChecks, force ? 'forced' : 'first');
        transferKind = e.copy && !force ? 'ixfr' : 'axfr';
        // A large zone's transfer and write take seconds: the log says when one is under way.
        this.o.log.info('secondary zone transfer started', { zone: origin, primary: label, serial, kind: transferKind });
        const result = await transferZone(p, origin, { have: e.copy && !force ? e.copy : undefined, signer: e.signer, timeoutMs: this.o.transferTimeoutMs, steps: this.steps });
        count(this.transfersIn, `${transferKind}:success`);
        transferKind = undefined;
        const copy = { zone: result.zone, serial: result.summary.serial };
        const signed = this.o.signing?.signsCopies(origin) ?? false;
        if (result.summary.kind === 'ixfr' && result.differences && e.copy && !signed) {
          // The difference first (milliseconds), so the clouds need not wait for the snapshot of a
          // large zone (seconds), which follows for pods that start afresh or missed it.
          const text = (records: readonly ZoneRecord[]): string => writeZoneFile(records, { origin: result.zone.origin });
          await this.o.store.putDiff({ origin, fromSerial: e.copy.serial, serial: copy.serial, removed: text(result.differences.removed), added: text(result.differences.added), ...(e.config.owner ? { owner: e.config.owner } : {}) });
        }
        // A signed zone's copy is held before it is signed (a failed signing is the signer's to
        // report and retry, from this copy); an unsigned one once it is written.
        if (signed) e.copy = copy;
        const version = await this.writeCopy(result.zone, e.config, { catchUp: result.summary.kind === 'ixfr' && !signed });
        e.copy = copy;
        e.timers = timersOf(result.zone, e.config);
        e.state = { ...e.state, serial: copy.serial, lastTransferMs: this.now(), presigned: result.presigned, expired: false };
        this.o.log.info('secondary zone transferred', { zone: origin, primary: label, serial: copy.serial, kind: result.summary.kind, records: result.summary.records, ms: Math.round(result.summary.durationMs), version, signed, ixfrFallback: result.summary.ixfrFallback });
        primaries.push({ ...p, ok: true, lastAttemptMs: started });
        answered = true;
        problem = '';
        break;
      } catch (err) {
        if (transferKind) count(this.transfersIn, `${transferKind}:failed`);
        const error = (err as Error).message;
        primaries.push({ ...p, ok: false, error, lastAttemptMs: started });
        problem ||= `${label}: ${shortReason(err)}`;
        this.o.log.warn('secondary zone check failed at a primary', { zone: origin, primary: label, error });
      }
    }
    // Primaries after the one that answered were not asked: keep what they last said.
    for (const p of e.config.primaries) if (!primaries.some((q) => q.address === p.address && q.port === p.port)) primaries.push(e.state.primaries.find((q) => q.address === p.address && q.port === p.port) ?? { ...p, ok: true });
    const now = this.now();
    const success = answered && e.copy !== undefined;
    e.history = { lastSuccessMs: success ? now : e.history.lastSuccessMs, lastAttemptMs: now, lastAttemptFailed: !success };
    let expired = e.state.expired && !success;
    if (!success && isExpired(e.timers, e.history, now) && !e.state.expired) {
      // RFC 1035 §3.3.13: past expire the copy is no longer authoritative; the clouds stop answering.
      await this.o.store.deleteZone(origin, e.config.owner);
      expired = true;
      e.copy = undefined;
      this.o.log.warn('secondary zone expired: removed from the clouds', { zone: origin });
    }
    e.state = { ...e.state, origin, primaries, problem: expired ? `expired: ${problem}` : problem, expired, ...(e.config.retrieve !== undefined && (success || force) ? { retrieved: e.config.retrieve } : {}) };
    await this.o.store.reportSecondary(e.state);
  }
}

/**
 * The snapshot of a copy, tagged with the SecondaryZone that asked for it: the store refuses it
 * when another object owns the name (ADR 0008), and the refusal is reported as a failed check.
 */

/** Whether a key name as configured (either case, with or without the trailing dot) is `wanted` (lower case, trailing dot, as on the wire). */
function isKeyNamed(configured: string, wanted: string): boolean {
  const own = configured.toLowerCase();
  return own === wanted || `${own}.` === wanted;
}

function targetOf(config: SecondaryConfig): PublishTarget {
  return { clouds: config.clouds, ...(config.secondaries ? { secondaries: config.secondaries } : {}), ...(config.owner ? { owner: config.owner } : {}) };
}

function signerOf(config: SecondaryConfig): RequestSigner | undefined {
  return config.tsig ? tsigSigner(parseTsigKey(config.tsig, `secondary zone ${config.origin}`)) : undefined;
}

function timersOf(zone: Zone, config: SecondaryConfig): SoaTimers {
  const rdata = zone.soa.rdata[0]!;
  // SOA rdata ends with serial, refresh, retry, expire, minimum (RFC 1035 §3.3.13).
  const view = new DataView(rdata.buffer, rdata.byteOffset, rdata.byteLength);
  const end = rdata.byteLength;
  return effectiveTimers({ refresh: view.getUint32(end - 16), retry: view.getUint32(end - 12), expire: view.getUint32(end - 8) }, config.refresh);
}

/** A few words for `status.problem`: the error code of a transfer error, or the message's start. */
function shortReason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return String((err as Error).message ?? err).slice(0, 80);
}
