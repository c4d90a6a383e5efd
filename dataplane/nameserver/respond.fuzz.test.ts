import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import * as dnsPacket from 'dns-packet';
import { Name } from '../dns/name';
import { parseQuery, plainQuery, plainQueryNameEnd } from '../dns/message';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneSet } from '../zone/zone-set';
import { Responder } from './respond';

// Property tests for the packet path: whatever arrives, the responder returns a well-formed
// message or drops the packet; it never throws and never hangs.

const origin = Name.fromText('fuzz.test.');
const builder = new ZoneBuilder(origin);
const zoneText = `$ORIGIN fuzz.test.
@ 300 SOA ns hm 1 2 3 4 5
@ 300 NS ns
ns 300 A 192.0.2.1
*.w 300 TXT "wild"
c 300 CNAME ns
d 300 DNAME fuzz.test.
sub 300 NS ns.sub
ns.sub 300 A 192.0.2.2
big 300 TXT ${Array.from({ length: 40 }, (_, i) => `"${'x'.repeat(60)}${i}"`).join(' ')}
`;
for (const r of readZoneFile(zoneText, { origin, source: 'fuzz' })) builder.add(r);
const responder = new Responder(new ZoneSet([builder.build()]));

const names = ['fuzz.test', 'ns.fuzz.test', 'a.w.fuzz.test', 'c.fuzz.test', 'x.d.fuzz.test', 'www.sub.fuzz.test', 'big.fuzz.test', 'nope.fuzz.test', 'other.example'];
const types = ['A', 'AAAA', 'TXT', 'NS', 'SOA', 'ANY', 'CNAME', 'DNAME', 'AXFR', 'IXFR', 'MX'] as const;

const validQuery = fc
  .record({
    id: fc.integer({ min: 0, max: 0xffff }),
    name: fc.constantFrom(...names),
    type: fc.constantFrom(...types),
    edns: fc.option(fc.integer({ min: 0, max: 0xffff })),
    rd: fc.boolean(),
  })
  .map(({ id, name, type, edns, rd }) =>
    Uint8Array.from(
      dnsPacket.encode({
        id,
        type: 'query',
        flags: rd ? dnsPacket.RECURSION_DESIRED : 0,
        questions: [{ name, type: type as dnsPacket.RecordType, class: 'IN' }],
        additionals: edns === null ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: edns }],
      } as dnsPacket.Packet),
    ),
  );

/** A valid query with some bytes changed, cut short or extended. */
const mutatedQuery = fc
  .tuple(validQuery, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.option(fc.nat()), fc.uint8Array({ maxLength: 8 }))
  .map(([q, flips, cut, extra]) => {
    const out = Uint8Array.from(q);
    for (const [at, value] of flips) out[at % out.length] = value;
    const trimmed = cut === null ? out : out.subarray(0, cut % (out.length + 1));
    return Uint8Array.from([...trimmed, ...extra]);
  });

function checkResponse(msg: Uint8Array): void {
  for (const transport of ['udp', 'tcp'] as const) {
    const outcome = responder.respond(msg, transport);
    if (outcome.kind !== 'response') continue;
    const reply = outcome.message;
    assert.ok(reply.length >= 12, 'a response has a header');
    if (transport === 'udp') assert.ok(reply.length <= 1232, `UDP response of ${reply.length} octets`);
    // The response must be well-formed: an independent decoder reads it.
    const decoded = dnsPacket.decode(Buffer.from(reply));
    assert.equal(decoded.type, 'response');
    assert.equal(decoded.id, (msg[0]! << 8) | msg[1]!);
  }
}

describe('packet path properties', () => {
  it('answers every valid query with a well-formed response', () => {
    fc.assert(fc.property(validQuery, (q) => checkResponse(q)), { numRuns: 2000 });
  });

  it('never throws on mutated queries', () => {
    fc.assert(fc.property(mutatedQuery, (q) => checkResponse(q)), { numRuns: 5000 });
  });

  it('never throws on random bytes, and drops what is not a query', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const parsed = parseQuery(bytes);
        if (bytes.length < 12) assert.ok(!parsed.ok && parsed.problem.rcode === 'drop');
        checkResponse(bytes);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads every query the UDP scan takes as parseQuery reads it', () => {
    const same = (bytes: Uint8Array): void => {
      const nameEnd = plainQueryNameEnd(bytes);
      if (nameEnd < 0) return;
      const parsed = parseQuery(bytes);
      assert.ok(parsed.ok, 'a plain query parses');
      assert.deepEqual(plainQuery(bytes, nameEnd), parsed.query);
    };
    fc.assert(fc.property(fc.oneof(validQuery, mutatedQuery), same), { numRuns: 5000 });
  });

  it('answers a datagram as the full path does: the cache hit, the miss read once, the rest', () => {
    // Two responders on the same zones: one answers through answerDatagram, one through respond.
    const datagrams = new Responder(responder.zones);
    const full = new Responder(responder.zones);
    const out = new Uint8Array(65535);
    const peer = { address: (): string => '127.0.0.1', prefix: (): number => 0, receivedAt: (): number => 0 };
    const same = (bytes: Uint8Array): void => {
      // Twice: the second time the answer may come from the cache.
      for (let i = 0; i < 2; i++) {
        const expected = full.respond(bytes, 'udp', peer);
        const got = datagrams.answerDatagram(bytes, out, 0, peer);
        if (typeof got === 'number') {
          assert.equal(expected.kind, 'response');
          assert.deepEqual(Buffer.from(out.subarray(0, got)), Buffer.from((expected as { message: Uint8Array }).message));
        } else assert.deepEqual(got, expected);
      }
    };
    fc.assert(fc.property(fc.oneof(validQuery, mutatedQuery), same), { numRuns: 3000 });
  });

  it('answers a query with a compression loop in the question with FORMERR', () => {
    const msg = Uint8Array.from([0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    const outcome = responder.respond(msg, 'udp');
    assert.equal(outcome.kind, 'response');
    if (outcome.kind === 'response') assert.equal(outcome.message[3]! & 0xf, 1);
  });
});
