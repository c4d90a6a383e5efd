import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { keepAsking } from './support/keep-asking';
import { cloudManifest, cloudZoneManifest, clusterIpOf, DNSFLEET_IMAGE, isPodReady, kubectlOk, startClusterFleet, type ClusterFleet } from './support/cluster-fleet';
import { buildQuery, query } from '../dataplane/testkit/dns-client';
import { udpFlood } from '../dataplane/testkit/udp-flood';
import { probeFor, startTrickler, summarize } from '../dataplane/testkit/tcp-abuse';
import { askA } from './support/keep-asking';
import { freePort, start, stopAll, waitFor, type Started } from '../dataplane/testkit/processes';
import { DNS_CONTAINER_PORT, HTTP_CONTAINER_PORT } from '../operator/cloud/cloud-objects';

/**
 * Issue 15's faults on real pods: the one-node cluster, the image from the Dockerfile, two
 * operator replicas as processes of their own racing for the Lease, the clouds and the control
 * server as pods, and a Redis on this machine. Each fault happens while Zones change, and each
 * test ends the same way: every Zone answered by every pod of both clouds and through both
 * Services with its latest content and the serial its status names.
 */

const NS = 'dnsfleet-system';
const ROOT = resolve(__dirname, '../..');
const MAIN = join(ROOT, 'dist/cli/main.js');
const ZONES = Array.from({ length: 8 }, (_, i) => `fault-${i}.test`);

type Pod = { metadata: { name: string; deletionTimestamp?: string }; status: { podIP?: string; conditions?: Array<{ type: string; status: string }> } };
type ZoneJson = { metadata: { name: string }; spec: { zoneName: string }; status?: { serial?: number; conditions?: Array<{ type: string; status: string; reason?: string }> } };

const zoneManifest = (zoneName: string, address: string): string => cloudZoneManifest(zoneName.replace(/\./g, '-'), zoneName, address);

/** An operator replica: `dnsfleet operator` with leader election, as the chart runs two. */
interface Replica {
  readonly name: string;
  readonly process: Started;
  readonly metrics: number;
}

