import { Name, MAX_NAME_LENGTH } from '../dns/name';
import { Rcode, RRType } from '../dns/constants';
import { codecFor } from '../dns/rdata/registry';
import type { RRset, Zone, ZoneNode } from '../zone/zone';
import type { ZoneSet } from '../zone/zone-set';
import { dnssecOf, typeCovered, type ZoneDnssec } from '../zone/dnssec';
import { nodataProof, noDsProof, nxdomainProof, wildcardAnswerProof } from './answer-dnssec';

/**
 * The answer logic of an authoritative server (RFC 1034 §4.3.2), pure and synchronous.
 *
 * It only collects `(section, owner, rrset)` entries; `encodeAnswer` (respond.ts) turns them into bytes. The steps
 * read as in Knot's `internet.c` and NSD's `query.c`: find the zone, walk down to the name (a
 * delegation or DNAME on the way ends the walk), then answer the name found, or the wildcard that
 * covers it, or say that it does not exist.
 *
 * Where RFCs leave room, the choices follow NSD 4.6, which the differential test compares us with:
 * - a chain of CNAMEs and DNAMEs ends with the rcode and SOA of its last name (RFC 6604 §3), and
 *   AA stays set even when the chain ends in a referral;
 * - a CNAME is followed into any zone we serve, not only its own;
 * - ANY is answered with one RRset, the first the name holds (RFC 8482 §4.1), over UDP and TCP;
 * - the apex NS RRset is not added to positive answers (minimal responses, which NSD does not do;
 *   RFC 1034 allows both);
 * - the additional section holds the addresses of NS, MX and SRV targets, also those a wildcard
 *   holds, and glue only in referrals (docs/adr/0011-edns-errors-and-identity.md).
 *
 * DNSSEC (RFC 4035 §3.1): when the query has the DO bit and the zone is signed, each RRset of the
 * answer and authority sections carries its RRSIGs (`AnswerEntry.signatures`), and negative,
 * wildcard and referral answers carry the NSEC or NSEC3 records that prove them (the twins in
 * `answer-dnssec.ts`). Without DO nothing changes.
 */

export type Section = 'answer' | 'authority' | 'additional';

export interface AnswerEntry {
  /** Owner as it goes on the wire: the query name for wildcard answers and synthesized CNAMEs. */
  readonly owner: Name;
  readonly rrset: RRset;
  /** In-domain glue that must fit, or the response is truncated (RFC 9471 §3). */
  readonly required?: boolean;
  /**
   * The RRSIGs covering the RRset (DO queries to signed zones), written with it or not at all
   * (RFC 4035 §3.1.1), under the same owner.
   */
  readonly signatures?: RRset;
}

/**
 * How a lookup ended, as Knot's solvers name their states: each step of `AnswerWalk` returns the
 * one it reached, and `answerQuery` turns the last into the header's rcode and AA bit.
 * - `answer`: data, or a CNAME/DNAME chain that ended in data, left our zones or looped;
 * - `nodata`: the name exists without the type (RFC 2308 §2.2);
 * - `nxdomain`: the name does not exist (RFC 2308 §2.1);
 * - `referral`: a delegation (RFC 1034 §4.3.2 step 3b);
 * - `refused`: no zone of ours holds the query name;
 * - `yxdomain`: a DNAME substitution too long for a name (RFC 6672 §2.2).
 */
export type LookupState = 'answer' | 'nodata' | 'nxdomain' | 'referral' | 'refused' | 'yxdomain';

export interface Answer {
  rcode: number;
  authoritative: boolean;
  /** How the lookup ended: tests and metrics read it. */
  state: LookupState;
  readonly answer: AnswerEntry[];
  readonly authority: AnswerEntry[];
  readonly additional: AnswerEntry[];
}

/** A CNAME/DNAME chain longer than this is cut short (loops are caught earlier, see `add`). */
const MAX_CHAIN = 16;

export function answerQuery(zones: ZoneSet, qname: Name, qtype: number, dnssecOk = false): Answer {
  const walk = new AnswerWalk(zones, qtype, dnssecOk);
  const state = walk.resolve(qname);
  const { answer, authority, additional } = walk.sections;
  return {
    rcode: state === 'nxdomain' ? Rcode.NXDOMAIN : state === 'refused' ? Rcode.REFUSED : state === 'yxdomain' ? Rcode.YXDOMAIN : Rcode.NOERROR,
    // A referral for the query name itself is not authoritative (RFC 1034 §4.3.2 step 3b); one
    // at the end of a CNAME or DNAME chain keeps AA, as NSD sets it.
    authoritative: !(state === 'refused' || (state === 'referral' && walk.followed === 0)),
    state,
    answer,
    authority,
    additional,
  };
}

