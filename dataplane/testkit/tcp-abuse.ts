import { setTimeout as sleep } from 'node:timers/promises';
import * as net from 'node:net';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildQuery, query } from './dns-client';
import { freePort, run, start, tempDir, waitFor, type Started } from './processes';
import type { ZoneText } from './peers';

/**
 * What an attacker does to a DNS server's TCP side, and how a user sees it: the scenarios of
 * issue 14 for the integration tests (dataplane/test/peers/tcp-abuse.test.ts) and for
 * `npm run bench:tcp` (dataplane/bench/tcp.ts). Loopback only, and every loop ends.
 */

/** A zone with `big.<origin>` TXT: an answer of about 5.3 KB, larger than any UDP answer. */
export function abuseZone(origin = 'tcp.test.'): ZoneText {
  const lines = ['$TTL 300', '@ SOA ns hm 1 3600 600 86400 60', '@ NS ns', 'ns A 127.0.0.1', 'www A 192.0.2.80'];
  for (let i = 0; i < 20; i++) lines.push(`big TXT "${String(i).padStart(2, '0')}${'x'.repeat(248)}"`);
  return { name: origin, text: lines.join('\n') + '\n' };
}

function framed(msg: Uint8Array): Buffer {
  const out = Buffer.alloc(msg.length + 2);
  out.writeUInt16BE(msg.length, 0);
  out.set(msg, 2);
  return out;
}

export interface TrickleOptions {
  readonly host: string;
  readonly port: number;
  /** How many connections the attacker keeps. */
  readonly connections: number;
  /** One octet per connection this often (each connection at its own phase). */
  readonly everyMs: number;
  /** The address the attacker connects from (default: the system's choice, 127.0.0.1). */
  readonly source?: string;
  /** Opens a connection the server closed again after this long; undefined: does not. */
  readonly reconnectMs?: number;
}

export interface Trickler {
  /** Connections opened in all (the first ones and every reopening). */
  readonly opened: number;
  /** Connections the server closed (or reset, or refused). */
  readonly closedByServer: number;
  /** Connections open now. */
  readonly open: number;
  stop(): void;
}

/**
 * Slow-loris over DNS: `connections` connections, each sending a length field that announces a
 * 256-octet message and then one octet at a time, so that no query is ever whole. Opened in
 * batches, so that the server's listen backlog is not what is measured.
 */
export async function trickle(o: TrickleOptions): Promise<Trickler> {
  let opened = 0;
  let closedByServer = 0;
  let stopped = false;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const openOne = (): void => {
    if (stopped) return;
    opened++;
    const s = net.connect({ host: o.host, port: o.port, ...(o.source ? { localAddress: o.source } : {}) });
    sockets.add(s);
    // A length field of 256, then filler: the message never completes in any test's time.
    const bytes = Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(256, 0x61)]);
    let sent = 0;
    let tick: NodeJS.Timeout | undefined;
    const sendOne = (): void => {
      if (s.destroyed || sent >= bytes.length) return;
      s.write(bytes.subarray(sent, sent + 1));
      sent++;
    };
    s.on('connect', () => {
      // Each connection at its own phase, as the issue's attacker: the first octet within `everyMs`.
      const phase = Math.floor(Math.random() * o.everyMs);
      tick = setTimeout(() => {
        sendOne();
        tick = setInterval(sendOne, o.everyMs);
      }, phase);
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(tick);
      clearInterval(tick);
      sockets.delete(s);
      if (stopped) return;
      closedByServer++;
      if (o.reconnectMs !== undefined) later(o.reconnectMs, openOne);
    });
  };
  for (let i = 0; i < o.connections; i += 100) {
    for (let j = i; j < Math.min(o.connections, i + 100); j++) openOne();
    await sleep(50);
  }
  return {
    get opened() {
      return opened;
    },
    get closedByServer() {
      return closedByServer;
    },
    get open() {
      return sockets.size;
    },
    stop: () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
    },
  };
}

export interface TricklerCounts {
  readonly opened: number;
  readonly closedByServer: number;
  readonly open: number;
}

/**
 * trickle() in a child process (tcp-attacker.ts), its open-file limit raised to the hard limit,
 * so that measuring clients in this process are not slowed by the attacker's sockets.
 */
export async function startTrickler(o: TrickleOptions): Promise<{ stop(): Promise<TricklerCounts> }> {
  const script = join(__dirname, 'tcp-attacker.js');
  const args = ['--host', o.host, '--port', String(o.port), '--connections', String(o.connections), '--every-ms', String(o.everyMs)];
  if (o.reconnectMs !== undefined) args.push('--reconnect-ms', String(o.reconnectMs));
  if (o.source) args.push('--source', o.source);
  const quoted = [process.execPath, script, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = start('bash', ['-c', `ulimit -Sn "$(ulimit -Hn)" 2>/dev/null; exec ${quoted}`]);
  await waitFor('the attacker to open its connections', async () => child.output().includes('ready\n') || child.process.exitCode !== null, 30_000);
  if (!child.output().includes('ready\n')) throw new Error(`the attacker did not start:\n${child.output()}`);
  return {
    stop: async () => {
      await child.stop();
      const last = child.output().trim().split('\n').pop() ?? '';
      try {
        return JSON.parse(last) as TricklerCounts;
      } catch {
        throw new Error(`the attacker did not report its counts:\n${child.output()}`);
      }
    },
  };
}

export interface ProbeResult {
  /** Milliseconds since the probing started. */
  readonly at: number;
  /** Milliseconds from connect to a whole answer; undefined when none came. */
  readonly ms: number | undefined;
  /** Why there was no answer (a reset, a timeout, a close). */
  readonly error?: string;
}

/** One new TCP client: connects, asks `www.<zone>` A, and times the answer. */
export function probeOnce(host: string, port: number, zone: string, source: string | undefined, timeoutMs: number): Promise<{ ms: number | undefined; error?: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const s = net.connect({ host, port, ...(source ? { localAddress: source } : {}) });
    let pending = Buffer.alloc(0);
    let done = false;
    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve(error ? { ms: undefined, error } : { ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    s.on('connect', () => s.write(framed(buildQuery(`www.${zone}`, 'A'))));
    s.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      if (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) finish();
    });
    s.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    s.on('close', () => finish('closed before the answer'));
  });
}

