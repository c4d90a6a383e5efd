/**
 * `npm run bench:tcp`: the two TCP attacks of issue 14 against `dnsfleet serve`, NSD and Knot, on
 * loopback, each server with its default TCP settings.
 *
 * 1. Slow loris: 1,000 connections from 127.0.0.1, each sending one octet every 8 s and never a
 *    whole query; run twice: as in the issue (a connection the server closes stays closed), and
 *    with the attacker opening it again a second later. Meanwhile a new TCP client
 *    every 250 ms from 127.0.0.2 and one from 127.0.0.1 (the attacker's own address) ask one
 *    question each; an answer that does not come within 1 s counts as a failure. Printed: the
 *    seconds in which some new client failed, and answer times.
 * 2. A client that never reads: 30,000 pipelined queries for a 5.3 KB TXT answer on one
 *    connection, never reading a reply. Printed: the server's resident memory (VmRSS, all its
 *    processes) before, at its peak during 8 s with the client connected, and 3 s after it left;
 *    and when the server closed the connection (`ss`: the client reads nothing, so cannot tell).
 *
 * Options: --seconds N (slow loris, default 40), --queries N (default 30000), --every-ms N (the
 * attacker's octet interval, default 8000), --reconnect-ms N (only the run where the attacker
 * reopens, after N ms; 0: only the run where it does not), --compare PATH (another build's dist/cli/main.js,
 * e.g. of the base commit: measured in the same run), --skip-peers (dnsfleet only),
 * --only loris|memory.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDnsfleet, startNsd, nsdVersion, type ZoneText } from '../testkit/peers';
import { stopAll } from '../testkit/processes';
import { abuseZone, neverRead, probeFor, probeOnce, rssMiB, serverConnections, startKnot, startTrickler, summarize, type ProbeSummary } from '../testkit/tcp-abuse';
import { runBench } from './run-bench';

interface Args {
  seconds: number;
  queries: number;
  everyMs: number;
  /** The attacker's runs: without reopening (undefined) and/or reopening after N ms. */
  reconnects: Array<number | undefined>;
  compare?: string;
  skipPeers: boolean;
  only?: 'loris' | 'memory';
}

