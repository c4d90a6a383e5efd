import * as net from 'node:net';
import { once } from 'node:events';
import { RATE_LIMITED_REASON, type Peer, type Reply, type ReplyEvent, type Responder, type TransferEvent } from '../nameserver/respond';
import { loadBatchedUdp, noCounts, openUdpListener, type DatagramSource, type ListenAddress, type UdpCounters, type UdpIo, type UdpListener } from './udp-listener';
import type { Fields, Logger } from '../log/log';
import { TcpConnections, type TcpCloseCounts } from './tcp-connections';
import type { TcpLimits } from './tcp-limits';
import { QueryMetrics } from '../nameserver/query-metrics';
import { LogLimiter } from '../log/log-limiter';
import type { ResponseRateLimiter } from '../nameserver/rate-limit';

/**
 * UDP and TCP listeners around a Responder. Every DNS decision (the cache, the transfer ACL, TSIG,
 * NOTIFY) is the Responder's; this file only moves bytes, frames TCP messages (RFC 1035 §4.2.2),
 * enforces connection limits (RFC 7766), and logs and counts what the Responder reports.
 */

export type { ListenAddress, UdpIo } from './udp-listener';

/**
 * The kernel's queue of connections not yet accepted (capped by net.core.somaxconn). A burst of
 * an attacker's connections must not fill it: a full queue drops everyone's SYNs, and a client
 * tries again only after a second.
 */
const TCP_BACKLOG = 4096;

/** How often dropped UDP datagrams are summed up in the log. */
const UDP_REPORT_MS = 60_000;

export interface DnsServerOptions {
  readonly listen: readonly ListenAddress[];
  /** Decides everything about a request, including who may transfer zones out and NOTIFY (ResponderOptions). */
  readonly responder: Responder;
  readonly log: Logger;
  /** TCP deadlines, caps and backpressure (RFC 7766 §6.2.3, §10); defaults in tcp-limits.ts. */
  readonly tcp?: Partial<TcpLimits>;
  /** How UDP is read and written: batched (the addon) where it was built, else node:dgram. */
  readonly udpIo?: UdpIo | 'auto';
  /** How often a refusal from one source is logged at most (default a minute; the rest are counted). */
  readonly refusalLogIntervalMs?: number;
}

export interface ServerStats {
  tcpQueries: number;
  dropped: number;
  transfers: number;
  transfersRefused: number;
}

export class DnsServer {
  private readonly udp: UdpListener[] = [];
  private readonly tcp: net.Server[] = [];
  private readonly connections: TcpConnections;
  readonly stats: ServerStats = { tcpQueries: 0, dropped: 0, transfers: 0, transfersRefused: 0 };
  /** Answers by transport, QTYPE and RCODE, truncated answers and the answer latency, for `/metrics`. */
  readonly queries = new QueryMetrics();
  /** NOTIFYs taken, by verdict (`accepted`, `not-a-primary`, …), for `/metrics`: every NOTIFY is counted here. */
  readonly notifyVerdicts = new Map<string, number>();
  /** Refusals (TSIG, transfers, NOTIFYs) are logged once per source a minute; the metrics count each. */
  private readonly refusals: LogLimiter;
  /** Where each listener ended up (port 0 asks the system for a free one). */
  readonly bound: ListenAddress[] = [];
  private udpReport: NodeJS.Timeout | undefined;
  private lastUdpReport: UdpCounters | undefined;

  constructor(private readonly options: DnsServerOptions) {
    this.refusals = new LogLimiter(options.refusalLogIntervalMs ?? 60_000);
    this.connections = new TcpConnections({ limits: options.tcp, log: options.log, answer: (socket, msg) => this.answerTcp(socket, msg) });
  }

  /** Response rate limiting of UDP answers, when configured (the Responder's). */
  get rateLimit(): ResponseRateLimiter | null {
    return this.options.responder.rateLimit;
  }

  /** TCP connections open now, and how many the limits closed, by reason. */
  tcpCounts(): { open: number; closed: TcpCloseCounts } {
    return { open: this.connections.open, closed: { ...this.connections.closed } };
  }

