import { sameBytes } from '../dns/bytes';
import { RRType } from '../dns/constants';
import { DnsfleetError } from '../dns/error';
import type { Name } from '../dns/name';
import { LayeredMap } from '../zone/layered-map';
import { RdataSlab } from '../zone/rdata-slab';
import { serialCompare } from '../zone/serial';
import { Zone, ZoneNode, type RRset } from '../zone/zone';
import { withTtls } from '../zone/zone-builder';
import { compareRdata, canonicalRdata } from './canonical';
import { CDNSKEY_DELETE_RDATA, CDS_DELETE_RDATA, DigestType, cdnskeyRdata, cdsRdata, dnskeyRdata, type SigningKey } from './keys';
import { RRsetSigner, parseRrsig, type SignatureTimes } from './rrsig';

/**
 * Signing a zone version (RFC 4035 §2): every authoritative RRset gets an RRSIG from each active
 * key of the right role, the DNSKEY RRset is made from the keys, CDS/CDNSKEY when asked (RFC
 * 7344, RFC 8078), denial records from the `denial` step (NSEC/NSEC3, built elsewhere) or as the
 * zone holds them. The result is a new `Zone` that the answer code serves as a pre-signed zone.
 *
 * Three pure steps, so that the crypto can run elsewhere (worker threads, dataplane/signing/):
 * `planSigning` (what to sign, and which signatures of a previous version can be kept),
 * the signing of the planned jobs (`signJobs` here, or a worker pool), `assembleSignedZone`.
 * `signZone` runs the three in this thread.
 */

export class SignZoneError extends DnsfleetError {}

/**
 * A key's role (RFC 6781 §3.1): a KSK signs the DNSKEY RRset (and CDS/CDNSKEY, RFC 7344 §4.1),
 * a ZSK all the other RRsets, a CSK both.
 */
export type KeyRole = 'KSK' | 'ZSK' | 'CSK';

export interface ZoneKey {
  readonly key: SigningKey;
  readonly role: KeyRole;
  /** Its DNSKEY is in the DNSKEY RRset (default true). False for a key not yet or no longer published. */
  readonly published?: boolean;
  /** It makes signatures (default true). False for a pre-published ZSK (RFC 7583 §3.2.1) or a retired key. */
  readonly active?: boolean;
  /** CDS/CDNSKEY are published for it (RFC 7344 §4): the key the parent's DS should point at. */
  readonly cds?: boolean;
}

export interface SignZoneOptions {
  /** Seconds since 1970. */
  readonly now: number;
  /** Signature validity in seconds (expiration = now + validity, less jitter). */
  readonly validity: number;
  /**
   * A signature of the previous version is kept while it is valid for more than this many seconds
   * (RFC 6781 §4.4.2: refresh before expiry); default a quarter of `validity`.
   */
  readonly refresh?: number;
  /** Expirations are spread over `[validity - jitter, validity]` by owner name (RFC 6781 §4.4.2.2); default 0. */
  readonly jitter?: number;
  /** Inception is this far before `now`, for validators with slow clocks (RFC 6781 §4.4.2.1); default 3600. */
  readonly inceptionOffset?: number;
  /** TTL of the DNSKEY, CDS and CDNSKEY RRsets. */
  readonly dnskeyTtl: number;
  /** CDS digest types for the keys marked `cds` (default SHA-256); CDNSKEY too unless `cdnskey` is false. */
  readonly cdsDigestTypes?: readonly DigestType[];
  readonly cdnskey?: boolean;
  /** Publish the RFC 8078 §4 delete CDS/CDNSKEY (when unsigning: the parent removes the DS). */
  readonly cdsDelete?: boolean;
  /**
   * The denial step: NSEC or NSEC3 (and NSEC3PARAM) RRsets for the zone it is given (which already
   * holds the DNSKEY, CDS and CDNSKEY, for the apex type bit map). Any NSEC, NSEC3 or NSEC3PARAM
   * of the input zone is dropped first. Without it, those of the input zone are kept and signed.
   */
  readonly denial?: (zone: Zone) => readonly RRset[];
}