function parse(): Args {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '40' },
      queries: { type: 'string', default: '30000' },
      'every-ms': { type: 'string', default: '8000' },
      'reconnect-ms': { type: 'string' },
      compare: { type: 'string' },
      'skip-peers': { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const positive = (flag: string, text: string | undefined): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a whole number of at least 1, not "${text}"`);
    return n;
  };
  if (values.only !== undefined && values.only !== 'loris' && values.only !== 'memory') throw new Error(`--only ${values.only}: expected loris or memory`);
  return {
    seconds: positive('seconds', values.seconds),
    queries: positive('queries', values.queries),
    everyMs: positive('every-ms', values['every-ms']),
    reconnects: values['reconnect-ms'] === undefined ? [undefined, 1000] : values['reconnect-ms'] === '0' ? [undefined] : [positive('reconnect-ms', values['reconnect-ms'])],
    compare: values.compare,
    skipPeers: !!values['skip-peers'],
    only: values.only as Args['only'],
  };
}

interface Running {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

interface Server {
  readonly label: string;
  start(zone: ZoneText): Promise<Running>;
}

function servers(args: Args): Server[] {
  const fromPeer = (p: { host: string; port: number; process: { process: { pid?: number } }; stop(): Promise<void> }): Running => ({
    host: p.host,
    port: p.port,
    pid: p.process.process.pid!,
    stop: () => p.stop(),
  });
  const list: Server[] = [{ label: 'dnsfleet serve', start: async (zone) => fromPeer(await startDnsfleet([zone], ['--no-watch'])) }];
  if (args.compare) {
    const cli = resolve(args.compare);
    list.push({ label: `dnsfleet serve (${args.compare})`, start: async (zone) => fromPeer(await startDnsfleet([zone], ['--no-watch'], { cli })) });
  }
  if (!args.skipPeers) {
    list.push({ label: nsdVersion(), start: async (zone) => fromPeer(await startNsd([zone])) });
    list.push({ label: 'Knot DNS 3.2 (default workers)', start: async (zone) => fromPeer(await startKnot(zone)) });
  }
  return list;
}

function line(s: ProbeSummary): string {
  const ms = (n: number | undefined): string => (n === undefined ? '-' : `${n.toFixed(1)} ms`);
  return `${s.answered}/${s.probes} answered, ${s.secondsWithFailures} s with failures, p50 ${ms(s.p50Ms)}, max ${ms(s.maxMs)}${s.errors ? ` (${s.errors})` : ''}`;
}

async function slowLoris(server: Server, zone: ZoneText, args: Args, reconnectMs: number | undefined): Promise<void> {
  const running = await server.start(zone);
  try {
    const attacker = await startTrickler({ host: running.host, port: running.port, connections: 1000, everyMs: args.everyMs, reconnectMs });
    const probe = { host: running.host, port: running.port, zone: zone.name, everyMs: 250, durationMs: args.seconds * 1000, timeoutMs: 1000 };
    const [other, same] = await Promise.all([probeFor({ ...probe, source: '127.0.0.2' }), probeFor({ ...probe, source: '127.0.0.1' })]);
    const counts = await attacker.stop();
    console.log(`  ${server.label}`);
    console.log(`    attacker: ${counts.opened} connections opened, ${counts.closedByServer} closed by the server, ${counts.open} open at the end`);
    console.log(`    new clients from 127.0.0.2: ${line(summarize(other))}`);
    console.log(`    new clients from 127.0.0.1: ${line(summarize(same))}`);
  } finally {
    await running.stop();
  }
}

async function memory(server: Server, zone: ZoneText, args: Args): Promise<void> {
  const running = await server.start(zone);
  try {
    await sleep(1000);
    const before = rssMiB(running.pid);
    const reader = await neverRead(running.host, running.port, zone.name, args.queries);
    const t0 = performance.now();
    let peak = before;
    let closedAfter: number | undefined;
    while (performance.now() - t0 < 8000) {
      await sleep(250);
      peak = Math.max(peak, rssMiB(running.pid));
      if (closedAfter === undefined && (await serverConnections(running.port)) === 0) closedAfter = performance.now() - t0;
    }
    const during = await probeOnce(running.host, running.port, zone.name, '127.0.0.2', 1000);
    reader.leave();
    await sleep(3000);
    const after = rssMiB(running.pid);
    console.log(`  ${server.label}`);
    console.log(
      `    VmRSS ${before.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB at the peak (8 s), ${after.toFixed(0)} MiB 3 s after the client left; ` +
        `server closed the connection: ${closedAfter === undefined ? 'no' : `within ${(closedAfter / 1000).toFixed(1)} s`}; another client meanwhile: ${during.ms === undefined ? during.error : `${during.ms.toFixed(1)} ms`}`,
    );
  } finally {
    await running.stop();
  }
}

async function main(): Promise<void> {
  const args = parse();
  const zone = abuseZone();
  const list = servers(args);
  try {
    if (args.only !== 'memory') {
      for (const reconnectMs of args.reconnects) {
        const reopening = reconnectMs === undefined ? 'not reopened when closed' : `each reopened ${reconnectMs / 1000} s after the server closed it`;
        console.log(`Slow loris: 1,000 connections from 127.0.0.1, one octet every ${args.everyMs / 1000} s each, ${reopening}, for ${args.seconds} s; a new client every 250 ms from 127.0.0.2 and from 127.0.0.1, 1 s to answer`);
        for (const s of list) await slowLoris(s, zone, args, reconnectMs);
      }
    }
    if (args.only !== 'loris') {
      console.log(`Never reading: ${args.queries.toLocaleString('en')} pipelined queries for a 5.3 KB TXT answer on one connection, never read`);
      for (const s of list) await memory(s, zone, args);
    }
  } finally {
    await stopAll();
  }
}

runBench(module, main);