/** The walk of one query: steps add entries to `sections` and return the state they reached. */
class AnswerWalk {
  readonly sections: { readonly answer: AnswerEntry[]; readonly authority: AnswerEntry[]; readonly additional: AnswerEntry[] } = {
    answer: [],
    authority: [],
    additional: [],
  };
  /** Names reached through CNAME or DNAME so far (0 while answering the query name itself). */
  private chain = 0;

  /** How many CNAME or DNAME links the walk followed. */
  get followed(): number {
    return this.chain;
  }
  private readonly added = new Set<string>();

  constructor(
    private readonly zones: ZoneSet,
    private readonly qtype: number,
    /** RFC 3225: the query's DO bit. */
    private readonly dnssecOk: boolean,
  ) {}

  resolve(qname: Name): LookupState {
    let zone = this.zones.find(qname);
    // RFC 1034 §4.3.2 step 2: not authoritative. A chain that leaves our zones just ends.
    if (!zone) return this.chain === 0 ? 'refused' : 'answer';
    if (this.qtype === RRType.DS && qname.key === zone.origin.key) {
      // RFC 4035 §3.1.4.1: the DS RRset lives in the parent; answer from it when we serve it.
      const parentName = qname.parent();
      const parent = parentName && this.zones.find(parentName);
      if (parent) zone = parent;
      else return this.answerNode(zone, zone.apex, qname);
    }

    const key = qname.key;
    const starts = labelStartsBelow(key, zone.origin.key.length);
    let node = zone.apex;
    for (let i = starts.length - 1; i >= 0; i--) {
      // Every name on the way down decides before we look further (RFC 1034 §4.3.2 step 3).
      if (node !== zone.apex && node.isDelegation) return this.referral(zone, node);
      const dname = node.rrsets.get(RRType.DNAME);
      if (dname) return this.dname(zone, qname, node, dname);
      const next = zone.nodes.get(key.slice(starts[i]));
      if (!next) break;
      node = next;
    }

    if (node.name.key === key) {
      // RFC 4035 §3.1.4.1: at a cut, DS is the parent's data; everything else is a referral.
      if (node.isDelegation && this.qtype !== RRType.DS) return this.referral(zone, node);
      return this.answerNode(zone, node, qname);
    }
    // RFC 4592 §3.3.1: the source of synthesis is `*.` + closest encloser.
    const wildcard = zone.nodes.get('\x01*' + node.name.key);
    if (wildcard) return this.answerNode(zone, wildcard, qname, node);
    return this.nxdomain(zone, qname, node);
  }

  /**
   * The name exists (or a wildcard stands for it): data, CNAME, or no data. `encloser` is set
   * when `node` is a wildcard answering for `owner` below that closest encloser.
   */
  private answerNode(zone: Zone, node: ZoneNode, owner: Name, encloser?: ZoneNode): LookupState {
    if (this.qtype === RRType.ANY) return this.answerAny(zone, node, owner, encloser);
    if (this.qtype === RRType.RRSIG && node.rrsets.has(RRType.RRSIG)) return this.answerRrsig(zone, node, owner, encloser);
    const rrset = node.rrsets.get(this.qtype);
    if (rrset) {
      this.add('answer', owner, rrset, false, this.signatures(zone, node, this.qtype));
      this.addAdditional(zone, rrset);
      this.proveWildcardAnswer(zone, owner, encloser);
      return 'answer';
    }
    const cname = node.rrsets.get(RRType.CNAME);
    if (cname) {
      // RFC 1034 §4.3.2 step 3a: add the CNAME and restart at its target. A CNAME already in the
      // answer means a loop: stop there, as NSD does.
      if (!this.add('answer', owner, cname, false, this.signatures(zone, node, RRType.CNAME))) return 'answer';
      this.proveWildcardAnswer(zone, owner, encloser);
      if (this.chain >= MAX_CHAIN) return 'answer';
      this.chain++;
      return this.resolve(Name.fromWire(cname.rdata[0]!));
    }
    return this.nodata(zone, node, owner, encloser);
  }

  /**
   * An explicit RRSIG query is answered as data, with or without DO, as NSD does: one RRset per
   * type covered, each with its own TTL (RFC 4034 §3).
   */
  private answerRrsig(zone: Zone, node: ZoneNode, owner: Name, encloser: ZoneNode | undefined): LookupState {
    const sec = dnssecOf(zone);
    const groups = sec ? sec.allSignatures(node) : [node.rrsets.get(RRType.RRSIG)!];
    for (const group of groups) this.add('answer', owner, group);
    this.proveWildcardAnswer(zone, owner, encloser);
    return 'answer';
  }

