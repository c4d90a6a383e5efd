import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { percentile } from '../support/percentile';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane, type ControlPlane } from '../support/control-plane';
import { stopAll, waitFor, type Started } from '../../dataplane/testkit/processes';
import {
  CLOUDS,
  answersA,
  benchZones,
  inBatches,
  installCrdsAndClouds,
  isReady,
  manifests,
  startCloudPod,
  startOperator,
  startRedis,
  zoneApi,
  type BenchZone,
  type CloudPod,
  type OperatorProcess,
} from '../support/fleet';

/**
 * `npm run bench:operator`: the operator at scale on a real API server, Redis, an operator process
 * and one pod per cloud (two clouds), all real processes on loopback.
 *
 * 1. Applies N Zones at once (one `kubectl apply --server-side` of a multi-document manifest) and
 *    measures, from the start of that command, until every Zone is `Ready=True` (polled with one
 *    list call of the API) and then every zone is answered by both clouds (one query per zone and
 *    cloud). Goal of issue #3: 1,000 zones in under 60 s.
 * 2. Changes one record of one zone M times, one after the other, and measures each change from
 *    the start of the API call (a JSON merge patch through client-node, so no kubectl start-up)
 *    until both clouds answer the new address (polled every 5 ms). Goal: p50 under 1 s.
 */

const { values } = parseArgs({
  options: {
    zones: { type: 'string', default: '1000' },
    changes: { type: 'string', default: '50' },
    /** Where to write the operator's and the pods' logs at the end, for profiling. */
    logs: { type: 'string' },
  },
  strict: true,
});
const ZONE_COUNT = Number(values.zones);
const CHANGES = Number(values.changes);

const seconds = (ms: number): string => (ms / 1000).toFixed(1);


/** User and system CPU time of a process (Linux /proc), to tell waiting from working. */
function cpuSeconds(p: Started): string {
  const fields = readFileSync(`/proc/${p.process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // Fields 14 and 15 of stat (utime, stime), in clock ticks of 1/100 s.
  return ((Number(fields[11]) + Number(fields[12])) / 100).toFixed(1);
}

async function metric(url: string, pattern: RegExp): Promise<string> {
  const text = await (await fetch(url)).text();
  return text.split('\n').filter((l) => pattern.test(l)).join('; ');
}

async function applyAtOnce(cp: ControlPlane, zones: readonly BenchZone[]): Promise<number> {
  const t0 = Date.now();
  const applied = await cp.kubectl(['apply', '--server-side', '-f', '-'], manifests(zones));
  if (applied.code !== 0) throw new Error(`kubectl apply failed: ${applied.stderr}`);
  return Date.now() - t0;
}

async function main(): Promise<void> {
  let cp: ControlPlane | undefined;
  let operator: OperatorProcess | undefined;
  const pods: CloudPod[] = [];
  try {
    cp = await startControlPlane();
    await installCrdsAndClouds(cp);
    const { url } = await startRedis();
    for (const cloud of CLOUDS) pods.push(await startCloudPod(cloud, url));
    operator = await startOperator(cp, url);
    const api = await zoneApi(cp.kubeconfig);
    const zones = benchZones(ZONE_COUNT, 'bench');
    console.log(`bench: ${ZONE_COUNT} zones, ${CHANGES} changes; control plane, Redis, operator and ${pods.length} cloud pods running`);

    // Part 1: N Zones at once.
    const t0 = Date.now();
    const applyMs = await applyAtOnce(cp, zones);
    console.log(`kubectl apply --server-side of ${ZONE_COUNT} Zones took ${seconds(applyMs)} s`);
    let lastLog = 0;
    let readyMs = 0;
    await waitFor(`all ${ZONE_COUNT} Zones Ready`, async () => {
      // Listing a thousand Zones is work for the API server too: twice a second is enough.
      await sleep(500);
      const ready = (await api.list()).filter(isReady).length;
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        console.log(`  ${seconds(Date.now() - t0)} s: ${ready} Ready`);
      }
      readyMs = Date.now() - t0;
      return ready === ZONE_COUNT;
    }, 600_000);
    console.log(`all ${ZONE_COUNT} Ready ${seconds(readyMs)} s after the apply started`);
    const wrong: string[] = [];
    await inBatches(zones, 20, async (z) => {
      const got = await answersA(pods, `www.${z.zoneName}`);
      if (got.some((a) => a !== z.address)) wrong.push(`${z.zoneName}: ${got.join(', ')}`);
    });
    const answeredMs = Date.now() - t0;
    if (wrong.length > 0) throw new Error(`${wrong.length} zones not answered right by both clouds, e.g. ${wrong.slice(0, 3).join('; ')}`);
    console.log(`operator: ${await metric(operator.metricsUrl, /^dnsfleet_reconcile_(total|duration_seconds_(sum|count))/)}`);
    console.log(`CPU seconds so far: operator ${cpuSeconds(operator.process)}, ${pods.map((p) => `${p.pod} ${cpuSeconds(p.process)}`).join(', ')}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`RESULT ${ZONE_COUNT} zones ready and answered in ${seconds(answeredMs)} s (goal < 60 s; kubectl apply ${seconds(applyMs)} s of it)`);

    // Part 2: single changes, one after the other.
    const target = zones[0]!;
    const fromCall: number[] = [];
    const fromAccept: number[] = [];
    const calls: number[] = [];
    const slowest: Array<{ at: string; ms: number }> = [];
    for (let i = 1; i <= CHANGES; i++) {
      const address = `192.0.2.${i}`;
      const sent = Date.now();
      // A merge patch replaces the whole list, so it carries every RRset.
      await api.mergePatch('default', target.name, {
        spec: { rrsets: [{ name: '@', type: 'NS', records: ['ns1.example.net.'] }, { name: 'www', type: 'A', records: [address] }] },
      });
      const accepted = Date.now();
      // Polled every 5 ms (waitFor's 50 ms would add up to 50 ms to every sample).
      for (;;) {
        if ((await answersA(pods, `www.${target.zoneName}`, 500)).every((a) => a === address)) break;
        if (Date.now() - sent > 30_000) throw new Error(`both clouds did not answer ${address} within 30 s`);
        await sleep(5);
      }
      const answered = Date.now();
      fromCall.push(answered - sent);
      slowest.push({ at: new Date(sent).toISOString(), ms: answered - sent });
      fromAccept.push(answered - accepted);
      calls.push(accepted - sent);
    }
    for (const a of [fromCall, fromAccept, calls]) a.sort((x, y) => x - y);
    console.log(`PATCH call (client-node merge patch): p50 ${percentile(calls, 50)} ms, max ${calls[calls.length - 1]} ms`);
    console.log(`answered after the PATCH returned: p50 ${percentile(fromAccept, 50)} ms, p99 ${percentile(fromAccept, 99)} ms`);
    console.log(`slowest changes: ${slowest.sort((x, y) => y.ms - x.ms).slice(0, 3).map((c) => `${c.ms} ms (sent ${c.at})`).join(', ')}`);
    console.log(`RESULT apply-to-answer p50 ${percentile(fromCall, 50)} ms p99 ${percentile(fromCall, 99)} ms over ${CHANGES} changes, from the start of the PATCH call (goal p50 < 1 s)`);
  } finally {
    if (values.logs) {
      mkdirSync(values.logs, { recursive: true });
      if (operator) writeFileSync(join(values.logs, 'operator.log'), operator.process.output());
      for (const p of pods) writeFileSync(join(values.logs, `${p.pod}.log`), p.process.output());
    }
    await operator?.process.stop();
    for (const p of pods) await p.process.stop();
    await cp?.stop();
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
