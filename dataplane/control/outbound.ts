import { parseTsigKey, TsigKeyError, type TsigKey } from '../dns/tsig';
import type { ZoneSet } from '../zone/zone-set';
import { AddressList, TransferPolicy, type SecondaryGrant, type TransferAcl } from '../nameserver/acl';
import { NotifySender, notifySource, type NotifyOptions, type NotifyTarget } from '../transfer/notify';
import type { OutboundTarget } from '../store/zone-store';
import type { Logger } from '../log/log';

/** A customer secondary with its TSIG key, if it has one, parsed. */
export interface ResolvedSecondary {
  readonly address: string;
  readonly port: number;
  readonly key?: TsigKey;
}

/**
 * The side towards customer secondaries (RcodeZero's "customer secondaries"), for the control
 * server and for `dnsfleet serve` alike: who may transfer which zone (the global allow-list, plus
 * each zone's `spec.secondaries` by address and key) and a NOTIFY (RFC 1996) to each of them
 * whenever a zone is served with a new serial.
 */
export class OutboundTransfers {
  private policy: TransferPolicy;
  private readonly notified = new Map<string, number>();
  private readonly sender: NotifySender;
  /** NOTIFYs sent to customer secondaries (RFC 1996), by result: acknowledged, or failed after the retries. */
  readonly notifiesSent = { acknowledged: 0, failed: 0 };
  /** What the DNS server asks; it reads the current policy through this. */
  readonly acl: TransferAcl = { allowsTransfer: (zone, client, key) => this.policy.allowsTransfer(zone, client, key) };

  constructor(
    private readonly global: AddressList,
    private readonly log: Logger,
    /** The addresses the server listens on: a NOTIFY goes out from one of them (secondaries accept it from there). */
    private readonly bound: () => ReadonlyArray<{ readonly host: string }>,
    notify: NotifyOptions,
  ) {
    this.policy = new TransferPolicy(global);
    this.sender = new NotifySender(notify);
  }

  private secondaries: ReadonlyMap<string, readonly ResolvedSecondary[]> = new Map();

  /** Takes the zones being served and their secondaries; notifies those whose zone has a new serial. */
  update(zones: ZoneSet, secondaries: ReadonlyMap<string, readonly ResolvedSecondary[]>): void {
    this.allow(secondaries);
    this.notifyChanged(zones);
  }

  /** Lets each zone's secondaries transfer it (before the server answers anyone, at start). */
  allow(secondaries: ReadonlyMap<string, readonly ResolvedSecondary[]>): void {
    const grants = new Map<string, SecondaryGrant[]>();
    for (const [origin, list] of secondaries) grants.set(origin, list.map((s) => ({ address: s.address, ...(s.key ? { keyName: s.key.name } : {}) })));
    this.policy = new TransferPolicy(this.global, grants);
    this.secondaries = secondaries;
  }

  /** NOTIFYs the secondaries of each zone served with a serial they were not told of yet. */
  notifyChanged(zones: ZoneSet): void {
    const secondaries = this.secondaries;
    for (const zone of zones.zones()) {
      const origin = zone.origin.toString().toLowerCase();
      const list = secondaries.get(origin);
      if (!list || list.length === 0 || this.notified.get(origin) === zone.serial) continue;
      this.notified.set(origin, zone.serial);
      const targets = list.map((s): NotifyTarget => ({ ...s, localAddress: notifySource(s.address, this.bound()) }));
      void this.sender.notify(zone, targets).then((results) => {
        for (const r of results) {
          const fields = { zone: zone.origin.toString(), serial: zone.serial, target: hostPort(r.address, r.port), tries: r.tries, ms: r.ms };
          this.notifiesSent[r.ok ? 'acknowledged' : 'failed']++;
          if (r.ok) this.log.info('notify', fields);
          else this.log.warn('notify failed', { ...fields, error: r.error });
        }
      });
    }
    for (const origin of this.notified.keys()) if (!secondaries.has(origin)) this.notified.delete(origin);
  }
}

/**
 * The secondaries as the store carries them (keys as a Secret's fields) with their keys parsed,
 * and every key by name for the responder. A secondary whose key is unusable is left out: it must
 * not be let in without it.
 */
export function resolveCustomerSecondaries(outbound: ReadonlyMap<string, readonly OutboundTarget[]>, log: Logger): { secondaries: Map<string, ResolvedSecondary[]>; keys: Map<string, TsigKey> } {
  const secondaries = new Map<string, ResolvedSecondary[]>();
  const keys = new Map<string, TsigKey>();
  for (const [origin, list] of outbound) {
    const resolved: ResolvedSecondary[] = [];
    for (const s of list) {
      if (!s.tsig) {
        resolved.push({ address: s.address, port: s.port });
        continue;
      }
      try {
        const key = parseTsigKey(s.tsig, `secondary ${s.address} of ${origin}`);
        keys.set(key.name, key);
        resolved.push({ address: s.address, port: s.port, key });
      } catch (err) {
        if (!(err instanceof TsigKeyError)) throw err;
        log.warn('secondary left out: its TSIG key is unusable', { zone: origin, secondary: s.address, error: err.message });
      }
    }
    secondaries.set(origin, resolved);
  }
  return { secondaries, keys };
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
