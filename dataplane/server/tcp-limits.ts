import { isIPv4, isIPv6 } from 'node:net';
import { DnsfleetError } from '../dns/error';

/**
 * Which TCP connections a DNS server keeps, and for how long: the policy of RFC 7766 §6.2.2,
 * §6.2.3 and §10 as bookkeeping with an injectable clock and no sockets. The server
 * (tcp-connections.ts) says what each connection does and closes what this table says.
 * Why these limits and defaults: docs/adr/0010-tcp-connection-limits.md.
 */

export interface TcpLimits {
  /** Connections open at once, over all clients. At the cap a new one takes the place of the longest idle one. */
  readonly maxConnections: number;
  /** Connections open at once from one client (an IPv4 address, or an IPv6 prefix of `ipv6PrefixLength` bits). */
  readonly maxPerClient: number;
  /** How many leading bits of an IPv6 address name one client: 64, the block one host gets (RFC 4291 §2.5.1). */
  readonly ipv6PrefixLength: number;
  /** Close a connection when for this long no whole query arrived and the client took none of its replies. */
  readonly idleMs: number;
  /**
   * A message must have arrived whole this long after its first octet (the length field); and
   * replies waiting for the client (reading paused) must have been taken within as long.
   */
  readonly messageMs: number;
  /** Close a connection this long after it opened, once no zone transfer runs on it. */
  readonly lifetimeMs: number;
  /**
   * Reply octets a connection may have waiting to be sent. Reading stops long before, when
   * `write()` says the socket's buffer is full; past this cap the connection is closed.
   */
  readonly maxQueuedBytes: number;
}

export const DEFAULT_TCP_LIMITS: TcpLimits = {
  maxConnections: 1000,
  maxPerClient: 100,
  ipv6PrefixLength: 64,
  idleMs: 10_000,
  messageMs: 2_000,
  lifetimeMs: 120_000,
  maxQueuedBytes: 256 * 1024,
};

/** A limit that is not a positive whole number (or a prefix length outside 1..128). */
export class TcpLimitError extends DnsfleetError {
  constructor(
    readonly limit: keyof TcpLimits,
    readonly value: number,
    readonly expected: string,
  ) {
    super(`TCP limit ${limit}: ${value} is not ${expected}`, { limit, value });
    this.name = 'TcpLimitError';
  }
}

/** The defaults with `given` applied, checked. */
export function tcpLimits(given: Partial<TcpLimits> = {}): TcpLimits {
  const limits = { ...DEFAULT_TCP_LIMITS, ...given };
  for (const key of Object.keys(limits) as Array<keyof TcpLimits>) {
    const value = limits[key];
    if (!Number.isFinite(value) || value <= 0) throw new TcpLimitError(key, value, 'a positive number');
  }
  for (const key of ['maxConnections', 'maxPerClient', 'ipv6PrefixLength', 'maxQueuedBytes'] as const) {
    if (!Number.isInteger(limits[key])) throw new TcpLimitError(key, limits[key], 'a whole number');
  }
  if (limits.ipv6PrefixLength > 128) throw new TcpLimitError('ipv6PrefixLength', limits.ipv6PrefixLength, 'at most 128');
  return limits;
}

/**
 * The client a connection is counted against: an IPv4 address as it is (also when it arrives
 * IPv4-mapped, `::ffff:192.0.2.1`), an IPv6 address cut to its first `prefixLength` bits, e.g.
 * `2001:db8:0:1::/64`. Anything else (no address at all) is its own client.
 */
export function clientKey(address: string | undefined, prefixLength = DEFAULT_TCP_LIMITS.ipv6PrefixLength): string {
  if (address === undefined) return '?';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv4(address)) return address;
  const plain = address.replace(/%.*$/, '');
  if (!isIPv6(plain)) return address;
  const groups = ipv6Groups(plain);
  const out: string[] = [];
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, prefixLength - i * 16));
    const mask = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
    out.push((groups[i]! & mask).toString(16));
  }
  // The zero groups after the prefix written as `::` (RFC 5952 §4.2), so the key reads as the prefix.
  return `${out.join(':').replace(/(^|:)0(:0)+$/, '::')}/${prefixLength}`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined): number[] => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/** Why the server closed a connection (counted, and summed up in the log). */
