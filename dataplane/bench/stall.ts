/**
 * `npm run bench:stall`: does a cloud pod keep answering its other zones while it loads a large
 * one (issue #9, "no stall")? A real `dnsfleet dataplane --role cloud` process on a Redis of its
 * own holds a small zone and a zone of 1,000,000 records; a probe asks the small zone over UDP on
 * loopback every few milliseconds (send and answer times of each query), first while nothing
 * happens (idle), then while the large zone is replaced by a new serial in the store and the pod
 * reads, parses, checks and swaps it in (reload: from the put until the pod serves the new serial).
 *
 * Each mode runs its own pod: `sliced` is the default build in time slices (ADR 0009), `sync`
 * the same pod with `--slice-ms 0`, which builds a zone in one go as before ADR 0009.
 *
 * Options: --records N (1,000,000), --modes sliced,sync, --slice-ms N (10), --every-ms N (5),
 * --timeout-ms N (1000: a query unanswered this long is lost), --idle-seconds N (3),
 * --node-options=… (extra Node.js options for the pods, e.g. --node-options=--max-semi-space-size=2).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { RedisZoneStore } from '../store/redis-store';
import { freePort, start, stopAll, waitFor, type Started } from '../testkit/processes';
import { AnswerProbe, formatStats, type ProbeStats } from '../testkit/answer-probe';
import { putLargeZone } from '../testkit/large-zone';
import { runBench } from './run-bench';

const CLI = join(__dirname, '../../cli/main.js');
const SMALL = 'small.test.';
const LARGE = 'large.test.';

export function smallZoneText(serial = 1): string {
  return `$ORIGIN ${SMALL}\n$TTL 300\n@ SOA ns1 hostmaster ${serial} 7200 900 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.80\n`;
}

interface ModeResult {
  readonly mode: string;
  readonly loadMs: number;
  readonly reloadMs: number;
  readonly idle: ProbeStats;
  readonly reload: ProbeStats;
  readonly gc: GcPauses;
}

interface GcPauses {
  readonly count: number;
  readonly totalMs: number;
  readonly over50: number;
  readonly longestMs: number;
  readonly longestKind: string;
}

/** The main-thread pauses in `--trace-gc` lines ("Scavenge 12.1 (14.0) -> 10.2 (15.0) MB, 3.21 / 0.00 ms"). */
function gcPauses(output: string): GcPauses {
  let count = 0;
  let totalMs = 0;
  let over50 = 0;
  let longestMs = 0;
  let longestKind = '';
  for (const m of output.matchAll(/ms: (Scavenge|Mark-Compact|Mark-Sweep|Minor Mark-Compact)[^\n]*?MB, ([\d.]+) \/ [\d.]+ ms/g)) {
    const ms = Number(m[2]);
    count++;
    totalMs += ms;
    if (ms >= 50) over50++;
    if (ms > longestMs) [longestMs, longestKind] = [ms, m[1]!];
  }
  // Incremental marking runs in steps between the pauses; its longest step is a pause too.
  for (const m of output.matchAll(/biggest step ([\d.]+) ms/g)) {
    const ms = Number(m[1]);
    if (ms > longestMs) [longestMs, longestKind] = [ms, 'incremental marking step'];
  }
  return { count, totalMs, over50, longestMs, longestKind };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '1000000' },
      modes: { type: 'string', default: 'sliced,sync' },
      'slice-ms': { type: 'string', default: '10' },
      'every-ms': { type: 'string', default: '5' },
      'timeout-ms': { type: 'string', default: '1000' },
      'idle-seconds': { type: 'string', default: '3' },
      /** Extra Node.js options for the pods, e.g. "--max-semi-space-size=4". */
      'node-options': { type: 'string', default: '' },
    },
  });
  const records = Number(values.records);
  const modes = values.modes.split(',');
  const everyMs = Number(values['every-ms']);
  const timeoutMs = Number(values['timeout-ms']);
  const idleMs = Number(values['idle-seconds']) * 1000;
  const heapMb = records > 200_000 ? 12_000 : 2048;
  // Generous bounds for a loaded 2-core machine; everything stops when they pass.
  const loadTimeoutMs = Math.max(60_000, records * 0.6);

  const redisPort = await freePort();
  const redis = start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await waitFor('redis', async () => /Ready to accept connections/.test(redis.output()));
  const url = `redis://127.0.0.1:${redisPort}`;
  const writer = new RedisZoneStore(url);
  let serial = 1;
  console.log(`zones: ${SMALL} (4 records) and ${LARGE} (${records.toLocaleString('en')} records); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on this machine`);
  const results: ModeResult[] = [];
  try {
    await writer.putZone({ origin: SMALL, serial: 1, clouds: 'all', text: smallZoneText() });
    await putLargeZone({ url, origin: LARGE, records, serial });
    for (const mode of modes) {
      const sliceMs = mode === 'sync' ? '0' : values['slice-ms'];
      const dnsPort = await freePort();
      const httpPort = await freePort();
      // --trace-gc: the pod's GC pauses during the reload are printed beside the gaps.
      const pod: Started = start(process.execPath, [`--max-old-space-size=${heapMb}`, '--trace-gc', ...values['node-options'].split(' ').filter(Boolean), CLI, 'dataplane', '--role', 'cloud', '--cloud', 'cloud-a', '--pod', `stall-${mode}`, '--redis', url, '--listen', `127.0.0.1:${dnsPort}`, '--http', `127.0.0.1:${httpPort}`, '--slice-ms', sliceMs]);
      const served = async (): Promise<number | undefined> => {
        const res = await fetch(`http://127.0.0.1:${httpPort}/zones`);
        const body = (await res.json()) as { zones: Array<{ zone: string; serial: number }> };
        return body.zones.find((z) => z.zone === LARGE)?.serial;
      };
      const probe = new AnswerProbe({ port: dnsPort, name: `www.${SMALL}`, everyMs, timeoutMs, maxQueries: Math.ceil((idleMs + 2 * loadTimeoutMs) / everyMs) });
      try {
        let t = performance.now();
        await waitFor(`the ${mode} pod to load`, async () => (await served()) === serial, loadTimeoutMs);
        const loadMs = performance.now() - t;
        await probe.start();
        await sleep(500);
        const idleFrom = probe.now();
        await sleep(idleMs);
        const idleTo = probe.now();

        serial++;
        const reloadFrom = probe.now();
        const outputFrom = pod.output().length;
        t = performance.now();
        // From another process: writing 30 MB of text would stall the probe in this one.
        await putLargeZone({ url, origin: LARGE, records, serial });
        await waitFor(`the ${mode} pod to serve serial ${serial}`, async () => (await served()) === serial, loadTimeoutMs);
        const reloadTo = probe.now();
        const reloadMs = performance.now() - t;
        await sleep(timeoutMs + 100);
        const gc = gcPauses(pod.output().slice(outputFrom));
        const result = { mode: `${mode} (--slice-ms ${sliceMs})`, loadMs, reloadMs, idle: probe.stats(idleFrom, idleTo), reload: probe.stats(reloadFrom, reloadTo), gc };
        results.push(result);
        console.log(`\n${result.mode}: first load ${(loadMs / 1000).toFixed(1)} s; reload (put → new serial served) ${(reloadMs / 1000).toFixed(1)} s`);
        console.log(`  idle:   ${formatStats(result.idle)}`);
        console.log(`  reload: ${formatStats(result.reload)}`);
        for (const line of pod.output().slice(outputFrom).split('\n')) if (line.startsWith('{')) console.log(`  pod: ${line}`);
        console.log(`  GC in the pod during the reload: ${gc.count} pauses, ${(gc.totalMs / 1000).toFixed(1)} s in all, ${gc.over50} of 50 ms or more, longest ${gc.longestMs.toFixed(0)} ms (${gc.longestKind})`);
      } finally {
        await probe.stop();
        await pod.stop();
      }
    }
    const sliced = results.find((r) => r.mode.startsWith('sliced'));
    const sync = results.find((r) => r.mode.startsWith('sync'));
    if (sliced) {
      console.log(`\nRESULT reload of a ${records.toLocaleString('en')}-record zone, small zone asked every ${everyMs} ms: longest gap ${sliced.reload.longestGapMs.toFixed(0)} ms, p99 ${sliced.reload.p99Ms.toFixed(1)} ms, ${sliced.reload.lost} of ${sliced.reload.sent} lost (sliced)`);
    }
    if (sliced && sync) {
      console.log(`  before (sync): longest gap ${sync.reload.longestGapMs.toFixed(0)} ms, p99 ${sync.reload.p99Ms.toFixed(1)} ms, ${sync.reload.lost} of ${sync.reload.sent} lost; longest gap ${(sync.reload.longestGapMs / Math.max(1, sliced.reload.longestGapMs)).toFixed(1)}x shorter; reload takes ${(sliced.reloadMs / sync.reloadMs).toFixed(2)}x as long`);
    }
    console.log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await writer.close();
    await redis.stop();
    await stopAll();
  }
}

runBench(module, main);
