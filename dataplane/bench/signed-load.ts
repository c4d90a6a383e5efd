/**
 * `npm run build && node dist/dataplane/bench/signed-load.js`: the time and memory to load a signed zone of N names (NSEC3, RFC
 * 9276 parameters, one ECDSAP256SHA256 CSK: an A, an NSEC3 and two RRSIGs per name, 4N records)
 * the two ways a signed zone is loaded:
 * - from store text, as a cloud pod and the control server do (`zoneOf` of store/snapshot.ts:
 *   read the master-file text, build, order the denial chain), in a child process: seconds and
 *   peak memory (VmHWM);
 * - `dnsfleet serve` on a manifest that `$INCLUDE`s the zone file: seconds from start to the first
 *   answer, VmHWM and RSS after it, and one DO query checked.
 *
 * The signed zone file is made once (signed in a child with a larger heap, with the worker pool)
 * and kept at `--file` for the next runs; the loads run with node's default heap, as a pod does. With `--before DIR` (a `dist/` built from another commit) both are measured with
 * that build too, in the same run, and the ratios printed.
 *
 * Options: --names N (default 1,000,000), --file PATH, --before DIR, --skip-serve.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { ZoneBuilder } from '../zone/zone-builder';
import type { Zone } from '../zone/zone';
import { Algorithm, KSK_FLAGS, generateKey } from '../dnssec/keys';
import { planSigning, assembleSignedZone } from '../dnssec/signzone';
import { nsec3RRsets } from '../dnssec/nsec3';
import { SigningPool } from '../signing/signing-pool';
import { zoneText } from '../testkit/zone-text';
import { start, waitFor, freePort } from '../testkit/processes';
import { query } from '../testkit/dns-client';
import { runBench } from './run-bench';

/* eslint-disable @typescript-eslint/no-require-imports */

const ORIGIN = 'signed-load.test.';
/** The heap of the child that makes the signed zone (MiB). */
const MAKE_HEAP_MIB = 12288;

interface LoadResult {
  readonly seconds: number;
  /** CPU seconds of the process (all its threads: GC helpers too): steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  readonly hwmMiB: number;
  readonly records: number;
  /** After the load, the zone alive (the text too): resident, V8 heap used, and octets outside the heap (the rdata slabs). */
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly externalMiB: number;
}

interface ServeResult {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly hwmMiB: number;
  readonly rssMiB: number;
  readonly check: string;
}

function status(pid: number | 'self'): { hwm: number; rss: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { hwm: Number(/VmHWM:\s+(\d+)/.exec(text)?.[1] ?? 0) / 1024, rss: Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? 0) / 1024 };
}

/** Signs a zone of `names` names and writes it as master-file text. */
async function makeZone(file: string, names: number): Promise<void> {
  const origin = Name.fromText(ORIGIN);
  const b = new ZoneBuilder(origin);
  const ns = Name.fromText(`ns1.${ORIGIN}`);
  b.add({ owner: origin, type: RRType.SOA, ttl: 3600, rdata: new Uint8Array([...ns.toWire(), ...Name.fromText(`hostmaster.${ORIGIN}`).toWire(), 0, 0, 0, 1, 0, 0, 14, 16, 0, 0, 3, 132, 0, 18, 117, 0, 0, 0, 1, 44]) });
  b.add({ owner: origin, type: RRType.NS, ttl: 3600, rdata: ns.toWire() });
  b.add({ owner: ns, type: RRType.A, ttl: 3600, rdata: new Uint8Array([192, 0, 2, 1]) });
  for (let i = 0; i < names - 2; i++) b.add({ owner: Name.fromText(`h${i}.${ORIGIN}`), type: RRType.A, ttl: 3600, rdata: new Uint8Array([10, (i >> 16) & 255, (i >> 8) & 255, i & 255]) });
  const zone = b.build();
  const pool = new SigningPool();
  try {
    const keys = [{ key: generateKey(Algorithm.ECDSAP256SHA256, { flags: KSK_FLAGS }), role: 'CSK' as const }];
    const denial = (z: Zone) => {
      const { nsec3, nsec3param } = nsec3RRsets(z);
      return [...nsec3, nsec3param];
    };
    const plan = planSigning(zone, keys, { now: Math.floor(Date.now() / 1000), validity: 30 * 86400, dnskeyTtl: 3600, denial });
    const signed = assembleSignedZone(plan, await pool.sign(plan));
    writeFileSync(file, zoneText(signed));
  } finally {
    await pool.close();
  }
}

/** In a child: the store path of the build at `root`. */
function childLoad(root: string, file: string): LoadResult {
  const { zoneOf } = require(join(root, 'dataplane/store/snapshot')) as { zoneOf(s: { origin: string; text: string }): { recordCount: number } };
  const text = readFileSync(file, 'latin1');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const zone = zoneOf({ origin: ORIGIN, text });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const memory = process.memoryUsage();
  const mib = (n: number): number => n / 1048576;
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, hwmMiB: status('self').hwm, records: zone.recordCount, rssMiB: mib(memory.rss), heapMiB: mib(memory.heapUsed), externalMiB: mib(memory.external) };
}

