import { strict as assert } from 'node:assert';
import * as dnsPacket from 'dns-packet';
import { Name } from '../dns/name';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneSet } from '../zone/zone-set';
import { Responder, type Peer, type Reply, type ResponderOptions } from './respond';
import { buildQuery } from '../testkit/dns-client';
import type { ServerIdentity } from './identity';
import { AddressList, TransferPolicy } from './acl';
import type { NotifyVerdict } from './notify';
import { signRequest, TsigError, TsigResponseVerifier, type TsigKey } from '../dns/tsig';

const LOOPBACK: Peer = { address: () => '127.0.0.1' };
const STRANGER: Peer = { address: () => '10.9.9.9' };

function responder(options: ResponderOptions = {}): Responder {
  const origin = Name.fromText('r.test.');
  const b = new ZoneBuilder(origin);
  const text = ['$TTL 60', '@ SOA ns hm 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1', ...Array.from({ length: 40 }, (_, i) => `many A 192.0.2.${i + 10}`)].join('\n');
  for (const r of readZoneFile(text, { origin, source: 't' })) b.add(r);
  return new Responder(new ZoneSet([b.build()]), options);
}

/** The messages of a transfer the responder allowed. */
function transferred(reply: Reply): Uint8Array[] {
  assert.equal(reply.kind, 'transfer');
  return [...(reply as Extract<Reply, { kind: 'transfer' }>).messages];
}

