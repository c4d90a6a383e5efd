import { isIPv6 } from 'node:net';
import { parseTsigKey, TsigKeyError, type TsigKey } from '../dns/tsig';
import type { ZoneSet } from '../zone/zone-set';
import { AddressList, TransferPolicy, type SecondaryGrant, type TransferAcl } from '../nameserver/acl';
import { NotifySender, type NotifyTarget } from '../transfer/notify';
import type { OutboundTarget } from '../store/zone-store';
import type { ListenAddress } from '../server/dns-server';
import type { Logger } from '../server/log';

/**
 * The control server's side towards customer secondaries (RcodeZero's "customer secondaries"):
 * who may transfer which zone (the global allow-list, plus each zone's `spec.secondaries` by
 * address and key), the TSIG keys their requests are checked with, and a NOTIFY (RFC 1996) to
 * each of them whenever a zone is served with a new serial.
 */
export class OutboundTransfers {
  private policy: TransferPolicy;
  private keys: ReadonlyMap<string, TsigKey> = new Map();
  private readonly notified = new Map<string, number>();
  private readonly sender: NotifySender;
  /** What the DNS server asks; it reads the current policy through this. */
  readonly acl: TransferAcl = { allowsTransfer: (zone, client, key) => this.policy.allowsTransfer(zone, client, key) };

  constructor(
    private readonly global: AddressList,
    private readonly log: Logger,
    signal: AbortSignal,
    private readonly bound: () => readonly ListenAddress[],
  ) {
    this.policy = new TransferPolicy(global);
    this.sender = new NotifySender({ signal });
  }

  get tsigKeys(): ReadonlyMap<string, TsigKey> {
    return this.keys;
  }

  /** Takes the zones being served and their secondaries; notifies those whose zone has a new serial. */
  update(zones: ZoneSet, outbound: ReadonlyMap<string, readonly OutboundTarget[]>): void {
    const grants = new Map<string, SecondaryGrant[]>();
    const keys = new Map<string, TsigKey>();
    const targets = new Map<string, NotifyTarget[]>();
    for (const [origin, list] of outbound) {
      const zoneGrants: SecondaryGrant[] = [];
      const zoneTargets: NotifyTarget[] = [];
      for (const s of list) {
        let key: TsigKey | undefined;
        if (s.tsig) {
          try {
            key = parseTsigKey(s.tsig, `secondary ${s.address} of ${origin}`);
          } catch (err) {
            if (!(err instanceof TsigKeyError)) throw err;
            this.log.warn('secondary left out: its TSIG key is unusable', { zone: origin, secondary: s.address, error: err.message });
            continue;
          }
          keys.set(key.name, key);
        }
        zoneGrants.push({ address: s.address, ...(key ? { keyName: key.name } : {}) });
        zoneTargets.push({ address: s.address, port: s.port, ...(key ? { key } : {}), localAddress: sourceFor(s.address, this.bound()) });
      }
      grants.set(origin, zoneGrants);
      targets.set(origin, zoneTargets);
    }
    this.policy = new TransferPolicy(this.global, grants);
    this.keys = keys;
    for (const zone of zones.zones()) {
      const origin = zone.origin.toString().toLowerCase();
      const list = targets.get(origin);
      if (!list || list.length === 0 || this.notified.get(origin) === zone.serial) continue;
      this.notified.set(origin, zone.serial);
      void this.sender.notify(zone, list).then((results) => {
        for (const r of results) {
          const fields = { zone: origin, serial: zone.serial, target: `${r.address}:${r.port}`, tries: r.tries, ms: r.ms };
          if (r.ok) this.log.info('notify', fields);
          else this.log.warn('notify failed', { ...fields, error: r.error });
        }
      });
    }
    for (const origin of this.notified.keys()) if (!targets.has(origin)) this.notified.delete(origin);
  }
}

/** Secondaries accept NOTIFY from their primary's address: send from the one we listen on. */
function sourceFor(target: string, bound: readonly ListenAddress[]): string | undefined {
  const wanted = isIPv6(target);
  return bound.find((l) => isIPv6(l.host) === wanted && l.host !== '0.0.0.0' && l.host !== '::')?.host;
}
