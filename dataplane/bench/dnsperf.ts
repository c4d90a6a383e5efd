/**
 * `npm run bench`: dnsfleet against NSD, measured in the same run on the same machine.
 *
 * Part 1, throughput: a zone of 10,000 names and a query mix of hits (70%), NXDOMAINs (15%) and
 * NODATAs (15%), served by NSD (one server process, RRL off, minimal responses like dnsfleet), by
 * Knot (one UDP worker) and by `dnsfleet serve` (one process; batched UDP I/O, and again with
 * node:dgram, its fallback), loaded by dnsperf on loopback. Rounds alternate between the servers.
 * A last server, a node:dgram socket that sends a fixed response of the same average size for
 * every query, shows the ceiling of any Node.js server built on node:dgram.
 *
 * Besides QPS, each round prints the server's CPU time (user + system, all its processes and
 * threads) per answered query: on a shared machine QPS follows whatever else runs, CPU per query
 * much less. Ratios are medians over rounds of the two servers' figures in the same round.
 *
 * Part 2, signed (issue 11): the same 10,000 names signed by our signer (dataplane/dnssec/: one
 * ECDSAP256SHA256 CSK, NSEC3 after RFC 9276: no salt, no extra iterations), written once as a zone
 * file whose text NSD and `dnsfleet serve` are both given; the same query mix with the DO bit
 * (dnsperf -D), so hits carry RRSIGs and NXDOMAINs and NODATAs NSEC3 proofs. dnsfleet against NSD.
 *
 * Part 3, size: a zone of 1,000,000 records: time until `dnsfleet serve` answers, and its peak
 * memory (VmHWM).
 *
 * Options: --seconds N (per round, default 10), --rounds N (default 2), --skip-large, --skip-qps,
 * --skip-signed,
 * --pin (servers on CPU 1, dnsperf on CPU 0: for an otherwise idle machine), --rate N (dnsperf -Q:
 * the same offered load for every server), --compare PATH (another build's dist/cli/main.js,
 * measured in the same rounds: A/B), --rrl (also `dnsfleet serve` with response rate limiting on
 * at a rate nobody reaches, `--rrl-rate 1000000`: what RRL costs the fast path, issue 15).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Name } from '../dns/name';
import { Algorithm, KSK_FLAGS, generateKey } from '../dnssec/keys';
import { signZone } from '../dnssec/signzone';
import { nsec3RRsets } from '../dnssec/nsec3';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDnsfleet, startNsd, zoneManifest, CLI } from '../testkit/peers';
import { zoneOf, zoneText } from '../testkit/zone-text';
import type { Zone } from '../zone/zone';
import { freePort, run, start, stopAll, tempDir, waitFor, type Started } from '../testkit/processes';
import { buildQuery, exchangeUdp, query, rcodeOf } from '../testkit/dns-client';
import { runBench } from './run-bench';

const ORIGIN = 'bench.test.';

interface Args {
  seconds: number;
  rounds: number;
  skipLarge: boolean;
  skipQps: boolean;
  skipSigned: boolean;
  pin: boolean;
  /** Another build of dnsfleet (its dist/cli/main.js), measured in the same rounds: A/B runs. */
  compare?: string;
  /** dnsperf -Q: a fixed offered load, so that CPU per query is compared at the same rate. */
  rate?: number;
  /** Also dnsfleet with RRL on and nobody limited. */
  rrl: boolean;
}

/** Far above what one client network asks of one bucket here: RRL does all its work and limits nothing. */
const UNREACHED_RRL_RATE = '1000000';
const RRL_LABEL = 'dnsfleet serve --rrl-rate 1e6';

