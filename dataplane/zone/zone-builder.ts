import { sameBytes } from '../dns/bytes';
import { Name, bytesToLatin1 } from '../dns/name';
import { RRClass, RRType, typeToString, isMetaType } from '../dns/constants';
import { Zone, ZoneNode, type RRset, type SourceRef } from './zone';
import { ITEMS_PER_STEP, runSteps, type Steps } from './steps';
import { RdataSlab } from './rdata-slab';
import { DnsfleetError } from '../dns/error';

/** One record on its way into a zone; `line` is where it was written, when that is known. */
export interface ZoneRecord {
  readonly owner: Name;
  readonly type: number;
  readonly ttl: number;
  readonly class?: number;
  readonly rdata: Uint8Array;
  readonly line?: number;
}

export interface ZoneProblem {
  readonly message: string;
  readonly source?: SourceRef;
}

/** A zone that fails its checks. It is rejected whole: the caller keeps serving the previous one. */
export class ZoneCheckError extends DnsfleetError {
  constructor(
    readonly zone: string,
    readonly problems: readonly ZoneProblem[],
  ) {
    super(`zone ${zone} rejected: ${problems.map(formatProblem).join('; ')}`, { zone });
    this.name = 'ZoneCheckError';
  }
}

/** A builder used after it was built (a programming error: make a new one). */
export class ZoneBuilderError extends DnsfleetError {}

export function formatProblem(p: ZoneProblem): string {
  if (!p.source) return p.message;
  return p.source.line !== undefined ? `${p.source.source}:${p.source.line}: ${p.message}` : `${p.source.source}: ${p.message}`;
}

/** RFC 2181 §8: TTLs are unsigned 31-bit numbers. */
const MAX_TTL = 0x7fffffff;

interface PendingSet {
  owner: Name;
  type: number;
  ttl: number;
  rdata: Uint8Array[];
  /** RRSIG: each record's own TTL (RFC 4034 §3), see RRset.ttls. */
  ttls: number[] | undefined;
  /** Built only for large RRsets; small ones are checked for duplicates by comparison. */
  seen: Set<string> | undefined;
  /**
   * Where the first record was written, and the second (the first one too many for SOA, CNAME,
   * DNAME): plain fields, made into a SourceRef only for a problem (a million records, a million
   * objects saved).
   */
  source: string | undefined;
  line: number | undefined;
  hasSecond: boolean;
  secondSource: string | undefined;
  secondLine: number | undefined;
  /** When the RRset's first record came, to tell which of two clashing RRsets came later. */
  order: number;
}

function firstPlace(set: PendingSet | undefined): SourceRef | undefined {
  return set?.source === undefined ? undefined : { source: set.source, line: set.line };
}

function secondPlace(set: PendingSet | undefined): SourceRef | undefined {
  return set?.hasSecond && set.secondSource !== undefined ? { source: set.secondSource, line: set.secondLine } : undefined;
}

function appended<T>(list: readonly T[], item: T): T[] {
  const out = new Array<T>(list.length + 1);
  for (let i = 0; i < list.length; i++) out[i] = list[i]!;
  out[list.length] = item;
  return out;
}

function setOf(sets: readonly PendingSet[] | undefined, type: number): PendingSet | undefined {
  if (!sets) return undefined;
  for (let i = 0; i < sets.length; i++) if (sets[i]!.type === type) return sets[i];
  return undefined;
}

/**
 * Where the records of one name were written, so that a problem points at the record that
 * caused it (the later of two clashing RRsets, the second SOA), not at the first of the zone.
 */
export interface RecordPlaces {
  /** The first record of `type`. */
  first(type: number): SourceRef | undefined;
  /** The second record of `type`. */
  second(type: number): SourceRef | undefined;
  /** Increases with the time the first record of `type` was added. */
  order(type: number): number;
}

const NO_PLACES: RecordPlaces = { first: () => undefined, second: () => undefined, order: () => 0 };

/** Above this many records an RRset keeps a set of its rdata to find duplicates. */
const LINEAR_DUPLICATE_CHECK = 16;

/**
 * Collects records, then checks and freezes them into a `Zone`, once: the records move into the
 * zone as it is built. Warnings are kept for the caller to log; problems reject the zone.
 */
export class ZoneBuilder {
  private readonly sets = new Map<string, PendingSet[]>();
  /** The rdata of the records, copied into shared slabs (rdata-slab.ts). */
  private readonly slab = new RdataSlab();
  /** A builder builds once: `build` hands its records over to the zone as it goes. */
  private consumed = false;
  private readonly problems: ZoneProblem[] = [];
  readonly warnings: ZoneProblem[] = [];
  private count = 0;

  constructor(readonly origin: Name) {}