describe('faults on real pods: Redis, the operator, pods killed mid-update @integration', function () {
  this.timeout(900_000);
  let fleet: ClusterFleet;
  const replicas: Replica[] = [];
  /** The address each zone's www must have: the latest applied. */
  const latest = new Map<string, string>();
  let changes = 0;

  const kubectl = (...args: string[]): Promise<string> => kubectlOk(fleet.cluster, ...args);
  const apply = async (manifest: string): Promise<void> => {
    const out = await fleet.cluster.kubectl(['apply', '-f', '-'], manifest);
    assert.equal(out.code, 0, out.stderr);
  };
  const pods = async (selector: string): Promise<Pod[]> => (JSON.parse(await kubectl('get', 'pods', '-n', NS, '-l', selector, '-o', 'json')) as { items: Pod[] }).items;

  /** Gives `count` zones (from `first`) a new www address, in one apply. */
  const change = async (first: number, count: number): Promise<void> => {
    const docs: string[] = [];
    for (let i = first; i < first + count; i++) {
      const zone = ZONES[i % ZONES.length]!;
      changes++;
      const address = `10.61.${changes >> 8}.${changes & 255}`;
      latest.set(zone, address);
      docs.push(zoneManifest(zone, address));
    }
    await apply(docs.join('---\n'));
  };

  const startReplica = async (name: string): Promise<Replica> => {
    const metrics = await freePort();
    const p = start('node', [MAIN, 'operator', '--redis', fleet.redisUrl, '--pod-redis-url', fleet.podSettings.redisUrl, '--image', DNSFLEET_IMAGE, '--kubeconfig', fleet.cluster.kubeconfig, '--metrics', `127.0.0.1:${metrics}`, '--control-namespace', NS, '--control-allow-transfer', '127.0.0.1/32', '--leader-elect-namespace', NS], {
      cwd: ROOT,
      env: { ...process.env, POD_NAME: name },
    });
    const replica = { name, process: p, metrics };
    replicas.push(replica);
    return replica;
  };
  const isLeader = async (r: Replica): Promise<boolean> =>
    r.process.process.exitCode === null && (await fetch(`http://127.0.0.1:${r.metrics}/healthz`).then((res) => res.text()).catch(() => '')).includes('leader;');
  const leader = async (): Promise<Replica> => {
    let found: Replica | undefined;
    await waitFor('an operator replica leading', async () => {
      for (const r of replicas) if (await isLeader(r)) found = r;
      return found !== undefined;
    }, 60_000);
    return found!;
  };

  /**
   * Every zone, from every ready pod of both clouds and from both Services: www at its latest
   * address, and the SOA serial its Zone's status names, with the Zone Ready. Waits up to
   * `timeoutMs`, then fails naming what differs.
   */
  const converged = async (timeoutMs = 180_000): Promise<{ seconds: number }> => {
    const t0 = performance.now();
    let differences: string[] = [];
    const targets = async (): Promise<Array<[string, string, number]>> => {
      const out: Array<[string, string, number]> = [];
      for (const cloud of ['cloud-a', 'cloud-b']) {
        for (const p of (await pods(`dnsfleet.io/cloud=${cloud}`)).filter(isPodReady)) out.push([`${cloud} pod ${p.metadata.name}`, p.status.podIP!, DNS_CONTAINER_PORT]);
        out.push([`${cloud} Service`, await clusterIpOf(fleet.cluster, NS, `dnsfleet-${cloud}`), 53]);
      }
      return out;
    };
    await waitFor('every zone answered by both clouds with its latest version', async () => {
      differences = [];
      const servers = await targets();
      const zones = new Map(((JSON.parse(await kubectl('get', 'zones', '-n', 'default', '-o', 'json')) as { items: ZoneJson[] }).items).map((z) => [z.metadata.name, z]));
      for (const [zone, address] of latest) {
        const z = zones.get(zone.replace(/\./g, '-'));
        const ready = z?.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready?.status !== 'True') differences.push(`${zone}: Ready ${ready?.status}/${ready?.reason}`);
        for (const [what, host, port] of servers) {
          const got = await answer(host, port, zone);
          if (got.address !== address || got.serial !== z?.status?.serial) differences.push(`${zone} from ${what}: ${JSON.stringify(got)}, want ${address} serial ${z?.status?.serial}`);
        }
      }
      return differences.length === 0;
    }, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}:\n${differences.slice(0, 12).join('\n')}\n${replicas.map((r) => `--- ${r.name}\n${r.process.output().slice(-1500)}`).join('\n')}`);
    });
    return { seconds: (performance.now() - t0) / 1000 };
  };

  before(async function () {
    this.timeout(3_600_000);
    fleet = await startClusterFleet();
    await apply(`${cloudManifest('cloud-a', 2, '10.53.0.1')}---\n${cloudManifest('cloud-b', 1, '10.53.0.2')}`);
    await startReplica('operator-0');
    await startReplica('operator-1');
    await change(0, ZONES.length);
    await converged(300_000);
  });

  after(async () => {
    for (const r of replicas) await r.process.stop();
    await fleet?.stop();
    await stopAll();
  });

  it('Redis unreachable for 12 s (paused): the clouds keep answering what they have, the Zones say StoreUnavailable, and the changes made meanwhile arrive after', async () => {
    const before = new Map(latest);
    const service = await clusterIpOf(fleet.cluster, NS, 'dnsfleet-cloud-a');
    const zone = ZONES[0]!;
    fleet.redis.pause();
    let tally;
    try {
      const asking = keepAsking(service, 53, `www.${zone}`, 50);
      await sleep(1000);
      await change(0, 3);
      await waitFor('a Zone saying StoreUnavailable', async () => {
        const z = JSON.parse(await kubectl('get', 'zone', zone.replace(/\./g, '-'), '-o', 'json')) as ZoneJson;
        return z.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'StoreUnavailable') ?? false;
      }, 30_000);
      await sleep(Math.max(0, 12_000 - 1000));
      tally = await asking.stop();
    } finally {
      fleet.redis.resume();
    }
    assert.deepEqual([...tally.keys()], [before.get(zone)], `the old version answered throughout the outage: ${JSON.stringify([...tally])}`);
    const { seconds } = await converged();
    console.log(`      ${[...tally.values()][0]} queries answered with the last version during the outage; converged ${seconds.toFixed(1)} s after Redis came back`);
  });

  it('Redis restarted empty: the clouds keep answering, and the operator writes every zone again, with its latest version', async () => {
    const service = await clusterIpOf(fleet.cluster, NS, 'dnsfleet-cloud-b');
    const zone = ZONES[1]!;
    const asking = keepAsking(service, 53, `www.${zone}`, 50);
    await fleet.redis.restart('nothing');
    await change(3, 2);
    const { seconds } = await converged();
    const tally = await asking.stop();
    const wrong = [...tally].filter(([a]) => a !== latest.get(zone));
    assert.deepEqual(wrong, [], `only the zone's address answered while the store was rebuilt: ${JSON.stringify([...tally])}`);
    const redis = new Redis(fleet.redisUrl);
    try {
      const stored = await redis.smembers('{dnsfleet}:zones');
      for (const z of ZONES) assert.ok(stored.includes(`${z}.`), `${z} written again: ${stored.join(', ')}`);
    } finally {
      redis.disconnect();
    }
    console.log(`      converged ${seconds.toFixed(1)} s after an empty Redis came up`);
  });

  it('Redis restarted with its data (SHUTDOWN SAVE): nothing lost, nothing stale', async () => {
    await change(5, 2);
    await fleet.redis.restart('data');
    await change(7, 1);
    const { seconds } = await converged();
    console.log(`      converged ${seconds.toFixed(1)} s after Redis came back with its dump`);
  });

  it('a cloud pod and the control server killed (no grace) in the middle of a change: their replacements serve the latest version', async () => {
    const victims = [(await pods('dnsfleet.io/cloud=cloud-a')).filter(isPodReady)[0]!, (await pods('app.kubernetes.io/component=control')).filter(isPodReady)[0]!];
    const changing = change(0, ZONES.length);
    await sleep(100);
    for (const v of victims) await kubectl('delete', 'pod', '-n', NS, v.metadata.name, '--grace-period=0', '--force', '--wait=false');
    await changing;
    await waitFor('a new control server ready', async () => (await pods('app.kubernetes.io/component=control')).some((p) => isPodReady(p) && p.metadata.name !== victims[1]!.metadata.name), 180_000);
    await waitFor('cloud-a back to 2 ready pods', async () => (await pods('dnsfleet.io/cloud=cloud-a')).filter(isPodReady).length === 2, 180_000);
    const { seconds } = await converged();
    console.log(`      converged ${seconds.toFixed(1)} s after the replacements were ready`);
  });

  it('spec.rateLimit on a NameserverCloud: its pods hold a UDP flood to the rate and slip every second limited answer, while TCP and the other cloud answer', async () => {
    await kubectl('patch', 'nameservercloud/cloud-b', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { rateLimit: { responsesPerSecond: 50, slip: 2 } } }));
    let pod: Pod | undefined;
    await waitFor('a cloud-b pod with --rrl-rate ready', async () => {
      for (const p of (await pods('dnsfleet.io/cloud=cloud-b')).filter(isPodReady)) {
        const args = JSON.parse(await kubectl('get', 'pod', p.metadata.name, '-n', NS, '-o', 'jsonpath={.spec.containers[0].args}')) as string[];
        if (args.includes('--rrl-rate')) pod = p;
      }
      return pod !== undefined && (await pods('dnsfleet.io/cloud=cloud-b')).length === 1;
    }, 180_000);
    const ip = pod!.status.podIP!;
    const zone = ZONES[2]!;
    const other = (await pods('dnsfleet.io/cloud=cloud-a')).filter(isPodReady)[0]!.status.podIP!;
    // From this machine's address on the pods' network, 1,000 queries a second for 4 s.
    const flood = udpFlood({ host: ip, port: DNS_CONTAINER_PORT, source: await fleet.peerAddress(), query: buildQuery(`www.${zone}`, 'A'), count: 4000, perSecond: 1000 });
    const during = (async () => {
      const answers: string[] = [];
      for (let i = 0; i < 10; i++) {
        const tcp = await query(ip, DNS_CONTAINER_PORT, `www.${zone}`, 'A', { tcp: true, timeoutMs: 1000 }).then((r) => (r.packet.answers?.find((a) => a.type === 'A') as { data?: string } | undefined)?.data ?? 'none').catch(() => 'timeout');
        answers.push(`tcp ${tcp}`, `other cloud ${await askA(other, DNS_CONTAINER_PORT, `www.${zone}`)}`);
        await sleep(300);
      }
      return answers;
    })();
    const [counts, answers] = await Promise.all([flood, during]);
    const report = JSON.stringify({ counts, answers: [...new Set(answers)] });
    console.log(`      rrl on a pod: ${JSON.stringify(counts)}`);
    const limited = counts.sent - counts.answered;
    assert.ok(counts.answered <= 50 * (counts.seconds + 1) + 5 && counts.answered >= 50 * counts.seconds * 0.5, `answered at the rate: ${report}`);
    assert.ok(Math.abs(counts.slipped / limited - 0.5) < 0.03, `one limited answer in two slipped: ${report}`);
    assert.deepEqual([...new Set(answers)].sort(), [`other cloud ${latest.get(zone)}`, `tcp ${latest.get(zone)}`], report);
    const metrics = await (await fetch(`http://${ip}:${HTTP_CONTAINER_PORT}/metrics`)).text();
    const slipped = /^dnsfleet_rate_limited_total\{[^}]*action="slipped"[^}]*class="positive"[^}]*\} (\d+)/m.exec(metrics);
    assert.ok(slipped && Number(slipped[1]) >= counts.slipped, `the pod counts what it slipped: ${slipped?.[0]}`);
    // Off again, for the tests after this one.
    await kubectl('patch', 'nameservercloud/cloud-b', '-n', NS, '--type=merge', '-p', JSON.stringify({ spec: { rateLimit: null } }));
    await kubectl('rollout', 'status', 'deployment/dnsfleet-cloud-b', '-n', NS, '--timeout=180s');
    await converged();
  });

  it('1,000 idle TCP connections and a slow-loris client at a cloud pod: every new client is answered within 1 s, over TCP and UDP', async () => {
    const ip = (await pods('dnsfleet.io/cloud=cloud-a')).filter(isPodReady)[0]!.status.podIP!;
    const idle = await startTrickler({ host: ip, port: DNS_CONTAINER_PORT, connections: 1000, everyMs: 3_600_000, reconnectMs: 1000 });
    const loris = await startTrickler({ host: ip, port: DNS_CONTAINER_PORT, connections: 100, everyMs: 1000, reconnectMs: 1000 });
    let results;
    let udp: string[];
    let attackers;
    try {
      const zone = ZONES[3]!;
      const asking = (async () => {
        const out: string[] = [];
        for (let i = 0; i < 40; i++, await sleep(250)) out.push(await askA(ip, DNS_CONTAINER_PORT, `www.${zone}`));
        return out;
      })();
      [results, udp] = await Promise.all([probeFor({ host: ip, port: DNS_CONTAINER_PORT, zone, everyMs: 200, durationMs: 10_000, timeoutMs: 1000 }), asking]);
    } finally {
      attackers = { idle: await idle.stop(), loris: await loris.stop() };
    }
    const tcp = summarize(results);
    const report = JSON.stringify({ attackers, tcp, udp: [...new Set(udp)] });
    console.log(`      tcp at a pod: ${report}`);
    assert.ok(attackers.idle.opened >= 1000 && attackers.idle.closedByServer >= 500, report);
    assert.ok(tcp.probes >= 40 && tcp.answered === tcp.probes && tcp.maxMs! < 1000, `every new TCP client answered within 1 s: ${report}`);
    assert.deepEqual([...new Set(udp)], [latest.get(ZONES[3]!)], report);
  });

  it('the leading operator killed (SIGKILL) in the middle of a change: the other replica takes the Lease and finishes it, nothing half-applied', async () => {
    const first = await leader();
    const changing = change(0, ZONES.length);
    await sleep(300);
    first.process.process.kill('SIGKILL');
    await changing;
    const t0 = performance.now();
    const second = await leader();
    assert.notEqual(second.name, first.name);
    const { seconds } = await converged();
    // Nothing half-applied: the store holds, for every Zone, the serial its status names (and the
    // clouds serve it, checked above).
    const zones = (JSON.parse(await kubectl('get', 'zones', '-n', 'default', '-o', 'json')) as { items: ZoneJson[] }).items;
    const redis = new Redis(fleet.redisUrl);
    try {
      for (const z of zones) {
        const stored = Number(await redis.hget(`{dnsfleet}:zone:${z.spec.zoneName}.`, 'serial'));
        assert.equal(stored, z.status?.serial, `${z.spec.zoneName}: the store's serial is the status's`);
      }
    } finally {
      redis.disconnect();
    }
    console.log(`      ${second.name} led ${((performance.now() - t0) / 1000).toFixed(1)} s after ${first.name} was killed; converged ${seconds.toFixed(1)} s later`);
    // The killed replica comes back as a follower, as its Deployment would restart it.
    await startReplica(`${first.name}-restarted`);
  });
});

/** www's address and the SOA serial of `zone` from one server (what came instead, when not). */
async function answer(host: string, port: number, zone: string): Promise<{ address?: string; serial?: number; error?: string }> {
  try {
    const www = await query(host, port, `www.${zone}`, 'A', { timeoutMs: 1000 });
    const soa = await query(host, port, zone, 'SOA', { timeoutMs: 1000 });
    const a = www.packet.answers?.find((r) => r.type === 'A') as { data?: string } | undefined;
    const s = soa.packet.answers?.find((r) => r.type === 'SOA') as { data?: { serial?: number } } | undefined;
    return { ...(a?.data ? { address: a.data } : {}), ...(s?.data?.serial !== undefined ? { serial: s.data.serial } : {}) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
