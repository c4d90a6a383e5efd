import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { once } from 'node:events';
import * as dnsPacket from 'dns-packet';
import { Name } from '../dns/name';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneSet } from '../zone/zone-set';
import { Responder } from '../nameserver/respond';
import { AddressList } from '../nameserver/acl';
import { DnsServer } from './dns-server';
import { memoryLogger } from '../testkit/memory-logger';
import { buildQuery, exchangeTcp } from '../testkit/dns-client';
import type { TcpLimits } from './tcp-limits';

// Each TCP limit on real loopback sockets, with small limits so that each case takes a second or
// less: the whole-message deadline, idle and lifetime, per-client and global caps with shedding,
// backpressure on a client that does not read, and a client that half-closes.

function zoneSet(): ZoneSet {
  const origin = Name.fromText('lim.test.');
  const lines = ['$TTL 300', '@ SOA ns hm 1 3600 600 86400 60', '@ NS ns', 'ns A 127.0.0.1'];
  // A TXT answer of about 5 KB: a few hundred of them fill any socket buffer.
  for (let i = 0; i < 20; i++) lines.push(`big TXT "${String(i).padStart(2, '0')}${'x'.repeat(240)}"`);
  const b = new ZoneBuilder(origin);
  for (const r of readZoneFile(lines.join('\n'), { origin, source: 'test' })) b.add(r);
  return new ZoneSet([b.build()]);
}

function framed(msg: Uint8Array): Buffer {
  const out = Buffer.alloc(msg.length + 2);
  out.writeUInt16BE(msg.length, 0);
  out.set(msg, 2);
  return out;
}

async function withServer(limits: Partial<TcpLimits>, body: (server: DnsServer, port: number) => Promise<void>): Promise<void> {
  const server = new DnsServer({
    listen: [{ host: '127.0.0.1', port: 0 }],
    responder: new Responder(zoneSet(), { transferAcl: AddressList.parse([]) }),
    log: memoryLogger(),
    udpIo: 'dgram',
    tcp: limits,
  });
  await server.start();
  try {
    await body(server, server.bound[0]!.port);
  } finally {
    await server.stop();
  }
}

/** A connection that records when it was closed and what it received. */
function connect(port: number, localAddress?: string): Promise<net.Socket & { closedAt?: number; received: Buffer[] }> {
  const s = net.connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) }) as net.Socket & { closedAt?: number; received: Buffer[] };
  s.received = [];
  s.on('data', (d: Buffer) => s.received.push(d));
  s.on('error', () => undefined);
  s.on('close', () => (s.closedAt = performance.now()));
  return once(s, 'connect').then(() => s);
}

/** The framed replies in what a connection received. */
function replies(chunks: readonly Buffer[]): Buffer[] {
  let all = Buffer.concat(chunks);
  const out: Buffer[] = [];
  while (all.length >= 2 && all.length >= 2 + all.readUInt16BE(0)) {
    out.push(all.subarray(2, 2 + all.readUInt16BE(0)));
    all = all.subarray(2 + all.readUInt16BE(0));
  }
  return out;
}

