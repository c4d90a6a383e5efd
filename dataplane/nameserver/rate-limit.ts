import { DnsfleetError } from '../dns/error';
import { AddressList, addressOctets } from './acl';

/**
 * Response rate limiting (RRL) for UDP, as NSD and Knot do it: an authoritative server is a
 * reflector for anyone who can spoof a victim's source address, and the answers it reflects are
 * larger than the queries. Responses are counted in buckets keyed by the client's network (an
 * IPv4 /24 or IPv6 /56), the response's class and a name (the query name for positive answers,
 * the zone for NXDOMAIN and NODATA, the delegation for referrals), so that a random-subdomain
 * flood shares one bucket and a resolver asking for many names does not. A bucket refills at
 * `responsesPerSecond`; beyond it, every `slip`-th limited response is sent truncated (TC, no
 * records) so that a real resolver behind a spoofed flood retries over TCP, which cannot be
 * spoofed, and the others are dropped. TCP is never limited.
 *
 * Pure (the time comes with each decision): a fixed table in one typed array, direct-mapped by the
 * bucket's hash as in NSD (a collision starts the bucket afresh), so no source can grow it and a
 * decision costs a few reads of one cache line. docs/serve.md#response-rate-limiting.
 */

/** What kind of response a bucket counts (the `class` label of `dnsfleet_rate_limited_total`). */
export const enum ResponseClass {
  Positive = 0,
  Nodata = 1,
  Nxdomain = 2,
  Referral = 3,
  /** Every other RCODE, and what is not an answer from the zones (CHAOS, NOTIFY, errors). */
  Error = 4,
  /** A response of LARGE_RESPONSE octets or more, whatever it says: the amplifier's favourite (ANY, DNSKEY). */
  Large = 5,
}

export const RESPONSE_CLASS_LABELS: readonly string[] = ['positive', 'nodata', 'nxdomain', 'referral', 'error', 'large'];

/** Knot's threshold for its "large" class. */
export const LARGE_RESPONSE = 1024;

/** What to do with one UDP response. */
export const enum RateDecision {
  Answer = 0,
  /** Send it truncated (TC, header and question only). */
  Slip = 1,
  Drop = 2,
}

export const RATE_ACTIONS = ['slipped', 'dropped'] as const;

export interface RateLimitConfig {
  /** Responses per second one bucket may send; a bucket holds at most one second's worth. */
  readonly responsesPerSecond: number;
  /** Every `slip`-th limited response goes out truncated; 0 drops them all, 1 truncates them all. */
  readonly slip: number;
  readonly ipv4PrefixLength: number;
  readonly ipv6PrefixLength: number;
  /** Sources never limited (CIDR prefixes): monitoring, known resolvers. */
  readonly exempt: readonly string[];
  /** Buckets in the table (rounded up to a power of two). */
  readonly tableSize: number;
}

/** Knot's prefix lengths; NSD's slip. */
export const RATE_LIMIT_DEFAULTS: Omit<RateLimitConfig, 'responsesPerSecond'> = {
  slip: 2,
  ipv4PrefixLength: 24,
  ipv6PrefixLength: 56,
  exempt: [],
  tableSize: 262_144,
};

/** A setting out of range: `setting` names it, as `--rrl-*` and `spec.rateLimit` call it. */
export class RateLimitConfigError extends DnsfleetError {
  override name = 'RateLimitConfigError';
  constructor(
    readonly setting: keyof RateLimitConfig,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`rate limit ${setting} ${String(value)}: expected ${expected}`, { setting, value: String(value), expected });
  }
}

const RANGES: ReadonlyArray<readonly [keyof RateLimitConfig, number, number]> = [
  ['responsesPerSecond', 1, 10_000_000],
  ['slip', 0, 10],
  ['ipv4PrefixLength', 8, 32],
  ['ipv6PrefixLength', 16, 128],
  ['tableSize', 1024, 16_777_216],
];