function parse(): Args {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '2' },
      'skip-large': { type: 'boolean', default: false },
      'skip-qps': { type: 'boolean', default: false },
      'skip-signed': { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false },
      compare: { type: 'string' },
      rate: { type: 'string' },
      rrl: { type: 'boolean', default: false },
    },
  });
  const positive = (flag: string, text: string | undefined): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a whole number of at least 1, not "${text}"`);
    return n;
  };
  return {
    seconds: positive('seconds', values.seconds),
    rounds: positive('rounds', values.rounds),
    skipLarge: !!values['skip-large'],
    skipQps: !!values['skip-qps'],
    skipSigned: !!values['skip-signed'],
    pin: !!values.pin,
    compare: values.compare,
    rate: values.rate === undefined ? undefined : positive('rate', values.rate),
    rrl: !!values.rrl,
  };
}

/** A deterministic pseudo-random sequence, so every run asks the same questions. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const TYPES = ['A', 'AAAA', 'MX', 'TXT'] as const;

export function benchZone(names: number): string {
  const lines = [`$ORIGIN ${ORIGIN}`, '$TTL 300', '@ SOA ns1 hostmaster 1 3600 600 86400 300', '@ NS ns1', 'ns1 A 192.0.2.1'];
  for (let i = 0; i < names; i++) {
    switch (i % 4) {
      case 0:
        lines.push(`host${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
        break;
      case 1:
        lines.push(`host${i} AAAA 2001:db8::${i.toString(16)}`);
        break;
      case 2:
        lines.push(`host${i} MX 10 mail${i}`);
        break;
      default:
        lines.push(`host${i} TXT "v=spf1 include:_spf${i}.example -all"`);
    }
  }
  return lines.join('\n') + '\n';
}

export function queryMix(names: number, count: number): string {
  const rnd = lcg(42);
  const out: string[] = [];
  for (let j = 0; j < count; j++) {
    const r = rnd();
    const i = Math.floor(rnd() * names);
    if (r < 0.7) out.push(`host${i}.${ORIGIN} ${TYPES[i % 4]}`);
    else if (r < 0.85) out.push(`nx${i}-${j}.${ORIGIN} A`);
    else out.push(`host${i}.${ORIGIN} ${TYPES[(i + 1) % 4]}`);
  }
  return out.join('\n') + '\n';
}

interface Round {
  qps: number;
  completed: number;
  lost: number;
  /** CPU time of the server's processes (all threads, user + system) per answered query, in µs. */
  serverUsPerQuery: number;
  /** The server's CPU time over the round's wall time: 1.0 is one core kept busy. */
  serverCores: number;
  /** The same for dnsperf: near 1.0 when pinned means the load generator is the limit. */
  dnsperfCores: number;
  /** dnsperf's average response size and its response codes: the servers must give the same answers. */
  responseBytes: number;
  rcodes: string;
}

const TICK_US = 10_000; // USER_HZ = 100 on Linux, so /proc times are in 10 ms ticks

/** The process and all its descendants (NSD forks a server process and xfrd). */
function processTree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) parent.set(Number(entry), Number(stat[1]));
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parent) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

/** Fields of /proc/PID/stat after the command name (state is [0], ppid [1], utime [11], stime [12]). */
function readStat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // exited meanwhile
  }
}

/** User + system CPU time of the processes (all their threads), in µs. */
function cpuUs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = readStat(pid);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * TICK_US;
}

/**
 * `-c 2 -q 100`: two clients (sockets), at most 100 queries in flight, for every server alike.
 * `dnssecOk`: every query with EDNS and the DO bit (`-D`).
 */