/** The types at the apex that come from the keys, never from the input zone. */
const KEY_TYPES: ReadonlySet<number> = new Set([RRType.DNSKEY, RRType.CDS, RRType.CDNSKEY]);
const DENIAL_TYPES: ReadonlySet<number> = new Set([RRType.NSEC, RRType.NSEC3, RRType.NSEC3PARAM]);

/**
 * One signature to make: the data for `signer` (which starts with the RRSIG rdata the signature
 * goes behind, `headerLength` octets, RFC 4034 §3.1.8.1), and the node it goes to.
 */
export interface PlannedSignature {
  readonly nodeKey: string;
  readonly ttl: number;
  readonly signer: number;
  readonly headerLength: number;
  readonly data: Uint8Array;
}

export interface SigningPlan {
  readonly origin: Name;
  /** The RRset signers, one per active key; `PlannedSignature.signer` indexes this. */
  readonly signers: readonly RRsetSigner[];
  readonly jobs: readonly PlannedSignature[];
  /** How many RRSIGs were kept from the previous version. */
  readonly reused: number;
  /** Internal: the new nodes (without RRSIGs) and the RRSIGs kept, by node key. */
  readonly nodes: ReadonlyMap<string, ZoneNode>;
  readonly base: ReadonlyMap<string, ZoneNode> | undefined;
  readonly kept: ReadonlyMap<string, { rdata: Uint8Array[]; ttls: number[] }>;
  readonly recordCount: number;
}

interface Roles {
  readonly keySigners: readonly number[];
  readonly zoneSigners: readonly number[];
}

/** The active signers and which of them sign the DNSKEY RRset and which the rest. */
function rolesOf(keys: readonly ZoneKey[], origin: Name): { signers: RRsetSigner[]; roles: Roles } {
  const signers: RRsetSigner[] = [];
  const keySigners: number[] = [];
  const zoneSigners: number[] = [];
  for (const k of keys) {
    if (k.active === false) continue;
    const i = signers.push(new RRsetSigner(k.key, origin)) - 1;
    if (k.role !== 'ZSK') keySigners.push(i);
    if (k.role !== 'KSK') zoneSigners.push(i);
  }
  if (keySigners.length === 0) throw new SignZoneError(`zone ${origin}: no active KSK or CSK to sign the DNSKEY RRset (RFC 6781 §3.1)`, { zone: origin.toString() });
  if (zoneSigners.length === 0) throw new SignZoneError(`zone ${origin}: no active ZSK or CSK to sign the zone (RFC 6781 §3.1)`, { zone: origin.toString() });
  return { signers, roles: { keySigners, zoneSigners } };
}

/** The DNSKEY, CDS and CDNSKEY RRsets the keys make (RFC 4034 §2, RFC 7344 §3, RFC 8078 §4). */
export function keyRRsets(origin: Name, keys: readonly ZoneKey[], options: Pick<SignZoneOptions, 'dnskeyTtl' | 'cdsDigestTypes' | 'cdnskey' | 'cdsDelete'>): RRset[] {
  const ttl = options.dnskeyTtl;
  const dnskeys = dedupe(keys.filter((k) => k.published !== false).map((k) => dnskeyRdata(k.key)));
  const out: RRset[] = [];
  if (dnskeys.length > 0) out.push({ owner: origin, type: RRType.DNSKEY, ttl, rdata: dnskeys });
  const withCdnskey = options.cdnskey !== false;
  if (options.cdsDelete) {
    out.push({ owner: origin, type: RRType.CDS, ttl, rdata: [CDS_DELETE_RDATA] });
    if (withCdnskey) out.push({ owner: origin, type: RRType.CDNSKEY, ttl, rdata: [CDNSKEY_DELETE_RDATA] });
    return out;
  }
  const cdsKeys = keys.filter((k) => k.cds === true && k.published !== false);
  if (cdsKeys.length > 0) {
    const digests = options.cdsDigestTypes ?? [DigestType.SHA256];
    out.push({ owner: origin, type: RRType.CDS, ttl, rdata: dedupe(cdsKeys.flatMap((k) => digests.map((d) => cdsRdata(origin, k.key, d)))) });
    if (withCdnskey) out.push({ owner: origin, type: RRType.CDNSKEY, ttl, rdata: dedupe(cdsKeys.map((k) => cdnskeyRdata(k.key))) });
  }
  return out;
}

