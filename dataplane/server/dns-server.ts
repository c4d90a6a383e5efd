import * as net from 'node:net';
import { once } from 'node:events';
import { answerNotify, isNotify, type NotifyVerdict } from '../nameserver/notify';
import type { Responder } from '../nameserver/respond';
import { transferMessages } from '../nameserver/axfr';
import { errorResponse } from '../nameserver/respond';
import { answerFromCache } from './udp-fast-path';
import { loadBatchedUdp, noCounts, openUdpListener, type DatagramSource, type ListenAddress, type UdpCounters, type UdpIo, type UdpListener } from './udp-listener';
import type { TransferAcl } from '../nameserver/acl';
import { Rcode } from '../dns/constants';
import { signResponse, TsigResponseSigner } from '../dns/tsig';
import type { Logger } from '../log/log';
import { TcpConnections, type TcpCloseCounts } from './tcp-connections';
import type { TcpLimits } from './tcp-limits';

/**
 * UDP and TCP listeners around a Responder. All DNS logic lives in the Responder; this file only
 * moves bytes, frames TCP messages (RFC 1035 §4.2.2) and enforces connection limits (RFC 7766).
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
  readonly responder: Responder;
  /** Who may transfer zones out (AXFR/IXFR): an AddressList, or a TransferPolicy with per-zone secondaries. */
  readonly transferAcl: TransferAcl;
  readonly log: Logger;
  /** TCP deadlines, caps and backpressure (RFC 7766 §6.2.3, §10); defaults in tcp-limits.ts. */
  readonly tcp?: Partial<TcpLimits>;
  /**
   * The control server's secondary zones: what to make of a NOTIFY from `source` (RFC 1996).
   * Without it a NOTIFY is refused (a serving pod has no primaries).
   */
  readonly notify?: (origin: string, source: string) => NotifyVerdict;
  /** How UDP is read and written: batched (the addon) where it was built, else node:dgram. */
  readonly udpIo?: UdpIo | 'auto';
}

export interface ServerStats {
  tcpQueries: number;
  dropped: number;
  transfers: number;
  transfersRefused: number;
  notifies: number;
}

export class DnsServer {
  private readonly udp: UdpListener[] = [];
  private readonly tcp: net.Server[] = [];
  private readonly connections: TcpConnections;
  readonly stats: ServerStats = { tcpQueries: 0, dropped: 0, transfers: 0, transfersRefused: 0, notifies: 0 };
  /** Where each listener ended up (port 0 asks the system for a free one). */
  readonly bound: ListenAddress[] = [];
  private udpReport: NodeJS.Timeout | undefined;
  private lastUdpReport: UdpCounters | undefined;

  constructor(private readonly options: DnsServerOptions) {
    this.connections = new TcpConnections({ limits: options.tcp, log: options.log, answer: (socket, msg) => this.answerTcp(socket, msg) });
  }

  /** TCP connections open now, and how many the limits closed, by reason. */
  tcpCounts(): { open: number; closed: TcpCloseCounts } {
    return { open: this.connections.open, closed: { ...this.connections.closed } };
  }

  private answerNotify(msg: Uint8Array, source: string): Uint8Array | null {
    const { response, origin, verdict } = answerNotify(msg, (zone) => this.options.notify!(zone, source));
    this.stats.notifies++;
    this.options.log.info('NOTIFY', { zone: origin, source, verdict: verdict ?? 'malformed' });
    return response;
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
    if (delta('sendFailures') + delta('receiveErrors') + delta('oversized') + delta('handlerErrors') === 0) return;
    this.options.log.warn('udp: datagrams dropped', {
      sendFailures: delta('sendFailures'),
      receiveErrors: delta('receiveErrors'),
      oversized: delta('oversized'),
      handlerErrors: delta('handlerErrors'),
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
    const listener = await openUdpListener(address, (msg, out, outAt, source) => this.answerDatagram(msg, out, outAt, source), {
      io: this.options.udpIo ?? 'auto',
      onHandlerError: (err) => this.options.log.error('udp query failed', { error: (err as Error).message }),
      onSocketError: (err) => this.options.log.error('udp socket error', { error: err.message, host: address.host }),
    });
    this.udp.push(listener);
    return listener.port;
  }

  /** One UDP query: the answer written into `out` at `outAt`, its length or -1 (none). */
  private answerDatagram(msg: Uint8Array, out: Uint8Array, outAt: number, source: DatagramSource): number {
    const cached = answerFromCache(msg, this.options.responder.cache, out, outAt);
    if (cached >= 0) return cached;
    let reply: Uint8Array | null;
    if (this.options.notify && isNotify(msg)) {
      reply = this.answerNotify(msg, source.address());
    } else {
      const outcome = this.options.responder.respond(msg, 'udp');
      if (outcome.kind !== 'response') {
        this.stats.dropped++;
        return -1;
      }
      reply = outcome.message;
      if (outcome.refused) this.options.log.info('signed request refused', { client: source.address(), transport: 'udp', error: outcome.refused });
    }
    if (reply === null) return -1;
    out.set(reply, outAt);
    return reply.length;
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
    if (this.options.notify && isNotify(msg)) {
      const reply = this.answerNotify(msg, socket.remoteAddress ?? '');
      if (reply) writeFramed(socket, reply);
      return;
    }
    const outcome = this.options.responder.respond(msg, 'tcp');
    if (outcome.kind === 'drop') {
      this.stats.dropped++;
      return;
    }
    if (outcome.kind === 'response') {
      writeFramed(socket, outcome.message);
      if (outcome.refused) this.options.log.info('signed request refused', { client: socket.remoteAddress, transport: 'tcp', error: outcome.refused });
      return;
    }
    const { query, zone, request, tsig } = outcome;
    const peer = socket.remoteAddress ?? '';
    const now = (): number => Math.floor(Date.now() / 1000);
    const zoneName = zone.origin.toString().toLowerCase();
    // The TSIG on the request, if any, has verified (Responder): the key takes part in the decision.
    if (!this.options.transferAcl.allowsTransfer(zoneName, peer, tsig?.key.name)) {
      this.stats.transfersRefused++;
      this.options.log.info('zone transfer refused', { zone: zone.origin.toString(), client: peer, key: tsig?.key.name });
      const refused = errorResponse(request, query.id, query.flags, query.questionEnd, query.edns, Rcode.REFUSED);
      writeFramed(socket, tsig ? signResponse(refused, tsig.key, tsig.mac, now()).wire : refused);
      return;
    }
    this.stats.transfers++;
    this.options.log.info('zone transfer', { zone: zone.origin.toString(), client: peer, serial: zone.serial, key: tsig?.key.name });
    // RFC 8945 §5.3.1: every message of a signed transfer is signed, chained to the one before.
    const signer = tsig ? new TsigResponseSigner(tsig.key, tsig.mac) : undefined;
    for (const message of transferMessages(zone, query, request)) {
      const written = writeFramed(socket, signer ? signer.sign(message, now()) : message);
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
