import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A UDP flood of one query from one source address, paced and bounded, that sorts what comes
 * back: whole answers, truncated ones (TC, no records: what response rate limiting "slips") and
 * how many got nothing. For the rate-limiting tests and benchmarks; loopback only.
 */

export interface FloodOptions {
  readonly host: string;
  readonly port: number;
  /** The address the flood comes from: a loopback address (127.0.0.0/8 is all local). */
  readonly source: string;
  /** The query, sent as it is with a new ID each time. */
  readonly query: Uint8Array;
  readonly count: number;
  readonly perSecond: number;
  /** How long to wait for the last answers after the last query. */
  readonly drainMs?: number;
}

export interface FloodCounts {
  readonly sent: number;
  /** Answers with records and no TC. */
  readonly answered: number;
  /** Answers with TC and no records. */
  readonly slipped: number;
  /** Anything else that came back (errors, empty answers). */
  readonly other: number;
  readonly seconds: number;
}

export async function udpFlood(o: FloodOptions): Promise<FloodCounts> {
  const socket = dgram.createSocket(o.source.includes(':') ? 'udp6' : 'udp4');
  let answered = 0;
  let slipped = 0;
  let other = 0;
  socket.on('message', (msg) => {
    const tc = (msg[2]! & 0x02) !== 0;
    const records = msg.readUInt16BE(6);
    if (tc && records === 0) slipped++;
    else if (!tc && records > 0) answered++;
    else other++;
  });
  socket.bind(0, o.source);
  await once(socket, 'listening');
  socket.setRecvBufferSize(8 * 1024 * 1024);
  const query = Buffer.from(o.query);
  const t0 = performance.now();
  // In bursts every 10 ms, so the pace holds whatever the timer resolution.
  const perTick = Math.max(1, Math.round(o.perSecond / 100));
  let sent = 0;
  while (sent < o.count) {
    for (let i = 0; i < perTick && sent < o.count; i++, sent++) {
      query.writeUInt16BE(sent & 0xffff, 0);
      socket.send(query, o.port, o.host);
    }
    const due = t0 + (sent / o.perSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
  }
  const seconds = (performance.now() - t0) / 1000;
  await sleep(o.drainMs ?? 500);
  socket.close();
  return { sent, answered, slipped, other, seconds };
}
