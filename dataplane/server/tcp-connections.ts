import type * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/log';
import { TCP_CLOSE_REASONS, TcpConnectionTable, type TcpCloseReason, type TcpConnection, type TcpLimits } from './tcp-limits';

/**
 * The TCP side of the DNS server: reads length-prefixed messages from each connection (RFC 1035
 * §4.2.2), hands each whole one to `answer`, and applies the limits of tcp-limits.ts — deadlines,
 * per-client and global caps with shedding, and backpressure: a connection whose client does not
 * read its replies is not read from either until it does. docs/adr/0010-tcp-connection-limits.md.
 */

/** Answers one whole DNS message from `socket`, writing the replies to it (a transfer awaits 'drain' itself). */
export type TcpAnswer = (socket: net.Socket, message: Buffer) => Promise<void>;

export type TcpCloseCounts = Record<TcpCloseReason, number>;

export interface TcpConnectionsOptions {
  readonly limits?: Partial<TcpLimits>;
  readonly answer: TcpAnswer;
  readonly log: Logger;
  /** How often the closes by limit are summed up in the log. */
  readonly reportEveryMs?: number;
  /** A monotonic clock in milliseconds (tests may pass their own). */
  readonly now?: () => number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Octets buffered from a connection while a zone transfer is being sent on it, past which its
 * socket is not read until the transfer is done (two messages of the largest size).
 */
const MAX_PENDING = 2 * (2 + 65_535);

/** One connection's read state. */
class Session {
  pending: Buffer = EMPTY;
  pumping = false;
  /** The client sent FIN: answer what came, then end our side. */
  readEnded = false;
  /** Its lifetime is over: no more queries are taken, replies already queued still go out. */
  finishing = false;
  linger: NodeJS.Timeout | undefined;
  connection!: TcpConnection<Session>;

  constructor(readonly socket: net.Socket) {}

  /** The next whole message in the buffer, if there is one. */
  take(): Buffer | undefined {
    if (this.pending.length < 2) return undefined;
    const length = this.pending.readUInt16BE(0);
    if (this.pending.length < 2 + length) return undefined;
    const message = this.pending.subarray(2, 2 + length);
    this.pending = this.pending.length === 2 + length ? EMPTY : this.pending.subarray(2 + length);
    return message;
  }
}

export class TcpConnections {
  private readonly table: TcpConnectionTable<Session>;
  /** Every socket not yet closed, also those ending after their lifetime (no longer in the table). */
  private readonly sockets = new Set<net.Socket>();
  private readonly now: () => number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private lastReport: TcpCloseCounts = noCloses();
  /** Connections the server closed, by reason, since it started. */
  readonly closed: TcpCloseCounts = noCloses();

  constructor(private readonly options: TcpConnectionsOptions) {
    this.table = new TcpConnectionTable(options.limits);
    this.now = options.now ?? (() => performance.now());
  }

  get limits(): TcpLimits {
    return this.table.limits;
  }

  /** Connections open and counted against the caps. */
  get open(): number {
    return this.table.size;
  }

  /** Starts the clock that enforces the deadlines, a fraction of the shortest one. */
  start(): void {
    if (this.sweepTimer) return;
    const { idleMs, messageMs, lifetimeMs } = this.limits;
    const every = Math.max(10, Math.min(1000, Math.floor(Math.min(idleMs, messageMs, lifetimeMs) / 8)));
    this.sweepTimer = setInterval(() => this.sweep(), every).unref();
    this.reportTimer = setInterval(() => this.report(), this.options.reportEveryMs ?? 60_000).unref();
  }