  /** Adds a record; `source` names where it came from (a file, a field) for error messages. */
  add(record: ZoneRecord, source?: string): this {
    if (this.consumed) throw new ZoneBuilderError(`the builder of zone ${this.origin} was built already`, { zone: this.origin.toString() });
    const problem = checkRecord(record, this.origin);
    if (problem !== undefined) {
      this.problems.push({ message: problem, source: source === undefined ? undefined : { source, line: record.line } });
      return this;
    }
    // The RRsets of a name in a short array, not a Map: a name rarely has more than a few types.
    const sets = this.sets.get(record.owner.key);
    const set = setOf(sets, record.type);
    if (!set) {
      const pending: PendingSet = {
        // All RRsets of a name share one Name object: a million records need not mean a million names.
        owner: sets ? sets[0]!.owner : record.owner,
        type: record.type,
        ttl: record.ttl,
        rdata: [this.slab.copy(record.rdata)],
        ttls: record.type === RRType.RRSIG ? [record.ttl] : undefined,
        seen: undefined,
        source,
        line: source === undefined ? undefined : record.line,
        hasSecond: false,
        secondSource: undefined,
        secondLine: undefined,
        order: this.count,
      };
      // Arrays exactly as long as they hold (one grown by push keeps room for 16 more).
      this.sets.set(record.owner.key, sets ? appended(sets, pending) : [pending]);
      this.count++;
      return this;
    }
    // RFC 2181 §5: an RRset holds no duplicate records.
    if (isDuplicate(set, record.rdata)) return this;
    if (set.ttls) {
      // RFC 4034 §3: RRSIGs keep the TTL of the RRset they cover, which may differ by type.
      set.ttls.push(record.ttl);
      set.ttl = Math.min(set.ttl, record.ttl);
    } else if (set.ttl !== record.ttl) {
      // RFC 2181 §5.2: the TTLs of an RRset must match; we keep the lowest, as resolvers would.
      this.warnings.push({
        message: `${record.owner} ${typeToString(record.type)}: TTL ${record.ttl} differs from ${set.ttl} in the same RRset; using the lower`,
        source: source === undefined ? undefined : { source, line: record.line },
      });
      set.ttl = Math.min(set.ttl, record.ttl);
    }
    if (set.rdata.length === 1) {
      set.hasSecond = true;
      set.secondSource = source;
      set.secondLine = record.line;
    }
    const rdata = this.slab.copy(record.rdata);
    set.rdata.push(rdata);
    set.seen?.add(bytesToLatin1(rdata));
    this.count++;
    return this;
  }

  /** Runs the zone checks and returns the frozen zone, or throws ZoneCheckError listing every problem. */
  build(): Zone {
    return runSteps(this.buildSteps());
  }

  /**
   * `build` in steps (zone/steps.ts), so that the caller can answer queries between them while a
   * large zone is built; the same zone or the same ZoneCheckError. No record may be added meanwhile.
   */
  *buildSteps(): Steps<Zone> {
    const problems = [...this.problems];
    const nodes = new Map<string, ZoneNode>();
    let n = 0;
    // One RecordPlaces for every name, pointed at the name's sets in turn.
    let current: PendingSet[] = [];
    const places: RecordPlaces = {
      first: (type) => firstPlace(setOf(current, type)),
      second: (type) => secondPlace(setOf(current, type)),
      order: (type) => setOf(current, type)?.order ?? 0,
    };
    if (this.consumed) throw new ZoneBuilderError(`the builder of zone ${this.origin} was built already`, { zone: this.origin.toString() });
    this.consumed = true;
    const apexSets = this.sets.get(this.origin.key);
    for (const [key, sets] of this.sets) {
      if (++n % ITEMS_PER_STEP === 0) yield;
      // Each name's pending sets go as its node is made: the builder and the zone are not both
      // whole in memory at the peak of a large load.
      this.sets.delete(key);
      const node = new ZoneNode(sets[0]!.owner);
      for (const set of sets) {
        // An array grown by push keeps room for more; the zone's keeps its records only.
        const rdata = set.rdata.length > 1 ? set.rdata.slice() : set.rdata;
        const rrset: RRset = withTtls({ owner: set.owner, type: set.type, ttl: set.ttl, rdata }, set.ttls);
        node.rrsets.set(rrset);
      }
      nodes.set(key, node);
      current = sets;
      checkNode(node, this.origin, problems, places);
    }

    const apex = nodes.get(this.origin.key);
    const soa = apex?.rrsets.get(RRType.SOA);
    if (!soa) {
      problems.push({ message: `zone ${this.origin} has no SOA record at its apex` });
    } else if (soa.rdata.length > 1) {
      // The second SOA is the one too many.
      const src = secondPlace(setOf(apexSets, RRType.SOA));
      problems.push({ message: `zone ${this.origin} has ${soa.rdata.length} SOA records; exactly one is allowed`, source: src });
    }
    if (apex && !apex.rrsets.has(RRType.NS)) {
      this.warnings.push({ message: `zone ${this.origin} has no NS records at its apex` });
    }
    if (problems.length > 0) throw new ZoneCheckError(this.origin.toString(), problems);

    yield* addEmptyNonTerminals(nodes, this.origin);
    yield* markDelegations(nodes, this.origin);
    return new Zone(this.origin, nodes, soa!, this.count);
  }
}

