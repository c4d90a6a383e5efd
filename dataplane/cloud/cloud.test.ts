import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import { RedisZoneStore } from '../store/redis-store';
import { snapshotOf } from '../store/snapshot';
import type { ZoneSnapshot } from '../store/zone-store';
import { memoryLogger } from '../testkit/memory-logger';
import { freePort, start, stopAll, waitFor, type Started } from '../testkit/processes';
import * as dnsPacket from 'dns-packet';
import { buildQuery, exchangeUdp, query } from '../testkit/dns-client';
import { runCloud, type RunningCloud } from './run-cloud';

/**
 * A cloud pod against a real Redis of its own (so the test can stop it): zones appear, change
 * and disappear in the answers as the store changes, the pod reports what it serves, and it
 * keeps answering while Redis is down.
 */

function snapshot(origin: string, serial: number, address: string, clouds: ZoneSnapshot['clouds'] = 'all'): ZoneSnapshot {
  const o = Name.fromText(origin);
  const b = new ZoneBuilder(o);
  for (const r of readZoneFile(`$TTL 60\n@ SOA ns hm ${serial} 1 2 3 4\n@ NS ns\nwww A ${address}\n`, { origin: o, source: 'test' })) b.add(r);
  return snapshotOf(b.build(), clouds);
}

async function startRedis(port: number): Promise<Started> {
  const redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await waitFor('redis', async () => /Ready to accept connections/.test(redis.output()), 10_000);
  return redis;
}