  /**
   * RFC 8482 §4.1: ANY gets one RRset, not all of them; large ANY answers are what reflection
   * attacks are made of. Like NSD, the first RRset the name holds (zone order).
   */
  private answerAny(zone: Zone, node: ZoneNode, owner: Name, encloser: ZoneNode | undefined): LookupState {
    const first = node.rrsets.values().next();
    if (first.done) return this.nodata(zone, node, owner, encloser);
    this.add('answer', owner, first.value, false, this.signatures(zone, node, first.value.type));
    this.addAdditional(zone, first.value);
    this.proveWildcardAnswer(zone, owner, encloser);
    return 'answer';
  }

  /** RFC 6672 §3.3: add the DNAME, synthesize the CNAME for the query name, follow it. */
  private dname(zone: Zone, qname: Name, node: ZoneNode, dname: RRset): LookupState {
    if (!this.add('answer', node.name, dname, false, this.signatures(zone, node, RRType.DNAME)) || this.chain >= MAX_CHAIN) return 'answer';
    const target = Name.fromWire(dname.rdata[0]!);
    const prefix = qname.cased.slice(0, qname.cased.length - node.name.cased.length);
    // RFC 6672 §2.2: the substituted name would be too long.
    if (prefix.length + target.cased.length > MAX_NAME_LENGTH) return 'yxdomain';
    const newName = Name.fromWireString(prefix + target.cased);
    // RFC 6672 §3.4 (which replaced RFC 2672's TTL of zero): the CNAME takes the DNAME's TTL.
    // It is unsigned (RFC 6672 §5.3: the signed DNAME is what a validator checks).
    const synthesized: RRset = { owner: qname, type: RRType.CNAME, ttl: dname.ttl, rdata: [newName.toWire()] };
    this.add('answer', qname, synthesized);
    // A query for CNAME is answered by the synthesized CNAME itself (RFC 1034 §4.3.2 step 3a).
    if (this.qtype === RRType.CNAME) return 'answer';
    this.chain++;
    return this.resolve(newName);
  }

  /** RFC 1034 §4.3.2 step 3b: the NS RRset of the cut and the glue its servers need. */
  private referral(zone: Zone, cut: ZoneNode): LookupState {
    const ns = cut.rrsets.get(RRType.NS)!;
    this.add('authority', cut.name, ns);
    const sec = this.dnssec(zone);
    if (sec) {
      // RFC 4035 §3.1.4: the DS RRset with its RRSIGs, or the proof that there is none.
      const ds = cut.rrsets.get(RRType.DS);
      if (ds) this.add('authority', cut.name, ds, false, sec.signatures(cut, RRType.DS));
      else this.addProof(sec, noDsProof(sec, cut));
    }
    const targets = ns.rdata.flatMap((rdata) => codecFor(RRType.NS).additionalNames(rdata));
    for (const target of targets) {
      // RFC 9471 §3: glue for names in the delegated zone must fit; other addresses we hold may.
      const required = target.isSubdomainOf(cut.name);
      this.addAddresses(zone, target, required);
    }
    return 'referral';
  }

  /** RFC 2308 §2.2: NODATA carries the SOA of the zone of the last name in the chain. */
  private nodata(zone: Zone, node: ZoneNode, qname: Name, encloser: ZoneNode | undefined): LookupState {
    this.addNegativeSoa(zone);
    const sec = this.dnssec(zone);
    if (sec) this.addProof(sec, nodataProof(sec, qname, node, encloser));
    return 'nodata';
  }

  /** RFC 2308 §2.1, RFC 6604 §3: name error, also when it is the end of a CNAME chain. */
  private nxdomain(zone: Zone, qname: Name, encloser: ZoneNode): LookupState {
    this.addNegativeSoa(zone);
    const sec = this.dnssec(zone);
    if (sec) this.addProof(sec, nxdomainProof(sec, qname, encloser));
    return 'nxdomain';
  }

  /**
   * RFC 4035 §3.1.3: the SOA of a negative answer carries its RRSIGs too. They take the SOA's
   * negative TTL (RFC 2308 §3), as NSD and BIND send them: a resolver caches the proof no longer
   * than the answer it proves.
   */
  private addNegativeSoa(zone: Zone): void {
    const soa = zone.negativeSoa;
    let signatures = this.signatures(zone, zone.apex, RRType.SOA);
    if (signatures && signatures.ttl > soa.ttl) signatures = { owner: signatures.owner, type: signatures.type, ttl: soa.ttl, rdata: signatures.rdata };
    this.add('authority', zone.apex.name, soa, false, signatures);
  }

