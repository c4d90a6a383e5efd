import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { CLOUDS, installCrdsAndClouds, startCloudPod, startRedis, type CloudPod } from './support/fleet';
import { freePort, start, stopAll, waitFor } from '../dataplane/testkit/processes';
import { query } from '../dataplane/testkit/dns-client';
import { startPrimary, type Primary } from '../dataplane/testkit/primaries';
import { RedisZoneStore } from '../dataplane/store/redis-store';
import { runOperator, type RunningOperator } from '../operator/operator';
import { memoryLogger } from '../dataplane/testkit/memory-logger';

/**
 * One owner per zone name (issue 9, item 1; ADR 0008), on a real API server and a real Redis with
 * two real cloud pods and the control server:
 * - two namespaces' Zones with one zoneName: the second is `ZoneNameTaken` (condition naming the
 *   owner, Warning Event), the clouds serve only the first's data and its serial never goes back
 *   across resyncs; deleting the second leaves the first served; deleting the first hands the
 *   name to the second;
 * - a SecondaryZone with an existing Zone's name (another namespace, a primary with a higher
 *   serial) is refused and does not replace the zone on the clouds; once the Zone is deleted it
 *   takes the name over, its transferred copy tagged with its owner;
 * - `zoneName: com` is `ZoneNameNotAllowed` and writes nothing; with operator/admission.yaml
 *   installed the API server refuses it outright (and an older object can still be deleted).
 */

const ROOT = resolve(__dirname, '../..');
const MAIN = join(ROOT, 'dist/cli/main.js');
const RESYNC_MS = 500;

const zoneManifest = (namespace: string, name: string, zoneName: string, address: string): string => `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  zoneName: ${zoneName}
  defaultTTL: 300
  rrsets:
    - { name: "@", type: NS, records: [ns1.example.net.] }
    - { name: www, type: A, records: ["${address}"] }
`;

type Cond = { type: string; status: string; reason: string; message: string };