function dedupe(list: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const r of list) if (!out.some((o) => sameBytes(o, r))) out.push(r);
  return out;
}

/** RFC 4035 §2.2: the RRsets of `node` that get RRSIGs. */
export function* signedRRsets(node: ZoneNode): Generator<RRset> {
  // Glue and data below a zone cut are not authoritative.
  if (node.belowCut) return;
  for (const rrset of node.rrsets.values()) {
    if (rrset.type === RRType.RRSIG) continue;
    // At a delegation point only DS and NSEC are authoritative (RFC 4035 §2.2, §2.3).
    if (node.isDelegation && rrset.type !== RRType.DS && rrset.type !== RRType.NSEC) continue;
    yield rrset;
  }
}

/** A small deterministic spread of expirations by owner (FNV-1a of the name), in 0..jitter. */
function jitterOf(node: ZoneNode, jitter: number): number {
  if (jitter <= 0) return 0;
  let h = 0x811c9dc5;
  const k = node.name.key;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return (h >>> 0) % (jitter + 1);
}

/** The node with its RRSIGs removed, key RRsets replaced at the apex, denial records dropped when asked. */
function unsignedCopy(node: ZoneNode, isApex: boolean, dropDenial: boolean, keySets: readonly RRset[]): ZoneNode {
  const copy = new ZoneNode(node.name);
  copy.isDelegation = node.isDelegation;
  copy.belowCut = node.belowCut;
  for (const rrset of node.rrsets.values()) {
    if (rrset.type === RRType.RRSIG) continue;
    if (isApex && KEY_TYPES.has(rrset.type)) continue;
    if (dropDenial && DENIAL_TYPES.has(rrset.type)) continue;
    copy.rrsets.set(rrset);
  }
  if (isApex) for (const rrset of keySets) copy.rrsets.set(rrset);
  return copy;
}

function countRecords(nodes: Iterable<ZoneNode>): number {
  let n = 0;
  for (const node of nodes) for (const rrset of node.rrsets.values()) n += rrset.rdata.length;
  return n;
}

/** The same records (TTL and rdata, in any order). */
function sameRRset(a: RRset, b: RRset): boolean {
  if (a === b) return true;
  if (a.ttl !== b.ttl || a.rdata.length !== b.rdata.length) return false;
  let inOrder = true;
  for (let i = 0; i < a.rdata.length && inOrder; i++) inOrder = sameBytes(a.rdata[i]!, b.rdata[i]!);
  if (inOrder) return true;
  const ca = a.rdata.map((r) => canonicalRdata(a.type, r)).sort(compareRdata);
  const cb = b.rdata.map((r) => canonicalRdata(b.type, r)).sort(compareRdata);
  return ca.every((r, i) => sameBytes(r, cb[i]!));
}

/** The state a plan is built in. */
class Planner {
  readonly jobs: PlannedSignature[] = [];
  readonly kept = new Map<string, { rdata: Uint8Array[]; ttls: number[] }>();
  reused = 0;
  private readonly times: SignatureTimes;
  private readonly refreshUntil: number;
  private readonly jitter: number;

  constructor(
    private readonly origin: Name,
    readonly signers: readonly RRsetSigner[],
    private readonly roles: Roles,
    private readonly options: SignZoneOptions,
    private readonly previous: ReadonlyMap<string, ZoneNode> | undefined,
  ) {
    const inception = options.now - (options.inceptionOffset ?? 3600);
    this.times = { inception, expiration: options.now + options.validity };
    this.refreshUntil = options.now + (options.refresh ?? Math.floor(options.validity / 4));
    this.jitter = Math.max(0, Math.min(options.jitter ?? 0, options.validity - 1));
  }

