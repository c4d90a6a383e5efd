import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { Name } from '../dns/name';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneSet } from '../zone/zone-set';
import { Responder } from '../nameserver/respond';
import { AddressList, TransferPolicy } from '../nameserver/acl';
import { signRequest, TsigResponseVerifier, type TsigKey } from '../dns/tsig';
import { DnsServer } from './dns-server';
import { memoryLogger } from '../testkit/memory-logger';
import { buildQuery, exchangeTcpMany, exchangeUdp, query } from '../testkit/dns-client';
import { udpPortFree } from '../testkit/processes';

// The listeners on real loopback sockets: framing, pipelining, limits, transfers.

const dataOf = (a: dnsPacket.Answer): unknown => (a as { data?: unknown }).data;

function zoneSet(): ZoneSet {
  const origin = Name.fromText('srv.test.');
  const lines = ['$TTL 300', '@ SOA ns hm 7 3600 600 86400 60', '@ NS ns', 'ns A 192.0.2.1'];
  for (let i = 0; i < 3000; i++) lines.push(`h${i} A 10.0.${i >> 8}.${i & 255}`);
  for (let i = 0; i < 60; i++) lines.push(`big AAAA 2001:db8::${i + 1}`);
  for (let i = 0; i < 30; i++) lines.push(`mid AAAA 2001:db8::${i + 1}`);
  const b = new ZoneBuilder(origin);
  for (const r of readZoneFile(lines.join('\n'), { origin, source: 'test' })) b.add(r);
  return new ZoneSet([b.build()]);
}