function load(root: string, file: string): LoadResult {
  const r = spawnSync(process.execPath, [__filename, '--child-load', root, '--file', file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`load with ${root}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as LoadResult;
}

async function serve(root: string, dir: string): Promise<ServeResult> {
  const port = await freePort();
  const started = performance.now();
  const server = start(process.execPath, [join(root, 'cli/main.js'), 'serve', '-f', dir, '--listen', `127.0.0.1:${port}`, '--no-watch']);
  try {
    await waitFor(
      'the signed zone to answer',
      async () => {
        const r = await query('127.0.0.1', port, ORIGIN, 'SOA', { timeoutMs: 500 });
        return (r.packet.answers?.length ?? 0) > 0;
      },
      600_000,
    );
    const seconds = (performance.now() - started) / 1000;
    const { hwm, rss } = status(server.process.pid!);
    // /proc/PID/stat fields 14 and 15: user and system time in clock ticks (100 a second on Linux).
    const stat = readFileSync(`/proc/${server.process.pid!}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
    const nx = await query('127.0.0.1', port, `nothere.${ORIGIN}`, 'A', { dnssecOk: true, timeoutMs: 5000 });
    const authority = (nx.packet.authorities ?? []) as Array<{ type: string }>;
    const check = `NXDOMAIN with DO: rcode ${(nx.packet as { rcode?: string }).rcode}, ${authority.filter((a) => a.type === 'NSEC3').length} NSEC3, ${authority.filter((a) => a.type === 'RRSIG').length} RRSIG`;
    return { seconds, cpuSeconds, hwmMiB: hwm, rssMiB: rss, check };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'child-load': { type: 'string' },
      'child-make': { type: 'boolean', default: false },
      names: { type: 'string', default: '1000000' },
      file: { type: 'string' },
      before: { type: 'string' },
      'skip-serve': { type: 'boolean', default: false },
    },
  });
  const names = Number(values.names);
  const file = resolve(values.file ?? `/tmp/dnsfleet-signed-load-${names}.db`);
  if (values['child-load']) {
    console.log(JSON.stringify(childLoad(values['child-load'], file)));
    return;
  }
  if (values['child-make']) return makeZone(file, names);
  const here = resolve(__dirname, '..', '..');
  console.log(`bench:signed-load — ${names.toLocaleString('en')} names signed (NSEC3, ECDSAP256SHA256); node ${process.version}, ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (!existsSync(file)) {
    const t0 = performance.now();
    // In a child with a larger heap: making the zone holds the unsigned zone, the plan, the signed
    // zone and its text at once (1,000,000 names run out of node's default 4 GiB heap). The loads
    // measured below run with the default heap, as a pod does.
    const made = spawnSync(process.execPath, [`--max-old-space-size=${MAKE_HEAP_MIB}`, __filename, '--child-make', '--names', String(names), '--file', file], { stdio: 'inherit' });
    if (made.status !== 0) throw new Error(`making the signed zone of ${names} names failed (exit ${made.status ?? made.signal})`);
    console.log(`signed zone written to ${file} in ${((performance.now() - t0) / 1000).toFixed(1)} s (kept for the next runs)`);
  }
  const builds: Array<[string, string]> = values.before ? [['before', resolve(values.before)], ['this build', here]] : [['this build', here]];
  const loads = builds.map(([label, root]) => [label, load(root, file)] as const);
  for (const [label, r] of loads) console.log(`store text -> zone (${label}): ${r.seconds.toFixed(1)} s (${r.cpuSeconds.toFixed(1)} CPU s), peak ${r.hwmMiB.toFixed(0)} MiB, ${r.records.toLocaleString('en')} records; after it resident ${r.rssMiB.toFixed(0)} MiB, heap used ${r.heapMiB.toFixed(0)} MiB, outside the heap ${r.externalMiB.toFixed(0)} MiB`);
  if (loads.length === 2) console.log(`RESULT store load: ${(loads[0]![1].seconds / loads[1]![1].seconds).toFixed(2)}x faster (${(loads[0]![1].cpuSeconds / loads[1]![1].cpuSeconds).toFixed(2)}x less CPU), ${(loads[1]![1].hwmMiB / loads[0]![1].hwmMiB).toFixed(2)}x the peak memory`);
  if (values['skip-serve']) return;
  const dir = join('/tmp', `dnsfleet-signed-load-serve-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  // serve includes files of the manifest's directory only, and no link out of it: a hard link, or a copy.
  if (!existsSync(join(dir, 'signed.db'))) {
    try {
      linkSync(file, join(dir, 'signed.db'));
    } catch {
      copyFileSync(file, join(dir, 'signed.db'));
    }
  }
  writeFileSync(join(dir, 'zone.yaml'), `apiVersion: dnsfleet.io/v1alpha1\nkind: Zone\nmetadata:\n  name: signed-load\nspec:\n  zoneName: ${ORIGIN.replace(/\.$/, '')}\n  zoneFile: |\n    $INCLUDE signed.db\n`);
  const served: Array<[string, ServeResult]> = [];
  for (const [label, root] of builds) {
    const r = await serve(root, dir);
    served.push([label, r]);
    console.log(`dnsfleet serve (${label}): first answer after ${r.seconds.toFixed(1)} s (${r.cpuSeconds.toFixed(1)} CPU s), peak ${r.hwmMiB.toFixed(0)} MiB, resident ${r.rssMiB.toFixed(0)} MiB; ${r.check}`);
  }
  if (served.length === 2) console.log(`RESULT serve: ${(served[0]![1].seconds / served[1]![1].seconds).toFixed(2)}x faster to the first answer (${(served[0]![1].cpuSeconds / served[1]![1].cpuSeconds).toFixed(2)}x less CPU), ${(served[1]![1].hwmMiB / served[0]![1].hwmMiB).toFixed(2)}x the peak memory`);
  rmSync(dir, { recursive: true, force: true });
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

runBench(module, main);
