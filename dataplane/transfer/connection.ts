import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { TransferError, primaryLabel, type TransferErrorCode } from './errors';

/**
 * The sockets of the transfer client: one UDP exchange, and one TCP connection carrying a query
 * and the stream of messages that answers it (RFC 1035 §4.2.2: each message preceded by its
 * two-octet length; RFC 5936 §2.2: an AXFR answer is one or more messages on one connection).
 */

export interface Primary {
  readonly address: string;
  readonly port: number;
}

/** Names the exchange in errors. */
export interface ExchangeLabel {
  readonly zone: string;
  readonly operation: string;
}

export interface StreamLimits {
  /** The whole exchange, from connecting to the last message. */
  readonly timeoutMs: number;
  /** The longest silence from the primary once connected. */
  readonly idleTimeoutMs: number;
  /** The most octets read before giving up on a primary that never ends. */
  readonly maxTransferBytes: number;
}

export interface StreamStats {
  readonly messages: number;
  readonly bytes: number;
}

/**
 * Connects, sends `query`, and hands each message of the answer to `onMessage` until it
 * returns true (the transfer is complete); then closes the connection. Anything `onMessage`
 * throws ends the exchange with that error. Rejects with TransferError otherwise.
 */
export function tcpExchange(
  primary: Primary,
  query: Uint8Array,
  label: ExchangeLabel,
  limits: StreamLimits,
  onMessage: (wire: Uint8Array, messageNumber: number) => boolean,
): Promise<StreamStats> {
  const where = primaryLabel(primary);
  return new Promise<StreamStats>((resolve, reject) => {
    let settled = false;
    let messages = 0;
    let bytes = 0;
    let pending: Buffer = Buffer.alloc(0);
    const socket = net.createConnection({ host: primary.address, port: primary.port });
    const error = (code: TransferErrorCode, detail: string, cause?: unknown): TransferError =>
      new TransferError(code, where, label.zone, label.operation, detail, messages + (code === 'connection-closed' || code === 'idle-timeout' ? 1 : 0), { cause });
    const finish = (err: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(total);
      socket.destroy();
      if (err) reject(err);
      else resolve({ messages, bytes });
    };
    const total = setTimeout(
      () => finish(error('timeout', `not complete after ${limits.timeoutMs} ms (${messages} messages, ${bytes} octets)`)),
      limits.timeoutMs,
    );
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleTimeoutMs, () =>
      finish(error('idle-timeout', `nothing received for ${limits.idleTimeoutMs} ms after ${messages} messages (${bytes} octets)`)),
    );
    socket.on('connect', () => {
      const framed = Buffer.alloc(2 + query.length);
      framed.writeUInt16BE(query.length, 0);
      framed.set(query, 2);
      socket.write(framed);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') finish(error('connection-refused', `connection refused (${err.message})`, err));
      else finish(error('network', err.message, err));
    });
    socket.on('close', () => {
      const partial =
        pending.length >= 2
          ? `, and ${pending.length - 2} of the ${pending.readUInt16BE(0)} octets of the next`
          : pending.length > 0
            ? ', and half of the next length prefix'
            : '';
      finish(error('connection-closed', `the primary closed the connection after ${messages} complete messages${partial}`));
    });
    socket.on('data', (chunk: Buffer) => {
      if (settled) return;
      bytes += chunk.length;
      if (bytes > limits.maxTransferBytes) {
        finish(error('too-large', `more than ${limits.maxTransferBytes} octets (${messages} messages)`));
        return;
      }
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      try {
        while (pending.length - at >= 2) {
          const length = pending.readUInt16BE(at);
          if (pending.length - at - 2 < length) break;
          const wire = new Uint8Array(pending.buffer, pending.byteOffset + at + 2, length);
          at += 2 + length;
          messages++;
          if (onMessage(wire, messages)) {
            finish(undefined);
            return;
          }
        }
      } catch (err) {
        finish(err);
        return;
      }
      pending = at === 0 ? pending : pending.subarray(at);
    });
  });
}

/**
 * Sends `query` over UDP and returns the first datagram from the primary that carries the same
 * message ID; others are ignored (RFC 5452 §9.1). The socket is connected, so an ICMP port
 * unreachable comes back as ECONNREFUSED.
 */
export function udpExchange(primary: Primary, query: Uint8Array, label: ExchangeLabel, timeoutMs: number): Promise<Uint8Array> {
  const where = primaryLabel(primary);
  const id = (query[0]! << 8) | query[1]!;
  return new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    const socket = dgram.createSocket(net.isIPv6(primary.address) ? 'udp6' : 'udp4');
    const finish = (err: unknown, answer?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => finish(new TransferError('timeout', where, label.zone, label.operation, `no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code === 'ECONNREFUSED' ? 'connection-refused' : 'network';
      finish(new TransferError(code, where, label.zone, label.operation, err.message, 0, { cause: err }));
    });
    socket.on('message', (msg: Buffer) => {
      if (msg.length < 2 || msg.readUInt16BE(0) !== id) return;
      finish(undefined, new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
    });
    socket.connect(primary.port, primary.address, () => socket.send(query));
  });
}