async function dnsperf(port: number, file: string, seconds: number, server: readonly number[], args: Args, dnssecOk = false): Promise<Round> {
  const perfArgs = ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-c', '2', '-q', '100', '-l', String(seconds)];
  if (dnssecOk) perfArgs.push('-D');
  if (args.rate) perfArgs.push('-Q', String(args.rate));
  const pin = args.pin;
  // sh's `times` prints the CPU time of the shell's children (dnsperf) as its last line.
  const command = `${pin ? `taskset -c ${LOADGEN_CPU} ` : ''}dnsperf "$@"; code=$?; times; exit $code`;
  const before = cpuUs(server);
  const started = process.hrtime.bigint();
  const out = await run('sh', ['-c', command, 'sh', ...perfArgs], { timeoutMs: (seconds + 30) * 1000 });
  const wallUs = Number(process.hrtime.bigint() - started) / 1000;
  const serverUs = cpuUs(server) - before;
  const qps = /Queries per second:\s+([\d.]+)/.exec(out.stdout);
  const completed = /Queries completed:\s+(\d+)/.exec(out.stdout);
  const lost = /Queries lost:\s+(\d+)/.exec(out.stdout);
  if (!qps || !completed || out.code !== 0) throw new Error(`dnsperf printed no result:\n${out.stdout}\n${out.stderr}`);
  const times = out.stdout.trim().split('\n').pop()!.match(/(\d+)m([\d.]+)s/g) ?? [];
  const perfUs = times.reduce((sum, t) => {
    const [, m, s] = /(\d+)m([\d.]+)s/.exec(t)!;
    return sum + (Number(m) * 60 + Number(s)) * 1e6;
  }, 0);
  const n = Number(completed[1]);
  const size = /Average packet size:\s+request \d+, response (\d+)/.exec(out.stdout);
  const rcodes = /Response codes:\s+(.*)/.exec(out.stdout)?.[1] ?? '';
  return {
    qps: Number(qps[1]),
    completed: n,
    lost: Number(lost?.[1] ?? 0),
    serverUsPerQuery: serverUs / n,
    serverCores: serverUs / wallUs,
    dnsperfCores: perfUs / wallUs,
    responseBytes: Number(size?.[1] ?? 0),
    // Counts differ with the queries completed; the shares must not.
    rcodes: rcodes.replace(/ \d+ \(/g, ' ('),
  };
}

/**
 * Knot DNS as a second reference: unlike Debian's NSD (built with --disable-recvmmsg, `nsd -v`)
 * it reads and writes UDP in batches (recvmmsg/sendmmsg), as dnsfleet's batched I/O does. One
 * UDP worker, so that it answers on one thread like the others.
 */
async function startKnot(zone: { name: string; text: string }, dir: string): Promise<{ port: number; process: Started; stop(): Promise<void> }> {
  const port = await freePort();
  writeFileSync(join(dir, 'bench.zone'), zone.text);
  writeFileSync(
    join(dir, 'knot.conf'),
    `server:
  listen: 127.0.0.1@${port}
  rundir: "${dir}"
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
` +
      `log:
  - target: stderr
    any: warning
database:
  storage: "${dir}"
` +
      `zone:
  - domain: ${zone.name}
    storage: "${dir}"
    file: bench.zone
    journal-content: none
    zonefile-sync: -1
`,
  );
  const p = start('knotd', ['-c', join(dir, 'knot.conf')]);
  await waitFor('Knot to answer', async () => (await exchangeUdp('127.0.0.1', port, buildQuery(`host0.${ORIGIN}`, 'A'), 300)).length > 0);
  return { port, process: p, stop: () => p.stop() };
}

/** A node:dgram server that answers every query with one fixed response: the floor of that API. */
async function startNodeFloor(responseSize: number): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const script = `
    const dgram = require('node:dgram');
    const { Buffer } = require('node:buffer'); // the global Buffer is an accessor: a getter call each use
    const s = dgram.createSocket({ type: 'udp4', lookup: (h, o, cb) => cb(null, h, 4) });
    const fixed = Buffer.alloc(${responseSize});
    s.on('message', (m, r) => { const o = Buffer.allocUnsafe(fixed.length); fixed.copy(o); o[0] = m[0]; o[1] = m[1]; o[2] = 0x84; o[5] = 1; s.send(o, r.port, r.address); });
    s.bind(${port}, '127.0.0.1', () => { try { s.setRecvBufferSize(4 << 20); s.setSendBufferSize(4 << 20); } catch {} });`;
  const p = start(process.execPath, ['-e', script]);
  await waitFor('the Node.js floor to answer', async () => (await exchangeUdp('127.0.0.1', port, buildQuery(`host0.${ORIGIN}`, 'A'), 300)).length > 0);
  return { port, pid: p.process.pid!, stop: () => p.stop() };
}

/** With --pin: the servers on one core, dnsperf on the other, so they never take turns on a core. */
const SERVER_CPU = 1;
const LOADGEN_CPU = 0;

async function pinTo(cpu: number, pids: readonly number[]): Promise<void> {
  for (const pid of pids) {
    const out = await run('taskset', ['-a', '-p', '-c', String(cpu), String(pid)]);
    if (out.code !== 0) throw new Error(`taskset failed for ${pid}: ${out.stderr}`);
  }
}

