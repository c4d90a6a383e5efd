/**
 * `npm run build && node dist/dataplane/bench/sign-incremental.js`: what one small change costs the ZoneSigner
 * (dataplane/signing/zone-signer.ts) in a signed zone of 1,000,000 records (NSEC3, RFC 9276
 * parameters, one ECDSAP256SHA256 CSK): the zone is signed once, then each round changes one A
 * record and the SOA serial (a ZoneUpdate, as a dynamic update or an IXFR does) and times
 * `sign()` of the new version: ms per sign(), p50 and max.
 *
 * With `--before DIR` (a `dist/` directory built from another commit, e.g. the commit before the
 * incremental signer) the same is measured with that build's modules, in a child process of the
 * same run, and the ratio printed. Each implementation runs in its own process (its own heap).
 *
 * Options: --records N (default 1,000,000), --rounds N (default 20), --before-rounds N (default 3),
 * --threads N, --before DIR.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { resolve, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { runBench } from './run-bench';

/* eslint-disable @typescript-eslint/no-require-imports */

interface Result {
  readonly first: number;
  readonly times: number[];
  readonly records: number;
  readonly heapMiB: number;
}

/** In a child: signs with the modules of the build at `root`. */
async function child(root: string, records: number, rounds: number, threads: number): Promise<Result> {
  const load = (m: string): Record<string, any> => require(join(root, 'dataplane', m));
  const { Name } = load('dns/name');
  const { RRType } = load('dns/constants');
  const { ZoneBuilder } = load('zone/zone-builder');
  const { ZoneUpdate } = load('zone/zone-update');
  const { Algorithm, KSK_FLAGS, generateKey, keyTag } = load('dnssec/keys');
  const { SigningPool } = load('signing/signing-pool');
  const { ZoneSigner } = load('signing/zone-signer');
  const origin = Name.fromText('inc-bench.test.');
  const b = new ZoneBuilder(origin);
  const soa = (serial: number): Uint8Array =>
    new Uint8Array([...Name.fromText('ns1.inc-bench.test.').toWire(), ...Name.fromText('hostmaster.inc-bench.test.').toWire(), serial >>> 24, (serial >>> 16) & 255, (serial >>> 8) & 255, serial & 255, 0, 0, 14, 16, 0, 0, 3, 132, 0, 18, 117, 0, 0, 0, 1, 44]);
  b.add({ owner: origin, type: RRType.SOA, ttl: 3600, rdata: soa(1) });
  b.add({ owner: origin, type: RRType.NS, ttl: 3600, rdata: Name.fromText('ns1.inc-bench.test.').toWire() });
  b.add({ owner: Name.fromText('ns1.inc-bench.test.'), type: RRType.A, ttl: 3600, rdata: new Uint8Array([192, 0, 2, 1]) });
  for (let i = 0; i < records - 3; i++) b.add({ owner: Name.fromText(`h${i}.inc-bench.test.`), type: RRType.A, ttl: 3600, rdata: new Uint8Array([10, (i >> 16) & 255, (i >> 8) & 255, i & 255]) });
  let zone = b.build();
  const key = generateKey(Algorithm.ECDSAP256SHA256, { flags: KSK_FLAGS });
  const order = {
    parameters: { validity: 30 * 86400, refresh: 7 * 86400, jitter: 0, dnskeyTtl: 3600, denial: { type: 'NSEC3', iterations: 0, salt: '', optOut: false }, cdsDigestTypes: [2] },
    cdsDelete: false,
    keys: [{ id: 'k', tag: keyTag(key), algorithm: key.algorithm, role: 'CSK', flags: key.flags, published: true, signsKeys: true, signsZone: true, cds: false, privateKey: key.privateKeyPem }],
  };
  const pool = new SigningPool({ threads });
  const signer = new ZoneSigner({ pool });
  const t0 = performance.now();
  const first = await signer.sign(zone, order);
  const firstSeconds = (performance.now() - t0) / 1000;
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const owner = Name.fromText(`h${(r * 7919) % (records - 3)}.inc-bench.test.`);
    const old = zone.node(owner).rrsets.get(RRType.A);
    const update = new ZoneUpdate(zone);
    update.remove({ owner: origin, type: RRType.SOA, ttl: 3600, rdata: zone.soa.rdata[0] }).add({ owner: origin, type: RRType.SOA, ttl: 3600, rdata: soa(zone.serial + 1) });
    update.remove({ owner, type: RRType.A, ttl: old.ttl, rdata: old.rdata[0] }).add({ owner, type: RRType.A, ttl: old.ttl, rdata: new Uint8Array([192, 0, 2, r & 255]) });
    zone = update.commit().zone;
    const t = performance.now();
    await signer.sign(zone, order);
    times.push(performance.now() - t);
  }
  await pool.close();
  global.gc?.();
  return { first: firstSeconds, times, records: first.zone.recordCount, heapMiB: Math.round(process.memoryUsage().heapUsed / 1048576) };
}

function run(root: string, records: number, rounds: number, threads: number): Result {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '--expose-gc', __filename, '--child', root, '--records', String(records), '--rounds', String(rounds), '--threads', String(threads)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`child ${root}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

function summary(label: string, r: Result): string {
  const sorted = [...r.times].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)]!;
  return `${label.padEnd(10)} first signing ${r.first.toFixed(1)} s (${r.records.toLocaleString('en')} records signed); one-record change: p50 ${p50.toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms per sign() over ${sorted.length} rounds; heap after ${r.heapMiB} MiB`;
}

function p50(r: Result): number {
  const sorted = [...r.times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      records: { type: 'string', default: '1000000' },
      rounds: { type: 'string', default: '20' },
      'before-rounds': { type: 'string', default: '3' },
      threads: { type: 'string', default: String(availableParallelism()) },
      before: { type: 'string' },
    },
  });
  const records = Number(values.records);
  const threads = Number(values.threads);
  if (values.child) {
    console.log(JSON.stringify(await child(values.child, records, Number(values.rounds), threads)));
    return;
  }
  const here = resolve(__dirname, '..', '..');
  console.log(`bench:sign-incremental — ${records.toLocaleString('en')} records, NSEC3, ECDSAP256SHA256 CSK; node ${process.version}, ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const before = values.before ? run(resolve(values.before), records, Number(values['before-rounds']), threads) : undefined;
  if (before) console.log(summary('before', before));
  const now = run(here, records, Number(values.rounds), threads);
  console.log(summary('this build', now));
  if (before) console.log(`RESULT one-record change in a ${records.toLocaleString('en')}-record signed zone: ${p50(before).toFixed(0)} ms -> ${p50(now).toFixed(1)} ms per sign(), ${(p50(before) / p50(now)).toFixed(0)}x faster`);
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

runBench(module, main);
