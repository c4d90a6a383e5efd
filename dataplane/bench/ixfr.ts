/**
 * `npm run bench:ixfr`: the cost of an IXFR of a one-record change to a zone of 1,000,000
 * records, at the control server (issue #4's goal of "applied to both clouds in under 2 s" is
 * measured end to end by `npm run bench:notify -- --records 1000000`).
 *
 * BIND 9.18 serves the zone from a file with `ixfr-from-differences yes`. The zone is first
 * taken by AXFR (the version held in memory), then, for each round, one A record is changed in
 * the file, BIND reloads it and computes the difference, and `transferZone` takes the IXFR from
 * the previous serial and builds the new version. Printed per round: the whole transferZone
 * call, of which the apply (ZoneUpdate → ZoneBuilder → new Zone), and what came over the wire.
 *
 * Options: --rounds N (default 3), --names N (default 500,000 names, A + TXT each).
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { startPrimary } from '../testkit/primaries';
import { stopAll } from '../testkit/processes';
import { transferZone } from '../transfer/client';
import { ZoneUpdate } from '../zone/zone-update';
import { readZoneRecords } from '../dns/zonefile/reader';
import { snapshotOf } from '../store/snapshot';
import { runBench } from './run-bench';

const ORIGIN = 'ixfr-bench.test.';

function zoneText(names: number, serial: number, changed: number): string {
  const parts = [`$ORIGIN ${ORIGIN}\n$TTL 3600\n@ SOA ns1 hostmaster ${serial} 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n`];
  for (let i = 0; i < names; i++) {
    // The changed name gets another address in each round.
    const last = i === changed ? 100 + (serial % 100) : i & 0xff;
    parts.push(`h${i} A 10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${last}\nh${i} TXT "record ${i}"\n`);
  }
  return parts.join('');
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MiB`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, names: { type: 'string', default: '500000' } } });
  const rounds = Number(values.rounds);
  const names = Number(values.names);
  const origin = Name.fromText(ORIGIN);
  const changed = Math.floor(names / 2);
  let serial = 1;
  console.log(`zone: ${(2 * names + 3).toLocaleString('en')} records (${names.toLocaleString('en')} names, A + TXT), primary BIND with ixfr-from-differences`);

  let t = performance.now();
  const primary = await startPrimary('bind', ORIGIN, zoneText(names, serial, changed), { timeoutMs: 300_000 });
  console.log(`  BIND loaded the zone in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  try {
    const axfr = await transferZone(primary, origin, { timeoutMs: 600_000, idleTimeoutMs: 60_000, maxTransferBytes: 2 ** 31 });
    const s = axfr.summary;
    console.log(
      `  AXFR: ${s.records.toLocaleString('en')} records, ${s.messages} messages, ${mib(s.bytes)}, ${(s.durationMs / 1000).toFixed(2)} s (of which building the zone ${(s.applyMs / 1000).toFixed(2)} s); heap ${mib(process.memoryUsage().heapUsed)}`,
    );
    let have = axfr.zone;

    // The apply alone, without the network: the same change through ZoneUpdate, built once.
    const h = Name.fromText(`h${changed}`, origin);
    const oldA = have.node(h)!.rrsets.get(RRType.A)!.rdata[0]!;
    const newRecord = [...readZoneRecords(`h${changed} 3600 A 10.99.99.99\n`, { origin, source: 'bench' })][0]!;
    t = performance.now();
    const local = new ZoneUpdate(have).remove({ owner: h, type: RRType.A, ttl: 3600, rdata: oldA }).add(newRecord).commit();
    console.log(`  ZoneUpdate.commit of one changed record, no network: ${(performance.now() - t).toFixed(0)} ms (${local.zone.recordCount.toLocaleString('en')} records)`);
    t = performance.now();
    new ZoneUpdate(have).remove({ owner: h, type: RRType.A, ttl: 3600, rdata: oldA }).add(newRecord).commit(undefined, { rebuild: true });
    console.log(`  the same through a full rebuild (removing names, moving cuts): ${(performance.now() - t).toFixed(0)} ms`);
    // What handing the version on costs today: the canonical order (AXFR out) and the store's
    // master-file snapshot (store/snapshot.ts) are both made from the whole zone.
    t = performance.now();
    local.zone.sortedNodes();
    console.log(`  canonical order of the new version (first AXFR out of it): ${(performance.now() - t).toFixed(0)} ms`);
    t = performance.now();
    const text = snapshotOf(local.zone, 'all').text;
    console.log(`  store snapshot of the new version (master-file text, ${mib(text.length)}): ${(performance.now() - t).toFixed(0)} ms`);

    const totals: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      serial++;
      t = performance.now();
      await primary.update(zoneText(names, serial, changed), serial);
      const reload = performance.now() - t;
      const ixfr = await transferZone(primary, origin, { have: { serial: have.serial, zone: have }, timeoutMs: 600_000, idleTimeoutMs: 60_000 });
      const r = ixfr.summary;
      if (r.kind !== 'ixfr') throw new Error(`round ${round}: expected an IXFR, got ${r.kind}${r.ixfrFallback ? ` (${r.ixfrFallback})` : ''}`);
      const got = ixfr.zone.node(h)!.rrsets.get(RRType.A)!.rdata[0]!;
      if (got[3] !== 100 + (serial % 100)) throw new Error(`round ${round}: h${changed} A is ${[...got].join('.')}`);
      totals.push(r.durationMs);
      console.log(
        `  round ${round}: serial ${have.serial} -> ${r.serial}: transferZone ${r.durationMs.toFixed(0)} ms = transfer ${(r.durationMs - r.applyMs).toFixed(0)} ms + apply and build ${r.applyMs.toFixed(0)} ms; ${r.records} records, ${r.messages} message, ${r.bytes} octets (BIND reload and diff: ${(reload / 1000).toFixed(1)} s)`,
      );
      have = ixfr.zone;
    }
    const best = Math.min(...totals);
    console.log(`\nRESULT IXFR one-record change, 1M-record zone, transfer + apply + new version: best ${best.toFixed(0)} ms (goal incl. clouds: < 2000 ms)`);
  } finally {
    await primary.stop();
    await stopAll();
  }
}

runBench(module, main);
