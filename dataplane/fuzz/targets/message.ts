import { isDeepStrictEqual } from 'node:util';
import { Name } from '../../dns/name';
import { RRType } from '../../dns/constants';
import { Flag, HEADER_LENGTH, MAX_TCP_SIZE, MAX_UDP_SIZE, parseQuery, plainQuery, plainQueryNameEnd } from '../../dns/message';
import { readMessage, MessageFormatError } from '../../dns/message-reader';
import { readZoneFile } from '../../dns/zonefile/reader';
import type { TsigKey } from '../../dns/tsig';
import { ZoneBuilder } from '../../zone/zone-builder';
import { ZoneSet } from '../../zone/zone-set';
import type { Zone } from '../../zone/zone';
import { Algorithm, KSK_FLAGS, generateKey } from '../../dnssec/keys';
import { signZone } from '../../dnssec/signzone';
import { nsecRRsets } from '../../dnssec/nsec';
import { nsec3RRsets } from '../../dnssec/nsec3';
import { AddressList } from '../../nameserver/acl';
import { Responder, udpLimit, type DatagramPeer, type Reply } from '../../nameserver/respond';
import { check, dataplaneScope, type FuzzTarget } from '../target';

/**
 * The request path: `parseQuery` (dns/message.ts) and the Responder (nameserver/respond.ts) as
 * the UDP and TCP servers call them, on a request message of arbitrary octets. Properties: no
 * exception at all (a request is answered, refused or dropped, never thrown on); the UDP scan
 * reads a plain query as `parseQuery` does; every response and every message of a transfer out
 * is a well-formed DNS message (our reader reads it) with QR set and the request's ID, within
 * the size its transport allows.
 *
 * The Responder serves a plain zone, an NSEC-signed and an NSEC3-signed zone, allows transfers
 * to everyone, takes NOTIFY, knows one TSIG key (`fuzz-key.`, seeds signed with it at FUZZ_NOW)
 * and has an identity and NSID, so that every processor is reachable.
 */

/** The clock of the Responder and of the signed seeds. */
export const FUZZ_NOW = 1_800_000_000;
export const FUZZ_TSIG_KEY: TsigKey = { name: 'fuzz-key.', algorithm: 'hmac-sha256', secret: new Uint8Array(32).fill(7) };

const PLAIN = `$ORIGIN fuzz.test.
$TTL 300
@ SOA ns hm 1 3600 600 86400 300
@ NS ns
@ MX 10 mail
ns A 192.0.2.1
ns AAAA 2001:db8::1
mail A 192.0.2.2
*.w TXT "wild"
c CNAME ns
loop1 CNAME loop2
loop2 CNAME loop1
d DNAME fuzz.test.
sub NS ns.sub
ns.sub A 192.0.2.3
_sip._udp SRV 0 5 5060 ns
@ CAA 0 issue "ca.example"
svc HTTPS 1 . alpn=h2
big TXT ${Array.from({ length: 30 }, (_, i) => `"${'x'.repeat(60)}${i}"`).join(' ')}
`;

const SIGNED = (origin: string): string => `$ORIGIN ${origin}
$TTL 300
@ SOA ns hm 1 3600 600 86400 300
@ NS ns
ns A 192.0.2.1
www A 192.0.2.4
*.w TXT "wild"
child NS ns.child
child DS 12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE49FD46E6C4B45C55D4AC69CB
ns.child A 192.0.2.5
insecure NS ns.insecure
ns.insecure A 192.0.2.6
`;

function zoneOf(text: string, origin: string): Zone {
  const name = Name.fromText(origin);
  const b = new ZoneBuilder(name);
  for (const r of readZoneFile(text, { origin: name, source: origin })) b.add(r);
  return b.build();
}

function responder(): Responder {
  const key = generateKey(Algorithm.ECDSAP256SHA256, { flags: KSK_FLAGS });
  const options = { now: FUZZ_NOW, validity: 14 * 86400, dnskeyTtl: 3600 };
  const nsec = signZone(zoneOf(SIGNED('nsec.test.'), 'nsec.test.'), [{ key, role: 'CSK' }], { ...options, denial: (z) => nsecRRsets(z) });
  const nsec3 = signZone(zoneOf(SIGNED('nsec3.test.'), 'nsec3.test.'), [{ key, role: 'CSK' }], {
    ...options,
    denial: (z) => {
      const chain = nsec3RRsets(z, { salt: Uint8Array.from([0xab, 0xcd]) });
      return [...chain.nsec3, chain.nsec3param];
    },
  });
  const r = new Responder(new ZoneSet([zoneOf(PLAIN, 'fuzz.test.'), nsec, nsec3]), {
    clock: () => FUZZ_NOW,
    identity: { identity: 'fuzz-1', version: 'dnsfleet fuzz', nsid: 'fuzz-nsid' },
    transferAcl: AddressList.parse(['0.0.0.0/0', '::/0']),
    notify: (origin) => (origin === 'fuzz.test.' ? 'accepted' : origin === 'nsec.test.' ? 'key-required' : 'unknown-zone'),
  });
  r.setKeys(new Map([[FUZZ_TSIG_KEY.name, FUZZ_TSIG_KEY]]));
  return r;
}