// The same behaviour from both kinds of UDP I/O (udp-listener.ts).
for (const udpIo of ['batched', 'dgram'] as const) describe(`DnsServer on loopback (UDP ${udpIo})`, function () {
  this.timeout(20_000);
  const log = memoryLogger();
  const server = new DnsServer({
    udpIo,
    listen: [
      { host: '127.0.0.1', port: 0 },
      { host: '::1', port: 0 },
    ],
    responder: new Responder(zoneSet(), { transferAcl: AddressList.parse(['127.0.0.1/32']) }),
    log,
    tcp: { idleMs: 300 },
  });
  let port4 = 0;
  let port6 = 0;

  before(async () => {
    await server.start();
    assert.equal(server.udpIo, udpIo);
    port4 = server.bound[0]!.port;
    port6 = server.bound[1]!.port;
  });
  after(() => server.stop());

  it('answers over UDP on IPv4 and IPv6, and counts what it received and answered', async () => {
    const before = server.udpCounters();
    const v4 = await query('127.0.0.1', port4, 'ns.srv.test', 'A');
    assert.deepEqual(v4.packet.answers?.map(dataOf), ['192.0.2.1']);
    const v6 = await query('::1', port6, 'ns.srv.test', 'A');
    assert.deepEqual(v6.packet.answers?.map(dataOf), ['192.0.2.1']);
    const after = server.udpCounters();
    assert.deepEqual([after.received - before.received, after.answered - before.answered, after.sendFailures], [2, 2, 0]);
  });

  it('echoes the ID, the RD bit and the case of the question, also from the cache', async () => {
    for (let round = 0; round < 2; round++) {
      const msg = Buffer.from(buildQuery('Ns.SRV.test', 'A'));
      msg[2] |= 0x01;
      const reply = dnsPacket.decode(await exchangeUdp('127.0.0.1', port4, msg));
      assert.equal(reply.id, msg.readUInt16BE(0));
      assert.ok((reply.flags ?? 0) & dnsPacket.RECURSION_DESIRED, 'RD copied');
      assert.equal(reply.questions?.[0]?.name, 'Ns.SRV.test');
    }
  });

  it('fits UDP answers to the EDNS size and truncates without EDNS (RFC 6891, RFC 1035 §4.2.1)', async () => {
    const small = await query('127.0.0.1', port4, 'mid.srv.test', 'AAAA', { edns: null });
    assert.ok(small.raw.length <= 512);
    assert.ok((small.packet.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE);
    const fits = await query('127.0.0.1', port4, 'mid.srv.test', 'AAAA', { edns: 1232 });
    assert.equal(fits.packet.answers?.length, 30);
    const capped = await query('127.0.0.1', port4, 'big.srv.test', 'AAAA', { edns: 4096 });
    assert.ok(capped.raw.length <= 1232, `capped at 1232 octets, got ${capped.raw.length}`);
    assert.ok((capped.packet.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE);
    const tcp = await query('127.0.0.1', port4, 'big.srv.test', 'AAAA', { tcp: true, edns: null });
    assert.equal(tcp.packet.answers?.length, 60);
    assert.ok(!((tcp.packet.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE));
  });

  it('answers pipelined TCP queries on one connection, in order (RFC 7766 §6.2.1.1)', async () => {
    const msgs = ['h1', 'h2', 'nope', 'h3'].map((h) => buildQuery(`${h}.srv.test`, 'A'));
    const replies = await exchangeTcpMany('127.0.0.1', port4, msgs, msgs.length);
    assert.deepEqual(replies.map((r) => r.readUInt16BE(0)), msgs.map((m) => m.readUInt16BE(0)));
    assert.equal((dnsPacket.decode(replies[2]!) as { rcode?: string }).rcode, 'NXDOMAIN');
  });

  it('reassembles a TCP message that arrives in pieces', async () => {
    const msg = buildQuery('h7.srv.test', 'A');
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(port4, '127.0.0.1', () => {
        const framed = Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg]);
        s.write(framed.subarray(0, 1));
        setTimeout(() => s.write(framed.subarray(1, 9)), 20);
        setTimeout(() => s.write(framed.subarray(9)), 40);
      });
      s.on('data', (d) => {
        s.destroy();
        resolve(d.subarray(2));
      });
      s.on('error', reject);
    });
    assert.deepEqual(dnsPacket.decode(reply).answers?.map(dataOf), ['10.0.0.7']);
  });

  it('closes idle TCP connections (RFC 7766 §6.2.3)', async () => {
    const closedAfter = await new Promise<number>((resolve) => {
      const started = Date.now();
      const s = net.connect(port4, '127.0.0.1');
      s.on('close', () => resolve(Date.now() - started));
      s.on('error', () => undefined);
    });
    assert.ok(closedAfter >= 250 && closedAfter < 3000, `closed after ${closedAfter} ms`);
  });

  it('logs refused transfers once per source a minute, and counts every one', async () => {
    const before = server.stats.transfersRefused;
    const logged = (): number => log.lines.filter((l) => l.msg === 'zone transfer refused' && l.fields?.client === '127.0.0.3').length;
    for (let i = 0; i < 20; i++) {
      const reply = await query('127.0.0.1', port4, 'srv.test', 'AXFR', { tcp: true, edns: null, source: '127.0.0.3' });
      assert.equal((reply.packet as { rcode?: string }).rcode, 'REFUSED');
    }
    assert.equal(server.stats.transfersRefused, before + 20);
    assert.equal(logged(), 1, 'one line for the source within the minute');
  });

  it('survives malformed packets and keeps answering', async () => {
    const sock = dgram.createSocket('udp4');
    const junk = [Buffer.alloc(0), Buffer.from([1, 2, 3]), Buffer.alloc(12, 0xff), Buffer.from('not dns at all, just text')];
    // And 300 pseudo-random datagrams, many of them a real query with bytes changed or cut off:
    // in bursts, so the batched kind gets several in one batch.
    let seed = 7;
    const random = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const valid = buildQuery('h12.srv.test', 'A');
    for (let i = 0; i < 300; i++) {
      const d = Buffer.from(i % 2 ? valid.subarray(0, random(valid.length)) : valid);
      for (let j = random(4); j >= 0; j--) if (d.length) d[random(d.length)] = random(256);
      junk.push(d);
    }
    for (const d of junk) sock.send(d, port4, '127.0.0.1');
    await sleep(100);
    sock.close();
    const still = await query('127.0.0.1', port4, 'ns.srv.test', 'A');
    assert.equal(still.packet.answers?.length, 1);
  });

  it('streams a large AXFR in several messages, SOA first and last (RFC 5936 §2.2)', async () => {
    const msg = buildQuery('srv.test', 'AXFR', { edns: null });
    const collected: dnsPacket.Answer[] = [];
    const messages = await new Promise<number>((resolve, reject) => {
      let count = 0;
      let pending = Buffer.alloc(0);
      const s = net.connect(port4, '127.0.0.1', () => s.write(Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg])));
      s.on('data', (d) => {
        pending = Buffer.concat([pending, d]);
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          const m = dnsPacket.decode(pending.subarray(2, 2 + pending.readUInt16BE(0)));
          pending = pending.subarray(2 + pending.readUInt16BE(0));
          count++;
          collected.push(...(m.answers ?? []));
          if (collected.length > 1 && collected[collected.length - 1]!.type === 'SOA') {
            s.destroy();
            resolve(count);
          }
        }
      });
      s.on('error', reject);
    });
    assert.ok(messages > 1, `${messages} messages`);
    assert.equal(collected[0]!.type, 'SOA');
    assert.equal(collected.length, 3000 + 60 + 30 + 3 + 1);
  });

  it('stops twice without complaint (SIGINT, then SIGTERM), and frees its ports', async () => {
    await server.stop();
    await server.stop();
    assert.ok(await udpPortFree(port4, '127.0.0.1'));
    assert.ok(await udpPortFree(port6, '::1'));
  });
});

