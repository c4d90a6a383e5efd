/**
 * `npm run bench:sign`: a zone of 1,000,000 A records (one per name) signed by dnsfleet and by
 * ldns-signzone, file to file, with ECDSAP256SHA256 and with ED25519, in one run; the ratio is
 * dnsfleet's speed over ldns-signzone's (goal ≥ 1.0x, issue #11).
 *
 * The same work on both sides: ldns-signzone always builds an NSEC chain and signs it, so each
 * name costs two signatures (A and NSEC). dnsfleet's NSEC builder is another part of issue #11,
 * so here dnsfleet is given the same zone with its NSEC chain already in the file (written by
 * this benchmark, outside the timing), and signs what the zone holds: the same RRsets, the same
 * number of signatures. One key signs everything on both sides (ldns-signzone with one KSK;
 * dnsfleet with one CSK). dnsfleet's time is: read and parse the file, build the zone, plan,
 * sign on worker threads (one per core), assemble the signed zone, write the file (in chunks,
 * `writeZoneFileChunks`, as text of millions of records is best never one string); a second
 * ratio leaves out the write (dnsfleet serves the signed zone from memory). A second line
 * shows dnsfleet on the zone without the NSEC chain (half the signatures), for reference only.
 *
 * Then 200 one-record changes to the signed zone (without NSEC: the chain is not dnsfleet's yet)
 * re-signed with `resignChanged`, with p50/p99/max.
 *
 * Each algorithm runs in a process of its own (the zone files written once, by the first
 * process): in one process, the second algorithm was slowed by the heap the first one left.
 *
 * Options: --records N (default 1,000,000), --threads N (default: available parallelism),
 * --algorithms ECDSAP256SHA256,ED25519.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Name } from '../dns/name';
import { readZoneRecords } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import type { Zone } from '../zone/zone';
import { Algorithm, KSK_FLAGS, algorithmFromString, generateKey } from '../dnssec/keys';
import { assembleSignedZone, planSigning, resignChanged, type ZoneKey } from '../dnssec/signzone';
import { RRType } from '../dns/constants';
import { ZoneUpdate } from '../zone/zone-update';
import { SigningPool } from '../signing/signing-pool';
import { tempDir } from '../testkit/processes';
import { writeZoneFileChunks } from '../dns/zonefile/writer';
import { recordTtl } from '../zone/zone';
import { runBench } from './run-bench';

const ORIGIN = 'sign-bench.test.';

/** The unsigned zone, and the same with an NSEC chain (RFC 4034 §4) over its names in canonical order. */
function zoneTexts(records: number): { plain: string; withNsec: string } {
  const head = `$ORIGIN ${ORIGIN}\n$TTL 3600\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n`;
  const labels: string[] = ['ns1'];
  const plain = [head];
  for (let i = 0; i < records - 1; i++) {
    plain.push(`h${i} A 10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}\n`);
    labels.push(`h${i}`);
  }
  // One lower-case label each: canonical order (RFC 4034 §6.1) is the octet order of the labels.
  labels.sort();
  const nsec = [`@ 300 NSEC ${labels[0]} NS SOA RRSIG NSEC DNSKEY\n`];
  for (let i = 0; i < labels.length; i++) nsec.push(`${labels[i]} 300 NSEC ${i + 1 < labels.length ? labels[i + 1] : '@'} A RRSIG NSEC\n`);
  const plainText = plain.join('');
  return { plain: plainText, withNsec: plainText + nsec.join('') };
}

interface Run {
  readonly zone?: Zone;
  readonly signed?: Zone;
  readonly keys?: ZoneKey[];
  /** File to file. */
  readonly seconds: number;
  /** File to the signed zone in memory, as dnsfleet serves it (no file written). */
  readonly toZone: number;
  readonly signatures: number;
  readonly phases: string;
}

