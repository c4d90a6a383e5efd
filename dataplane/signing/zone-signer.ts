import { sameBytes } from '../dns/bytes';
import { RRType } from '../dns/constants';
import { DnsfleetError } from '../dns/error';
import type { Name } from '../dns/name';
import type { RRset as DenialRRset } from '../zone/zone';
import { NsecChain } from '../dnssec/nsec';
import { Nsec3Chain } from '../dnssec/nsec3';
import type { DenialParameters, SigningOrder } from '../dnssec/signing-order';
import { signOptionsOf, zoneKeysOf } from '../dnssec/signing-order';
import { assembleSignedZone, keyRRsets, planDenialChange, planSigning, type SignZoneOptions, type ZoneKey } from '../dnssec/signzone';
import { LayeredMap } from '../zone/layered-map';
import { Zone, ZoneNode, soaWithSerial, withSerial, type RRset } from '../zone/zone';
import { serialAdd, serialCompare } from '../zone/serial';
import type { SigningPool } from './signing-pool';

/**
 * The signer of the zones of one process (the control server, or `dnsfleet serve`): it turns an
 * unsigned version and a signing order into a signed version with a serial of its own, keeps the
 * last signed version of each zone so the next one reuses every signature still fresh (RFC 6781
 * §4.4.2), and says when each zone's signatures are due for refreshing.
 *
 * A new unsigned version of a zone already held, with the same order and no refresh due, costs
 * the size of its change (RFC 6781 §4.3.1: only what changed is signed again): the changed
 * names are found by comparing the two unsigned versions (the layers of a `ZoneUpdate`, else
 * node by node, or the caller's `changed` hint), the zone's NSEC or NSEC3 chain, kept between
 * versions, is updated in place (nsec.ts, nsec3.ts), and only the changed names, the denial
 * owners that changed and the apex are planned and signed (`planDenialChange`); every other node
 * of the signed version is shared with the last one (a LayeredMap, never a copy of the node
 * map). A new order (keys, parameters) or a refresh that is due signs the whole zone, keeping
 * every signature still fresh.
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
  /**
   * Seconds since the epoch when the first signature of this version expires. After a change
   * signed incrementally it may be earlier than the true first expiry (a signature replaced
   * still counts), never later: a refresh comes early, never late.
   */
  readonly expiresAt: number;
  /** Seconds since the epoch when a refresh is due (some signature gets within `refresh` of its expiry). */
  readonly refreshAt: number;
  /** How this version was signed: the whole zone, or only the change (for status and tests). */
  readonly mode?: 'full' | 'incremental';
  /** Signatures made for this version (the others were kept from the last one). */
  readonly signatures?: number;
}

export interface SignOptions {
  /** The serial of the signed version already served (after a restart: read from the store), so the new one is newer. */
  readonly lastSerial?: number;
  /** That version, whose fresh signatures are reused when nothing is held here. */
  readonly previous?: Zone;
  /**
   * The owner names whose records changed since the unsigned version signed last, when the
   * caller knows them (an IXFR, an UPDATE): spares the comparison of the two versions. A hint:
   * the names are still compared, with their ancestors; a zone cut that moved makes a full
   * comparison.
   */
  readonly changed?: Iterable<Name>;
}

type Chain = NsecChain | Nsec3Chain;

interface Held {
  readonly unsigned: Zone;
  readonly order: SigningOrder;
  /** The order as JSON: a new order is a different one. */
  readonly orderKey: string;
  readonly keys: readonly ZoneKey[];
  readonly signed: SignedVersion;
  /** The denial chain of `signed`; undefined after a failure, so the next version is signed whole. */
  readonly chain: Chain | undefined;
}

export interface ZoneSignerOptions {
  readonly pool: SigningPool;
  /** Seconds since the epoch; `Date.now()/1000` by default. */
  readonly clock?: () => number;
}

export class ZoneSigner {
  private readonly zones = new Map<string, Held>();
  /** The signing under way for each zone: one at a time per zone, in the order asked. */
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly clock: () => number;

  constructor(private readonly options: ZoneSignerOptions) {
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  }

  /**
   * Signs `unsigned` with `order`. `lastSerial` is the serial of the signed version already
   * served (after a restart: read from the store), so the new one is newer; `previous`, that
   * version, whose fresh signatures are reused; `changed`, the names that changed, if known.
   */
  async sign(unsigned: Zone, order: SigningOrder, options: SignOptions = {}): Promise<SignedVersion> {
    const origin = unsigned.origin.key;
    const before = this.running.get(origin);
    const run = (before ? before.catch(() => undefined) : Promise.resolve()).then(() => this.signNow(unsigned, order, options));
    this.running.set(origin, run);
    try {
      return await run;
    } finally {
      if (this.running.get(origin) === run) this.running.delete(origin);
    }
  }

