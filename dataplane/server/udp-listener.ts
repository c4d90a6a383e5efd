import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { DnsfleetError } from '../dns/error';
import { sourcePrefix } from '../nameserver/rate-limit';

/**
 * A UDP socket that hands each datagram to a DatagramHandler and sends what it writes back. Two
 * kinds, the same behaviour:
 *
 * - `batched`: the addon in ./native (recvmmsg/sendmmsg, one JavaScript call per batch of up to
 *   64 datagrams, no allocation per datagram). The default where it was built.
 * - `dgram`: node:dgram, one callback, one rinfo object and one send per datagram. The fallback
 *   where no C compiler was at hand, and a reference the tests compare with.
 *
 * docs/adr/0006-batched-udp-io.md has the measurements behind the choice.
 */

/** Where a datagram came from, read only when needed (NOTIFY, logs): the batched kind makes the text on demand. */
export interface DatagramSource {
  address(): string;
  /** The hash of its network (rate-limit.ts `sourcePrefix`), for response rate limiting: the batched kind has it from C. */
  prefix(): number;
  /** When it arrived (ms since the epoch): the batched kind reads the clock once per batch. */
  receivedAt(): number;
}

/** How long the network of one source is, for `DatagramSource.prefix` (response rate limiting). */
export interface SourcePrefixLengths {
  readonly ipv4: number;
  readonly ipv6: number;
}

/**
 * Answers one datagram: writes the response into `out` from `outAt` (room for 65,535 bytes) and
 * returns its length, or -1 for no response. `msg` is valid only during the call: the batched
 * kind receives the next batch into the same memory.
 */
export type DatagramHandler = (msg: Uint8Array, out: Uint8Array, outAt: number, source: DatagramSource) => number;

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export type UdpIo = 'batched' | 'dgram';

export interface UdpListener {
  readonly io: UdpIo;
  readonly port: number;
  counters(): UdpCounters;
  close(): Promise<void>;
}

export interface UdpCounters {
  readonly received: number;
  readonly answered: number;
  /** Answers the kernel would not take (a full send buffer) or could not deliver. */
  readonly sendFailures: number;
  /** Datagrams larger than 64 KiB (batched only; dgram receives them whole and the handler rejects them). */
  readonly oversized: number;
  /** Errors reported by the socket while receiving (e.g. a pending ICMP error). */
  readonly receiveErrors: number;
  readonly handlerErrors: number;
}

/** All counters at zero. */
export function noCounts(): { -readonly [K in keyof UdpCounters]: number } {
  return { received: 0, answered: 0, sendFailures: 0, oversized: 0, receiveErrors: 0, handlerErrors: 0 };
}

export interface UdpListenerOptions {
  /** `auto`: batched where the addon loads, else dgram. */
  readonly io: UdpIo | 'auto';
  /** A handler that threw: the datagram goes unanswered, the socket keeps serving. */
  readonly onHandlerError: (err: unknown) => void;
  readonly onSocketError: (err: Error) => void;
  /**
   * After each batch (one datagram with dgram): how many answers it produced and the seconds from
   * the batch being read to its answers being ready for the kernel. For the latency histogram.
   */
  readonly onAnswered?: (answers: number, seconds: number) => void;
  /** Default /24 and /56, as Knot's rate limiting. */
  readonly prefixLengths?: SourcePrefixLengths;
}

const DEFAULT_PREFIX_LENGTHS: SourcePrefixLengths = { ipv4: 24, ipv6: 56 };

/** Kernel buffers: bursts from a load generator must not overflow the defaults. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
const MAX_DATAGRAM = 65_535;

/** Where `npm run build` puts the addon (native/build.ts) and where it is loaded from. */
export const BATCHED_UDP_ADDON = join(__dirname, 'native', 'udp-batch.node');

/** `--udp-io batched` where the addon could not be loaded: `reason` says why. */
export class UdpIoUnavailableError extends DnsfleetError {
  override name = 'UdpIoUnavailableError';
  constructor(readonly reason: string) {
    super(`batched UDP I/O is not available: ${reason}`, { reason });
  }
}

export async function openUdpListener(address: ListenAddress, handler: DatagramHandler, options: UdpListenerOptions): Promise<UdpListener> {
  if (options.io === 'dgram') return openDgram(address, handler, options);
  const addon = loadBatchedUdp();
  if ('problem' in addon) {
    if (options.io === 'batched') throw new UdpIoUnavailableError(addon.problem);
    return openDgram(address, handler, options);
  }
  return openBatched(addon.module, address, handler, options);
}

/** What the addon exports (dataplane/server/native/udp-batch.c). */
interface BatchedUdpModule {
  readonly batchSize: number;
  open(host: string, port: number, bufferBytes: number, onBatch: (count: number) => void, ipv4PrefixLength: number, ipv6PrefixLength: number): BatchedUdpSocket;
}

interface BatchedUdpSocket {
  readonly port: number;
  readonly slotStride: number;
  readonly input: Uint8Array;
  readonly output: Uint8Array;
  /** Per datagram of the batch: its length, or -1 when it was larger than a slot. */
  readonly inputLengths: Int32Array;
  /** Per datagram: the length of the answer written at the same place in `output`, -1 for none. */
  readonly outputLengths: Int32Array;
  /** Per datagram: the hash of its source's network (`sourcePrefix`, computed in C). */
  readonly sourcePrefixes: Int32Array;
  /** received, sent, send failures, oversized datagrams, receive errors. */
  readonly stats: Float64Array;
  peerAddress(index: number): string;
  close(): void;
}

