import { isIP } from 'node:net';

/**
 * Addresses that keep failing to authenticate are turned away for a while. RcodeZero ("4.2. Rate
 * limits"): "IP addresses (IPv4, for IPv6 the corresponding /64) originating unauthorized
 * requests will be blocked for 10 minutes after 10 requests"; further requests get 429. We count
 * failures over a sliding minute, so a client that fails now and then is never blocked.
 */

export interface LockoutOptions {
  /** Failures within `windowMs` that block the address (default 10). */
  readonly maxFailures?: number;
  readonly windowMs?: number;
  /** How long a blocked address is refused (default 10 minutes). */
  readonly blockMs?: number;
  readonly now?: () => number;
  /** Addresses tracked at most; the oldest are forgotten past it (memory a flood of addresses cannot grow). */
  readonly maxAddresses?: number;
}

/** The key of an address: IPv4 as it is, IPv6 its /64 (RcodeZero), IPv4-mapped IPv6 as IPv4. */
export function lockoutKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4 handled above; 64:ff9b::1.2.3.4 here) counts as two groups.
  const groups = (parts: string[]): string[] => parts.flatMap((p) => (p.includes('.') ? ['v4', 'v4'] : [p]));
  const l = groups(left);
  const r = groups(right);
  const middle = tail === undefined ? [] : new Array<string>(8 - l.length - r.length).fill('0');
  return [...l, ...middle, ...r].map((g) => (g === 'v4' ? g : g.toLowerCase().replace(/^0+(?=.)/, '')));
}

interface Track {
  failures: number[];
  blockedUntil: number;
}

export class AuthLockout {
  private readonly tracks = new Map<string, Track>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly blockMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(options: LockoutOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.blockMs = options.blockMs ?? 600_000;
    this.maxAddresses = options.maxAddresses ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Unix time in ms until which the address is refused; undefined when it is not blocked. */
  blockedUntil(address: string): number | undefined {
    const track = this.tracks.get(lockoutKey(address));
    return track && track.blockedUntil > this.now() ? track.blockedUntil : undefined;
  }

  /** Counts a failed authentication; returns the end of the block when this one caused it. */
  recordFailure(address: string): number | undefined {
    const key = lockoutKey(address);
    const now = this.now();
    let track = this.tracks.get(key);
    if (!track) {
      if (this.tracks.size >= this.maxAddresses) this.forgetOldest(now);
      track = { failures: [], blockedUntil: 0 };
    } else {
      // Re-inserted so the Map's order is the order of last activity.
      this.tracks.delete(key);
    }
    this.tracks.set(key, track);
    track.failures = track.failures.filter((t) => t > now - this.windowMs);
    track.failures.push(now);
    if (track.failures.length >= this.maxFailures) {
      track.blockedUntil = now + this.blockMs;
      track.failures = [];
      return track.blockedUntil;
    }
    return undefined;
  }

  private forgetOldest(now: number): void {
    for (const [key, track] of this.tracks) {
      if (track.blockedUntil <= now) {
        this.tracks.delete(key);
        return;
      }
    }
    // All blocked: forget the least recently active one rather than grow.
    const first = this.tracks.keys().next();
    if (!first.done) this.tracks.delete(first.value);
  }
}