  private async signNow(unsigned: Zone, order: SigningOrder, options: SignOptions): Promise<SignedVersion> {
    const origin = unsigned.origin.key;
    const held = this.zones.get(origin);
    const last = held?.signed.serial ?? options.lastSerial;
    const serial = last === undefined || serialCompare(unsigned.serial, last) > 0 ? unsigned.serial : serialAdd(last, 1);
    const now = this.clock();
    const orderKey = JSON.stringify(order);
    if (held?.chain && held.orderKey === orderKey && now < held.signed.refreshAt) {
      // The chain is updated in place: if anything fails from here on, it no longer matches the
      // version held, and the next version is signed whole.
      const chain = held.chain;
      this.zones.set(origin, { ...held, chain: undefined });
      const signed = await this.signChange(held, chain, unsigned, serial, now, options.changed);
      this.zones.set(origin, { unsigned, order, orderKey, keys: held.keys, signed, chain });
      return signed;
    }
    const keys = held && held.orderKey === orderKey ? held.keys : zoneKeysOf(order);
    const { signed, chain } = await this.signWhole(unsigned, order, keys, serial, now, held?.signed.zone ?? options.previous);
    this.zones.set(origin, { unsigned, order, orderKey, keys, signed, chain });
    return signed;
  }

  /** The whole zone, keeping the fresh signatures of `previous`; the denial chain is kept for the next version. */
  private async signWhole(unsigned: Zone, order: SigningOrder, keys: readonly ZoneKey[], serial: number, now: number, previous: Zone | undefined): Promise<{ signed: SignedVersion; chain: Chain }> {
    let chain: Chain | undefined;
    const denial = (zone: Zone): readonly DenialRRset[] => {
      const built = buildChain(zone, order.parameters.denial);
      chain = built;
      return built instanceof Nsec3Chain ? [...built.rrsets(), built.nsec3param()] : built.rrsets();
    };
    const plan = planSigning(withSerial(unsigned, serial), keys, { ...signOptionsOf(order, now), denial }, previous);
    const zone = assembleSignedZone(plan, await this.options.pool.sign(plan));
    const expiresAt = firstExpiry(zone.nodes.values(), Infinity);
    const signed = this.version(zone, serial, unsigned, order, expiresAt, 'full', plan.jobs.length);
    return { signed, chain: chain! };
  }

  /** Only the change from the version held: the changed names, the denial records that moved, the apex. */
  private async signChange(held: Held, chain: Chain, unsigned: Zone, serial: number, now: number, hint: Iterable<Name> | undefined): Promise<SignedVersion> {
    const order = held.order;
    const options: Omit<SignZoneOptions, 'denial'> = signOptionsOf(order, now);
    const changed = changedNames(held.unsigned, unsigned, hint);
    const zone = withKeysAtApex(unsigned, serial, keyRRsets(unsigned.origin, held.keys, options));
    const delta = chain.update(zone, [unsigned.origin, ...changed]);
    const nsec3param = chain instanceof Nsec3Chain ? chain.nsec3param() : undefined;
    const plan = planDenialChange(held.signed.zone, zone, changed, { ...delta, ...(nsec3param ? { nsec3param } : {}) }, held.keys, options);
    const signedZone = assembleSignedZone(plan, await this.options.pool.sign(plan));
    const layer: Iterable<ZoneNode | undefined> = plan.nodes.values();
    const expiresAt = firstExpiry(layer, held.signed.expiresAt);
    return this.version(signedZone, serial, unsigned, order, expiresAt, 'incremental', plan.jobs.length);
  }