  /**
   * Counts and logs what the Responder reports about a reply; `client` is read only for these.
   * Refusals are what anyone can cause: each is counted, but logged once per source and interval
   * (`suppressed` says how many were left out before the line).
   */
  private note(event: ReplyEvent | TransferEvent, client: string, transport: 'udp' | 'tcp'): void {
    const log = this.options.log;
    const refused = (msg: string, fields: Fields): void => {
      const { log: now, suppressed } = this.refusals.admit(`${event.kind} ${client}`);
      if (now) log.warn(msg, suppressed > 0 ? { ...fields, suppressed } : fields);
    };
    switch (event.kind) {
      case 'tsig-refused':
        refused('signed request refused', { client, transport, error: event.error });
        return;
      case 'notify':
        this.notifyVerdicts.set(event.verdict, (this.notifyVerdicts.get(event.verdict) ?? 0) + 1);
        if (event.verdict === 'accepted') log.info('NOTIFY', { zone: event.zone, source: client, verdict: event.verdict });
        else refused('NOTIFY refused', { zone: event.zone, source: client, verdict: event.verdict });
        return;
      case 'transfer-refused':
        this.stats.transfersRefused++;
        refused('zone transfer refused', { zone: event.zone, client, key: event.key });
        return;
      case 'transfer':
        this.stats.transfers++;
        log.info('zone transfer', { zone: event.zone, client, serial: event.serial, key: event.key });
        return;
    }
  }

  async start(): Promise<void> {
    for (const address of this.options.listen) {
      // TCP takes the same port as UDP, also when the system chose it (port 0). A port the system
      // found free for UDP may be taken for TCP: then both are given up and another one is tried.
      for (let attempt = 1; ; attempt++) {
        const udpPort = await this.startUdp(address);
        try {
          await this.startTcp({ host: address.host, port: udpPort });
          this.bound.push({ host: address.host, port: udpPort });
          break;
        } catch (err) {
          await this.udp.pop()!.close();
          if (address.port !== 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 10) throw err;
        }
      }
    }
    this.reportUdpIo();
    this.connections.start();
    this.udpReport = setInterval(() => this.reportUdpDrops(), UDP_REPORT_MS).unref();
  }

  /** Says once which UDP I/O serves, and why not the batched one when it was not available. */
  private reportUdpIo(): void {
    const io = this.udpIo;
    if (io === 'dgram' && (this.options.udpIo ?? 'auto') === 'auto') {
      const addon = loadBatchedUdp();
      this.options.log.warn('udp: node:dgram, not batched', { reason: 'problem' in addon ? addon.problem : undefined });
    } else if (io) this.options.log.info(`udp: ${io}`);
  }

  /**
   * Logs what the UDP sockets dropped since the last report: answers the kernel would not take
   * (a full send buffer under overload), receive errors, oversized datagrams, handler failures.
   * A summary a minute rather than a line per datagram, which under overload would flood the log.
   */
  private reportUdpDrops(): void {
    const now = this.udpCounters();
    const last = this.lastUdpReport;
    this.lastUdpReport = now;
    const delta = (k: keyof UdpCounters): number => now[k] - (last?.[k] ?? 0);
    this.reportRateLimited();
    if (delta('sendFailures') + delta('receiveErrors') + delta('oversized') + delta('handlerErrors') === 0) return;
    this.options.log.warn('udp: datagrams dropped', {
      sendFailures: delta('sendFailures'),
      receiveErrors: delta('receiveErrors'),
      oversized: delta('oversized'),
      handlerErrors: delta('handlerErrors'),
      seconds: UDP_REPORT_MS / 1000,
    });
  }

  /**
   * One line a minute for what response rate limiting held back: a flood limits thousands of
   * responses a second, and a line each would flood the log in turn.
   */
  private reportRateLimited(): void {
    const report = this.rateLimit?.takeReport();
    if (!report || report.slipped + report.dropped === 0) return;
    this.options.log.warn('udp: responses rate-limited', {
      slipped: report.slipped,
      dropped: report.dropped,
      networks: report.sources.map((s) => `${s.network} (${s.limited})`).join(', '),
      seconds: UDP_REPORT_MS / 1000,
    });
  }

  /** The UDP listeners' counters, summed (UDP queries are counted there, not in `stats`). */
  udpCounters(): UdpCounters {
    const sum = noCounts();
    for (const listener of this.udp) {
      const c = listener.counters();
      for (const k of Object.keys(sum) as Array<keyof UdpCounters>) sum[k] += c[k];
    }
    return sum;
  }

