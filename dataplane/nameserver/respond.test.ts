import { strict as assert } from 'node:assert';
import * as dnsPacket from 'dns-packet';
import { Name } from '../dns/name';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneSet } from '../zone/zone-set';
import { Responder } from './respond';
import { buildQuery } from '../test/support/dns-client';
import { signRequest, TsigError, TsigResponseVerifier, type TsigKey } from '../dns/tsig';

function responder(): Responder {
  const origin = Name.fromText('r.test.');
  const b = new ZoneBuilder(origin);
  const text = ['$TTL 60', '@ SOA ns hm 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1', ...Array.from({ length: 40 }, (_, i) => `many A 192.0.2.${i + 10}`)].join('\n');
  for (const r of readZoneFile(text, { origin, source: 't' })) b.add(r);
  return new Responder(new ZoneSet([b.build()]));
}

function decode(outcome: ReturnType<Responder['respond']>): dnsPacket.DecodedPacket & { rcode?: string } {
  assert.equal(outcome.kind, 'response');
  return dnsPacket.decode(Buffer.from((outcome as { message: Uint8Array }).message)) as dnsPacket.DecodedPacket & { rcode?: string };
}

describe('Responder', () => {
  it('answers from its cache the second time, byte for byte but for the ID', () => {
    const r = responder();
    const first = r.respond(buildQuery('ns.r.test', 'A'), 'udp');
    assert.equal(r.cache.size, 1);
    const second = r.respond(buildQuery('ns.r.test', 'A'), 'udp');
    assert.equal(r.cache.size, 1);
    const a = (first as { message: Uint8Array }).message;
    const b = (second as { message: Uint8Array }).message;
    assert.deepEqual(a.subarray(2), b.subarray(2));
  });

  it('keeps one cache entry for an answer too big for UDP, and truncates it every time', () => {
    const r = responder();
    for (let i = 0; i < 3; i++) {
      const reply = decode(r.respond(buildQuery('many.r.test', 'A', { edns: null }), 'udp'));
      assert.ok((reply.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE);
    }
    assert.equal(r.cache.size, 1);
    const tcp = decode(r.respond(buildQuery('many.r.test', 'A', { edns: null }), 'tcp'));
    assert.equal(tcp.answers?.length, 40);
  });

  it('drops the cache when the zones change', () => {
    const r = responder();
    r.respond(buildQuery('ns.r.test', 'A'), 'udp');
    r.setZones(new ZoneSet([]));
    assert.equal(r.cache.size, 0);
    assert.equal(decode(r.respond(buildQuery('ns.r.test', 'A'), 'udp')).rcode, 'REFUSED');
  });

  it('refuses NOTIFY and classes other than IN, and says NOTIMP to other opcodes', () => {
    const r = responder();
    const notify = Buffer.from(buildQuery('r.test', 'SOA'));
    notify[2] = (notify[2]! & 0x87) | (4 << 3);
    assert.equal(decode(r.respond(notify, 'udp')).rcode, 'REFUSED');
    const update = Buffer.from(buildQuery('r.test', 'SOA'));
    update[2] = (update[2]! & 0x87) | (5 << 3);
    assert.equal(decode(r.respond(update, 'udp')).rcode, 'NOTIMP');
    const chaos = dnsPacket.encode({ id: 1, type: 'query', questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
    assert.equal(decode(r.respond(chaos, 'udp')).rcode, 'REFUSED');
  });

  it('drops responses and runts without answering (RFC 1035 §4.1.1)', () => {
    const r = responder();
    const reply = Buffer.from(buildQuery('r.test', 'SOA'));
    reply[2]! |= 0x80;
    assert.equal(r.respond(reply, 'udp').kind, 'drop');
    assert.equal(r.respond(new Uint8Array(5), 'udp').kind, 'drop');
  });

  it('answers FORMERR to two questions, trailing octets and a second OPT', () => {
    const r = responder();
    const two = dnsPacket.encode({ id: 1, type: 'query', questions: [{ name: 'a.r.test', type: 'A' }, { name: 'b.r.test', type: 'A' }] });
    assert.equal(decode(r.respond(two, 'udp')).rcode, 'FORMERR');
    const trailing = Buffer.concat([buildQuery('r.test', 'SOA', { edns: null }), Buffer.from([0])]);
    assert.equal(decode(r.respond(trailing, 'udp')).rcode, 'FORMERR');
    const twoOpt = dnsPacket.encode({ id: 1, type: 'query', questions: [{ name: 'r.test', type: 'A' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer, { type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer] });
    assert.equal(decode(r.respond(twoOpt, 'udp')).rcode, 'FORMERR');
  });

  it('answers IXFR over UDP with the SOA alone (RFC 1995 §2)', () => {
    const reply = decode(responder().respond(buildQuery('r.test', 'IXFR'), 'udp'));
    assert.deepEqual(reply.answers?.map((a) => a.type), ['SOA']);
  });

  describe('signed requests (RFC 8945)', () => {
    const key: TsigKey = { name: 'xfr-key.', algorithm: 'hmac-sha256', secret: new Uint8Array(32).fill(3) };
    const keyed = (): Responder => {
      const r = responder();
      r.setKeys(new Map([[key.name, key]]));
      return r;
    };
    const now = (): number => Math.floor(Date.now() / 1000);

    it('answers a signed SOA query with an answer signed over the request MAC (§5.3)', () => {
      const signed = signRequest(buildQuery('r.test', 'SOA'), key, now());
      const outcome = keyed().respond(signed.wire, 'udp');
      assert.equal(outcome.kind, 'response');
      const verifier = new TsigResponseVerifier(key, signed.mac);
      const plain = verifier.verify((outcome as { message: Uint8Array }).message);
      verifier.done();
      const reply = dnsPacket.decode(Buffer.from(plain));
      assert.deepEqual(reply.answers?.map((a) => a.type), ['SOA']);
    });

    it('refuses a request signed with the wrong secret: NOTAUTH, BADSIG (§5.2.2)', () => {
      const signed = signRequest(buildQuery('r.test', 'SOA'), { ...key, secret: new Uint8Array(32).fill(4) }, now());
      const outcome = keyed().respond(signed.wire, 'udp') as { message: Uint8Array };
      assert.equal(outcome.message[3]! & 0xf, 9);
      assert.throws(() => new TsigResponseVerifier(key, signed.mac).verify(outcome.message), (err: TsigError) => err.problem === 'BADSIG' && err.fromPeer);
    });

    it('refuses a key it does not know: NOTAUTH, BADKEY (§5.2.1)', () => {
      const signed = signRequest(buildQuery('r.test', 'SOA'), key, now());
      const outcome = responder().respond(signed.wire, 'udp') as { message: Uint8Array };
      assert.throws(() => new TsigResponseVerifier(key, signed.mac).verify(outcome.message), (err: TsigError) => err.problem === 'BADKEY');
    });

    it('hands a signed AXFR to the server with the verified key and the request without TSIG', () => {
      const query = buildQuery('r.test', 'AXFR', { edns: null });
      const outcome = keyed().respond(signRequest(query, key, now()).wire, 'tcp');
      assert.equal(outcome.kind, 'transfer');
      const t = outcome as Extract<typeof outcome, { kind: 'transfer' }>;
      assert.equal(t.tsig?.key.name, 'xfr-key.');
      assert.deepEqual(Buffer.from(t.request), query);
    });
  });
});