const PEER: DatagramPeer = { address: () => '192.0.2.53', prefix: () => 0xc0000235, receivedAt: () => FUZZ_NOW * 1000 };
/** Messages of a transfer out looked at; the zones are small, so this is all of them. */
const MAX_TRANSFER_MESSAGES = 1000;

export function createMessageTarget(): FuzzTarget {
  const r = responder();
  const out = new Uint8Array(MAX_TCP_SIZE);
  return {
    name: 'message',
    description: 'parseQuery and the Responder (respond, answerDatagram) on a request message',
    scope: dataplaneScope('dns/', 'nameserver/', 'zone/'),
    dictionary: dictionary(),
    maxLength: 1024,
    run(data) {
      const parsed = parseQuery(data);
      const nameEnd = plainQueryNameEnd(data);
      if (nameEnd >= 0) {
        check(parsed.ok, () => `the UDP scan takes a plain query that parseQuery refuses: ${parsed.ok ? '' : parsed.problem.reason}`);
        check(isDeepStrictEqual(plainQuery(data, nameEnd), parsed.query), 'the UDP scan reads a plain query otherwise than parseQuery');
      }
      // What the client may get over UDP: its EDNS size, or 512; a signed or broken request up to our maximum.
      const udpMax = parsed.ok && !parsed.query.signed ? udpLimit(parsed.query.edns) : MAX_UDP_SIZE;
      const ids = responseIds(data);
      checkReply(ids, r.respond(data, 'udp', PEER), 'udp', udpMax);
      checkReply(ids, r.respond(data, 'tcp', PEER), 'tcp', MAX_TCP_SIZE);
      const got = r.answerDatagram(data, out, 0, PEER);
      if (typeof got === 'number') checkResponse(ids, out.subarray(0, got), 'answerDatagram', udpMax);
      else checkReply(ids, got, 'udp', udpMax);
    },
  };
}

/** The IDs a response may carry: the request's, also for a signed request whose ID a forwarder rewrote (RFC 8945 §5.5). */
function responseIds(request: Uint8Array): number[] {
  return [(request[0]! << 8) | request[1]!];
}

function checkReply(ids: readonly number[], reply: Reply, transport: 'udp' | 'tcp', max: number): void {
  if (reply.kind === 'drop') return;
  if (reply.kind === 'response') return checkResponse(ids, reply.message, transport, max);
  check(transport === 'tcp', 'a transfer over UDP');
  let n = 0;
  for (const message of reply.messages) {
    checkResponse(ids, message, `transfer message ${n + 1}`, MAX_TCP_SIZE);
    if (++n >= MAX_TRANSFER_MESSAGES) break;
  }
  check(n > 0, 'a transfer without messages');
}

function checkResponse(ids: readonly number[], message: Uint8Array, what: string, max: number): void {
  check(message.length >= HEADER_LENGTH, () => `${what}: a response of ${message.length} octets`);
  check(message.length <= max, () => `${what}: a response of ${message.length} octets, over the ${max} allowed`);
  check((message[2]! & (Flag.QR >> 8)) !== 0, () => `${what}: QR clear in a response`);
  check(ids.includes((message[0]! << 8) | message[1]!), () => `${what}: the response's ID is not the request's`);
  try {
    readMessage(message);
  } catch (err) {
    if (err instanceof MessageFormatError) check(false, `${what}: a malformed response: ${err.message}`);
    throw err;
  }
}

/** Type codes, EDNS option codes and names of the zones, as they are on the wire. */
function dictionary(): Uint8Array[] {
  const u16 = (n: number): Uint8Array => Uint8Array.from([n >> 8, n & 0xff]);
  const types = [RRType.A, RRType.NS, RRType.CNAME, RRType.SOA, RRType.MX, RRType.TXT, RRType.AAAA, RRType.SRV, RRType.DNAME, RRType.OPT, RRType.DS, RRType.RRSIG, RRType.NSEC, RRType.DNSKEY, RRType.NSEC3, RRType.NSEC3PARAM, RRType.HTTPS, RRType.CAA, RRType.TSIG, RRType.IXFR, RRType.AXFR, RRType.ANY];
  const names = ['fuzz.test.', 'nsec.test.', 'nsec3.test.', 'www.nsec.test.', 'id.server.', 'version.bind.', 'fuzz-key.', 'hmac-sha256.'].map((n) => Name.fromText(n).toWire());
  return [
    ...types.map(u16),
    u16(3), // NSID option
    u16(10), // COOKIE option
    Uint8Array.from([0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0]), // an OPT record with DO
    Uint8Array.from([0xc0, 0x0c]), // a pointer to the question name
    ...names,
  ];
}
