import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startControlPlane, type ControlPlane } from '../support/control-plane';
import { answersA, CLOUDS, installCrdsAndClouds, startCloudPod, startOperator, startRedis, type CloudPod, type OperatorProcess } from '../support/fleet';
import { freePort, start, stopAll, waitFor, type Started } from '../../dataplane/testkit/processes';
import { hashToken, TOKEN_SECRET } from '../../api/tokens';
import { percentile } from '../support/percentile';

/**
 * `npm run bench:api`: RRset PATCHes through the REST API (issue 16) to answers from both clouds,
 * on a real API server with real processes on loopback: `dnsfleet api`, `dnsfleet operator`,
 * Redis and one `dnsfleet dataplane --role cloud` pod per cloud.
 *
 * 1. One after the other: `--changes` PATCHes of www in one zone (changetype update), each timed
 *    from the start of the HTTP call until both clouds answer the new address (polled every 5 ms).
 * 2. Sustained: `--clients` clients, each with a zone of its own, PATCH and wait for both clouds
 *    to answer before the next PATCH, for `--seconds`: PATCHes a second, and the same latency.
 * Printed: p50, p90, p99 and the largest call-to-answer time of each part, and of the HTTP call
 * alone.
 */

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '50' },
    clients: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '30' },
  },
  strict: true,
});
const CHANGES = Number(values.changes);
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);
const ROOT = resolve(__dirname, '../../..');
const TOKEN = 'bench-token';
const NS = 'dnsfleet-api';

const summary = (ms: readonly number[]): string => {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms, p90 ${percentile(s, 90).toFixed(0)} ms, p99 ${percentile(s, 99).toFixed(0)} ms, max ${s[s.length - 1]?.toFixed(0)} ms (${s.length} samples)`;
};

async function main(): Promise<void> {
  let cp: ControlPlane | undefined;
  let operator: OperatorProcess | undefined;
  let api: Started | undefined;
  const pods: CloudPod[] = [];
  try {
    cp = await startControlPlane();
    await installCrdsAndClouds(cp);
    const { url } = await startRedis();
    for (const cloud of CLOUDS) pods.push(await startCloudPod(cloud, url));
    operator = await startOperator(cp, url);
    for (const args of [['create', 'namespace', NS], ['create', 'secret', 'generic', TOKEN_SECRET, '-n', NS, `--from-literal=${hashToken(TOKEN)}={"namespace":"default"}`]]) {
      const out = await cp.kubectl(args);
      if (out.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${out.stderr}`);
    }
    const port = await freePort();
    // The rate limit far above what the bench asks: it measures the path, not the limit.
    api = start('node', [join(ROOT, 'dist/cli/main.js'), 'api', '--namespace', NS, '--listen', `127.0.0.1:${port}`, '--kubeconfig', cp.kubeconfig, '--rate-limit', '1000000'], { cwd: ROOT });
    const base = `http://127.0.0.1:${port}`;
    await waitFor('dnsfleet api', async () => (await fetch(`${base}/openapi.json`).catch(() => undefined))?.ok === true, 30_000);
    const call = async (method: string, path: string, body: unknown): Promise<void> => {
      const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    };
    const zone = (i: number): string => `api-bench-${i}.test`;
    const setWww = (i: number, address: string): Promise<void> =>
      call('PATCH', `/api/v2/zones/${zone(i)}/rrsets`, [{ name: `www.${zone(i)}.`, type: 'A', ttl: 300, changetype: 'update', records: [{ content: address }] }]);
    /** From the HTTP call to both clouds answering `address`; and the call alone. */
    const timedChange = async (i: number, address: string): Promise<{ total: number; call: number }> => {
      const t0 = performance.now();
      await setWww(i, address);
      const called = performance.now();
      for (;;) {
        if ((await answersA(pods, `www.${zone(i)}`, 500)).every((a) => a === address)) break;
        if (performance.now() - t0 > 30_000) throw new Error(`both clouds did not answer ${address} for ${zone(i)} within 30 s`);
        await sleep(5);
      }
      return { total: performance.now() - t0, call: called - t0 };
    };
    for (let i = 0; i <= CLIENTS; i++) {
      await call('POST', '/api/v2/zones', { domain: zone(i), type: 'master' });
      await call('PATCH', `/api/v2/zones/${zone(i)}/rrsets`, [{ name: `${zone(i)}.`, type: 'NS', ttl: 3600, changetype: 'add', records: [{ content: 'ns1.example.net.' }] }]);
      await timedChange(i, '10.63.0.1');
    }
    console.log(`bench: dnsfleet api, operator, Redis and ${pods.length} cloud pods (${CLOUDS.join(', ')}) on a real API server; ${CLIENTS + 1} zones made through the API`);

    // Part 1: one after the other.
    const one: number[] = [];
    const oneCall: number[] = [];
    for (let n = 1; n <= CHANGES; n++) {
      const { total, call: c } = await timedChange(0, `10.63.1.${n % 250}`);
      one.push(total);
      oneCall.push(c);
    }
    console.log(`one at a time, ${CHANGES} PATCHes: call to both clouds answering ${summary(one)}; the HTTP call alone ${summary(oneCall)}`);

    // Part 2: sustained, CLIENTS clients in a closed loop.
    const all: number[] = [];
    const calls: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, k) => {
        for (let n = 1; performance.now() - t0 < SECONDS * 1000; n++) {
          const { total, call: c } = await timedChange(k + 1, `10.64.${k}.${n % 250}`);
          all.push(total);
          calls.push(c);
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    console.log(`sustained, ${CLIENTS} clients for ${elapsed.toFixed(1)} s: ${(all.length / elapsed).toFixed(1)} PATCHes a second answered by both clouds; call to answer ${summary(all)}; the HTTP call alone ${summary(calls)}`);
    console.log(`RESULT api: ${(all.length / elapsed).toFixed(1)} RRset PATCHes/s through the API to answers from both clouds (${CLIENTS} clients); call-to-answer p50 ${percentile([...all].sort((a, b) => a - b), 50).toFixed(0)} ms, p99 ${percentile([...all].sort((a, b) => a - b), 99).toFixed(0)} ms; one at a time p50 ${percentile([...one].sort((a, b) => a - b), 50).toFixed(0)} ms`);
  } finally {
    await api?.stop();
    await operator?.process.stop();
    await cp?.stop();
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    void stopAll().then(() => process.exit(1));
  },
);