describe('DnsServer: transfers to a keyed secondary (RFC 8945)', function () {
  this.timeout(20_000);
  const key: TsigKey = { name: 'xfr.', algorithm: 'hmac-sha256', secret: new Uint8Array(32).fill(5) };
  const responder = new Responder(zoneSet(), {
    transferAcl: new TransferPolicy(AddressList.parse([]), new Map([['srv.test.', [{ address: '127.0.0.1', keyName: key.name }]]])),
  });
  responder.setKeys(new Map([[key.name, key]]));
  const server = new DnsServer({
    listen: [{ host: '127.0.0.1', port: 0 }],
    responder,
    log: memoryLogger(),
  });
  before(() => server.start());
  after(() => server.stop());

  /** The framed messages of one TCP answer, until the SOA closes a transfer or `max` came. */
  const exchange = (msg: Uint8Array, done: (messages: Buffer[]) => boolean): Promise<Buffer[]> =>
    new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      let pending = Buffer.alloc(0);
      const s = net.connect(server.bound[0]!.port, '127.0.0.1', () => s.write(Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg])));
      s.on('data', (d) => {
        pending = Buffer.concat([pending, d]);
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          out.push(pending.subarray(2, 2 + pending.readUInt16BE(0)));
          pending = pending.subarray(2 + pending.readUInt16BE(0));
          if (done(out)) {
            s.destroy();
            resolve(out);
          }
        }
      });
      s.on('error', reject);
    });

  it('signs every message of a multi-message AXFR, chained (§5.3.1)', async () => {
    const signed = signRequest(buildQuery('srv.test', 'AXFR', { edns: null }), key, Math.floor(Date.now() / 1000));
    const verifier = new TsigResponseVerifier(key, signed.mac);
    let records = 0;
    let soas = 0;
    const messages = await exchange(signed.wire, (out) => {
      const plain = dnsPacket.decode(Buffer.from(verifier.verify(out[out.length - 1]!)));
      records += plain.answers?.length ?? 0;
      soas += plain.answers?.filter((a) => a.type === 'SOA').length ?? 0;
      return soas === 2;
    });
    verifier.done();
    assert.ok(messages.length > 1, `${messages.length} messages`);
    assert.equal(records, 3000 + 60 + 30 + 3 + 1);
  });

  it('refuses the same address unsigned', async () => {
    const [reply] = await exchange(buildQuery('srv.test', 'AXFR', { edns: null }), () => true);
    assert.equal(reply![3]! & 0xf, 5); // REFUSED
  });
});
