import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cloudManifest, cloudZoneManifest, clusterIpOf, isPodReady, kubectlOk, startClusterFleet, type ClusterFleet } from '../support/cluster-fleet';
import { zoneApi } from '../support/fleet';
import { query } from '../../dataplane/testkit/dns-client';
import { start, stopAll, tempDir, waitFor, type Started } from '../../dataplane/testkit/processes';
import { memoryLogger } from '../../dataplane/testkit/memory-logger';
import { RedisZoneStore } from '../../dataplane/store/redis-store';
import { runOperator } from '../../operator/operator';
import { percentile } from '../support/percentile';

/**
 * `npm run bench:soak`: dnsfleet on the one-node cluster (real pods from the Dockerfile's image)
 * under load while it changes and breaks, for a bounded time (issue 15):
 *
 * - dnsperf keeps `--rate` queries a second on cloud-a's Service (kube-proxy balancing over its
 *   two pods), for the www names of all zones;
 * - one zone changes every second (a JSON merge patch of its www address);
 * - at a third of the run Redis is restarted empty, at two thirds a cloud-a pod is deleted;
 * - a checker asks www of a random zone 200 times a second, through the same Service, and
 *   judges every answer against the history of that zone's addresses: `wrong` is an address the
 *   zone never had, or one replaced more than `--stale-after` seconds before the question was
 *   sent (every pod must have the change by then); `unanswered` is a timeout.
 *
 * Printed per 5-second window: the checker's answers a second, its p50 and p99 latency, wrong
 * and unanswered answers, and dnsperf's answers a second (its -S 1 statistics); then the totals.
 * Needs what the cluster tests need (e2e/README.md): root, KUBEBUILDER_ASSETS and the image, run
 * in a network namespace of its own: `unshare --net -- npm run bench:soak -- --seconds 120`.
 */

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    rate: { type: 'string', default: '2000' },
    zones: { type: 'string', default: '20' },
    'stale-after': { type: 'string', default: '10' },
  },
});
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const ZONE_COUNT = Number(values.zones);
const STALE_AFTER_MS = Number(values['stale-after']) * 1000;
const NS = 'dnsfleet-system';
const WINDOW_MS = 5000;

const zoneName = (i: number): string => `soak-${i}.test`;
const zoneManifest = (i: number, address: string): string => cloudZoneManifest(`soak-${i}`, zoneName(i), address);

/** When each of a zone's addresses was applied (ms since the run started), oldest first. */
type History = Array<{ address: string; at: number }>;

interface Window {
  answered: number;
  wrong: number;
  unanswered: number;
  latencies: number[];
  dnsperf: number[];
}

function verdict(history: History, address: string | undefined, sentAt: number): 'right' | 'wrong' {
  const i = history.findIndex((h) => h.address === address);
  if (i < 0) return 'wrong';
  const replaced = history[i + 1];
  return replaced && replaced.at + STALE_AFTER_MS < sentAt ? 'wrong' : 'right';
}