/** What is wrong with one record on its own, or undefined. Shared with ZoneUpdate. */
export function checkRecord(record: ZoneRecord, origin: Name): string | undefined {
  if ((record.class ?? RRClass.IN) !== RRClass.IN) return `class ${record.class} is not IN`;
  if (!record.owner.isSubdomainOf(origin)) return `${record.owner} is out of zone ${origin}`;
  if (isMetaType(record.type) || record.type === RRType.AXFR || record.type === RRType.IXFR) return `${typeToString(record.type)} cannot be zone data`;
  if (!Number.isInteger(record.ttl) || record.ttl < 0 || record.ttl > MAX_TTL) return `TTL ${record.ttl} outside 0..${MAX_TTL}`;
  return undefined;
}

/** The checks on the RRsets of one name. Shared with ZoneUpdate, which checks the names it changed. */
export function checkNode(node: ZoneNode, origin: Name, problems: ZoneProblem[], places: RecordPlaces = NO_PLACES): void {
  const isApex = node.name.key === origin.key;
  if (!isApex && node.rrsets.has(RRType.SOA)) {
    problems.push({ message: `SOA record at ${node.name}, which is not the zone apex ${origin}`, source: places.first(RRType.SOA) });
  }
  const cname = node.rrsets.get(RRType.CNAME);
  if (cname) {
    if (cname.rdata.length > 1) {
      problems.push({ message: `${node.name} has ${cname.rdata.length} CNAME records; only one is allowed (RFC 2181 §10.1)`, source: places.second(RRType.CNAME) });
    }
    // RFC 1034 §3.6.2, RFC 2181 §10.1: a CNAME owner has no other data, except DNSSEC records (RFC 4035 §2.5).
    const others = node.rrsets.types().filter(
      (t) => t !== RRType.CNAME && t !== RRType.RRSIG && t !== RRType.NSEC && t !== RRType.NSEC3,
    );
    if (others.length > 0) {
      // Point at whichever came later: the CNAME, or the first data beside it that followed it.
      const later = others.filter((t) => places.order(t) > places.order(RRType.CNAME));
      const offending = later.length > 0 ? later.reduce((a, b) => (places.order(a) < places.order(b) ? a : b)) : RRType.CNAME;
      problems.push({
        message: `${node.name} has a CNAME beside other data (${others.map(typeToString).join(', ')})`,
        source: places.first(offending),
      });
    }
  }
  const dname = node.rrsets.get(RRType.DNAME);
  if (dname && dname.rdata.length > 1) {
    // RFC 6672 §2.4: at most one DNAME per owner.
    problems.push({ message: `${node.name} has ${dname.rdata.length} DNAME records; only one is allowed (RFC 6672 §2.4)`, source: places.second(RRType.DNAME) });
  }
}

/** RFC 4592 §2.2.2: every ancestor of an owner, up to the apex, exists, with or without data. */
function* addEmptyNonTerminals(nodes: Map<string, ZoneNode>, origin: Name): Steps<void> {
  let n = 0;
  for (const node of [...nodes.values()]) {
    if (++n % ITEMS_PER_STEP === 0) yield;
    for (let name = node.name.parent(); name && name.key.length >= origin.key.length; name = name.parent()) {
      if (nodes.has(name.key)) break;
      nodes.set(name.key, new ZoneNode(name));
    }
  }
}

/** Marks delegation points and everything below them (glue and occluded data). */
function* markDelegations(nodes: Map<string, ZoneNode>, origin: Name): Steps<void> {
  let n = 0;
  for (const node of nodes.values()) {
    if (++n % ITEMS_PER_STEP === 0) yield;
    if (node.name.key !== origin.key && node.rrsets.has(RRType.NS)) node.isDelegation = true;
  }
  for (const node of nodes.values()) {
    if (++n % ITEMS_PER_STEP === 0) yield;
    for (let name = node.name.parent(); name && name.key.length > origin.key.length; name = name.parent()) {
      if (nodes.get(name.key)?.isDelegation) {
        node.belowCut = true;
        break;
      }
    }
  }
}

/** Adds per-record TTLs to an RRSIG RRset when they are not all the same (RRset.ttls). */
export function withTtls(rrset: RRset, ttls: readonly number[] | undefined): RRset {
  if (!ttls || ttls.every((t) => t === rrset.ttl)) return rrset;
  return { ...rrset, ttls };
}

function isDuplicate(set: PendingSet, rdata: Uint8Array): boolean {
  if (set.rdata.length < LINEAR_DUPLICATE_CHECK) return set.rdata.some((existing) => sameBytes(existing, rdata));
  if (!set.seen) set.seen = new Set(set.rdata.map((r) => bytesToLatin1(r)));
  return set.seen.has(bytesToLatin1(rdata));
}