/** An IXFR query carrying a client SOA with `serial` in its authority section (RFC 1995 §3). */
function ixfrQuery(serial: number): Buffer {
  return Buffer.from(
    dnsPacket.encode({
      id: 9,
      type: 'query',
      questions: [{ name: 'r.test', type: 'IXFR' }],
      authorities: [{ name: 'r.test', type: 'SOA', ttl: 60, data: { mname: 'ns.r.test', rname: 'hm.r.test', serial, refresh: 2, retry: 3, expire: 4, minimum: 5 } }],
    }),
  );
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
    const reply = decode(responder().respond(ixfrQuery(0), 'udp'));
    assert.deepEqual(reply.answers?.map((a) => a.type), ['SOA']);
  });

  it('answers FORMERR, with the OPT, to an IXFR without an SOA in its authority section (RFC 1995 §3), over UDP and TCP', () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const reply = decode(responder().respond(buildQuery('r.test', 'IXFR'), transport));
      assert.equal(reply.rcode, 'FORMERR');
      assert.deepEqual(reply.questions?.map((q) => q.type), ['IXFR']);
      assert.deepEqual(reply.additionals?.map((a) => a.type), ['OPT']);
    }
  });

  describe('EDNS (RFC 6891)', () => {
    const opt = (rdata: number[]): Buffer => Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, rdata.length >> 8, rdata.length & 0xff, ...rdata]);
    /** A query for r.test SOA with `additional` as its additional section of `arcount` records. */
    const withAdditional = (additional: Buffer, arcount = 1, header: Partial<{ flags: number; qdcount: number; question: boolean }> = {}): Buffer => {
      const base = buildQuery('r.test', 'SOA', { edns: null });
      const out = Buffer.concat([header.question === false ? base.subarray(0, 12) : base, additional]);
      out.writeUInt16BE(header.flags ?? 0, 2);
      out.writeUInt16BE(header.qdcount ?? (header.question === false ? 0 : 1), 4);
      out.writeUInt16BE(arcount, 10);
      return out;
    };
    const optTypes = (reply: dnsPacket.DecodedPacket): string[] => (reply.additionals ?? []).map((a) => a.type);

    it('answers FORMERR with an OPT to an option that runs past the OPT RDATA, and to a 3-octet OPT RDATA (§7)', () => {
      const r = responder();
      for (const [what, rdata] of [['option past the RDATA', [0, 3, 0, 10]], ['3-octet RDATA', [0, 3, 0]]] as const) {
        for (const transport of ['udp', 'tcp'] as const) {
          const reply = decode(r.respond(withAdditional(opt([...rdata])), transport));
          assert.equal(reply.rcode, 'FORMERR', `${what} over ${transport}`);
          assert.deepEqual(optTypes(reply), ['OPT'], `${what} over ${transport}`);
          assert.equal(reply.questions?.length, 1);
        }
      }
    });

    it('answers FORMERR with an OPT to two OPT records and to an OPT not owned by the root (§6.1.1, §6.1.2)', () => {
      const r = responder();
      assert.deepEqual(optTypes(decode(r.respond(withAdditional(Buffer.concat([opt([]), opt([])]), 2), 'udp'))), ['OPT']);
      assert.equal(decode(r.respond(withAdditional(Buffer.concat([opt([]), opt([])]), 2), 'udp')).rcode, 'FORMERR');
      const notRoot = Buffer.concat([Buffer.from([1, 0x61]), opt([])]);
      const reply = decode(r.respond(withAdditional(notRoot), 'udp'));
      assert.equal(reply.rcode, 'FORMERR');
      assert.deepEqual(optTypes(reply), ['OPT']);
    });

    it('reads options it does not know past, and answers as usual', () => {
      const reply = decode(responder().respond(withAdditional(opt([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8])), 'udp'));
      assert.equal(reply.rcode, 'NOERROR');
      assert.deepEqual(reply.answers?.map((a) => a.type), ['SOA']);
    });

    it('puts an OPT into every error response to a query with a valid one (§6.1.1)', () => {
      const r = responder();
      const cases: Array<[string, Buffer, string]> = [
        ['an unknown opcode', withAdditional(opt([]), 1, { flags: 2 << 11 }), 'NOTIMP'],
        ['no question', withAdditional(opt([]), 1, { question: false }), 'FORMERR'],
        ['TC set', withAdditional(opt([]), 1, { flags: 0x0200 }), 'FORMERR'],
        ['NOTIFY', withAdditional(opt([]), 1, { flags: 4 << 11 }), 'REFUSED'],
        ['AXFR over UDP', buildQuery('r.test', 'AXFR'), 'NOTIMP'],
        ['a zone we do not serve', buildQuery('other.test', 'A'), 'REFUSED'],
        ['class HS', Buffer.from(dnsPacket.encode({ id: 1, type: 'query', questions: [{ name: 'r.test', type: 'A', class: 'HS' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer] })), 'REFUSED'],
        ['EDNS version 1', withAdditional(Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 1, 0, 0, 0, 0])), 'BADVERS'],
      ];
      for (const [what, query, rcode] of cases) {
        const raw = (r.respond(query, 'udp') as { message: Uint8Array }).message;
        const reply = dnsPacket.decode(Buffer.from(raw)) as dnsPacket.DecodedPacket & { rcode?: string };
        // BADVERS is 16: the upper bits are in the OPT (RFC 6891 §6.1.3), which dns-packet leaves there.
        const extended = ((reply.additionals?.[0] as { extendedRcode?: number } | undefined)?.extendedRcode ?? 0) << 4;
        assert.equal(extended ? String(extended | (raw[3]! & 0xf)) : reply.rcode, rcode === 'BADVERS' ? '16' : rcode, what);
        assert.deepEqual(optTypes(reply), ['OPT'], what);
      }
    });

    it('puts an OPT into every message of a zone transfer asked with EDNS', () => {
      const r = responder({ transferAcl: AddressList.parse(['127.0.0.1']) });
      const messages = transferred(r.respond(buildQuery('r.test', 'AXFR'), 'tcp', LOOPBACK)).map((m) => dnsPacket.decode(Buffer.from(m)));
      assert.ok(messages.length >= 1);
      for (const m of messages) assert.deepEqual(optTypes(m), ['OPT']);
      const plain = transferred(r.respond(buildQuery('r.test', 'AXFR', { edns: null }), 'tcp', LOOPBACK));
      for (const m of plain) assert.equal(dnsPacket.decode(Buffer.from(m)).additionals?.length, 0);
    });
  });

  describe('identity (RFC 4892, RFC 5001)', () => {
    const named = (identity: ServerIdentity): Responder => {
      const r = responder();
      return new Responder(r.zones, { identity });
    };
    const chaos = (name: string, type: dnsPacket.RecordType = 'TXT'): Buffer =>
      Buffer.from(dnsPacket.encode({ id: 7, type: 'query', questions: [{ name, type, class: 'CH' }] }));
    const txt = (reply: dnsPacket.DecodedPacket): string[] =>
      (reply.answers ?? []).map((a) => `${a.name} ${(a as { class?: string }).class} ${(a as { ttl?: number }).ttl} ${Buffer.concat((a as { data: Buffer[] }).data).toString()}`);
    const nsidOf = (reply: dnsPacket.DecodedPacket): string | undefined => {
      const o = (reply.additionals ?? []).find((a) => a.type === 'OPT') as { options?: Array<{ code: number; data?: Buffer }> } | undefined;
      const option = o?.options?.find((x) => x.code === 3);
      return option ? Buffer.from(option.data ?? []).toString() : undefined;
    };
    const nsidQuery = (name: string, type: string): Buffer => {
      const q = buildQuery(name, type, { edns: null });
      const out = Buffer.concat([q, Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 4, 0, 3, 0, 0])]);
      out.writeUInt16BE(1, 10);
      return out;
    };

    it('answers CH TXT id.server and hostname.bind with the identity, TTL 0, AA clear', () => {
      const r = named({ identity: 'pod-7' });
      for (const name of ['id.server', 'HOSTNAME.bind']) {
        const reply = decode(r.respond(chaos(name), 'udp'));
        assert.equal(reply.rcode, 'NOERROR');
        assert.equal((reply.flags ?? 0) & dnsPacket.AUTHORITATIVE_ANSWER, 0);
        assert.deepEqual(txt(reply), [`${name} CH 0 pod-7`]);
      }
    });

    it('refuses version.bind and version.server unless a version is configured', () => {
      assert.equal(decode(named({ identity: 'pod-7' }).respond(chaos('version.bind'), 'udp')).rcode, 'REFUSED');
      assert.equal(decode(named({}).respond(chaos('version.server'), 'tcp')).rcode, 'REFUSED');
      const r = named({ version: 'dnsfleet 1.0' });
      assert.deepEqual(txt(decode(r.respond(chaos('version.bind'), 'udp'))), ['version.bind CH 0 dnsfleet 1.0']);
      assert.equal(decode(r.respond(chaos('id.server'), 'udp')).rcode, 'REFUSED', 'identity not configured');
    });

    it('refuses other CHAOS names and types, as NSD does', () => {
      const r = named({ identity: 'pod-7', version: 'v' });
      assert.equal(decode(r.respond(chaos('other.bind'), 'udp')).rcode, 'REFUSED');
      assert.equal(decode(r.respond(chaos('id.server', 'A'), 'udp')).rcode, 'REFUSED');
      assert.deepEqual(txt(decode(r.respond(chaos('id.server', 'ANY' as dnsPacket.RecordType), 'udp'))), ['id.server CH 0 pod-7']);
    });

    it('sends the NSID to queries that ask for it, from the cache too, and to nobody else', () => {
      const r = named({ nsid: 'pod-7' });
      for (let i = 0; i < 2; i++) {
        const reply = decode(r.respond(nsidQuery('r.test', 'SOA'), 'udp'));
        assert.deepEqual(reply.answers?.map((a) => a.type), ['SOA']);
        assert.equal(nsidOf(reply), 'pod-7', `time ${i + 1}`);
      }
      assert.equal(nsidOf(decode(r.respond(buildQuery('r.test', 'SOA'), 'udp'))), undefined);
      assert.equal(nsidOf(decode(r.respond(nsidQuery('other.test', 'A'), 'udp'))), 'pod-7', 'REFUSED carries it too');
      assert.equal(nsidOf(decode(responder().respond(nsidQuery('r.test', 'SOA'), 'udp'))), undefined, 'none configured');
    });

    it('rejects identity texts that are empty, too long or not printable, naming the setting', () => {
      assert.throws(() => named({ nsid: '' }), /nsid: must be 1 to 255/);
      assert.throws(() => named({ identity: 'x'.repeat(256) }), /identity: must be 1 to 255/);
      assert.throws(() => named({ version: 'a\nb' }), /version: must be printable ASCII/);
    });
  });

  describe('query types and classes', () => {
    const rcodeAa = (reply: dnsPacket.DecodedPacket & { rcode?: string }): string => `${reply.rcode} aa=${((reply.flags ?? 0) & dnsPacket.AUTHORITATIVE_ANSWER) !== 0}`;

    it('answers MAILA and MAILB like any type no name holds: NODATA or NXDOMAIN with the SOA, AA set', () => {
      const r = responder();
      for (const type of ['TYPE253', 'TYPE254']) {
        const there = decode(r.respond(buildQuery('ns.r.test', type), 'udp'));
        assert.equal(rcodeAa(there), 'NOERROR aa=true');
        assert.deepEqual(there.authorities?.map((a) => a.type), ['SOA']);
        assert.equal(rcodeAa(decode(r.respond(buildQuery('nx.r.test', type), 'udp'))), 'NXDOMAIN aa=true');
      }
    });

    it('answers QCLASS ANY from the IN data, not authoritatively and without the SOA (RFC 1035 §3.2.5, as NSD)', () => {
      const r = responder();
      const any = (name: string): Buffer => Buffer.from(dnsPacket.encode({ id: 1, type: 'query', questions: [{ name, type: 'A', class: 'ANY' }] }));
      const hit = decode(r.respond(any('ns.r.test'), 'udp'));
      assert.equal(rcodeAa(hit), 'NOERROR aa=false');
      assert.deepEqual(hit.answers?.map((a) => `${a.name} ${(a as { class?: string }).class} ${a.type}`), ['ns.r.test IN A']);
      const nx = decode(r.respond(any('nx.r.test'), 'udp'));
      assert.equal(rcodeAa(nx), 'NXDOMAIN aa=false');
      assert.equal(nx.authorities?.length, 0);
      // Cached apart from class IN: the IN answer stays authoritative.
      assert.equal(rcodeAa(decode(r.respond(buildQuery('ns.r.test', 'A'), 'udp'))), 'NOERROR aa=true');
    });
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

    it('answers a signed request whose ID a forwarder rewrote with that ID, signed so the client verifies it (§4.3.3, §5.5)', () => {
      const signed = signRequest(buildQuery('r.test', 'SOA'), key, now());
      const original = (signed.wire[0]! << 8) | signed.wire[1]!;
      const rewritten = Uint8Array.from(signed.wire);
      rewritten[0] = ~signed.wire[0]! & 0xff; // a forwarder's own ID; the Original ID stays in the TSIG
      const forwarded = (rewritten[0]! << 8) | rewritten[1]!;
      assert.notEqual(forwarded, original);
      for (const transport of ['udp', 'tcp'] as const) {
        const outcome = keyed().respond(rewritten, transport) as { kind: string; message: Uint8Array };
        assert.equal(outcome.kind, 'response');
        assert.equal((outcome.message[0]! << 8) | outcome.message[1]!, forwarded, `${transport}: the ID the request came with`);
        // The forwarder gives the client back its own ID; the client's check takes the Original ID.
        const back = Uint8Array.from(outcome.message);
        back[0] = original >> 8;
        back[1] = original & 0xff;
        const verifier = new TsigResponseVerifier(key, signed.mac);
        assert.deepEqual(dnsPacket.decode(Buffer.from(verifier.verify(outcome.message))).answers?.map((a) => a.type), ['SOA']);
        assert.doesNotThrow(() => new TsigResponseVerifier(key, signed.mac).verify(back), 'the client verifies the answer with its own ID');
      }
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

    it('streams a signed AXFR with the verified key, answering the request without its TSIG', () => {
      const query = buildQuery('r.test', 'AXFR', { edns: null });
      const signed = signRequest(query, key, now());
      const r = responder({ transferAcl: new TransferPolicy(AddressList.parse([]), new Map([['r.test.', [{ address: '127.0.0.1', keyName: key.name }]]])) });
      r.setKeys(new Map([[key.name, key]]));
      const reply = r.respond(signed.wire, 'tcp', LOOPBACK);
      assert.deepEqual(reply.kind === 'transfer' && reply.event, { kind: 'transfer', zone: 'r.test.', serial: 1, key: 'xfr-key.' });
      const verifier = new TsigResponseVerifier(key, signed.mac);
      const first = dnsPacket.decode(Buffer.from(verifier.verify(transferred(reply)[0]!)));
      assert.equal(first.id, dnsPacket.decode(query).id);
      assert.deepEqual(first.questions, [{ name: 'r.test', type: 'AXFR', class: 'IN' }]);
    });
  });

  describe('transfers out (RFC 5936, RFC 1995): the ACL and TSIG decide', () => {
    const key: TsigKey = { name: 'xfr-key.', algorithm: 'hmac-sha256', secret: new Uint8Array(32).fill(3) };
    const now = (): number => Math.floor(Date.now() / 1000);
    /** 127.0.0.1 may transfer r.test. with `key` only; nobody else may. */
    const guarded = (): Responder => {
      const r = responder({ transferAcl: new TransferPolicy(AddressList.parse([]), new Map([['r.test.', [{ address: '127.0.0.1', keyName: key.name }]]])) });
      r.setKeys(new Map([[key.name, key]]));
      return r;
    };

    it('refuses a client the ACL does not list: REFUSED, with the verdict for the log', () => {
      const reply = responder({ transferAcl: AddressList.parse(['127.0.0.1']) }).respond(buildQuery('r.test', 'AXFR'), 'tcp', STRANGER);
      assert.equal(decode(reply).rcode, 'REFUSED');
      assert.deepEqual(reply.kind === 'response' && reply.event, { kind: 'transfer-refused', zone: 'r.test.' });
      assert.equal(decode(responder().respond(buildQuery('r.test', 'AXFR'), 'tcp')).rcode, 'REFUSED', 'no ACL: nobody');
    });

    it('allows a listed client, unsigned, and says which zone and serial went out', () => {
      const reply = responder({ transferAcl: AddressList.parse(['127.0.0.0/8']) }).respond(buildQuery('r.test', 'AXFR'), 'tcp', LOOPBACK);
      assert.deepEqual(reply.kind === 'transfer' && reply.event, { kind: 'transfer', zone: 'r.test.', serial: 1 });
      const messages = transferred(reply).map((m) => dnsPacket.decode(Buffer.from(m)));
      assert.equal(messages.flatMap((m) => m.answers ?? []).length, 2 + 1 + 40 + 1);
    });

    it('refuses the keyed client unsigned, and signs the refusal when signed with another key', () => {
      assert.equal(decode(guarded().respond(buildQuery('r.test', 'AXFR'), 'tcp', LOOPBACK)).rcode, 'REFUSED');
      const other: TsigKey = { name: 'other-key.', algorithm: 'hmac-sha256', secret: new Uint8Array(32).fill(8) };
      const r = guarded();
      r.setKeys(new Map([[key.name, key], [other.name, other]]));
      const signed = signRequest(buildQuery('r.test', 'AXFR'), other, now());
      const reply = r.respond(signed.wire, 'tcp', LOOPBACK);
      assert.deepEqual(reply.kind === 'response' && reply.event, { kind: 'transfer-refused', zone: 'r.test.', key: 'other-key.' });
      const verifier = new TsigResponseVerifier(other, signed.mac);
      assert.equal(verifier.verify((reply as { message: Uint8Array }).message)[3]! & 0xf, 5, 'REFUSED, signed (RFC 8945 §5.3)');
    });

    it('answers a bad TSIG with NOTAUTH and the TSIG error, before the ACL is asked (RFC 8945 §5.2)', () => {
      const wrong = signRequest(buildQuery('r.test', 'AXFR'), { ...key, secret: new Uint8Array(32).fill(4) }, now());
      const reply = guarded().respond(wrong.wire, 'tcp', LOOPBACK);
      assert.equal(reply.kind, 'response');
      const message = (reply as { message: Uint8Array }).message;
      assert.equal(message[3]! & 0xf, 9, 'NOTAUTH');
      assert.equal(reply.kind === 'response' && reply.event?.kind, 'tsig-refused');
      assert.throws(() => new TsigResponseVerifier(key, wrong.mac).verify(message), (err: TsigError) => err.problem === 'BADSIG');
    });

    it('signs every message of an allowed signed transfer, chained (RFC 8945 §5.3.1)', () => {
      const signed = signRequest(buildQuery('r.test', 'AXFR', { edns: null }), key, now());
      const messages = transferred(guarded().respond(signed.wire, 'tcp', LOOPBACK));
      const verifier = new TsigResponseVerifier(key, signed.mac);
      // Every message verifies, none unsigned: a verifier also accepts runs of unsigned ones.
      for (const m of messages) assert.ok(m.length > 12 && verifier.verify(m).length < m.length, 'signed');
      verifier.done();
    });
  });

  describe('NOTIFY (RFC 1996): through the same TSIG check as any request', () => {
    const key: TsigKey = { name: 'notify-key.', algorithm: 'hmac-sha256', secret: new Uint8Array(32).fill(6) };
    const now = (): number => Math.floor(Date.now() / 1000);
    const notify = (qtype: dnsPacket.RecordType = 'SOA'): Buffer => Buffer.from(dnsPacket.encode({ type: 'query', id: 77, flags: 4 << 11, questions: [{ type: qtype, name: 'sec.test' }] }));
    const asked: Array<[string, string]> = [];
    const secondary = (verdict: NotifyVerdict): Responder => {
      const r = responder({ notify: (zone, source) => (asked.push([zone, source]), verdict) });
      r.setKeys(new Map([[key.name, key]]));
      return r;
    };
    beforeEach(() => (asked.length = 0));

    it('asks the secondary-zone side by zone and source, and answers by its verdict', () => {
      for (const [verdict, rcode] of [['accepted', 'NOERROR'], ['not-a-primary', 'REFUSED'], ['unknown-zone', 'NOTAUTH']] as const) {
        const reply = secondary(verdict).respond(notify(), 'udp', LOOPBACK);
        assert.equal(decode(reply).rcode, rcode, verdict);
        assert.deepEqual(reply.kind === 'response' && reply.event, { kind: 'notify', zone: 'sec.test.', verdict });
      }
      assert.deepEqual(asked[0], ['sec.test.', '127.0.0.1']);
    });

    it('answers a NOTIFY for another QTYPE with FORMERR, without asking (§3.7)', () => {
      const reply = secondary('accepted').respond(notify('A'), 'udp', LOOPBACK);
      assert.equal(decode(reply).rcode, 'FORMERR');
      assert.deepEqual(reply.kind === 'response' && reply.event, { kind: 'notify', zone: undefined, verdict: 'malformed' });
      assert.equal(asked.length, 0);
    });

    it('refuses a NOTIFY where no secondary zones are kept (§3.10)', () => {
      const reply = responder().respond(notify(), 'udp', LOOPBACK);
      assert.equal(decode(reply).rcode, 'REFUSED');
      assert.equal(reply.kind === 'response' && reply.event, undefined);
    });

    it('takes a NOTIFY signed with a known key and signs the answer (RFC 8945 §5.3)', () => {
      const signed = signRequest(notify(), key, now());
      const reply = secondary('accepted').respond(signed.wire, 'udp', LOOPBACK);
      assert.deepEqual(reply.kind === 'response' && reply.event, { kind: 'notify', zone: 'sec.test.', verdict: 'accepted' });
      const verifier = new TsigResponseVerifier(key, signed.mac);
      assert.equal(verifier.verify((reply as { message: Uint8Array }).message)[3]! & 0xf, 0, 'NOERROR');
      assert.equal(asked.length, 1);
    });

    it("takes a NOTIFY signed with a secondary zone's own key, which transfers may not use", () => {
      const zoneKey: TsigKey = { name: 'primary-key.', algorithm: 'hmac-sha256', secret: new Uint8Array(32).fill(9) };
      const keys: Array<string | undefined> = [];
      const r = responder({
        notify: (zone, source, keyName) => (asked.push([zone, source]), keys.push(keyName), 'accepted'),
        notifyKeys: (name) => (name === zoneKey.name ? zoneKey : undefined),
        transferAcl: AddressList.parse(['127.0.0.1']),
      });
      const signed = signRequest(notify(), zoneKey, now());
      const reply = r.respond(signed.wire, 'udp', LOOPBACK);
      assert.equal(new TsigResponseVerifier(zoneKey, signed.mac).verify((reply as { message: Uint8Array }).message)[3]! & 0xf, 0, 'NOERROR, signed');
      assert.equal(asked.length, 1);
      // The secondary-zone side is told which key it carried: a zone with a key takes no other.
      assert.deepEqual(keys, ['primary-key.']);
      r.respond(notify(), 'udp', LOOPBACK);
      assert.deepEqual(keys, ['primary-key.', undefined], 'unsigned: no key');
      const axfr = r.respond(signRequest(buildQuery('r.test', 'AXFR'), zoneKey, now()).wire, 'tcp', LOOPBACK);
      assert.equal(axfr.kind === 'response' && axfr.event?.kind, 'tsig-refused', 'BADKEY for anything but NOTIFY');
    });

    it('answers a NOTIFY with a bad signature NOTAUTH, BADKEY, and does not ask (RFC 8945 §5.2.1)', () => {
      const stranger: TsigKey = { ...key, name: 'stranger.' };
      const signed = signRequest(notify(), stranger, now());
      const reply = secondary('accepted').respond(signed.wire, 'udp', LOOPBACK);
      assert.equal(reply.kind === 'response' && reply.event?.kind, 'tsig-refused');
      const message = (reply as { message: Uint8Array }).message;
      assert.equal(message[3]! & 0xf, 9);
      assert.throws(() => new TsigResponseVerifier(stranger, signed.mac).verify(message), (err: TsigError) => err.problem === 'BADKEY');
      assert.equal(asked.length, 0);
    });
  });
});