  /** Plans the signatures of one node: kept from the previous version, or new jobs. */
  node(key: string, node: ZoneNode): void {
    const prev = this.previous?.get(key);
    const prevSigs = prev?.rrsets.get(RRType.RRSIG);
    let times: SignatureTimes | undefined;
    for (const rrset of signedRRsets(node)) {
      const signers = rrset.type === RRType.DNSKEY || rrset.type === RRType.CDS || rrset.type === RRType.CDNSKEY ? this.roles.keySigners : this.roles.zoneSigners;
      const keep = prev && prevSigs ? this.keepable(prev, prevSigs, rrset, signers) : undefined;
      if (keep) {
        const slot = this.slot(key);
        for (const r of keep) {
          slot.rdata.push(r);
          slot.ttls.push(rrset.ttl);
        }
        this.reused += keep.length;
        continue;
      }
      times ??= { inception: this.times.inception, expiration: this.times.expiration - jitterOf(node, this.jitter) };
      for (const s of signers) {
        const job = this.signers[s]!.prepare(rrset, times);
        this.jobs.push({ nodeKey: key, ttl: rrset.ttl, signer: s, headerLength: job.header.length, data: job.data });
      }
    }
  }

  slot(key: string): { rdata: Uint8Array[]; ttls: number[] } {
    let slot = this.kept.get(key);
    if (!slot) this.kept.set(key, (slot = { rdata: [], ttls: [] }));
    return slot;
  }

  /**
   * The previous RRSIGs of `rrset` when they can stay: the RRset did not change, each signer has
   * exactly one signature, by the same zone, valid now and beyond the refresh time, and no
   * other key signed it (a key that left signs nothing, RFC 7583 §3.2).
   */
  private keepable(prev: ZoneNode, prevSigs: RRset, rrset: RRset, signers: readonly number[]): Uint8Array[] | undefined {
    const old = prev.rrsets.get(rrset.type);
    if (!old || !sameRRset(old, rrset)) return undefined;
    const mine: Uint8Array[] = [];
    const now = this.options.now % 0x1_0000_0000;
    const until = this.refreshUntil % 0x1_0000_0000;
    for (const r of prevSigs.rdata) {
      if (((r[0]! << 8) | r[1]!) !== rrset.type) continue;
      const s = parseRrsig(r);
      const owner = signers.find((i) => this.signers[i]!.keyTag === s.keyTag && this.signers[i]!.key.algorithm === s.algorithm);
      if (owner === undefined || !s.signer.equals(this.origin) || s.originalTtl !== rrset.ttl) return undefined;
      if (serialCompare(s.inception, now) > 0 || serialCompare(s.expiration, until) <= 0) return undefined;
      mine.push(r);
    }
    return mine.length === signers.length ? mine : undefined;
  }
}

/**
 * Plans the signing of `zone` (unsigned, or signed: its RRSIGs are dropped) with `keys`. With
 * `previous` (an earlier signed version of the zone) the signatures of RRsets that did not
 * change and stay valid past the refresh time are kept.
 */
export function planSigning(zone: Zone, keys: readonly ZoneKey[], options: SignZoneOptions, previous?: Zone): SigningPlan {
  checkOptions(zone.origin, options);
  const origin = zone.origin;
  const { signers, roles } = rolesOf(keys, origin);
  const keySets = keyRRsets(origin, keys, options);
  const nodes = new Map<string, ZoneNode>();
  for (const [key, node] of zone.nodes) nodes.set(key, unsignedCopy(node, key === origin.key, options.denial !== undefined, keySets));
  if (options.denial) {
    const withKeys = new Zone(origin, nodes, zone.soa, countRecords(nodes.values()));
    for (const rrset of options.denial(withKeys)) addRRset(nodes, origin, rrset);
  }
  const planner = new Planner(origin, signers, roles, options, previous?.nodes);
  for (const [key, node] of nodes) planner.node(key, node);
  return { origin, signers, jobs: planner.jobs, reused: planner.reused, nodes, base: undefined, kept: planner.kept, recordCount: countRecords(nodes.values()) };
}