/** New TCP clients every `everyMs` for `durationMs`, each timed. */
export async function probeFor(o: { host: string; port: number; zone: string; source?: string; everyMs: number; durationMs: number; timeoutMs: number }): Promise<ProbeResult[]> {
  const results: Array<Promise<ProbeResult>> = [];
  const t0 = performance.now();
  while (performance.now() - t0 < o.durationMs) {
    const at = performance.now() - t0;
    results.push(probeOnce(o.host, o.port, o.zone, o.source, o.timeoutMs).then((r) => ({ at, ...r })));
    await sleep(o.everyMs);
  }
  return Promise.all(results);
}

export interface ProbeSummary {
  readonly probes: number;
  readonly answered: number;
  /** Whole seconds (since probing started) in which at least one new client got no answer within the timeout. */
  readonly secondsWithFailures: number;
  readonly p50Ms: number | undefined;
  readonly maxMs: number | undefined;
  /** The errors seen, with counts, e.g. `ECONNRESET ×12`. */
  readonly errors: string;
}

export function summarize(results: readonly ProbeResult[]): ProbeSummary {
  const times = results.flatMap((r) => (r.ms === undefined ? [] : [r.ms])).sort((a, b) => a - b);
  const failedSeconds = new Set(results.filter((r) => r.ms === undefined).map((r) => Math.floor(r.at / 1000)));
  const errors = new Map<string, number>();
  for (const r of results) if (r.error) errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
  return {
    probes: results.length,
    answered: times.length,
    secondsWithFailures: failedSeconds.size,
    p50Ms: times.length ? times[Math.floor(times.length / 2)] : undefined,
    maxMs: times.length ? times[times.length - 1] : undefined,
    errors: [...errors].map(([e, n]) => `${e} ×${n}`).join(', '),
  };
}

export interface NeverReader {
  leave(): void;
}

/**
 * A client that pipelines `queries` queries for the ~5 KB TXT answer on one connection and never
 * reads a reply: whatever the server does not stop reading, it has to hold. (Reading nothing, it
 * does not notice when the server closes: serverConnections() tells.)
 */
export function neverRead(host: string, port: number, zone: string, queries: number): Promise<NeverReader> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    // Paused with no 'data' listener: Node reads at most one buffer's worth, then the kernel's
    // receive window closes, as for a client that never calls read().
    s.pause();
    s.once('error', reject);
    s.on('connect', () => {
      s.removeListener('error', reject);
      s.on('error', () => undefined);
      const one = framed(buildQuery(`big.${zone}`, 'TXT', { edns: null }));
      s.write(Buffer.concat(new Array<Buffer>(queries).fill(one)));
      resolve({ leave: () => s.destroy() });
    });
  });
}

/**
 * Established TCP connections whose local port is `port` on this machine (the server's side of
 * each), as `ss` from iproute2 lists them: a client that reads nothing cannot see its own close.
 */
export async function serverConnections(port: number): Promise<number> {
  const { stdout, code } = await run('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`], { timeoutMs: 5000 });
  if (code !== 0) throw new Error(`ss exited with ${code}`);
  return stdout.split('\n').filter((l) => l.trim() !== '').length;
}

/** The processes of a tree (a server that forks, like NSD), root first. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** Resident memory of a process and its children, in MiB (VmRSS from /proc/PID/status). */
export function rssMiB(root: number): number {
  let kib = 0;
  for (const pid of processTree(root)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kib += m ? Number(m[1]) : 0;
    } catch {
      // exited meanwhile
    }
  }
  return kib / 1024;
}

/** The soft limit on open files of this process (`ulimit -n`). */
export function openFileLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/**
 * Knot DNS on a free loopback port with one zone, for comparisons: its defaults (workers, TCP
 * limits), as an operator would start it.
 */
export async function startKnot(zone: ZoneText): Promise<{ host: string; port: number; process: Started; stop(): Promise<void> }> {
  const dir = tempDir('knot');
  const port = await freePort();
  writeFileSync(join(dir.path, 'zone.db'), zone.text);
  writeFileSync(
    join(dir.path, 'knot.conf'),
    [
      'server:',
      `  listen: 127.0.0.1@${port}`,
      `  rundir: "${dir.path}"`,
      'log:',
      '  - target: stderr',
      '    any: warning',
      'database:',
      `  storage: "${dir.path}"`,
      'zone:',
      `  - domain: ${zone.name}`,
      `    storage: "${dir.path}"`,
      '    file: zone.db',
      '    journal-content: none',
      '    zonefile-sync: -1',
      '',
    ].join('\n'),
  );
  const p = start('knotd', ['-c', join(dir.path, 'knot.conf')]);
  try {
    await waitFor('Knot to answer', async () => ((await query('127.0.0.1', port, zone.name, 'SOA', { timeoutMs: 300 })).packet.answers?.length ?? 0) > 0);
  } catch (err) {
    await p.stop();
    dir.remove();
    throw new Error(`knotd did not start: ${(err as Error).message}\n${p.output()}`);
  }
  return {
    host: '127.0.0.1',
    port,
    process: p,
    stop: async () => {
      await p.stop();
      dir.remove();
    },
  };
}