let loaded: { module: BatchedUdpModule } | { problem: string } | undefined;

/** The addon, or why it cannot be used; loaded once. */
export function loadBatchedUdp(): { module: BatchedUdpModule } | { problem: string } {
  if (loaded) return loaded;
  try {
    loaded = { module: require(BATCHED_UDP_ADDON) as BatchedUdpModule };
  } catch (err) {
    loaded = { problem: `${BATCHED_UDP_ADDON}: ${(err as Error).message.split('\n')[0]} (build it with \`npm run build\`, which needs a C compiler)` };
  }
  return loaded;
}

function openBatched(addon: BatchedUdpModule, address: ListenAddress, handler: DatagramHandler, options: UdpListenerOptions): UdpListener {
  let index = 0;
  let handlerErrors = 0;
  let batchTime = 0;
  const source: DatagramSource = { address: () => socket.peerAddress(index), prefix: () => socket.sourcePrefixes[index]!, receivedAt: () => batchTime };
  const onAnswered = options.onAnswered;
  const onBatch = (count: number): void => {
    batchTime = Date.now();
    const started = onAnswered ? performance.now() : 0;
    let answers = 0;
    const { input, output, inputLengths, outputLengths, slotStride } = socket;
    for (index = 0; index < count; index++) {
      const length = inputLengths[index]!;
      // A datagram larger than a slot (64 KiB) cannot be a DNS query: dropped, and counted.
      if (length < 0) continue;
      const at = index * slotStride;
      try {
        const written = handler(input.subarray(at, at + length), output, at, source);
        outputLengths[index] = written;
        if (written >= 0) answers++;
      } catch (err) {
        outputLengths[index] = -1;
        handlerErrors++;
        options.onHandlerError(err);
      }
    }
    if (onAnswered) onAnswered(answers, (performance.now() - started) / 1000);
  };
  const lengths = options.prefixLengths ?? DEFAULT_PREFIX_LENGTHS;
  const socket = addon.open(address.host, address.port, SOCKET_BUFFER_BYTES, onBatch, lengths.ipv4, lengths.ipv6);
  return {
    io: 'batched',
    port: socket.port,
    counters: () => {
      const [received, sent, sendFailures, oversized, receiveErrors] = socket.stats;
      return { received: received!, answered: sent!, sendFailures: sendFailures!, oversized: oversized!, receiveErrors: receiveErrors!, handlerErrors };
    },
    close: async () => socket.close(), // idempotent in the addon
  };
}

async function openDgram(address: ListenAddress, handler: DatagramHandler, options: UdpListenerOptions): Promise<UdpListener> {
  const type = net.isIPv6(address.host) ? 'udp6' : 'udp4';
  // Answering to an IP literal needs no name lookup: a synchronous lookup saves a tick per send.
  const lookup = (host: string, _opts: unknown, cb: (err: Error | null, addr: string, family: number) => void): void =>
    cb(null, host, type === 'udp6' ? 6 : 4);
  const socket = dgram.createSocket({ type, ipv6Only: type === 'udp6', lookup: lookup as never });
  const scratch = Buffer.allocUnsafe(MAX_DATAGRAM);
  const counts = noCounts();
  let closing: Promise<void> | undefined;
  const onAnswered = options.onAnswered;
  const lengths = options.prefixLengths ?? DEFAULT_PREFIX_LENGTHS;
  socket.on('message', (msg, rinfo) => {
    counts.received++;
    const started = onAnswered ? performance.now() : 0;
    let length: number;
    try {
      length = handler(msg, scratch, 0, { address: () => rinfo.address, prefix: () => sourcePrefix(rinfo.address, lengths.ipv4, lengths.ipv6), receivedAt: Date.now });
    } catch (err) {
      counts.handlerErrors++;
      options.onHandlerError(err);
      return;
    }
    // A handler may have closed the socket (server stopping): nothing more to send.
    if (length < 0 || closing) return;
    counts.answered++;
    // A copy: send() may hold the buffer past this call when the socket is busy.
    socket.send(Buffer.from(scratch.subarray(0, length)), rinfo.port, rinfo.address);
    if (onAnswered) onAnswered(1, (performance.now() - started) / 1000);
  });
  // Without a callback, a failed send() is reported here (node:dgram).
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (err.syscall === 'send') {
      counts.sendFailures++;
      counts.answered--;
    } else counts.receiveErrors++;
    options.onSocketError(err);
  });
  // Subscribe first: with a synchronous lookup, bind() may report 'listening' before it returns.
  const listening = once(socket, 'listening');
  socket.bind(address.port, address.host);
  await listening;
  try {
    socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
    socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
  } catch {
    // The kernel caps these (net.core.rmem_max); the defaults still work.
  }
  return {
    io: 'dgram',
    port: socket.address().port,
    counters: () => ({ ...counts }),
    close: () => {
      closing ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closing;
    },
  };
}