  /** Closes every connection at once (the server stops). */
  stop(): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.reportTimer);
    this.sweepTimer = this.reportTimer = undefined;
    for (const socket of this.sockets) socket.destroy();
  }

  /** A new connection (from net.Server's 'connection'): admitted, perhaps in place of an idle one, or closed. */
  accept(socket: net.Socket): void {
    const session = new Session(socket);
    const { connection, shed } = this.table.admit(session, socket.remoteAddress, this.now());
    for (const victim of shed) this.close(victim, 'shed');
    if (!connection) {
      this.closed.refused++;
      socket.destroy();
      return;
    }
    session.connection = connection;
    this.sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      if (session.finishing) return;
      session.pending = session.pending.length === 0 ? chunk : Buffer.concat([session.pending, chunk]);
      if (session.pumping && session.pending.length > MAX_PENDING) socket.pause();
      void this.pump(session);
    });
    socket.on('drain', () => {
      // The client took what waited for it (also between the messages of a zone transfer).
      const paused = connection.waitingForReader;
      connection.repliesTaken(this.now());
      if (!paused) return;
      // Read its queries again.
      socket.resume();
      void this.pump(session);
    });
    socket.on('end', () => {
      session.readEnded = true;
      void this.pump(session);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(session.linger);
      this.sockets.delete(socket);
      this.table.remove(connection);
    });
  }

  /**
   * Answers the whole messages buffered for a connection, in order (RFC 7766 §6.2.1.1), until
   * none is left or the socket's write buffer is full.
   */
  private async pump(session: Session): Promise<void> {
    if (session.pumping) return;
    session.pumping = true;
    const { socket, connection } = session;
    try {
      for (;;) {
        if (socket.destroyed || session.finishing) return;
        if (socket.writableNeedDrain) {
          // Backpressure: the client does not read its replies, so its queries are not read
          // either until it does ('drain'); TCP flow control then holds the rest at the client.
          connection.repliesWaiting(this.now());
          socket.pause();
          return;
        }
        const message = session.take();
        if (!message) break;
        connection.queryReceived(this.now());
        connection.answering = true;
        try {
          await this.options.answer(socket, message);
        } finally {
          connection.answering = false;
        }
        if (socket.writableLength > this.limits.maxQueuedBytes) {
          this.close(connection, 'unread');
          return;
        }
      }
      if (session.pending.length > 0) connection.messagePartial(this.now());
      else connection.messageNone();
      // Paused while a transfer was sent (MAX_PENDING): what is buffered now is less than a message.
      if (socket.isPaused()) socket.resume();
      // A client may close its sending side after its last query (a half-close): all are answered now.
      if (session.readEnded && !socket.writableEnded) socket.end();
    } catch (err) {
      this.options.log.error('tcp connection failed', { error: (err as Error).message, client: socket.remoteAddress });
      socket.destroy();
    } finally {
      session.pumping = false;
    }
  }

  private sweep(): void {
    for (const { connection, reason } of this.table.due(this.now())) this.close(connection, reason);
  }

  private close(connection: TcpConnection<Session>, reason: TcpCloseReason): void {
    this.table.remove(connection);
    this.closed[reason]++;
    const session = connection.handle;
    if (reason !== 'lifetime') {
      session.socket.destroy();
      return;
    }
    // At the end of its lifetime a connection takes no more queries, but the replies it has are
    // sent before our FIN; a client that does not take them is cut off one idle period later.
    session.finishing = true;
    session.pending = EMPTY;
    session.socket.end();
    session.linger = setTimeout(() => session.socket.destroy(), this.limits.idleMs).unref();
  }

  /** Sums up in one log line what the limits closed since the last report (a line each would flood the log under attack). */
  private report(): void {
    const delta = noCloses();
    let any = false;
    for (const reason of TCP_CLOSE_REASONS) {
      delta[reason] = this.closed[reason] - this.lastReport[reason];
      // Idle connections closing is the normal end of a connection, not news.
      if (delta[reason] > 0 && reason !== 'idle') any = true;
    }
    this.lastReport = { ...this.closed };
    if (any) this.options.log.warn('tcp: connections closed by limits', { ...delta, open: this.open, seconds: (this.options.reportEveryMs ?? 60_000) / 1000 });
  }
}

function noCloses(): TcpCloseCounts {
  return { idle: 0, incomplete: 0, lifetime: 0, shed: 0, refused: 0, unread: 0 };
}