/** Adds a denial RRset: at an existing node, or at a new one (an NSEC3 owner, one label below the apex). */
function addRRset(nodes: Map<string, ZoneNode>, origin: Name, rrset: RRset): void {
  if (!rrset.owner.isSubdomainOf(origin)) throw new SignZoneError(`denial record ${rrset.owner} is outside zone ${origin}`, { zone: origin.toString() });
  let node = nodes.get(rrset.owner.key);
  if (!node) {
    const parent = rrset.owner.parent();
    if (!parent || !nodes.has(parent.key)) throw new SignZoneError(`denial record ${rrset.owner} has no parent name in zone ${origin}`, { zone: origin.toString() });
    nodes.set(rrset.owner.key, (node = new ZoneNode(rrset.owner)));
  }
  node.rrsets.set(rrset);
}

function checkOptions(origin: Name, o: SignZoneOptions): void {
  const bad = (what: string): never => {
    throw new SignZoneError(`zone ${origin}: ${what}`, { zone: origin.toString() });
  };
  if (!Number.isFinite(o.now) || o.now < 0) bad(`now ${o.now} is not a time`);
  // RFC 4034 §3.1.5: the period must fit in half the 32-bit space to be ordered.
  if (!Number.isInteger(o.validity) || o.validity <= 0 || o.validity >= 2 ** 31) bad(`signature validity ${o.validity} outside 1..2^31-1 seconds`);
  if (o.refresh !== undefined && (o.refresh < 0 || o.refresh >= o.validity)) bad(`refresh ${o.refresh} must be below the validity ${o.validity}`);
  if (!Number.isInteger(o.dnskeyTtl) || o.dnskeyTtl < 0 || o.dnskeyTtl > 0x7fffffff) bad(`DNSKEY TTL ${o.dnskeyTtl} outside 0..2^31-1`);
}

/** Signs the planned jobs in this thread: one signature per job, in order. */
export function signJobs(plan: SigningPlan): Uint8Array[] {
  return plan.jobs.map((job) => plan.signers[job.signer]!.signJob(job));
}

/** The signed zone: the plan's nodes with the kept RRSIGs and the new ones (`signatures[i]` for `plan.jobs[i]`). */
export function assembleSignedZone(plan: SigningPlan, signatures: readonly Uint8Array[]): Zone {
  if (signatures.length !== plan.jobs.length) throw new SignZoneError(`${signatures.length} signatures for ${plan.jobs.length} jobs`);
  let added = 0;
  // The RRSIGs in shared slabs: a signed zone of millions of signatures holds no ArrayBuffer per signature.
  const slab = new RdataSlab();
  const put = (key: string, rdata: Uint8Array[], ttls: number[]): void => {
    const node = plan.nodes.get(key)!;
    node.rrsets.set(withTtls({ owner: node.name, type: RRType.RRSIG, ttl: Math.min(...ttls), rdata }, ttls));
    added += rdata.length;
  };
  // The planner makes the jobs of a node one after the other: each run of one node's jobs, with
  // the signatures kept at that node, is its RRSIG RRset.
  const jobs = plan.jobs;
  for (let i = 0; i < jobs.length; ) {
    const key = jobs[i]!.nodeKey;
    const kept = plan.kept.get(key);
    const rdata = kept ? [...kept.rdata] : [];
    const ttls = kept ? [...kept.ttls] : [];
    for (; i < jobs.length && jobs[i]!.nodeKey === key; i++) {
      const job = jobs[i]!;
      rdata.push(slab.join(job.data.subarray(0, job.headerLength), signatures[i]!));
      ttls.push(job.ttl);
    }
    put(key, rdata, ttls);
  }
  // Nodes whose signatures were all kept.
  for (const [key, slot] of plan.kept) if (!plan.nodes.get(key)!.rrsets.has(RRType.RRSIG)) put(key, [...slot.rdata], [...slot.ttls]);
  const nodes: ReadonlyMap<string, ZoneNode> = plan.base ? LayeredMap.of(plan.base, plan.nodes) : plan.nodes;
  const apex = nodes.get(plan.origin.key)!;
  return new Zone(plan.origin, nodes, apex.rrsets.get(RRType.SOA)!, plan.recordCount + added);
}