async function main(): Promise<void> {
  const log = memoryLogger();
  const fleet: ClusterFleet = await startClusterFleet();
  const kubectl = (...args: string[]): Promise<string> => kubectlOk(fleet.cluster, ...args);
  const apply = async (manifest: string): Promise<void> => {
    const out = await fleet.cluster.kubectl(['apply', '-f', '-'], manifest);
    if (out.code !== 0) throw new Error(out.stderr);
  };
  const dir = tempDir('soak');
  let dnsperf: Started | undefined;
  const operator = await runOperator({ store: new RedisZoneStore(fleet.redisUrl), log, kubeconfig: fleet.cluster.kubeconfig, pods: fleet.podSettings, controlServer: { namespace: NS, allowTransfer: ['127.0.0.1/32'], serviceType: 'ClusterIP' }, resyncMs: 5000 });
  try {
    await apply(`${cloudManifest('cloud-a', 2, '10.53.0.1')}---\n${cloudManifest('cloud-b', 1, '10.53.0.2')}`);
    const histories: History[] = [];
    let changes = 0;
    const nextAddress = (): string => (changes++, `10.62.${changes >> 8}.${changes & 255}`);
    const docs: string[] = [];
    for (let i = 0; i < ZONE_COUNT; i++) {
      const address = nextAddress();
      histories.push([{ address, at: -Infinity }]);
      docs.push(zoneManifest(i, address));
    }
    await apply(docs.join('---\n'));
    let service = '';
    await waitFor('cloud-a\'s Service', async () => (service = await clusterIpOf(fleet.cluster, NS, 'dnsfleet-cloud-a').catch(() => '')) !== '', 120_000);
    await waitFor('every zone answered through cloud-a\'s Service', async () => {
      for (let i = 0; i < ZONE_COUNT; i++) {
        const got = await www(service, i);
        if (got.address !== histories[i]![0]!.address) return false;
      }
      return true;
    }, 600_000);
    console.log(`soak: ${ZONE_COUNT} zones on cloud-a (2 pods) and cloud-b (1 pod); ${SECONDS} s, dnsperf at ${RATE} q/s on ${service}:53, a zone changed every second, Redis restarted empty at ${Math.round(SECONDS / 3)} s, a cloud-a pod deleted at ${Math.round((2 * SECONDS) / 3)} s`);

    const queries = join(dir.path, 'queries.txt');
    writeFileSync(queries, Array.from({ length: ZONE_COUNT }, (_, i) => `www.${zoneName(i)} A`).join('\n') + '\n');
    const windows: Window[] = Array.from({ length: Math.ceil((SECONDS * 1000) / WINDOW_MS) }, () => ({ answered: 0, wrong: 0, unanswered: 0, latencies: [], dnsperf: [] }));
    const wrongSamples: string[] = [];
    const t0 = performance.now();
    const now = (): number => performance.now() - t0;
    const window = (at: number): Window | undefined => windows[Math.floor(at / WINDOW_MS)];
    dnsperf = start('dnsperf', ['-s', service, '-p', '53', '-d', queries, '-l', String(SECONDS), '-Q', String(RATE), '-c', '4', '-S', '1', '-t', '2']);
    const events: string[] = [];

    const changer = (async () => {
      const api = await zoneApi(fleet.cluster.kubeconfig);
      for (let s = 1; now() < SECONDS * 1000; s++) {
        const i = s % ZONE_COUNT;
        const address = nextAddress();
        histories[i]!.push({ address, at: now() });
        await api.mergePatch('default', `soak-${i}`, { spec: { rrsets: [{ name: '@', type: 'NS', records: ['ns1.example.net.'] }, { name: 'www', type: 'A', records: [address] }] } });
        await sleep(Math.max(0, s * 1000 - now()));
      }
    })();
    const faults = (async () => {
      await sleep((SECONDS * 1000) / 3);
      events.push(`${(now() / 1000).toFixed(0)} s: Redis restarted empty`);
      await fleet.redis.restart('nothing');
      await sleep(Math.max(0, (2 * SECONDS * 1000) / 3 - now()));
      const pods = (JSON.parse(await kubectl('get', 'pods', '-n', NS, '-l', 'dnsfleet.io/cloud=cloud-a', '-o', 'json')) as { items: Array<{ metadata: { name: string; deletionTimestamp?: string }; status: { conditions?: Array<{ type: string; status: string }> } }> }).items.filter(isPodReady);
      events.push(`${(now() / 1000).toFixed(0)} s: pod ${pods[0]!.metadata.name} deleted`);
      await kubectl('delete', 'pod', '-n', NS, pods[0]!.metadata.name, '--wait=false');
    })();
    // The checker: 200 questions a second, 10 loops of 20 a second.
    const checker = Promise.all(
      Array.from({ length: 10 }, async (_, loop) => {
        for (let n = 0; now() < SECONDS * 1000; n++) {
          const i = (loop * 7 + n) % ZONE_COUNT;
          const sentAt = now();
          const got = await www(service, i);
          const w = window(sentAt);
          if (w) {
            if (got.error) w.unanswered++;
            else {
              w.answered++;
              w.latencies.push(got.ms);
              if (verdict(histories[i]!, got.address, sentAt) === 'wrong') {
                w.wrong++;
                if (wrongSamples.length < 10) wrongSamples.push(`${(sentAt / 1000).toFixed(1)} s ${zoneName(i)}: ${got.address} (history ${JSON.stringify(histories[i]!.slice(-3))})`);
              }
            }
          }
          await sleep(Math.max(0, sentAt + 50 - now()));
        }
      }),
    );
    await Promise.all([changer, faults, checker]);
    await waitFor('dnsperf to finish', async () => dnsperf!.process.exitCode !== null, 30_000);
    // dnsperf -S 1 prints a line a second: "<unix time>: <answers a second>"; the first is at 0.
    const perSecond = [...dnsperf.output().matchAll(/^\d+\.\d+: (\d+(?:\.\d+)?)$/gm)].map((m) => Number(m[1])).slice(1);
    perSecond.forEach((q, s) => window(s * 1000 + 500)?.dnsperf.push(q));

    console.log('\n  window    checker answers/s   p50 ms   p99 ms   wrong   unanswered   dnsperf answers/s');
    for (const [k, w] of windows.entries()) {
      const sorted = [...w.latencies].sort((a, b) => a - b);
      const mean = w.dnsperf.length ? w.dnsperf.reduce((a, b) => a + b, 0) / w.dnsperf.length : NaN;
      console.log(`  ${String(k * 5).padStart(3)}-${String(k * 5 + 5).padEnd(4)} s ${(w.answered / (WINDOW_MS / 1000)).toFixed(0).padStart(12)} ${percentile(sorted, 50).toFixed(2).padStart(8)} ${percentile(sorted, 99).toFixed(2).padStart(8)} ${String(w.wrong).padStart(7)} ${String(w.unanswered).padStart(12)} ${mean.toFixed(0).padStart(19)}`);
    }
    const total = windows.reduce((a, w) => ({ answered: a.answered + w.answered, wrong: a.wrong + w.wrong, unanswered: a.unanswered + w.unanswered }), { answered: 0, wrong: 0, unanswered: 0 });
    const all = windows.flatMap((w) => w.latencies).sort((a, b) => a - b);
    const summary = dnsperf.output().split('\n').filter((l) => /Queries (sent|completed|lost)|Queries per second|Average Latency/.test(l)).map((l) => l.trim().replace(/\s+/g, ' '));
    console.log(`\n  events: ${events.join('; ')}`);
    console.log(`  dnsperf: ${summary.join('; ')}`);
    console.log(`RESULT soak: ${total.answered} checked answers, ${total.wrong} wrong, ${total.unanswered} unanswered; p50 ${percentile(all, 50).toFixed(2)} ms, p99 ${percentile(all, 99).toFixed(2)} ms; ${changes - ZONE_COUNT} zone changes`);
    if (wrongSamples.length) console.log(`  wrong answers:\n    ${wrongSamples.join('\n    ')}`);
    if (total.wrong > 0) process.exitCode = 1;
  } finally {
    dnsperf?.process.kill('SIGKILL');
    await operator.stop();
    await fleet.stop();
    dir.remove();
    await stopAll();
  }
}

/** www of zone `i` through `host:53`, timed. */
async function www(host: string, i: number): Promise<{ address?: string; ms: number; error?: string }> {
  const t = performance.now();
  try {
    const reply = await query(host, 53, `www.${zoneName(i)}`, 'A', { timeoutMs: 1000 });
    const a = reply.packet.answers?.find((r) => r.type === 'A') as { data?: string } | undefined;
    return { ...(a?.data ? { address: a.data } : {}), ms: performance.now() - t };
  } catch (err) {
    return { ms: performance.now() - t, error: (err as Error).message };
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    void stopAll().then(() => process.exit(1));
  },
);