describe('Zone name ownership on a real API server @integration', function () {
  this.timeout(300_000);
  let cp: ControlPlane;
  let redisUrl: string;
  let redis: Redis;
  let operator: RunningOperator;
  let pods: CloudPod[] = [];
  let primary: Primary | undefined;
  const log = memoryLogger();

  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const out = await cp.kubectl(args, input);
    assert.equal(out.code, 0, `kubectl ${args.join(' ')}: ${out.stderr}`);
    return out.stdout;
  };
  const ready = async (kind: string, namespace: string, name: string): Promise<Cond | undefined> => {
    const out = await cp.kubectl(['get', kind, name, '-n', namespace, '-o', 'json']);
    if (out.code !== 0) return undefined;
    return (JSON.parse(out.stdout) as { status?: { conditions?: Cond[] } }).status?.conditions?.find((c) => c.type === 'Ready');
  };
  const waitReason = async (kind: string, namespace: string, name: string, reason: string, timeoutMs = 20_000): Promise<Cond> => {
    let last: Cond | undefined;
    await waitFor(`${kind} ${namespace}/${name} to be ${reason}`, async () => (last = await ready(kind, namespace, name))?.reason === reason, timeoutMs).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; last Ready: ${JSON.stringify(last)}`);
    });
    return last!;
  };
  /** What each pod answers: www's address and the SOA serial (undefined when it does not answer for the zone). */
  const served = async (zone: string): Promise<Array<{ address?: string; serial?: number }>> =>
    Promise.all(
      pods.map(async (p) => {
        const a = await query('127.0.0.1', p.dnsPort, `www.${zone}`, 'A', { timeoutMs: 1000 });
        const soa = await query('127.0.0.1', p.dnsPort, zone, 'SOA', { timeoutMs: 1000 });
        const address = (a.packet.answers?.find((r) => r.type === 'A') as { data?: string } | undefined)?.data;
        const serial = (soa.packet.answers?.find((r) => r.type === 'SOA') as { data?: { serial?: number } } | undefined)?.data?.serial;
        return { address, serial };
      }),
    );
  const warningEvents = async (namespace: string, reason: string): Promise<Array<{ type: string; note?: string; message?: string }>> => {
    const out = await kubectl(['get', 'events.events.k8s.io', '-n', namespace, '-o', 'json']);
    return (JSON.parse(out) as { items: Array<{ type: string; reason: string; note?: string }> }).items.filter((e) => e.reason === reason);
  };
  /** Watches the clouds for `ms`: every answer must be `address`, and no pod's serial may go back. */
  const steady = async (zone: string, address: string, ms: number): Promise<number> => {
    const highest = new Map<number, number>();
    const until = Date.now() + ms;
    let rounds = 0;
    while (Date.now() < until) {
      const now = await served(zone);
      now.forEach((s, i) => {
        assert.equal(s.address, address, `pod ${pods[i]!.pod} answers www.${zone} with ${s.address} (round ${rounds})`);
        assert.ok(s.serial !== undefined, `pod ${pods[i]!.pod} has a serial`);
        const before = highest.get(i);
        assert.ok(before === undefined || s.serial >= before, `pod ${pods[i]!.pod}: serial went back from ${before} to ${s.serial}`);
        highest.set(i, s.serial);
      });
      rounds++;
      await sleep(100);
    }
    return rounds;
  };

  before(async () => {
    cp = await startControlPlane();
    await installCrdsAndClouds(cp);
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/secondaryzones.dnsfleet.io']);
    await kubectl(['create', 'namespace', 'team-a']);
    await kubectl(['create', 'namespace', 'team-b']);
    await kubectl(['create', 'namespace', 'team-c']);
    const r = await startRedis();
    redisUrl = r.url;
    redis = new Redis(redisUrl);
    operator = await runOperator({ store: new RedisZoneStore(redisUrl), log, kubeconfig: cp.kubeconfig, pods: { image: 'dnsfleet:test', redisUrl }, resyncMs: RESYNC_MS });
    pods = await Promise.all(CLOUDS.map((c) => startCloudPod(c, redisUrl)));
    const dns = await freePort();
    const http = await freePort();
    start('node', [MAIN, 'dataplane', '--role', 'control', '--redis', redisUrl, '--listen', `127.0.0.1:${dns}`, '--http', `127.0.0.1:${http}`, '--allow-transfer', '127.0.0.1/32'], { cwd: ROOT });
    await waitFor('the control server', async () => (await fetch(`http://127.0.0.1:${http}/readyz`).catch(() => undefined))?.ok ?? false, 30_000);
  });
  after(async () => {
    if (process.env.DNSFLEET_E2E_LOG) for (const l of log.lines.filter((l) => l.level !== 'info')) console.log(JSON.stringify(l));
    await operator?.stop();
    await redis?.quit();
    await primary?.stop();
    await cp?.stop();
    await stopAll();
  });

  it('keeps a zone name with the first Zone: the second is ZoneNameTaken, writes nothing, and the serial never goes back', async () => {
    await kubectl(['apply', '-f', '-'], zoneManifest('team-a', 'shared', 'shared.test', '10.9.0.1'));
    await waitReason('zone', 'team-a', 'shared', 'Serving');
    await sleep(1100); // a later creationTimestamp (second resolution)
    await kubectl(['apply', '-f', '-'], zoneManifest('team-b', 'shared', 'Shared.Test.', '10.9.0.2'));
    await waitFor('the second Zone to be reconciled', async () => (await ready('zone', 'team-b', 'shared')) !== undefined);
    // Many resyncs: every reconcile of both Zones runs again, and nothing flips.
    const rounds = await steady('shared.test', '10.9.0.1', 8 * RESYNC_MS + 2000);
    assert.ok(rounds >= 5, `${rounds} rounds of queries`);
    const taken = await waitReason('zone', 'team-b', 'shared', 'ZoneNameTaken');
    assert.equal(taken.status, 'False');
    assert.match(taken.message, /shared\.test\. belongs to Zone team-a\/shared/);
    await waitFor('a Warning Event ZoneNameTaken', async () => (await warningEvents('team-b', 'ZoneNameTaken')).some((e) => e.type === 'Warning' && /Zone team-a\/shared/.test(e.note ?? '')));
    assert.equal((await ready('zone', 'team-a', 'shared'))?.reason, 'Serving');
    assert.equal(await redis.hget('{dnsfleet}:zone:shared.test.', 'owner'), 'Zone/team-a/shared');
  });

  it('deleting the later Zone leaves the first served', async () => {
    // Asked throughout the deletion, so even a short gap (until the next resync) shows.
    const deleting = (async () => {
      await sleep(300);
      await kubectl(['delete', 'zone', 'shared', '-n', 'team-b', '--timeout=30s']);
    })();
    await Promise.all([steady('shared.test', '10.9.0.1', 5000), deleting]);
    assert.equal((await ready('zone', 'team-a', 'shared'))?.reason, 'Serving');
  });

  it('deleting the owner hands the name to the next claimant promptly', async () => {
    await kubectl(['apply', '-f', '-'], zoneManifest('team-b', 'shared', 'shared.test', '10.9.0.2'));
    await waitReason('zone', 'team-b', 'shared', 'ZoneNameTaken');
    const started = Date.now();
    await kubectl(['delete', 'zone', 'shared', '-n', 'team-a', '--timeout=30s']);
    await waitFor('both clouds answer the new owner\'s data', async () => (await served('shared.test')).every((s) => s.address === '10.9.0.2'), 15_000);
    await waitReason('zone', 'team-b', 'shared', 'Serving');
    assert.ok(Date.now() - started < 15_000);
    assert.equal(await redis.hget('{dnsfleet}:zone:shared.test.', 'owner'), 'Zone/team-b/shared');
  });

  it('refuses a SecondaryZone with an existing Zone\'s name; the clouds keep the Zone until it is deleted', async () => {
    const origin = 'shared.test.';
    primary = await startPrimary('nsd', origin, `$ORIGIN ${origin}\n$TTL 300\n@ SOA ns1 hostmaster 2100000000 7200 900 1209600 300\n@ NS ns1\nns1 A 10.9.0.53\nwww A 10.9.0.3\n`);
    await kubectl(['apply', '-f', '-'], `apiVersion: dnsfleet.io/v1alpha1
kind: SecondaryZone
metadata: { name: shared, namespace: team-c }
spec:
  zoneName: shared.test
  primaries: [{ address: ${primary.address}, port: ${primary.port} }]
`);
    const taken = await waitReason('secondaryzone', 'team-c', 'shared', 'ZoneNameTaken');
    assert.match(taken.message, /belongs to Zone team-b\/shared/);
    await steady('shared.test', '10.9.0.2', 4000);
    assert.equal(await redis.hget('{dnsfleet}:secondaries', origin), null, 'nothing handed to the control server');
    assert.equal((await ready('zone', 'team-b', 'shared'))?.reason, 'Serving');
    // The Zone goes: the SecondaryZone takes the name over, and the control server's copy carries its owner.
    await kubectl(['delete', 'zone', 'shared', '-n', 'team-b', '--timeout=30s']);
    await waitFor('both clouds answer the transferred copy', async () => (await served('shared.test')).every((s) => s.address === '10.9.0.3'), 20_000);
    assert.equal(await redis.hget('{dnsfleet}:zone:shared.test.', 'owner'), 'SecondaryZone/team-c/shared');
    await waitReason('secondaryzone', 'team-c', 'shared', 'Transferred');
    await kubectl(['delete', 'secondaryzone', 'shared', '-n', 'team-c', '--timeout=30s']);
    await waitFor('the zone leaves both clouds', async () => (await served('shared.test')).every((s) => s.address === undefined), 10_000);
    assert.equal(await redis.hget('{dnsfleet}:secondaries', origin), null);
  });

  it('refuses zoneName com (a public suffix): nothing written, the clouds do not answer under it', async () => {
    await kubectl(['apply', '-f', '-'], zoneManifest('team-a', 'com', 'com', '10.9.0.66'));
    const refused = await waitReason('zone', 'team-a', 'com', 'ZoneNameNotAllowed');
    assert.match(refused.message, /com\. is a public suffix/);
    await waitFor('a Warning Event ZoneNameNotAllowed', async () => (await warningEvents('team-a', 'ZoneNameNotAllowed')).some((e) => e.type === 'Warning'));
    assert.equal(await redis.exists('{dnsfleet}:zone:com.'), 0);
    for (const s of await served('paypal.com')) assert.equal(s.address, undefined);
  });

  it('with operator/admission.yaml, the API server refuses single-label and wildcard zone names; an older object is still deleted', async () => {
    await kubectl(['apply', '-f', join(ROOT, 'operator/admission.yaml')]);
    // The policy takes a moment to reach the admission chain: a server-side dry run tells when.
    await waitFor('the policy to be in force', async () => (await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], zoneManifest('team-b', 'probe', 'probe', '10.9.0.70'))).code !== 0, 30_000);
    const refused = async (manifest: string): Promise<string> => {
      const out = await cp.kubectl(['apply', '-f', '-'], manifest);
      assert.notEqual(out.code, 0, `kubectl apply was accepted: ${out.stdout}`);
      return out.stderr;
    };
    const single = await refused(zoneManifest('team-b', 'org', 'org.', '10.9.0.67'));
    assert.match(single, /ValidatingAdmissionPolicy 'dnsfleet-zone-names'.*denied request: spec\.zoneName org\.: a top-level domain/);
    const secondary = await refused(`apiVersion: dnsfleet.io/v1alpha1
kind: SecondaryZone
metadata: { name: net, namespace: team-b }
spec:
  zoneName: net
  primaries: [{ address: 127.0.0.1 }]
`);
    assert.match(secondary, /spec\.zoneName net: a top-level domain/);
    assert.match(await refused(zoneManifest('team-b', 'wild', '"*.shared.test"', '10.9.0.68')), /a wildcard label/);
    // Ordinary names pass, and the older `com` Zone can still be changed and deleted.
    await kubectl(['apply', '-f', '-'], zoneManifest('team-b', 'ok', 'ok.example.com', '10.9.0.69'));
    await kubectl(['label', 'zone', 'com', '-n', 'team-a', 'touched=yes']);
    await kubectl(['delete', 'zone', 'com', '-n', 'team-a', '--timeout=30s']);
    await waitReason('zone', 'team-b', 'ok', 'Serving');
  });
});
