import { strict as assert } from 'node:assert';
import { memoryLogger } from '../testkit/memory-logger';
import { Responder } from '../nameserver/respond';
import { AddressList } from '../nameserver/acl';
import { ZoneSet } from '../zone/zone-set';
import { ServerRuntime, type ServerPart } from './server-runtime';
import { query, rcodeOf } from '../testkit/dns-client';
import { zoneOf } from '../testkit/zone-text';
import { Name } from '../dns/name';

/**
 * The start-up path every role shares: HTTP, then the listeners, then the role's parts in order;
 * stopped in reverse, a bounded part cut short so a pod ends within its grace period.
 */

describe('ServerRuntime (the one start-up path)', () => {
  const dns = () => ({ listen: [{ host: '127.0.0.1', port: 0 }], responder: new Responder(new ZoneSet([])), transferAcl: AddressList.parse([]), udpIo: 'dgram' as const });
  const part = (name: string, events: string[], extra: Partial<ServerPart> = {}): ServerPart => ({
    name,
    start: async () => void events.push(`start ${name}`),
    stop: async () => void events.push(`stop ${name}`),
    ...extra,
  });

  it('opens the listeners before the parts start, and stops the parts in reverse before closing them', async () => {
    const events: string[] = [];
    const runtime: ServerRuntime = new ServerRuntime({ log: memoryLogger(), dns: dns() });
    const listening: ServerPart = { ...part('b', events), start: async () => void events.push(`start b (listening: ${runtime.dns.bound.length > 0})`) };
    await runtime.start([part('a', events), listening, part('c', events)]);
    assert.equal(runtime.httpPort, undefined, 'no HTTP endpoint unless asked for');
    await runtime.stop();
    assert.deepEqual(events, ['start a', 'start b (listening: true)', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('does not wait longer than a bounded part allows, and says so', async () => {
    const events: string[] = [];
    const log = memoryLogger();
    const runtime = new ServerRuntime({ log, dns: dns() });
    const hangs: ServerPart = { ...part('hangs', events), stop: () => new Promise<void>(() => undefined), stopWithinMs: 50 };
    await runtime.start([part('first', events), hangs]);
    const started = Date.now();
    await runtime.stop();
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(events, ['start first', 'start hangs', 'stop first'], 'the parts after it still stop');
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.fields?.part === 'hangs'));
  });

  it('stops the parts that started when a later one failed to start', async () => {
    const events: string[] = [];
    const runtime = new ServerRuntime({ log: memoryLogger(), dns: dns() });
    const broken: ServerPart = { ...part('broken', events), start: () => Promise.reject(new Error('no store')) };
    await assert.rejects(runtime.start([part('a', events), broken, part('never', events)]), /no store/);
    await runtime.stop();
    assert.deepEqual(events, ['start a', 'stop broken', 'stop a']);
  });

  it('answers /healthz always, /readyz as the role says, /metrics and the role\'s JSON pages', async () => {
    let ready = false;
    const runtime = new ServerRuntime({
      log: memoryLogger(),
      dns: dns(),
      http: {
        address: { host: '127.0.0.1', port: 0 },
        readiness: () => ({ ready, text: ready ? 'ready: 1 zones' : 'loading zones' }),
        metrics: { contentType: 'text/plain; version=0.0.4', metrics: async () => 'dnsfleet_up 1\n' },
        json: { '/zones': () => ({ zones: ['a.test.'] }) },
      },
    });
    await runtime.start([]);
    try {
      const url = (path: string): string => `http://127.0.0.1:${runtime.httpPort}${path}`;
      assert.equal(await (await fetch(url('/healthz'))).text(), 'ok\n');
      const loading = await fetch(url('/readyz'));
      assert.equal(loading.status, 503);
      assert.equal(await loading.text(), 'loading zones\n');
      ready = true;
      const r = await fetch(url('/readyz'));
      assert.equal(r.status, 200);
      assert.equal(await r.text(), 'ready: 1 zones\n');
      assert.equal(await (await fetch(url('/metrics'))).text(), 'dnsfleet_up 1\n');
      assert.deepEqual(await (await fetch(url('/zones'))).json(), { zones: ['a.test.'] });
    } finally {
      await runtime.stop();
    }
    await assert.rejects(fetch(`http://127.0.0.1:${runtime.httpPort ?? 1}/healthz`), 'the endpoint is closed');
  });

  it('drains on stop: /readyz turns 503 while DNS still answers, and only then do the parts and listeners stop', async () => {
    const events: string[] = [];
    const zone = zoneOf('@ 300 SOA ns1 hm 7 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.1\n', Name.fromText('drain.test.'));
    const runtime = new ServerRuntime({
      log: memoryLogger(),
      drainMs: 600,
      dns: { ...dns(), responder: new Responder(new ZoneSet([zone])) },
      http: { address: { host: '127.0.0.1', port: 0 }, readiness: () => ({ ready: true, text: 'ready: 1 zones' }) },
    });
    await runtime.start([part('follower', events)]);
    const dnsPort = runtime.dns.bound[0]!.port;
    const readyz = (): Promise<number> => fetch(`http://127.0.0.1:${runtime.httpPort}/readyz`).then((r) => r.status);
    assert.equal(await readyz(), 200);
    const stopped = runtime.stop();
    assert.equal(runtime.isDraining, true);
    assert.equal(await readyz(), 503, 'out of the Service first');
    const reply = await query('127.0.0.1', dnsPort, 'drain.test.', 'SOA', { timeoutMs: 500 });
    assert.equal(rcodeOf(reply), 'NOERROR', 'still answering while draining');
    assert.deepEqual(events, ['start follower'], 'nothing stopped yet');
    await stopped;
    assert.deepEqual(events, ['start follower', 'stop follower']);
    await assert.rejects(query('127.0.0.1', dnsPort, 'drain.test.', 'SOA', { timeoutMs: 300 }), 'the listeners are closed after the drain');
  });
});