/**
 * Signs `zone` with `keys` (see `planSigning`); with `previous`, keeps the signatures that need
 * no refresh. The SOA serial is the caller's: bump it in `zone` before signing a new version.
 */
export function signZone(zone: Zone, keys: readonly ZoneKey[], options: SignZoneOptions, previous?: Zone): Zone {
  const plan = planSigning(zone, keys, options, previous);
  return assembleSignedZone(plan, signJobs(plan));
}

/**
 * Refreshes a signed zone on a timer: re-signs the RRsets whose signatures expire within
 * `refresh` (or were made by keys that no longer sign, or miss a new key's), keeps the others.
 * The zone's own NSEC/NSEC3 records are kept and signed as they are.
 */
export function resignDue(signed: Zone, keys: readonly ZoneKey[], options: Omit<SignZoneOptions, 'denial'>): Zone {
  return signZone(signed, keys, options, signed);
}

/**
 * Plans the re-signing after a change, at the cost of the change: `unsigned` is the new unsigned
 * version (its SOA serial already moved), `changed` the owner names whose RRsets changed (denial
 * owners included: the caller's denial step gives them). Only those names, their ancestors up to
 * the apex, and the apex (SOA) are visited; every other name is shared with `signed`. Returns
 * undefined when the change alters a zone cut, which moves names in or out of authority: sign
 * the whole zone with `previous` then.
 */
export function planResign(signed: Zone, unsigned: Zone, changed: Iterable<Name>, keys: readonly ZoneKey[], options: Omit<SignZoneOptions, 'denial'>): SigningPlan | undefined {
  checkOptions(unsigned.origin, options);
  const origin = unsigned.origin;
  const { signers, roles } = rolesOf(keys, origin);
  const keySets = keyRRsets(origin, keys, options);
  const visit = new Map<string, Name>([[origin.key, origin]]);
  for (const name of changed) {
    if (!name.isSubdomainOf(origin)) throw new SignZoneError(`changed name ${name} is outside zone ${origin}`, { zone: origin.toString() });
    for (let n: Name | null = name; n && n.key.length >= origin.key.length; n = n.parent()) {
      if (visit.has(n.key)) break;
      visit.set(n.key, n);
    }
  }
  const layer = new Map<string, ZoneNode | undefined>();
  const planner = new Planner(origin, signers, roles, options, signed.nodes);
  let delta = 0;
  for (const [key, name] of visit) {
    const now = unsigned.node(name);
    const before = signed.nodes.get(key);
    if (now && before && now.isDelegation !== before.isDelegation) return undefined;
    if (now && before && now.belowCut !== before.belowCut) return undefined;
    if (before) delta -= countRecords([before]);
    if (!now) {
      layer.set(key, undefined);
      continue;
    }
    const copy = unsignedCopy(now, key === origin.key, false, keySets);
    delta += countRecords([copy]);
    layer.set(key, copy);
    planner.node(key, copy);
  }
  const nodes = layer as Map<string, ZoneNode>;
  return { origin, signers, jobs: planner.jobs, reused: planner.reused, nodes, base: signed.nodes, kept: planner.kept, recordCount: signed.recordCount + delta };
}

/** What a denial chain's incremental update changes (denial.ts `DenialChange`), and the apex's NSEC3PARAM. */
export interface DenialDelta {
  readonly upserts: readonly RRset[];
  readonly removed: readonly Name[];
  /** NSEC3PARAM (RFC 5155 §4) for the apex, with a chain of NSEC3; absent with NSEC. */
  readonly nsec3param?: RRset;
}