describe('DnsServer TCP limits on loopback (RFC 7766 §6.2, §10)', function () {
  this.timeout(20_000);

  it('closes a connection whose message is not whole messageMs after its first octet, though octets keep coming', () =>
    withServer({ messageMs: 300, idleMs: 5000 }, async (server, port) => {
      const s = await connect(port);
      const started = performance.now();
      const msg = framed(buildQuery('ns.lim.test', 'A'));
      // One octet every 50 ms: the whole query would take over a second.
      for (let i = 0; i < msg.length && !s.destroyed && s.closedAt === undefined; i++) {
        s.write(msg.subarray(i, i + 1));
        await sleep(50);
      }
      await waitUntil(() => s.closedAt !== undefined, 3000);
      const after = s.closedAt! - started;
      assert.ok(after >= 280 && after < 1000, `closed after ${after.toFixed(0)} ms`);
      assert.equal(replies(s.received).length, 0);
      assert.equal(server.tcpCounts().closed.incomplete, 1);
    }));

  it('keeps a connection that sends whole queries now and then, and closes it idleMs after the last one', () =>
    withServer({ idleMs: 400 }, async (server, port) => {
      const s = await connect(port);
      for (let i = 0; i < 4; i++) {
        s.write(framed(buildQuery('ns.lim.test', 'A')));
        await sleep(250);
      }
      assert.equal(s.closedAt, undefined, 'still open after 1 s of queries 250 ms apart');
      const last = performance.now();
      await waitUntil(() => s.closedAt !== undefined, 3000);
      const after = s.closedAt! - last;
      assert.ok(after >= 100 && after < 1000, `closed ${after.toFixed(0)} ms after the last answer`);
      assert.equal(replies(s.received).length, 4);
      assert.equal(server.tcpCounts().closed.idle, 1);
    }));

  it('ends a busy connection at the end of its lifetime, after the answers it owes', () =>
    withServer({ lifetimeMs: 600, idleMs: 5000 }, async (server, port) => {
      const s = await connect(port);
      let sent = 0;
      const started = performance.now();
      while (s.closedAt === undefined && performance.now() - started < 3000) {
        if (s.writable) {
          s.write(framed(buildQuery('ns.lim.test', 'A')));
          sent++;
        }
        await sleep(50);
      }
      const after = s.closedAt! - started;
      assert.ok(after >= 550 && after < 1500, `closed after ${after.toFixed(0)} ms`);
      const got = replies(s.received).length;
      // Every query that arrived before the end was answered; at most the last one or two crossed the FIN.
      assert.ok(got >= 10 && got >= sent - 2, `${got} answers to ${sent} queries`);
      assert.equal(server.tcpCounts().closed.lifetime, 1);
    }));

  it('over the per-client cap, closes that client\'s oldest silent connection, not one that asked, nor another client\'s', () =>
    withServer({ maxPerClient: 3 }, async (server, port) => {
      const other = await connect(port, '127.0.0.2');
      const mine = [await connect(port), await connect(port), await connect(port)];
      await sleep(50);
      // A fourth from the same address, asking at once: it is answered, and stays.
      const fourth = await connect(port);
      fourth.write(framed(buildQuery('ns.lim.test', 'A')));
      await waitUntil(() => replies(fourth.received).length === 1, 1000);
      assert.equal(dnsPacket.decode(replies(fourth.received)[0]!).answers?.length, 1);
      await waitUntil(() => mine[0]!.closedAt !== undefined, 2000);
      await sleep(300);
      assert.deepEqual([...mine, fourth].map((s) => s.closedAt !== undefined), [true, false, false, false]);
      assert.equal(other.closedAt, undefined);
      assert.equal(server.tcpCounts().closed.shed, 1);
      for (const s of [other, ...mine, fourth]) s.destroy();
    }));

  it('at the global cap, closes the longest idle connection for a new one instead of refusing it', () =>
    withServer({ maxConnections: 4 }, async (server, port) => {
      const open = [await connect(port, '127.0.0.2'), await connect(port, '127.0.0.3'), await connect(port, '127.0.0.4'), await connect(port, '127.0.0.5')];
      await sleep(20);
      // The first one asks a question: now the second one has been idle longest.
      open[0]!.write(framed(buildQuery('ns.lim.test', 'A')));
      await waitUntil(() => open[0]!.received.length > 0, 1000);
      const reply = await exchangeTcp('127.0.0.1', port, buildQuery('ns.lim.test', 'A'), 1000, '127.0.0.6');
      assert.equal(dnsPacket.decode(reply).answers?.length, 1);
      await waitUntil(() => open[1]!.closedAt !== undefined, 1000);
      assert.deepEqual(open.map((s) => s.closedAt !== undefined), [false, true, false, false]);
      assert.equal(server.tcpCounts().closed.shed, 1);
      assert.equal(server.tcpCounts().closed.refused, 0);
      for (const s of open) s.destroy();
    }));

  it('stops reading the queries of a client that does not read its replies, and answers all of them once it does', () =>
    withServer({}, async (server, port) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.pause();
      await once(s, 'connect');
      const queries = Array.from({ length: 3000 }, () => buildQuery('big.lim.test', 'TXT', { edns: null }));
      s.write(Buffer.concat(queries.map(framed)));
      await sleep(500);
      // ~5 KB answers: the socket buffers hold a few hundred; then the server must stop.
      const answeredWhileUnread = server.stats.tcpQueries;
      assert.ok(answeredWhileUnread > 0 && answeredWhileUnread < 1500, `${answeredWhileUnread} answered while nothing was read`);
      await sleep(300);
      assert.equal(server.stats.tcpQueries, answeredWhileUnread, 'no further queries answered while nothing is read');
      const got: Buffer[] = [];
      let buffered = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buffered = Buffer.concat([buffered, d]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          got.push(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
          buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        }
      });
      s.resume();
      await waitUntil(() => got.length === queries.length, 10_000);
      assert.deepEqual(got.map((r) => r.readUInt16BE(0)), queries.map((q) => q.readUInt16BE(0)), 'every answer, in order');
      assert.equal(server.tcpCounts().closed.unread, 0);
      s.destroy();
    }));

  it('closes a connection whose client does not take its replies within messageMs', () =>
    withServer({ messageMs: 400 }, async (server, port) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.pause();
      s.on('error', () => undefined);
      await once(s, 'connect');
      s.write(Buffer.concat(Array.from({ length: 3000 }, () => framed(buildQuery('big.lim.test', 'TXT', { edns: null })))));
      const started = performance.now();
      // The client reads nothing, so it learns of the close only later: ask the server.
      await waitUntil(() => server.tcpCounts().closed.unread === 1, 3000);
      const after = performance.now() - started;
      assert.ok(after >= 300 && after < 1500, `closed after ${after.toFixed(0)} ms`);
      assert.equal(server.tcpCounts().open, 0);
      s.destroy();
    }));

  it('closes a connection whose unsent replies pass maxQueuedBytes (set below the socket buffer)', () =>
    withServer({ maxQueuedBytes: 4096 }, async (server, port) => {
      const s = await connect(port);
      s.pause();
      s.write(Buffer.concat(Array.from({ length: 3000 }, () => framed(buildQuery('big.lim.test', 'TXT', { edns: null })))));
      // The client reads nothing, so it learns of the close only later: ask the server.
      await waitUntil(() => server.tcpCounts().closed.unread === 1, 5000);
      assert.equal(server.tcpCounts().open, 0);
      s.destroy();
      assert.ok(server.stats.tcpQueries < 3000, `${server.stats.tcpQueries} answered before the close`);
    }));

  it('answers every query of a client that closes its side after sending them, then closes', () =>
    withServer({}, async (_server, port) => {
      const s = await connect(port);
      const queries = ['ns', 'big', 'nope'].map((h) => buildQuery(`${h}.lim.test`, h === 'big' ? 'TXT' : 'A', { edns: null }));
      s.end(Buffer.concat(queries.map(framed)));
      await waitUntil(() => s.closedAt !== undefined, 3000);
      assert.deepEqual(replies(s.received).map((r) => r.readUInt16BE(0)), queries.map((q) => q.readUInt16BE(0)));
    }));
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}
