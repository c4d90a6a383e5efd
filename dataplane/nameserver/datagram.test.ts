import { strict as assert } from 'node:assert';
import * as dnsPacket from 'dns-packet';
import { Name } from '../dns/name';
import { readZoneFile } from '../dns/zonefile/reader';
import * as message from '../dns/message';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneSet } from '../zone/zone-set';
import { Responder, type DatagramPeer, type Reply } from './respond';
import { buildQuery } from '../testkit/dns-client';

// Responder.answerDatagram: a plain query whose answer is cached is copied into the output
// buffer without being parsed (a number comes back); anything else is answered in full (a Reply
// comes back), and a plain query on a miss without being parsed or looked up a second time.
// Queries whose EDNS options need a look (broken ones, NSID) take the full path.

const PEER: DatagramPeer = { address: () => '127.0.0.1', prefix: () => 0, receivedAt: () => 0 };

function responder(): Responder {
  const origin = Name.fromText('f.test.');
  const b = new ZoneBuilder(origin);
  for (const r of readZoneFile('$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n', { origin, source: 't' })) b.add(r);
  return new Responder(new ZoneSet([b.build()]));
}

/** The query with `options` as the OPT RDATA. */
const withOptions = (options: number[]): Buffer => {
  const q = buildQuery('ns.f.test', 'A');
  return Buffer.concat([q.subarray(0, q.length - 2), Buffer.from([options.length >> 8, options.length & 0xff, ...options])]);
};

/** Counts calls of `name` on `target` while `body` runs. */
function counting<T extends object>(target: T, name: keyof T & string, body: () => void): number {
  const original = target[name] as unknown as (...args: unknown[]) => unknown;
  let calls = 0;
  (target as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]): unknown {
    calls++;
    return original.apply(this, args);
  };
  try {
    body();
  } finally {
    (target as Record<string, unknown>)[name] = original;
  }
  return calls;
}

describe('Responder.answerDatagram', () => {
  const out = new Uint8Array(65535 + 100);

  it('copies a cached answer into the buffer at the offset given, with the ID and name case of the query', () => {
    const r = responder();
    const first = r.answerDatagram(buildQuery('ns.f.test', 'A'), out, 0, PEER);
    assert.equal(typeof first, 'object', 'a miss is answered in full');
    const query = buildQuery('NS.f.TEST', 'A');
    query.writeUInt16BE(0x4242, 0);
    const size = r.answerDatagram(query, out, 100, PEER);
    assert.equal(typeof size, 'number');
    const reply = dnsPacket.decode(Buffer.from(out.subarray(100, 100 + (size as number))));
    assert.equal(reply.id, 0x4242);
    assert.equal(reply.questions?.[0]?.name, 'NS.f.TEST');
    assert.deepEqual(reply.answers?.map((a) => (a as { data?: unknown }).data), ['192.0.2.1']);
    // The same query again: the very bytes the full path gave, but for the ID.
    const again = r.answerDatagram(buildQuery('ns.f.test', 'A'), out, 7, PEER) as number;
    assert.deepEqual(Buffer.from(out.subarray(9, 7 + again)), Buffer.from((first as { message: Uint8Array }).message).subarray(2));
  });

  it('answers a cached question with and without options it does not need to read', () => {
    const r = responder();
    r.answerDatagram(buildQuery('ns.f.test', 'A'), out, 0, PEER); // fills the cache (EDNS variant)
    assert.equal(typeof r.answerDatagram(buildQuery('ns.f.test', 'A'), out, 0, PEER), 'number');
    assert.equal(typeof r.answerDatagram(withOptions([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]), out, 0, PEER), 'number', 'a cookie');
  });

  it('leaves broken options and NSID requests to the full path', () => {
    const r = responder();
    r.answerDatagram(buildQuery('ns.f.test', 'A'), out, 0, PEER);
    const full = (msg: Uint8Array): Reply => {
      const reply = r.answerDatagram(msg, out, 0, PEER);
      assert.equal(typeof reply, 'object');
      return reply as Reply;
    };
    for (const [what, msg] of [
      ['option past the RDATA', withOptions([0, 3, 0, 10])],
      ['3-octet RDATA', withOptions([0, 3, 0])],
      ['NSID after another option', withOptions([0, 10, 0, 0, 0, 3, 0, 0])],
      ['NSID', withOptions([0, 3, 0, 0])],
    ] as const) {
      const reply = full(msg);
      assert.equal(reply.kind, 'response', what);
    }
    assert.equal((full(withOptions([0, 3, 0])) as { message: Uint8Array }).message[3]! & 0xf, 1, 'FORMERR');
  });

  it('on a miss, reads a plain query once and looks in the cache once', () => {
    const r = responder();
    let reply: number | Reply = -1;
    let finds = 0;
    const parses = counting(message, 'parseQuery', () => {
      finds = counting(r.cache, 'find', () => {
        reply = r.answerDatagram(buildQuery('ns.f.test', 'A'), out, 0, PEER);
      });
    });
    assert.equal(typeof reply, 'object');
    assert.equal(parses, 0, 'parseQuery not called: the plain-query scan read it');
    assert.equal(finds, 1);
    assert.equal(r.cache.size, 1, 'stored for the next time');
    // The count is real: a query the scan does not take is parsed, once.
    assert.equal(counting(message, 'parseQuery', () => r.answerDatagram(withOptions([0, 3, 0, 0]), out, 0, PEER)), 1);
  });

  it('on a hit, neither parses nor builds a query', () => {
    const r = responder();
    r.answerDatagram(buildQuery('ns.f.test', 'A'), out, 0, PEER);
    let calls = 0;
    const parses = counting(message, 'parseQuery', () => {
      calls = counting(message, 'plainQuery', () => assert.equal(typeof r.answerDatagram(buildQuery('ns.f.test', 'A'), out, 0, PEER), 'number'));
    });
    assert.equal(parses + calls, 0);
  });

  it('answers a cached answer too big for the client in full, truncated to its size', () => {
    const origin = Name.fromText('b.test.');
    const b = new ZoneBuilder(origin);
    const text = ['$TTL 60', '@ SOA ns hm 1 2 3 4 5', '@ NS ns', ...Array.from({ length: 60 }, (_, i) => `many A 192.0.2.${i + 1}`)].join('\n');
    for (const rr of readZoneFile(text, { origin, source: 't' })) b.add(rr);
    const r = new Responder(new ZoneSet([b.build()]));
    const big = buildQuery('many.b.test', 'A', { edns: 4096 });
    assert.equal(typeof r.answerDatagram(big, out, 0, PEER), 'object');
    assert.equal(typeof r.answerDatagram(big, out, 0, PEER), 'number', 'fits 1232 octets');
    const small = r.answerDatagram(buildQuery('many.b.test', 'A', { edns: 512 }), out, 0, PEER);
    assert.equal(typeof small, 'object');
    const reply = dnsPacket.decode(Buffer.from((small as { message: Uint8Array }).message));
    assert.ok(((reply.flags ?? 0) & 0x200) !== 0, 'TC');
  });
});