async function dnsfleet(pool: SigningPool, file: string, out: string, algorithm: Algorithm): Promise<Run> {
  const key = generateKey(algorithm, { flags: KSK_FLAGS });
  const t0 = performance.now();
  const origin = Name.fromText(ORIGIN);
  const builder = new ZoneBuilder(origin);
  for (const r of readZoneRecords(readFileSync(file, 'latin1'), { origin, source: file })) builder.add(r);
  const zone = builder.build();
  const t1 = performance.now();
  const now = Math.floor(Date.now() / 1000);
  const keys: ZoneKey[] = [{ key, role: 'CSK' }];
  const plan = planSigning(zone, keys, { now, validity: 30 * 86400, dnskeyTtl: 3600 });
  const t2 = performance.now();
  const signatures = await pool.sign(plan);
  const t3 = performance.now();
  const signed = assembleSignedZone(plan, signatures);
  const t4 = performance.now();
  writeZone(signed, out);
  const t5 = performance.now();
  const s = (a: number, b: number): string => ((b - a) / 1000).toFixed(1);
  return {
    zone,
    signed,
    keys,
    seconds: (t5 - t0) / 1000,
    toZone: (t4 - t0) / 1000,
    signatures: plan.jobs.length,
    phases: `read+build ${s(t0, t1)} s, plan ${s(t1, t2)} s, sign ${s(t2, t3)} s (${pool.threads} threads), assemble ${s(t3, t4)} s, write ${s(t4, t5)} s`,
  };
}

/** The zone as master-file text (the repo's writer, as `testkit/zone-text.ts` writes it), in chunks, never one string. */
function writeZone(zone: Zone, file: string): void {
  const fd = openSync(file, 'w');
  try {
    function* records() {
      for (const rrset of zone.rrsets()) for (let i = 0; i < rrset.rdata.length; i++) yield { owner: rrset.owner, ttl: recordTtl(rrset, i), type: rrset.type, rdata: rrset.rdata[i]! };
    }
    // The text is ASCII (names and strings escaped): latin1 writes it as it is.
    writeZoneFileChunks(records(), { origin: zone.origin }, (chunk) => writeSync(fd, chunk, null, 'latin1'));
  } finally {
    closeSync(fd);
  }
}