export type TcpCloseReason =
  /** No whole query arrived and no reply was taken for `idleMs`. */
  | 'idle'
  /** A message was not whole `messageMs` after its first octet. */
  | 'incomplete'
  /** Open for `lifetimeMs`. */
  | 'lifetime'
  /** Made room for a new connection, at the per-client or the global cap. */
  | 'shed'
  /** A new connection at a cap where every open one was in a zone transfer. */
  | 'refused'
  /** Replies not taken by the client for `messageMs`, or more than `maxQueuedBytes` of them waiting. */
  | 'unread';

export const TCP_CLOSE_REASONS: readonly TcpCloseReason[] = ['idle', 'incomplete', 'lifetime', 'shed', 'refused', 'unread'];

/** The shed tier of a connection that never gives way (a zone transfer in progress). */
const NEVER = Number.POSITIVE_INFINITY;
/** Added to the tier of connections not preferred at the global cap: above every real tier. */
const PREFERRED_OFFSET = 10;

/** What the table knows of one connection. The server updates it through the methods. */
export class TcpConnection<T> {
  /** Last time a whole query arrived or the client took replies (or it opened): idleness counts from here. */
  lastActivity: number;
  /** Whole queries received so far. */
  queries = 0;
  /** When the first octet of the message being received arrived; undefined between messages and while paused. */
  messageSince: number | undefined;
  /** A zone transfer (or another reply of several messages) is being sent: not shed, not ended by its lifetime. */
  answering = false;
  /** Reading is paused until the client takes the replies waiting for it (backpressure). */
  waitingForReader = false;
  /** Since when (while waitingForReader). */
  waitingSince: number | undefined;

  constructor(
    readonly handle: T,
    readonly client: string,
    readonly openedAt: number,
  ) {
    this.lastActivity = openedAt;
  }

  /** A whole query arrived: the message clock stops, the idle clock starts again. */
  queryReceived(now: number): void {
    this.lastActivity = now;
    this.messageSince = undefined;
    this.queries++;
  }

  /** Part of a message is buffered (its first octet at `now` unless one came earlier). */
  messagePartial(now: number): void {
    this.messageSince ??= now;
  }

  /** Nothing of a next message is buffered. */
  messageNone(): void {
    this.messageSince = undefined;
  }

  /** The socket's write buffer is full: reading stops until the client takes its replies. */
  repliesWaiting(now: number): void {
    this.waitingForReader = true;
    this.waitingSince = now;
    this.messageSince = undefined;
  }

  /** The client took the replies that were waiting (the socket drained). */
  repliesTaken(now: number): void {
    this.lastActivity = now;
    this.waitingForReader = false;
    this.waitingSince = undefined;
  }

  /**
   * Which connections give way first: those that never sent a whole query (a client sends its
   * query as soon as it has connected; a slow loris never does), oldest first; then those
   * waiting for their next query, idle longest first; then those whose replies wait for their
   * client to read them. A zone transfer in progress never (undefined).
   */
  shedTier(): number {
    if (this.answering) return NEVER;
    if (this.queries === 0 && !this.waitingForReader) return 0;
    return this.waitingForReader ? 2 : 1;
  }

  /** Within its tier, the smaller goes first: when it opened (tier 0), when it was last active (1, 2). */
  shedTime(): number {
    return this.queries === 0 && !this.waitingForReader ? this.openedAt : this.lastActivity;
  }
}

/** What to do with a new connection: the entry to serve it with (none: close it) and whom to close for it. */
export interface Admission<T> {
  readonly connection: TcpConnection<T> | undefined;
  readonly shed: readonly TcpConnection<T>[];
}

export interface Due<T> {
  readonly connection: TcpConnection<T>;
  readonly reason: TcpCloseReason;
}

/**
 * The open connections, by client. A new connection is always taken while another one can give
 * way (shedTier), so no client, and no number of clients, can keep a new one out (RFC 7766 §10);
 * only when every connection is a zone transfer in progress is it refused.
 *
 * The global cap holds at every accept. The per-client cap is enforced at each sweep (due()), not
 * at accept: a client sharing its address with an attacker that opens connections faster than the
 * cap per round trip would otherwise lose its new connection before its query arrived; by the
 * sweep it has asked and been answered, and ranks after the attacker's connections.
 */
