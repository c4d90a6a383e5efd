import * as dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';

/**
 * A steady, bounded stream of UDP queries for one name, each with its send and answer time, to
 * see whether a server stops answering while it does something else (issue #9: a large zone
 * loading must not stall the others). Loopback only: the caller gives the port on 127.0.0.1.
 *
 * Each query has its own ID; an answer is matched by ID and counts once. A query not answered
 * within `timeoutMs` is lost, as a resolver with that retry timer would see it.
 */

export interface ProbeOptions {
  readonly port: number;
  /** Absolute name asked for (type A). */
  readonly name: string;
  /** Time between two queries. */
  readonly everyMs: number;
  /** A query unanswered this long is lost. */
  readonly timeoutMs: number;
  /** Upper bound on the queries sent, whatever the caller does. */
  readonly maxQueries: number;
}

export interface ProbeStats {
  readonly sent: number;
  readonly answered: number;
  /** Sent in the window, not answered within the timeout. */
  readonly lost: number;
  /** The longest time in the window without any answer arriving (from its start and to its end too). */
  readonly longestGapMs: number;
  /** Where in the window (ms from its start) the longest gap began. */
  readonly longestGapAtMs: number;
  /** Latency of the queries sent in the window; a lost one counts as the timeout. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly windowMs: number;
}

interface Sent {
  readonly at: number;
  answeredAt: number | undefined;
}

export class AnswerProbe {
  private readonly socket = dgram.createSocket('udp4');
  private readonly sent: Sent[] = [];
  private readonly answers: number[] = [];
  /** Query ID → index in `sent` of the latest query with it. */
  private readonly latest = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly query: Buffer;

  constructor(private readonly o: ProbeOptions) {
    this.query = encodeQuery(o.name);
    this.socket.on('message', (msg: Buffer) => {
      if (msg.length < 12) return;
      const id = msg.readUInt16BE(0);
      const now = performance.now();
      // IDs wrap at 65536: an answer is for the latest query with its ID.
      const s = this.sent[this.latest.get(id) ?? -1];
      if (s && s.answeredAt === undefined) {
        s.answeredAt = now;
        this.answers.push(now);
      }
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.timer = setInterval(() => this.send(), this.o.everyMs);
  }

  private send(): void {
    if (this.sent.length >= this.o.maxQueries) return this.stopSending();
    const id = this.sent.length & 0xffff;
    this.query.writeUInt16BE(id, 0);
    this.latest.set(id, this.sent.length);
    this.sent.push({ at: performance.now(), answeredAt: undefined });
    this.socket.send(this.query, this.o.port, '127.0.0.1');
  }

  private stopSending(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The time now, on the probe's clock, to mark a window's edges. */
  now(): number {
    return performance.now();
  }

  /** Answers in [from, to): call it once `to + timeoutMs` has passed, so that lost means lost. */
  stats(from: number, to: number): ProbeStats {
    const inWindow = this.sent.filter((s) => s.at >= from && s.at < to);
    const latencies = inWindow.map((s) => (s.answeredAt === undefined ? this.o.timeoutMs : Math.min(s.answeredAt - s.at, this.o.timeoutMs))).sort((a, b) => a - b);
    const lost = inWindow.filter((s) => s.answeredAt === undefined || s.answeredAt - s.at > this.o.timeoutMs).length;
    let last = from;
    let longest = 0;
    let longestAt = 0;
    for (const t of [...this.answers.filter((a) => a >= from && a < to), to]) {
      if (t - last > longest) [longest, longestAt] = [t - last, last - from];
      last = t;
    }
    const pct = (p: number): number => (latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!);
    return {
      sent: inWindow.length,
      answered: inWindow.length - lost,
      lost,
      longestGapMs: longest,
      longestGapAtMs: longestAt,
      p50Ms: pct(50),
      p99Ms: pct(99),
      maxMs: latencies.length === 0 ? 0 : latencies[latencies.length - 1]!,
      windowMs: to - from,
    };
  }

  async stop(): Promise<void> {
    this.stopSending();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** One question, type A, class IN, no RD, no EDNS (RFC 1035 §4.1). */
function encodeQuery(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  const parts = [Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'ascii'));
  parts.push(Buffer.from([0, 0, 1, 0, 1]));
  return Buffer.concat(parts);
}

export function formatStats(s: ProbeStats): string {
  return `${s.sent} sent, ${s.answered} answered, ${s.lost} lost; longest gap ${s.longestGapMs.toFixed(0)} ms (from ${(s.longestGapAtMs / 1000).toFixed(1)} s); latency p50 ${s.p50Ms.toFixed(1)} ms, p99 ${s.p99Ms.toFixed(1)} ms, max ${s.maxMs.toFixed(0)} ms (window ${(s.windowMs / 1000).toFixed(1)} s)`;
}