interface Target {
  readonly label: string;
  readonly port: number;
  /** The server's processes, whose CPU time is counted. */
  readonly pids: readonly number[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `signed`: the signed zone, queries with the DO bit; the RESULT line says so. */
async function measure(args: Args, queries: string, names: number, servers: readonly Target[], signed = false): Promise<void> {
  const pinning = args.pin ? `, servers pinned to CPU ${SERVER_CPU} and dnsperf to CPU ${LOADGEN_CPU}` : ', not pinned';
  const rate = args.rate ? ` -Q ${args.rate}` : '';
  const what = signed ? 'signed (NSEC3, ECDSAP256SHA256 CSK) zone of ' : '';
  const flag = signed ? ' -D' : '';
  console.log(`${signed ? 'signed throughput' : 'throughput'}: ${what}${names} names, query mix 70% hit / 15% NXDOMAIN / 15% NODATA, dnsperf -c 2 -q 100${flag}${rate} -l ${args.seconds}, ${args.rounds} rounds${pinning}`);
  console.log('  "CPU" is the server\'s user + system time per answered query; "cores" its CPU time over wall time.');
  for (const s of servers) {
    const warm = await dnsperf(s.port, queries, 2, s.pids, args, signed); // warm-up: caches, JIT
    console.log(`  ${s.label.padEnd(30)} answers: average ${warm.responseBytes} bytes, ${warm.rcodes}`);
  }
  const rounds = new Map<string, Round[]>(servers.map((s) => [s.label, []]));
  for (let round = 1; round <= args.rounds; round++) {
    for (const s of servers) {
      const r = await dnsperf(s.port, queries, args.seconds, s.pids, args, signed);
      rounds.get(s.label)!.push(r);
      console.log(
        `  round ${round}  ${s.label.padEnd(30)} ${r.qps.toFixed(0).padStart(8)} QPS  lost ${String(r.lost).padEnd(4)}` +
          `  CPU ${r.serverUsPerQuery.toFixed(2).padStart(5)} µs/query  server ${r.serverCores.toFixed(2)} cores  dnsperf ${r.dnsperfCores.toFixed(2)} cores`,
      );
    }
  }
  // Ratios within a round compare servers measured seconds apart, under the same background load.
  const nsd = rounds.get(servers[0]!.label)!;
  console.log('\n  server                          best QPS  median QPS  median ratio  median CPU µs/query  NSD µs / server µs');
  for (const s of servers) {
    const rs = rounds.get(s.label)!;
    const best = Math.max(...rs.map((r) => r.qps));
    const ratio = median(rs.map((r, i) => r.qps / nsd[i]!.qps));
    const us = median(rs.map((r) => r.serverUsPerQuery));
    const cpuRatio = median(rs.map((r, i) => nsd[i]!.serverUsPerQuery / r.serverUsPerQuery));
    console.log(
      `  ${s.label.padEnd(30)} ${best.toFixed(0).padStart(9)} ${median(rs.map((r) => r.qps)).toFixed(0).padStart(11)}` +
        `  ${ratio.toFixed(2).padStart(11)}x  ${us.toFixed(2).padStart(19)}  ${cpuRatio.toFixed(2).padStart(17)}x`,
    );
  }
  const fleet = rounds.get('dnsfleet serve')!;
  const withRrl = rounds.get(RRL_LABEL);
  if (withRrl) {
    const rrlQps = median(withRrl.map((r, i) => r.qps / fleet[i]!.qps));
    const rrlCpu = median(withRrl.map((r, i) => r.serverUsPerQuery / fleet[i]!.serverUsPerQuery));
    console.log(`\nRESULT RRL on (nobody limited)/off = ${rrlQps.toFixed(3)}x QPS, ${rrlCpu.toFixed(3)}x CPU per query (medians of rounds)`);
  }
  const qpsRatio = median(fleet.map((r, i) => r.qps / nsd[i]!.qps));
  const cpuRatio = median(fleet.map((r, i) => nsd[i]!.serverUsPerQuery / r.serverUsPerQuery));
  const perfBusy = median(nsd.map((r) => r.dnsperfCores));
  console.log(`\nRESULT dnsfleet/NSD${signed ? ' signed' : ''} = ${qpsRatio.toFixed(2)}x QPS (median of rounds; goal 0.80x), ${cpuRatio.toFixed(2)}x queries per CPU-second`);
  // When dnsperf keeps its core busy, QPS says how fast dnsperf is; CPU per query still compares the servers.
  if (perfBusy > 0.85) console.log(`  note: dnsperf kept ${perfBusy.toFixed(2)} cores busy against NSD: QPS near that is dnsperf's limit as much as the servers'`);
}

async function throughput(args: Args): Promise<void> {
  const dir = tempDir('bench');
  try {
    const names = 10_000;
    const zone = { name: ORIGIN, text: benchZone(names) };
    const queries = join(dir.path, 'queries.txt');
    writeFileSync(queries, queryMix(names, 50_000));
    // Every server started is stopped in `finally`, also when dnsperf fails half-way.
    const stops: Array<() => Promise<void>> = [];
    try {
      // Minimal responses on both sides: the same answers, byte for byte in size (checked below).
      const nsd = await startNsd([zone], { minimalResponses: true });
      stops.push(() => nsd.stop());
      const knotDir = tempDir('bench-knot');
      const knot = await startKnot(zone, knotDir.path);
      stops.push(async () => {
        await knot.stop();
        knotDir.remove();
      });
      // --udp-io batched: refuses to start without the addon, so the figure is never the fallback's.
      const fleet = await startDnsfleet([zone], ['--no-watch', '--udp-io', 'batched']);
      stops.push(() => fleet.stop());
      const fallback = await startDnsfleet([zone], ['--no-watch', '--udp-io', 'dgram']);
      stops.push(() => fallback.stop());
      // The floor answers with dnsfleet's average response size.
      const sample = await dnsperf(fleet.port, queries, 1, [], args);
      const floor = await startNodeFloor(sample.responseBytes);
      stops.push(() => floor.stop());
      const servers: Target[] = [
        { label: 'NSD 4.6 (1 process)', port: nsd.port, pids: processTree(nsd.process.process.pid!) },
        { label: 'Knot 3.2 (1 UDP worker)', port: knot.port, pids: processTree(knot.process.process.pid!) },
        { label: 'dnsfleet serve', port: fleet.port, pids: processTree(fleet.process.process.pid!) },
        { label: 'dnsfleet serve --udp-io dgram', port: fallback.port, pids: processTree(fallback.process.process.pid!) },
        { label: 'node:dgram fixed-response floor', port: floor.port, pids: processTree(floor.pid) },
      ];
      if (args.compare) {
        const other = await startDnsfleet([zone], ['--no-watch'], { cli: resolve(args.compare) });
        stops.push(() => other.stop());
        servers.push({ label: 'dnsfleet serve (--compare)', port: other.port, pids: processTree(other.process.process.pid!) });
      }
      if (args.rrl) {
        const limited = await startDnsfleet([zone], ['--no-watch', '--udp-io', 'batched', '--rrl-rate', UNREACHED_RRL_RATE]);
        stops.push(() => limited.stop());
        servers.push({ label: RRL_LABEL, port: limited.port, pids: processTree(limited.process.process.pid!) });
      }
      if (args.pin) for (const s of servers) await pinTo(SERVER_CPU, s.pids);
      await measure(args, queries, names, servers);
    } finally {
      await Promise.all(stops.map((stop) => stop()));
    }
  } finally {
    dir.remove();
  }
}

/**
 * The bench zone signed by dataplane/dnssec/: one ECDSAP256SHA256 CSK, NSEC3 with RFC 9276's
 * parameters (SHA-1, no extra iterations, no salt, no opt-out), signatures valid for 14 days.
 */
export function signedBenchZone(names: number, now = Math.floor(Date.now() / 1000)): { text: string; records: number; seconds: number } {
  const started = process.hrtime.bigint();
  const origin = Name.fromText(ORIGIN);
  const keys = [{ key: generateKey(Algorithm.ECDSAP256SHA256, { flags: KSK_FLAGS }), role: 'CSK' as const }];
  const denial = (zone: Zone) => {
    const { nsec3, nsec3param } = nsec3RRsets(zone);
    return [...nsec3, nsec3param];
  };
  const signed = signZone(zoneOf(benchZone(names), origin), keys, { now, validity: 14 * 86400, jitter: 3600, dnskeyTtl: 3600, denial });
  const text = zoneText(signed);
  const records = text.split('\n').length - 2; // less $ORIGIN and the empty last line
  return { text, records, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** RRSIGs, NSEC3s and the rcode of one DO answer: that the server gives the proofs it must. */
async function dnssecSample(port: number, name: string, type: string): Promise<string> {
  const reply = await query('127.0.0.1', port, name, type, { dnssecOk: true, edns: 4096 });
  const all = [...(reply.packet.answers ?? []), ...(reply.packet.authorities ?? [])];
  const count = (t: string) => all.filter((r) => r.type === t).length;
  return `${rcodeOf(reply)}, ${count('RRSIG')} RRSIG, ${count('NSEC3')} NSEC3, ${reply.raw.length} bytes`;
}

async function signedThroughput(args: Args): Promise<void> {
  const dir = tempDir('bench-signed');
  try {
    const names = 10_000;
    const signed = signedBenchZone(names);
    // One signed zone file; NSD and dnsfleet are given its text, byte for byte the same.
    const file = join(dir.path, 'bench.signed.zone');
    writeFileSync(file, signed.text);
    const zone = { name: ORIGIN, text: readFileSync(file, 'utf8') };
    console.log(`\nsigned zone: ${signed.records.toLocaleString('en')} records (${names} names signed, NSEC3 chain) in ${signed.seconds.toFixed(1)} s`);
    const queries = join(dir.path, 'queries.txt');
    writeFileSync(queries, queryMix(names, 50_000));
    const stops: Array<() => Promise<void>> = [];
    try {
      const nsd = await startNsd([zone], { minimalResponses: true });
      stops.push(() => nsd.stop());
      const fleet = await startDnsfleet([zone], ['--no-watch', '--udp-io', 'batched']);
      stops.push(() => fleet.stop());
      const servers: Target[] = [
        { label: 'NSD 4.6 (1 process)', port: nsd.port, pids: processTree(nsd.process.process.pid!) },
        { label: 'dnsfleet serve', port: fleet.port, pids: processTree(fleet.process.process.pid!) },
      ];
      if (args.compare) {
        const other = await startDnsfleet([zone], ['--no-watch'], { cli: resolve(args.compare) });
        stops.push(() => other.stop());
        servers.push({ label: 'dnsfleet serve (--compare)', port: other.port, pids: processTree(other.process.process.pid!) });
      }
      // Before measuring: one DO answer of each kind from each server, with its RRSIGs and proofs.
      const samples: Array<[string, string, string]> = [
        ['hit', `host0.${ORIGIN}`, 'A'],
        ['NXDOMAIN', `nx-check.${ORIGIN}`, 'A'],
        ['NODATA', `host0.${ORIGIN}`, 'AAAA'],
      ];
      for (const s of servers) {
        const parts: string[] = [];
        for (const [kind, name, type] of samples) parts.push(`${kind}: ${await dnssecSample(s.port, name, type)}`);
        console.log(`  ${s.label.padEnd(30)} DO check  ${parts.join('; ')}`);
      }
      if (args.pin) for (const s of servers) await pinTo(SERVER_CPU, s.pids);
      await measure(args, queries, names, servers, true);
    } finally {
      await Promise.all(stops.map((stop) => stop()));
    }
  } finally {
    dir.remove();
  }
}

async function largeZone(): Promise<void> {
  const dir = tempDir('bench-large');
  try {
    const origin = 'large.test.';
    const lines = [`$ORIGIN ${origin}`, '$TTL 300', '@ SOA ns1 hostmaster 1 3600 600 86400 300', '@ NS ns1', 'ns1 A 192.0.2.1'];
    for (let i = 0; i < 500_000; i++) lines.push(`h${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `h${i} TXT "record ${i}"`);
    const records = lines.length - 2;
    writeFileSync(join(dir.path, 'large.yaml'), zoneManifest({ name: origin, text: lines.join('\n') }));
    const port = await freePort();
    const started = Date.now();
    const server = start(process.execPath, [CLI, 'serve', '-f', dir.path, '--listen', `127.0.0.1:${port}`, '--no-watch']);
    try {
      await waitFor('the large zone to answer', async () => {
        const r = await query('127.0.0.1', port, origin, 'SOA', { timeoutMs: 500 });
        return (r.packet.answers?.length ?? 0) > 0;
      }, 300_000);
      const seconds = (Date.now() - started) / 1000;
      const status = readFileSync(`/proc/${server.process.pid}/status`, 'utf8');
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      console.log(`\nlarge zone: ${records.toLocaleString('en')} records (500,000 names, A + TXT) in one manifest`);
      console.log(`  time from start to first answer: ${seconds.toFixed(1)} s`);
      console.log(`  peak memory (VmHWM): ${hwm.toFixed(0)} MiB; resident after load: ${rss.toFixed(0)} MiB`);
      const sample = await query('127.0.0.1', port, `h123456.${origin}`, 'TXT');
      console.log(`  check: h123456 TXT answers ${JSON.stringify((sample.packet.answers?.[0] as { data?: Buffer[] })?.data?.map(String))}`);
    } finally {
      await server.stop();
    }
  } finally {
    dir.remove();
  }
}

async function main(): Promise<void> {
  const args = parse();
  try {
    if (!args.skipQps) await throughput(args);
    if (!args.skipSigned) await signedThroughput(args);
    if (!args.skipLarge) await largeZone();
  } finally {
    await stopAll();
  }
}

runBench(module, main);