  async stop(): Promise<void> {
    clearInterval(this.udpReport);
    this.reportRateLimited();
    this.connections.stop();
    // Emptied, so that a second stop() (SIGINT, then SIGTERM) has nothing left to close.
    const udp = this.udp.splice(0);
    const tcp = this.tcp.splice(0);
    await Promise.all([
      ...udp.map((s) => s.close()),
      ...tcp.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    ]);
  }

  /** How the UDP listeners read and write ('batched' or 'dgram'), once started. */
  get udpIo(): UdpIo | undefined {
    return this.udp[0]?.io;
  }

  private async startUdp(address: ListenAddress): Promise<number> {
    const rateLimit = this.rateLimit;
    const listener = await openUdpListener(address, (msg, out, outAt, source) => this.answerDatagram(msg, out, outAt, source), {
      io: this.options.udpIo ?? 'auto',
      onHandlerError: (err) => this.options.log.error('udp query failed', { error: (err as Error).message }),
      onSocketError: (err) => this.options.log.error('udp socket error', { error: err.message, host: address.host }),
      onAnswered: (answers, seconds) => this.queries.observeLatency(seconds, answers),
      ...(rateLimit ? { prefixLengths: { ipv4: rateLimit.config.ipv4PrefixLength, ipv6: rateLimit.config.ipv6PrefixLength } } : {}),
    });
    this.udp.push(listener);
    return listener.port;
  }

  /** One UDP query: the answer written into `out` at `outAt`, its length or -1 (none). */
  private answerDatagram(msg: Uint8Array, out: Uint8Array, outAt: number, source: DatagramSource): number {
    const reply = this.options.responder.answerDatagram(msg, out, outAt, source);
    if (typeof reply === 'number') {
      // From the cache, written into `out` already.
      this.queries.answered(0, msg, out, outAt);
      return reply;
    }
    // A transfer is only ever a TCP reply. What rate limiting drops is counted by the limiter.
    if (reply.kind !== 'response') {
      if (reply.kind !== 'drop' || reply.reason !== RATE_LIMITED_REASON) this.stats.dropped++;
      return -1;
    }
    if (reply.event) this.note(reply.event, source.address(), 'udp');
    out.set(reply.message, outAt);
    this.queries.answered(0, msg, out, outAt);
    return reply.message.length;
  }

  private async startTcp(address: ListenAddress): Promise<void> {
    // No net.Server maxConnections: at the cap an idle connection gives way instead (tcp-limits.ts).
    // Half-open allowed, so that a client that closes its side after its queries gets the answers.
    const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.connections.accept(socket));
    // once() rejects on 'error', so a port in use fails start(); later errors are logged.
    const listening = once(server, 'listening');
    server.listen({ host: address.host, port: address.port, ipv6Only: net.isIPv6(address.host), backlog: TCP_BACKLOG });
    await listening;
    server.on('error', (err) => this.options.log.error('tcp server error', { error: err.message }));
    this.tcp.push(server);
  }

  private async answerTcp(socket: net.Socket, msg: Buffer): Promise<void> {
    this.stats.tcpQueries++;
    const started = performance.now();
    const peer: Peer = { address: () => socket.remoteAddress ?? '' };
    const reply: Reply = this.options.responder.respond(msg, 'tcp', peer);
    if (reply.kind === 'drop') {
      this.stats.dropped++;
      return;
    }
    if (reply.event) this.note(reply.event, peer.address(), 'tcp');
    if (reply.kind === 'response') {
      this.queries.answered(1, msg, reply.message, 0);
      writeFramed(socket, reply.message);
      this.queries.observeLatency((performance.now() - started) / 1000, 1);
      return;
    }
    let first = true;
    for (const message of reply.messages) {
      // A transfer is counted once, by its first message (its RCODE is the stream's).
      if (first) this.queries.answered(1, msg, message, 0);
      first = false;
      const written = writeFramed(socket, message);
      // A socket destroyed already (shed, timed out) has emitted its 'close': do not wait for it.
      if (!written && !socket.destroyed) await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
      if (socket.destroyed) return;
    }
  }
}

function writeFramed(socket: net.Socket, message: Uint8Array): boolean {
  const framed = Buffer.allocUnsafe(message.length + 2);
  framed.writeUInt16BE(message.length, 0);
  framed.set(message, 2);
  return socket.write(framed);
}