/**
 * Plans the signing of a new version at the cost of its change, denial chain included: `zone` is
 * the new version (unsigned; its serial already moved), `changed` the names whose node differs
 * from the version `signed` was made from in any way — records, zone cut flags, an empty
 * non-terminal that came or went (every name below a cut that appeared or went, then) —, and
 * `denial` what the chain's incremental update (NsecChain/Nsec3Chain `update`) changed. Visits
 * those names, the denial owners and the apex; every other node is shared with `signed`, NSEC
 * and NSEC3 RRsets that did not change included, with their RRSIGs. Signatures of visited RRsets
 * that did not change are kept while fresh, as in `planSigning` with a previous version.
 */
export function planDenialChange(signed: Zone, zone: Zone, changed: Iterable<Name>, denial: DenialDelta, keys: readonly ZoneKey[], options: Omit<SignZoneOptions, 'denial'>): SigningPlan {
  checkOptions(zone.origin, options);
  const origin = zone.origin;
  const { signers, roles } = rolesOf(keys, origin);
  const keySets = keyRRsets(origin, keys, options);
  const visit = new Map<string, Name>([[origin.key, origin]]);
  for (const name of changed) visit.set(name.key, name);
  const upserts = new Map<string, RRset>();
  for (const rrset of denial.upserts) {
    upserts.set(rrset.owner.key, rrset);
    visit.set(rrset.owner.key, rrset.owner);
  }
  const removed = new Set<string>();
  for (const name of denial.removed) {
    removed.add(name.key);
    visit.set(name.key, name);
  }
  const layer = new Map<string, ZoneNode | undefined>();
  const planner = new Planner(origin, signers, roles, options, signed.nodes);
  let delta = 0;
  for (const [key, name] of visit) {
    if (!name.isSubdomainOf(origin)) throw new SignZoneError(`changed name ${name} is outside zone ${origin}`, { zone: origin.toString() });
    const before = signed.nodes.get(key);
    if (before) delta -= countRecords([before]);
    const now = zone.nodes.get(key);
    const isApex = key === origin.key;
    let node = now ? unsignedCopy(now, isApex, true, keySets) : undefined;
    // The denial RRset at this owner: the chain's new one, none when the chain dropped it, else
    // the one it had (a name whose data changed but not its bit map keeps its NSEC).
    let rrset = upserts.get(key);
    if (!rrset && !removed.has(key)) rrset = before?.rrsets.get(RRType.NSEC) ?? before?.rrsets.get(RRType.NSEC3);
    if (rrset) {
      if (!node) {
        // An NSEC3 owner: one label below the apex (RFC 5155 §3.3).
        if (rrset.owner.parent()?.key !== origin.key) throw new SignZoneError(`denial record ${rrset.owner} has no node in zone ${origin}`, { zone: origin.toString() });
        node = new ZoneNode(rrset.owner);
      }
      node.rrsets.set(rrset);
    }
    if (isApex && node && denial.nsec3param) node.rrsets.set(denial.nsec3param);
    layer.set(key, node);
    if (!node) continue;
    delta += countRecords([node]);
    planner.node(key, node);
  }
  const nodes = layer as Map<string, ZoneNode>;
  return { origin, signers, jobs: planner.jobs, reused: planner.reused, nodes, base: signed.nodes, kept: planner.kept, recordCount: signed.recordCount + delta };
}

/** `planResign` signed in this thread; falls back to signing the whole zone (keeping fresh signatures) when a cut moved. */
export function resignChanged(signed: Zone, unsigned: Zone, changed: Iterable<Name>, keys: readonly ZoneKey[], options: Omit<SignZoneOptions, 'denial'>): Zone {
  const plan = planResign(signed, unsigned, changed, keys, options);
  if (!plan) return signZone(unsigned, keys, options, signed);
  return assembleSignedZone(plan, signJobs(plan));
}