  /** RFC 4035 §3.1.3.3, RFC 5155 §7.2.6: a wildcard answer proves the query name does not exist. */
  private proveWildcardAnswer(zone: Zone, qname: Name, encloser: ZoneNode | undefined): void {
    if (!encloser) return;
    const sec = this.dnssec(zone);
    if (sec) this.addProof(sec, wildcardAnswerProof(sec, qname, encloser));
  }

  /** The NSEC or NSEC3 RRsets of `nodes`, with their RRSIGs, into the authority section. */
  private addProof(sec: ZoneDnssec, nodes: readonly ZoneNode[]): void {
    const type = sec.denialType;
    for (const node of nodes) {
      const rrset = node.rrsets.get(type);
      if (rrset) this.add('authority', node.name, rrset, false, sec.signatures(node, type));
    }
  }

  /** The zone's DNSSEC index when the query has DO and the zone is signed; otherwise null. */
  private dnssec(zone: Zone): ZoneDnssec | null {
    return this.dnssecOk ? dnssecOf(zone) : null;
  }

  /** RFC 4035 §3.1.1: the RRSIGs at `node` covering `type`, for DO queries to signed zones. */
  private signatures(zone: Zone, node: ZoneNode, type: number): RRset | undefined {
    return this.dnssecOk ? dnssecOf(zone)?.signatures(node, type) : undefined;
  }

  /**
   * RFC 1035 §3.3.9, §3.3.11, RFC 2782: addresses of NS, MX and SRV targets held in the zone,
   * authoritative ones only. Glue (addresses at or below a delegation) is left out, as NSD does:
   * RFC 2181 §5.4.1 ranks it below authoritative data and it serves referrals only; Knot adds it.
   */
  private addAdditional(zone: Zone, rrset: RRset): void {
    const codec = codecFor(rrset.type);
    for (const rdata of rrset.rdata) {
      for (const target of codec.additionalNames(rdata)) this.addAddresses(zone, target, false, false);
    }
  }

  /**
   * The A and AAAA RRsets of `target`, or of the wildcard that stands for it (RFC 4592 §3.3.1:
   * synthesized with `target` as owner, as NSD and Knot add them). `glue`: nodes at or below a
   * delegation may be used (referrals).
   */
  private addAddresses(zone: Zone, target: Name, required: boolean, glue = true): void {
    const exact = zone.nodes.get(target.key);
    const node = exact ?? this.wildcardFor(zone, target);
    if (!node || (node.belowCut && !glue)) return;
    const owner = exact ? exact.name : target;
    for (const type of [RRType.A, RRType.AAAA]) {
      const rrset = node.rrsets.get(type);
      if (rrset) this.add('additional', owner, rrset, required, node.belowCut ? undefined : this.signatures(zone, node, type));
    }
  }

  /**
   * The wildcard node that would answer for `target`, a name the zone does not hold: `*.` + its
   * closest encloser (RFC 4592 §3.3.1), unless that encloser is at or below a cut or holds a
   * DNAME, where the walk of `resolve` would have ended first.
   */
  private wildcardFor(zone: Zone, target: Name): ZoneNode | undefined {
    if (!target.isSubdomainOf(zone.origin)) return undefined;
    const key = target.key;
    const origin = zone.origin.key.length;
    for (let i = key.charCodeAt(0) + 1; key.length - i >= origin; i += key.charCodeAt(i) + 1) {
      const encloser = zone.nodes.get(key.slice(i));
      if (!encloser) continue;
      if (encloser.belowCut || encloser.rrsets.has(RRType.DNAME)) return undefined;
      return zone.nodes.get('\x01*' + encloser.name.key);
    }
    return undefined;
  }

  /** Adds an entry once; false when it is already there (how CNAME and DNAME loops end). */
  private add(section: Section, owner: Name, rrset: RRset, required = false, signatures?: RRset): boolean {
    // RRSIGs answered as data come one RRset per type covered (answerRrsig).
    const id = rrset.type === RRType.RRSIG ? `${owner.key}/${rrset.type}/${typeCovered(rrset.rdata[0]!)}` : `${owner.key}/${rrset.type}`;
    if (this.added.has(id)) return false;
    this.added.add(id);
    const entry: AnswerEntry = required ? { owner, rrset, required } : { owner, rrset };
    this.sections[section].push(signatures ? { ...entry, signatures } : entry);
    return true;
  }
}


/** Offsets where each label of `key` starts, for the labels below a suffix of `originLength` octets. */
function labelStartsBelow(key: string, originLength: number): number[] {
  const starts: number[] = [];
  for (let i = 0; key.length - i > originLength; i += key.charCodeAt(i) + 1) starts.push(i);
  return starts;
}
