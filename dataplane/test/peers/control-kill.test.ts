import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisZoneStore } from '../../store/redis-store';
import { runCloud, type RunningCloud } from '../../cloud/run-cloud';
import { memoryLogger } from '../../testkit/memory-logger';
import { startPrimary, type Primary } from '../../testkit/primaries';
import { CLI } from '../../testkit/peers';
import { freePort, start, stopAll, waitFor, type Started } from '../../testkit/processes';
import { query } from '../../testkit/dns-client';

/**
 * Issue 15, "the control server killed mid-transfer": a secondary zone of 200,000 records from a
 * real NSD primary, two cloud pods, and the control server as a process of its own. The primary
 * changes the zone and NOTIFYs; the control server is killed (SIGKILL) the moment it starts the
 * transfer. Nothing half-applied reaches the clouds: each answers a whole version throughout, the
 * old or the new (an IXFR difference the control server wrote before it died is a whole step),
 * never a mix. A new control server takes over from the store and the primary: both clouds answer
 * the new version, and a cloud pod started afterwards from the store alone does too.
 */

const ORIGIN = 'killed.test.';
const RECORDS = 200_000;
const zoneText = (serial: number, address: string): string =>
  `$ORIGIN ${ORIGIN}\n$TTL 300\n@ SOA ns1 hostmaster ${serial} 7200 900 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A ${address}\n` +
  Array.from({ length: RECORDS }, (_, i) => `h${i} A 198.51.${Math.floor(i / 250) % 250}.${i % 250}\n`).join('');

describe('the control server killed mid-transfer @integration', function () {
  this.timeout(240_000);
  const log = memoryLogger();
  let redis: Started;
  let redisUrl: string;
  let writer: RedisZoneStore;
  let primary: Primary;
  const clouds: RunningCloud[] = [];
  let controlPort: number;

  const startControl = async (): Promise<Started> => {
    const http = await freePort();
    const control = start('node', [CLI, 'dataplane', '--role', 'control', '--pod', 'control-0', '--redis', redisUrl, '--listen', `127.0.0.1:${controlPort}`, '--http', `127.0.0.1:${http}`]);
    await waitFor('the control server ready', async () => (await fetch(`http://127.0.0.1:${http}/readyz`).catch(() => undefined))?.ok === true, 30_000);
    return control;
  };
  /** What a cloud answers for the SOA serial, www and the last record: one version's, whole. */
  const versionOf = async (c: RunningCloud): Promise<string> => {
    const ask = async (name: string, type: string): Promise<string> => {
      const reply = await query('127.0.0.1', c.dns.bound[0]!.port, name, type, { timeoutMs: 1000 }).catch(() => undefined);
      const a = reply?.packet.answers?.find((r) => r.type === type) as { data?: string | { serial?: number } } | undefined;
      return a?.data === undefined ? 'none' : typeof a.data === 'string' ? a.data : String(a.data.serial);
    };
    return [await ask(ORIGIN, 'SOA'), await ask(`www.${ORIGIN}`, 'A'), await ask(`h${RECORDS - 1}.${ORIGIN}`, 'A')].join(' ');
  };
  const OLD = '1 192.0.2.61 198.51.49.249';
  const NEW = '2 192.0.2.62 198.51.49.249';
  const versions = async (): Promise<string[]> => Promise.all(clouds.map(versionOf));

  before(async () => {
    const port = await freePort();
    redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await waitFor('redis', async () => /Ready to accept connections/.test(redis.output()));
    redisUrl = `redis://127.0.0.1:${port}`;
    writer = new RedisZoneStore(redisUrl);
    for (const cloud of ['cloud-a', 'cloud-b']) clouds.push(await runCloud({ cloud, pod: `${cloud}-0`, store: new RedisZoneStore(redisUrl), listen: [{ host: '127.0.0.1', port: 0 }], http: { host: '127.0.0.1', port: 0 }, log }));
    controlPort = await freePort();
    primary = await startPrimary('nsd', ORIGIN, zoneText(1, '192.0.2.61'), { notify: { address: '127.0.0.1', port: controlPort }, timeoutMs: 60_000 });
  });
  after(async () => {
    for (const c of clouds) await c.stop();
    await writer?.close();
    await primary?.stop();
    await stopAll();
  });

  it('keeps every cloud on one whole version, and a new control server brings the whole new one to the store and the clouds', async () => {
    const first = await startControl();
    await writer.putSecondary({ origin: ORIGIN, primaries: [{ address: primary.address, port: primary.port }], clouds: 'all', refresh: { minimumRefresh: 86_400 } });
    await waitFor('both clouds answer serial 1', async () => (await versions()).every((v) => v === OLD), 60_000);

    // The change; the control server is killed the moment its transfer of serial 2 starts.
    const changing = primary.update(zoneText(2, '192.0.2.62'), 2);
    await waitFor('the transfer of serial 2 started', async () => /"msg":"secondary zone transfer started".*"serial":2/.test(first.output()), 60_000);
    first.process.kill('SIGKILL');
    await changing;
    await waitFor('the control server gone', async () => first.process.exitCode !== null || first.process.signalCode !== null, 10_000);
    assert.ok(!/"msg":"secondary zone transferred".*"serial":2/.test(first.output()), 'killed before it finished');

    // Meanwhile every cloud answers one whole version, never a mix.
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      for (const v of await versions()) {
        assert.ok(v === OLD || v === NEW, `a cloud answered ${v}`);
        seen.add(v);
      }
      await sleep(200);
    }

    // A new control server: it finds the primary newer than what the store holds, and transfers.
    const second = await startControl();
    const restarted = Date.now();
    await waitFor('both clouds answer serial 2, whole', async () => (await versions()).every((v) => v === NEW), 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${second.output().slice(-3000)}`);
    });
    await waitFor('serial 2 reported to the store', async () => (await writer.secondaryState(ORIGIN))?.serial === 2, 30_000);
    // The store holds the whole new version: a pod that starts now lists it from there.
    const late = await runCloud({ cloud: 'cloud-a', pod: 'cloud-a-late', store: new RedisZoneStore(redisUrl), listen: [{ host: '127.0.0.1', port: 0 }], http: { host: '127.0.0.1', port: 0 }, log });
    clouds.push(late);
    await waitFor('a pod started afterwards answers serial 2, whole', async () => (await versionOf(late)) === NEW, 30_000);
    console.log(`      killed mid-transfer (the clouds meanwhile answered ${[...seen].map((v) => `serial ${v.split(' ')[0]}`).join(' and ')}); serial 2 whole in the store and on a new pod ${Date.now() - restarted} ms after the new control server was ready`);
  });
});