describe('cloud pod against Redis @integration', function () {
  this.timeout(60_000);
  let redisPort: number;
  let redis: Started;
  let writer: RedisZoneStore;
  let pod: RunningCloud;
  const log = memoryLogger();

  const answer = async (name: string): Promise<{ rcode?: string; address?: string }> => {
    const port = pod.dns.bound[0]!.port;
    const reply = await query('127.0.0.1', port, name, 'A', { timeoutMs: 1000 });
    return { rcode: (reply.packet as { rcode?: string }).rcode, address: (reply.packet.answers?.[0] as { data?: string } | undefined)?.data };
  };
  const until = (what: string, check: () => Promise<boolean>, ms = 2000) => waitFor(what, check, ms);

  before(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    writer = new RedisZoneStore(`redis://127.0.0.1:${redisPort}`);
    await writer.putZone(snapshot('before.test.', 1, '192.0.2.1'));
    pod = await runCloud({
      cloud: 'cloud-a',
      pod: 'cloud-a-0',
      store: new RedisZoneStore(`redis://127.0.0.1:${redisPort}`),
      listen: [{ host: '127.0.0.1', port: 0 }],
      http: { host: '127.0.0.1', port: 0 },
      log,
      reportEveryMs: 200,
      identity: { identity: 'cloud-a-0', nsid: 'cloud-a-0' },
    });
  });
  after(async () => {
    await pod?.stop();
    await writer?.close();
    await stopAll();
  });

  it('loads the zones that exist before it starts, then reports ready', async () => {
    assert.deepEqual(await answer('www.before.test'), { rcode: 'NOERROR', address: '192.0.2.1' });
    const ready = await fetch(`http://127.0.0.1:${pod.httpPort}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${pod.httpPort}/healthz`)).status, 200);
  });

  it('tells which pod answered: NSID and CH TXT id.server (RFC 5001, RFC 4892)', async () => {
    const port = pod.dns.bound[0]!.port;
    const nsidQuery = Buffer.concat([buildQuery('www.before.test', 'A', { edns: null }), Buffer.from([0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 4, 0, 3, 0, 0])]);
    nsidQuery.writeUInt16BE(1, 10);
    const reply = dnsPacket.decode(await exchangeUdp('127.0.0.1', port, nsidQuery));
    const opt = reply.additionals?.find((a) => a.type === 'OPT') as { options?: Array<{ code: number; data?: Buffer }> } | undefined;
    assert.equal(Buffer.from(opt?.options?.find((o) => o.code === 3)?.data ?? []).toString(), 'cloud-a-0');
    const chaos = dnsPacket.encode({ id: 5, type: 'query', questions: [{ name: 'id.server', type: 'TXT', class: 'CH' }] });
    const id = dnsPacket.decode(await exchangeUdp('127.0.0.1', port, chaos));
    assert.deepEqual(id.answers?.map((a) => Buffer.concat((a as { data: Buffer[] }).data).toString()), ['cloud-a-0']);
  });

  it('answers a zone put into the store within 2 s, and its changes', async () => {
    await writer.putZone(snapshot('new.test.', 1, '192.0.2.10'));
    await until('new.test answered', async () => (await answer('www.new.test')).address === '192.0.2.10');
    await writer.putZone(snapshot('new.test.', 2, '192.0.2.20'));
    await until('the change answered', async () => (await answer('www.new.test')).address === '192.0.2.20');
  });

  it('does not serve zones meant for other clouds', async () => {
    await writer.putZone(snapshot('other.test.', 1, '192.0.2.30', ['cloud-b']));
    await writer.putZone(snapshot('mine.test.', 1, '192.0.2.31', ['cloud-a']));
    await until('mine.test answered', async () => (await answer('www.mine.test')).address === '192.0.2.31');
    assert.equal((await answer('www.other.test')).rcode, 'REFUSED');
  });

  it('reports the serials it serves', async () => {
    await until('a report with new.test at serial 2', async () => {
      const reports = await writer.servedBy('cloud-a');
      return reports.some((r) => r.pod === 'cloud-a-0' && r.serials.get('new.test.') === 2);
    });
  });

  it('stops serving a deleted zone (REFUSED)', async () => {
    await writer.deleteZone('mine.test.');
    await until('mine.test refused', async () => (await answer('www.mine.test')).rcode === 'REFUSED');
  });

  it('keeps the last good version when the store holds a broken snapshot', async () => {
    await writer.putZone({ ...snapshot('new.test.', 3, '192.0.2.20'), text: '$ORIGIN new.test.\nwww 60 IN A 999.0.0.1\n' });
    await until('the failure is visible', async () => {
      const zones = (await (await fetch(`http://127.0.0.1:${pod.httpPort}/zones`)).json()) as { failures: Record<string, string> };
      return /999\.0\.0\.1/.test(zones.failures['new.test.'] ?? '');
    });
    assert.equal((await answer('www.new.test')).address, '192.0.2.20');
  });

  it('keeps answering while Redis is down, says so once, and keeps every zone when it is back empty until the epoch is complete', async () => {
    const e1 = await writer.epoch();
    await writer.completeEpoch(e1.id, 'zones');
    await redis.stop();
    await until('/readyz says the store is unreachable', async () => {
      const r = await fetch(`http://127.0.0.1:${pod.httpPort}/readyz`);
      return r.status === 200 && /store unreachable since/.test(await r.text());
    }, 10_000);
    assert.match(await (await fetch(`http://127.0.0.1:${pod.httpPort}/metrics`)).text(), /^dnsfleet_store_up 0$/m);
    assert.equal((await answer('www.new.test')).address, '192.0.2.20', 'still serving');
    await sleep(1500);
    assert.equal(log.lines.filter((l) => /zone store unreachable/.test(l.msg)).length, 1, 'one line for the outage, not one per retry');
    redis = await startRedis(redisPort);
    // The store restarted empty: the operator writes the zones again, from version 1.
    await writer.putZone(snapshot('new.test.', 4, '192.0.2.40'));
    await until('the zone after the restart', async () => (await answer('www.new.test')).address === '192.0.2.40', 10_000);
    assert.ok(log.lines.some((l) => l.msg === 'zone store reachable again' && Number(l.fields?.downMs) > 0));
    await sleep(1000);
    assert.equal((await answer('www.before.test')).address, '192.0.2.1', 'a zone the new store lacks is not taken away');
    const e2 = await writer.epoch();
    assert.notEqual(e2.id, e1.id);
    assert.equal(await writer.completeEpoch(e2.id, 'zones'), true);
    await until('once the epoch is complete, zones the store does not hold are dropped', async () => (await answer('www.before.test')).rcode === 'REFUSED', 10_000);
  });
});