  private version(zone: Zone, serial: number, unsigned: Zone, order: SigningOrder, expiresAt: number, mode: 'full' | 'incremental', signatures: number): SignedVersion {
    if (expiresAt === Infinity) throw new ZoneSignerError(`zone ${zone.origin} has no signature after signing`, { zone: zone.origin.toString() });
    return { zone, serial, unsignedSerial: unsigned.serial, expiresAt, refreshAt: expiresAt - order.parameters.refresh, mode, signatures };
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

function buildChain(zone: Zone, denial: DenialParameters): Chain {
  if (denial.type === 'NSEC') return NsecChain.build(zone);
  return Nsec3Chain.build(zone, { iterations: denial.iterations, salt: Buffer.from(denial.salt, 'hex'), optOut: denial.optOut });
}

/**
 * The first expiration of the RRSIGs of `nodes`, or `start` if earlier. Read straight from the
 * rdata (RFC 4034 §3.1: type covered, algorithm, labels, original TTL, then the expiration).
 */
function firstExpiry(nodes: Iterable<ZoneNode | undefined>, start: number): number {
  let first = start;
  for (const node of nodes) {
    const rrsigs = node?.rrsets.get(RRType.RRSIG);
    if (!rrsigs) continue;
    for (const r of rrsigs.rdata) {
      const expiration = ((r[8]! << 24) | (r[9]! << 16) | (r[10]! << 8) | r[11]!) >>> 0;
      if (expiration < first) first = expiration;
    }
  }
  return first;
}

/**
 * `unsigned` as the denial chain and the planner see the new version: the apex with the new SOA
 * serial and the key RRsets (the apex bit map names DNSKEY, CDS, CDNSKEY), without signatures or
 * denial records of its own; every other node shared.
 */
function withKeysAtApex(unsigned: Zone, serial: number, keySets: readonly RRset[]): Zone {
  const soa = soaWithSerial(unsigned.soa, serial);
  const old = unsigned.apex;
  const apex = new ZoneNode(old.name);
  apex.isDelegation = old.isDelegation;
  apex.belowCut = old.belowCut;
  for (const rrset of old.rrsets.values()) if (!APEX_REPLACED.has(rrset.type)) apex.rrsets.set(rrset.type === RRType.SOA ? soa : rrset);
  for (const rrset of keySets) apex.rrsets.set(rrset);
  return new Zone(unsigned.origin, LayeredMap.of(unsigned.nodes, new Map([[unsigned.origin.key, apex]])), soa, unsigned.recordCount);
}

/** What the signer puts at the apex itself: the keys, the denial records, the signatures. */
const APEX_REPLACED: ReadonlySet<number> = new Set([RRType.RRSIG, RRType.DNSKEY, RRType.CDS, RRType.CDNSKEY, RRType.NSEC, RRType.NSEC3, RRType.NSEC3PARAM]);

/**
 * The names whose node differs between two unsigned versions (records, cut flags, a name that
 * came or went). From the layers when one version was made from the other by a ZoneUpdate;
 * else from the caller's hint (with the ancestors, where empty non-terminals come and go) unless
 * a cut moved there; else node by node over both versions.
 */
export function changedNames(before: Zone, after: Zone, hint?: Iterable<Name>): Name[] {
  const layered = LayeredMap.changedKeys(before.nodes, after.nodes);
  if (layered) return differing(before, after, layered);
  if (hint) {
    const keys = new Set<string>();
    const apexLength = after.origin.key.length;
    for (const name of hint) for (let n: Name | null = name; n && n.key.length >= apexLength && !keys.has(n.key); n = n.parent()) keys.add(n.key);
    const names = differing(before, after, keys);
    const cutMoved = names.some((n) => (before.nodes.get(n.key)?.isDelegation ?? false) !== (after.nodes.get(n.key)?.isDelegation ?? false));
    if (!cutMoved) return names;
  }
  const names = differing(before, after, after.nodes.keys());
  for (const [key, node] of before.nodes) if (!after.nodes.has(key)) names.push(node.name);
  return names;
}

function differing(before: Zone, after: Zone, keys: Iterable<string>): Name[] {
  const out: Name[] = [];
  for (const key of keys) {
    const a = before.nodes.get(key);
    const b = after.nodes.get(key);
    if (!sameNode(a, b)) out.push((b ?? a)!.name);
  }
  return out;
}

/** The same records and cut flags (rdata compared in order: a reordered RRset counts as changed, which is only slower). */
function sameNode(a: ZoneNode | undefined, b: ZoneNode | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  if (a.isDelegation !== b.isDelegation || a.belowCut !== b.belowCut || a.rrsets.size !== b.rrsets.size) return false;
  for (const x of a.rrsets.values()) {
    const y = b.rrsets.get(x.type);
    if (x === y) continue;
    if (!y || x.ttl !== y.ttl || x.rdata.length !== y.rdata.length) return false;
    for (let i = 0; i < x.rdata.length; i++) if (!sameBytes(x.rdata[i]!, y.rdata[i]!)) return false;
    if (x.ttls || y.ttls) for (let i = 0; i < x.rdata.length; i++) if ((x.ttls?.[i] ?? x.ttl) !== (y.ttls?.[i] ?? y.ttl)) return false;
  }
  return true;
}