export class TcpConnectionTable<T> {
  readonly limits: TcpLimits;
  private readonly all = new Set<TcpConnection<T>>();
  private readonly byClient = new Map<string, Set<TcpConnection<T>>>();

  constructor(limits: Partial<TcpLimits> = {}) {
    this.limits = tcpLimits(limits);
  }

  get size(): number {
    return this.all.size;
  }

  /** How many connections one client holds (`client` as clientKey() names it). */
  countOf(client: string): number {
    return this.byClient.get(client)?.size ?? 0;
  }

  /** A new connection from `address` at `now`: added, unless every connection in its way is a transfer. */
  admit(handle: T, address: string | undefined, now: number): Admission<T> {
    const client = clientKey(address, this.limits.ipv6PrefixLength);
    const shed: TcpConnection<T>[] = [];
    if (this.all.size >= this.limits.maxConnections) {
      // Clients over their own cap, counting the new connection, give way before the others.
      const victim = firstToShed(this.all, (c) => this.countOf(c.client) + (c.client === client ? 1 : 0) > this.limits.maxPerClient);
      if (!victim) return { connection: undefined, shed };
      this.remove(victim);
      shed.push(victim);
    }
    const connection = new TcpConnection(handle, client, now);
    this.all.add(connection);
    const mine = this.byClient.get(client);
    if (mine) mine.add(connection);
    else this.byClient.set(client, new Set([connection]));
    return { connection, shed };
  }

  /** Forgets a connection (closed, or shed). Harmless twice. */
  remove(connection: TcpConnection<T>): void {
    if (!this.all.delete(connection)) return;
    const mine = this.byClient.get(connection.client);
    mine?.delete(connection);
    if (mine?.size === 0) this.byClient.delete(connection.client);
  }

  /**
   * The connections to close at `now`: those past one of their deadlines, with the first one
   * they missed, and those that bring their client over its cap ('shed'). Removed from the table.
   */
  due(now: number): Array<Due<T>> {
    const out: Array<Due<T>> = [];
    const { idleMs, messageMs, lifetimeMs, maxPerClient } = this.limits;
    for (const c of this.all) {
      // The whole message within messageMs of its first octet: a client sending one octet at a
      // time cannot hold a connection by never quite going idle (RFC 7766 §10).
      if (c.messageSince !== undefined && now - c.messageSince >= messageMs) out.push({ connection: c, reason: 'incomplete' });
      // The same deadline for replies the client does not take (as Knot's tcp-io-timeout does both).
      else if (c.waitingSince !== undefined && now - c.waitingSince >= messageMs) out.push({ connection: c, reason: 'unread' });
      else if (now - c.lastActivity >= idleMs) out.push({ connection: c, reason: 'idle' });
      else if (now - c.openedAt >= lifetimeMs && !c.answering) out.push({ connection: c, reason: 'lifetime' });
    }
    for (const d of out) this.remove(d.connection);
    // RFC 7766 §6.2.2: a limit per client, much looser than the global one (one address may be a NAT).
    for (const mine of this.byClient.values()) {
      if (mine.size <= maxPerClient) continue;
      // One sort per client over its cap: a flood from one address may hold many more than it.
      const order = [...mine].filter((c) => c.shedTier() !== NEVER).sort((a, b) => a.shedTier() - b.shedTier() || a.shedTime() - b.shedTime());
      for (const victim of order.slice(0, mine.size - maxPerClient)) out.push({ connection: victim, reason: 'shed' });
    }
    for (const d of out) if (d.reason === 'shed') this.remove(d.connection);
    return out;
  }
}

/** The connection to shed first (shedTier, shedTime), among those `preferred` says if any of them can go. */
function firstToShed<T>(among: Iterable<TcpConnection<T>>, preferred: (c: TcpConnection<T>) => boolean): TcpConnection<T> | undefined {
  let best: TcpConnection<T> | undefined;
  let bestTier = NEVER;
  let bestTime = Infinity;
  for (const c of among) {
    const own = c.shedTier();
    if (own === NEVER) continue;
    // Preferred connections rank a whole tier group ahead of all others.
    const tier = own + (preferred(c) ? 0 : PREFERRED_OFFSET);
    const time = c.shedTime();
    if (tier < bestTier || (tier === bestTier && time < bestTime)) {
      best = c;
      bestTier = tier;
      bestTime = time;
    }
  }
  return best;
}