/** The settings given, the defaults for the rest, checked. */
export function rateLimitConfig(given: Partial<RateLimitConfig> & Pick<RateLimitConfig, 'responsesPerSecond'>): RateLimitConfig {
  const config: RateLimitConfig = { ...RATE_LIMIT_DEFAULTS, ...given };
  for (const [setting, min, max] of RANGES) {
    const value = config[setting];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new RateLimitConfigError(setting, value, `a whole number from ${min} to ${max}`);
    }
  }
  try {
    AddressList.parse(config.exempt);
  } catch (err) {
    throw new RateLimitConfigError('exempt', config.exempt.join(','), `IPv4 or IPv6 prefixes (${(err as Error).message})`);
  }
  return config;
}

/** How many limited responses were slipped and dropped, per source network, since the last report. */
export interface RateLimitReport {
  readonly slipped: number;
  readonly dropped: number;
  /** Up to REPORTED_SOURCES networks that were limited (`192.0.2.0/24`), most limited first. */
  readonly sources: ReadonlyArray<{ readonly network: string; readonly limited: number }>;
}

const REPORTED_SOURCES = 16;

/** Numbers per bucket in `ResponseRateLimiter.buckets`, and where each is (the key at 0). */
const BUCKET = 4;
const TOKENS = 1;
const STAMP = 2;
const LIMITED = 3;

export class ResponseRateLimiter {
  readonly config: RateLimitConfig;
  /** Limited responses by action (RATE_ACTIONS) and class: `counts[action * 6 + class]`. */
  readonly counts = new Float64Array(RATE_ACTIONS.length * RESPONSE_CLASS_LABELS.length);
  private readonly exempt: AddressList;
  private readonly mask: number;
  /**
   * The buckets, BUCKET numbers each, side by side so that a decision touches one cache line and
   * not one per array (the table is megabytes: a line not in the cache costs more than the rest
   * of the decision): the key, the tokens left, the millisecond of the last refill, and how many
   * responses it limited (for the slip count).
   */
  private readonly buckets: Float64Array;
  /** The report period in which the bucket's source was last recorded, so it is recorded once per period. */
  private readonly reportedIn: Uint32Array;
  private period = 1;
  private reported = new Map<string, number>();
  private slippedSinceReport = 0;
  private droppedSinceReport = 0;

  constructor(config: Partial<RateLimitConfig> & Pick<RateLimitConfig, 'responsesPerSecond'>) {
    this.config = rateLimitConfig(config);
    this.exempt = AddressList.parse(this.config.exempt);
    let size = 1024;
    while (size < this.config.tableSize) size *= 2;
    this.mask = size - 1;
    this.buckets = new Float64Array(size * BUCKET);
    this.reportedIn = new Uint32Array(size);
  }

  /**
   * Whether the response of `cls` under the name hashed to `nameHash`, to a source in the network
   * hashed to `prefix` (`sourcePrefix`), may go out, `now` being when its query arrived (in
   * milliseconds; the server reads the clock once per batch of datagrams, not per response).
   * `source.address()` is read only when it is limited (exemptions, the report).
   */
  decide(prefix: number, cls: ResponseClass, nameHash: number, now: number, source: { address(): string }): RateDecision {
    const key = bucketKey(prefix, cls, nameHash);
    const b = this.buckets;
    const at = (key & this.mask) * BUCKET;
    const rate = this.config.responsesPerSecond;
    if (b[at] !== key) {
      b[at] = key;
      b[at + TOKENS] = rate;
      b[at + STAMP] = now;
      b[at + LIMITED] = 0;
    } else if (now > b[at + STAMP]!) {
      const refilled = b[at + TOKENS]! + ((now - b[at + STAMP]!) * rate) / 1000;
      b[at + TOKENS] = refilled > rate ? rate : refilled;
      b[at + STAMP] = now;
    }
    if (b[at + TOKENS]! >= 1) {
      b[at + TOKENS]! -= 1;
      return RateDecision.Answer;
    }
    return this.overLimit(at, cls, source.address());
  }