function ldnsSignzone(dir: string, file: string, out: string, algorithm: Algorithm, name: string): Run {
  const keygen = spawnSync('ldns-keygen', ['-a', name, '-k', ORIGIN], { cwd: dir, encoding: 'utf8' });
  if (keygen.status !== 0) throw new Error(`ldns-keygen: ${keygen.stderr}`);
  const key = keygen.stdout.trim();
  const t0 = performance.now();
  const r = spawnSync('ldns-signzone', ['-f', out, '-o', ORIGIN, file, join(dir, key)], { cwd: dir, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`ldns-signzone: ${r.stderr}`);
  let signatures = 0;
  const text = readFileSync(out, 'latin1');
  for (let i = text.indexOf('\tRRSIG\t'); i >= 0; i = text.indexOf('\tRRSIG\t', i + 1)) signatures++;
  void algorithm;
  return { seconds, toZone: seconds, signatures, phases: 'read, NSEC chain, sign (one thread), write' };
}

/**
 * One-record changes re-signed (issue #11: a change re-signed and answered in under 100 ms): each
 * round changes one A record and bumps the SOA serial (ZoneUpdate), then `resignChanged` signs the
 * changed name and the SOA in this thread and shares every other name. Printed: p50, p99, max.
 */
function resignRounds(zone: Zone, signed: Zone, keys: ZoneKey[], rounds: number): string {
  const times: number[] = [];
  let unsigned = zone;
  let current = signed;
  const origin = zone.origin;
  for (let r = 0; r < rounds; r++) {
    const owner = Name.fromText(`h${(r * 7919) % 1000}.${ORIGIN}`);
    const old = unsigned.node(owner)!.rrsets.get(RRType.A)!;
    const soa = unsigned.soa;
    const serial = unsigned.serial + 1;
    const soaRdata = soa.rdata[0]!.slice();
    const at = soaRdata.length - 20;
    soaRdata[at] = serial >>> 24;
    soaRdata[at + 1] = (serial >>> 16) & 0xff;
    soaRdata[at + 2] = (serial >>> 8) & 0xff;
    soaRdata[at + 3] = serial & 0xff;
    const t0 = performance.now();
    const update = new ZoneUpdate(unsigned);
    update.remove({ owner: origin, type: RRType.SOA, ttl: soa.ttl, rdata: soa.rdata[0]! }).add({ owner: origin, type: RRType.SOA, ttl: soa.ttl, rdata: soaRdata });
    update.remove({ owner, type: RRType.A, ttl: old.ttl, rdata: old.rdata[0]! }).add({ owner, type: RRType.A, ttl: old.ttl, rdata: new Uint8Array([192, 0, 2, r & 0xff]) });
    unsigned = update.commit().zone;
    current = resignChanged(current, unsigned, [owner], keys, { now: Math.floor(Date.now() / 1000), validity: 30 * 86400, dnskeyTtl: 3600 });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (f: number): string => times[Math.min(times.length - 1, Math.floor(f * times.length))]!.toFixed(1);
  return `${rounds} one-record changes (ZoneUpdate + resignChanged, serial ${current.serial}): p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`;
}

/** Runs this benchmark for one algorithm in a process of its own, on the zone files in `dir`; its output passes through and is returned. */
function algorithmProcess(name: string, dir: string, values: { records: string; threads: string }): Promise<string> {
  const args = [...process.execArgv, __filename, '--records', values.records, '--threads', values.threads, '--algorithms', name, '--zone-dir', dir];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      process.stdout.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`bench:sign for ${name} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '1000000' },
      threads: { type: 'string', default: String(availableParallelism()) },
      algorithms: { type: 'string', default: 'ECDSAP256SHA256,ED25519' },
      // Internal: one algorithm, on the zone files the first process wrote there.
      'zone-dir': { type: 'string' },
    },
  });
  const records = Number(values.records);
  const names = String(values.algorithms).split(',');
  const given = values['zone-dir'];
  const dir = given ? { path: given, remove: () => undefined } : tempDir('bench-sign');
  const plainFile = join(dir.path, 'zone.db');
  const nsecFile = join(dir.path, 'zone-nsec.db');
  if (!given) {
    const { plain, withNsec } = zoneTexts(records);
    writeFileSync(plainFile, plain);
    writeFileSync(nsecFile, withNsec);
    const version = spawnSync('ldns-signzone', ['-v'], { encoding: 'utf8' }).stdout.trim();
    console.log(`bench:sign — ${records.toLocaleString('en')} A records at as many names, file to file; node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)}; ${version}`);
    try {
      const ratios: string[] = [];
      for (const name of names) {
        const output = await algorithmProcess(name, dir.path, { records: values.records, threads: values.threads });
        for (const line of output.split('\n')) if (line.includes('ratio (')) ratios.push(`${name}: ${line.trim()}`);
      }
      console.log(`\nsummary (each algorithm in a process of its own; load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')}):\n  ${ratios.join('\n  ')}`);
    } finally {
      dir.remove();
    }
    return;
  }
  const pool = new SigningPool({ threads: Number(values.threads) });
  try {
    console.log(`\n(process ${process.pid}, load average ${loadavg()[0]!.toFixed(1)} at its start)`);
    for (const name of names) {
      const algorithm = algorithmFromString(name);
      const ldns = ldnsSignzone(dir.path, plainFile, join(dir.path, `ldns-${algorithm}.db`), algorithm, name);
      const ours = await dnsfleet(pool, nsecFile, join(dir.path, `dnsfleet-${algorithm}.db`), algorithm);
      const oursNoNsec = await dnsfleet(pool, plainFile, join(dir.path, `dnsfleet-nonsec-${algorithm}.db`), algorithm);
      const size = (f: string): string => `${(statSync(join(dir.path, f)).size / 1048576).toFixed(0)} MiB`;
      console.log(`\n${name}`);
      console.log(`  ldns-signzone            ${ldns.seconds.toFixed(1).padStart(6)} s  ${ldns.signatures.toLocaleString('en')} RRSIGs  (${ldns.phases}; ${size(`ldns-${algorithm}.db`)})`);
      console.log(`  dnsfleet (same NSEC)     ${ours.seconds.toFixed(1).padStart(6)} s  ${ours.signatures.toLocaleString('en')} RRSIGs  (${ours.phases}; ${size(`dnsfleet-${algorithm}.db`)})`);
      console.log(`  dnsfleet (no NSEC, ref.) ${oursNoNsec.seconds.toFixed(1).padStart(6)} s  ${oursNoNsec.signatures.toLocaleString('en')} RRSIGs  (${oursNoNsec.phases})`);
      console.log(`  re-sign of the no-NSEC zone: ${resignRounds(oursNoNsec.zone!, oursNoNsec.signed!, oursNoNsec.keys!, 200)}`);
      console.log(`  ratio (same work, file to file): dnsfleet is ${(ldns.seconds / ours.seconds).toFixed(2)}x ldns-signzone's speed (goal ≥ 1.0x)`);
      // dnsfleet serves the signed zone from memory and never writes it to a file.
      console.log(`  ratio (same work, file to signed zone in memory, ${ours.toZone.toFixed(1)} s): ${(ldns.seconds / ours.toZone).toFixed(2)}x`);
    }
  } finally {
    await pool.close();
  }
}

runBench(module, main);
