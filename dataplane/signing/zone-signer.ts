import { RRType } from '../dns/constants';
import { DnsfleetError } from '../dns/error';
import { parseRrsig } from '../dnssec/rrsig';
import type { SigningOrder } from '../dnssec/signing-order';
import { signOptionsOf, zoneKeysOf } from '../dnssec/signing-order';
import type { Zone } from '../zone/zone';
import { withSerial } from '../zone/zone';
import { serialAdd, serialCompare } from '../zone/serial';
import type { SigningPool } from './signing-pool';
import { signZoneParallel } from './signing-pool';

/**
 * The signer of the zones of one process (the control server, or `dnsfleet serve`): it turns an
 * unsigned version and a signing order into a signed version with a serial of its own, keeps the
 * last signed version of each zone so the next one reuses every signature still fresh (RFC 6781
 * §4.4.2), and says when each zone's signatures are due for refreshing.
 *
 * Serials (RcodeZero's signing service): the signed serial moves on every signing, monotonic in
 * RFC 1982 arithmetic; it is the unsigned serial when that is newer, else the last signed one
 * plus one. The unsigned serial is kept beside it, for status.
 */

export class ZoneSignerError extends DnsfleetError {}

export interface SignedVersion {
  readonly zone: Zone;
  readonly serial: number;
  readonly unsignedSerial: number;
  /** Seconds since the epoch when the first signature of this version expires. */
  readonly expiresAt: number;
  /** Seconds since the epoch when a refresh is due (some signature gets within `refresh` of its expiry). */
  readonly refreshAt: number;
}

interface Held {
  readonly unsigned: Zone;
  readonly order: SigningOrder;
  readonly signed: SignedVersion;
}

export interface ZoneSignerOptions {
  readonly pool: SigningPool;
  /** Seconds since the epoch; `Date.now()/1000` by default. */
  readonly clock?: () => number;
}

export class ZoneSigner {
  private readonly zones = new Map<string, Held>();
  private readonly clock: () => number;

  constructor(private readonly options: ZoneSignerOptions) {
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  }

  /**
   * Signs `unsigned` with `order`. `lastSerial` is the serial of the signed version already
   * served (after a restart: read from the store), so the new one is newer; `previous`, that
   * version, whose fresh signatures are reused.
   */
  async sign(unsigned: Zone, order: SigningOrder, options: { lastSerial?: number; previous?: Zone } = {}): Promise<SignedVersion> {
    const origin = unsigned.origin.key;
    const held = this.zones.get(origin);
    const last = held?.signed.serial ?? options.lastSerial;
    const serial = last === undefined || serialCompare(unsigned.serial, last) > 0 ? unsigned.serial : serialAdd(last, 1);
    const now = this.clock();
    const zone = await signZoneParallel(this.options.pool, withSerial(unsigned, serial), zoneKeysOf(order), signOptionsOf(order, now), held?.signed.zone ?? options.previous);
    const signed: SignedVersion = { zone, serial, unsignedSerial: unsigned.serial, ...expiryOf(zone, order) };
    this.zones.set(origin, { unsigned, order, signed });
    return signed;
  }

  /** Signs the zone's last unsigned version again, with a new serial: for a refresh or a new order. */
  async resign(origin: string, order?: SigningOrder): Promise<SignedVersion> {
    const held = this.zones.get(origin);
    if (!held) throw new ZoneSignerError(`zone ${origin} was never signed here`, { zone: origin });
    return this.sign(held.unsigned, order ?? held.order);
  }

  /** The zones whose signatures are due for refreshing at `now` (seconds). */
  due(now = this.clock()): string[] {
    return [...this.zones].filter(([, h]) => h.signed.refreshAt <= now).map(([origin]) => origin);
  }

  /** The earliest refresh of any zone held (seconds), for a timer. */
  nextRefreshAt(): number | undefined {
    let next: number | undefined;
    for (const h of this.zones.values()) next = next === undefined ? h.signed.refreshAt : Math.min(next, h.signed.refreshAt);
    return next;
  }

  current(origin: string): SignedVersion | undefined {
    return this.zones.get(origin)?.signed;
  }

  forget(origin: string): void {
    this.zones.delete(origin);
  }
}

/** The first expiry of the zone's RRSIGs, and when a refresh is due (RFC 6781 §4.4.2). */
function expiryOf(zone: Zone, order: SigningOrder): { expiresAt: number; refreshAt: number } {
  let expiresAt = Infinity;
  for (const node of zone.nodes.values()) {
    const rrsigs = node.rrsets.get(RRType.RRSIG);
    if (!rrsigs) continue;
    for (const rdata of rrsigs.rdata) expiresAt = Math.min(expiresAt, parseRrsig(rdata).expiration);
  }
  if (expiresAt === Infinity) throw new ZoneSignerError(`zone ${zone.origin} has no signature after signing`, { zone: zone.origin.toString() });
  return { expiresAt, refreshAt: expiresAt - order.parameters.refresh };
}