  private overLimit(at: number, cls: ResponseClass, source: string): RateDecision {
    if (!this.exempt.isEmpty && this.exempt.allows(source)) return RateDecision.Answer;
    const slip = this.config.slip;
    const n = ++this.buckets[at + LIMITED]!;
    const decision = slip > 0 && n % slip === 0 ? RateDecision.Slip : RateDecision.Drop;
    const action = decision === RateDecision.Slip ? 0 : 1;
    this.counts[action * RESPONSE_CLASS_LABELS.length + cls]!++;
    if (decision === RateDecision.Slip) this.slippedSinceReport++;
    else this.droppedSinceReport++;
    this.record(at / BUCKET, source);
    return decision;
  }

  /** Counts the source's network for the report; a bucket's source is named once per period. */
  private record(i: number, source: string): void {
    if (this.reportedIn[i] === this.period) return;
    this.reportedIn[i] = this.period;
    const network = sourceNetwork(source, this.config.ipv4PrefixLength, this.config.ipv6PrefixLength);
    const seen = this.reported.get(network);
    // Bounded: past REPORTED_SOURCES networks only those already named are counted.
    if (seen !== undefined) this.reported.set(network, seen + 1);
    else if (this.reported.size < REPORTED_SOURCES) this.reported.set(network, 1);
  }

  /** What was limited since the last report, for one log line per interval; starts a new period. */
  takeReport(): RateLimitReport {
    const sources = [...this.reported].map(([network, limited]) => ({ network, limited })).sort((a, b) => b.limited - a.limited);
    const report = { slipped: this.slippedSinceReport, dropped: this.droppedSinceReport, sources };
    this.reported = new Map();
    this.slippedSinceReport = 0;
    this.droppedSinceReport = 0;
    this.period++;
    return report;
  }
}

/** One 32-bit key of prefix, class and name, never 0 (an empty slot). */
function bucketKey(prefix: number, cls: number, nameHash: number): number {
  let h = Math.imul(prefix ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ cls, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ nameHash, 0x27d4eb2d);
  h ^= h >>> 15;
  return h === 0 ? 1 : h;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The hash of a source's network: FNV-1a over the family (4 or 6), the prefix's octets (the last
 * one masked) and the prefix length. The batched UDP addon computes the same in C for every
 * datagram it receives (dataplane/server/native/udp-batch.c, `source_prefix`); this is the
 * node:dgram path's, and the tests' reference for it. IPv4-mapped IPv6 addresses count as IPv4.
 */
export function sourcePrefix(address: string, ipv4PrefixLength: number, ipv6PrefixLength: number): number {
  const bytes = addressOctets(address);
  if (!bytes) return 0;
  return prefixHash(bytes, bytes.length === 4 ? ipv4PrefixLength : ipv6PrefixLength);
}

function prefixHash(bytes: Uint8Array, length: number): number {
  let h = Math.imul(FNV_OFFSET ^ (bytes.length === 4 ? 4 : 6), FNV_PRIME);
  const whole = length >> 3;
  for (let i = 0; i < whole; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  const rest = length & 7;
  if (rest !== 0) h = Math.imul(h ^ (bytes[whole]! & (0xff << (8 - rest)) & 0xff), FNV_PRIME);
  return Math.imul(h ^ length, FNV_PRIME) | 0;
}

/** `192.0.2.0/24` for 192.0.2.77 with a /24: how the report names a limited network. */
export function sourceNetwork(address: string, ipv4PrefixLength: number, ipv6PrefixLength: number): string {
  const bytes = addressOctets(address);
  if (!bytes) return address;
  const length = bytes.length === 4 ? ipv4PrefixLength : ipv6PrefixLength;
  const masked = bytes.map((b, i) => (i * 8 >= length ? 0 : i * 8 + 8 <= length ? b : b & (0xff << (8 - (length - i * 8))) & 0xff));
  if (masked.length === 4) return `${masked.join('.')}/${length}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((masked[i]! << 8) | masked[i + 1]!).toString(16));
  // RFC 5952 §4.2: the longest run of two or more zero groups (the first of equals) as `::`.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const text = best < 0 ? groups.join(':') : `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`;
  return `${text}/${length}`;
}

/** FNV-1a over a name's folded wire form (`Name.key`): the name part of a bucket's key. */
export function nameHash(key: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), FNV_PRIME);
  return h | 0;
}
