import { strict as assert } from 'node:assert';
import * as dnsPacket from 'dns-packet';
import { Name } from '../dns/name';
import { RRType, typeFromString, typeToString } from '../dns/constants';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneSet } from '../zone/zone-set';
import { typeCovered } from '../zone/dnssec';
import { recordTtl } from '../zone/zone';
import { answerQuery, type Answer, type AnswerEntry } from './answer';
import { Responder } from './respond';
import { buildQuery } from '../testkit/dns-client';

// DNSSEC-aware answers (RFC 4035 §3.1) from a small NSEC-signed zone written by hand; the NSEC3
// proofs (RFC 5155 §7.2) are compared with NSD in test/differential/signed.test.ts. Signatures
// are placeholders: the answer logic selects RRSIGs, it does not check them.
//
// Canonical order (RFC 4034 §6.1), which the NSEC chain follows:
//   u.test, child, (e), a.e, host, ns, plain, (ns.plain: glue), (w), *.w, www

const SIG = '20270101000000 20260101000000 1000 u.test. AAAA';
/** A signature too large for 512 octets with its RRset, for the truncation test. */
const BIG = `20270101000000 20260101000000 1000 u.test. ${Buffer.alloc(600, 7).toString('base64')}`;

const ZONE = `
$ORIGIN u.test.
$TTL 3600
@        SOA    ns hm 1 3600 600 86400 300
@        NS     ns
@        DNSKEY 257 3 13 AAAA
@        RRSIG  SOA 13 2 3600 ${SIG}
@        RRSIG  NS 13 2 3600 ${SIG}
@        RRSIG  DNSKEY 13 2 3600 ${SIG}
@    300 NSEC   child.u.test. NS SOA RRSIG NSEC DNSKEY
@    300 RRSIG  NSEC 13 2 300 ${SIG}
child    NS     ns.other.
child    DS     12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE49FD46E6C4B45C55D4AC69CB
child    RRSIG  DS 13 2 3600 ${SIG}
child 300 NSEC  a.e.u.test. NS DS RRSIG NSEC
child 300 RRSIG NSEC 13 2 300 ${SIG}
a.e      TXT    "leaf"
a.e      RRSIG  TXT 13 3 3600 ${SIG}
a.e  300 NSEC   host.u.test. TXT RRSIG NSEC
a.e  300 RRSIG  NSEC 13 3 300 ${SIG}
host     A      192.0.2.3
host     RRSIG  A 13 2 3600 ${SIG}
host 300 NSEC   ns.u.test. A RRSIG NSEC
host 300 RRSIG  NSEC 13 2 300 ${SIG}
ns       A      192.0.2.1
ns       RRSIG  A 13 2 3600 ${SIG}
ns   300 NSEC   plain.u.test. A RRSIG NSEC
ns   300 RRSIG  NSEC 13 2 300 ${SIG}
plain    NS     ns.plain
plain 300 NSEC  *.w.u.test. NS RRSIG NSEC
plain 300 RRSIG NSEC 13 2 300 ${SIG}
ns.plain A      192.0.2.9
*.w      A      192.0.2.4
*.w      RRSIG  A 13 3 3600 ${SIG}
*.w  300 NSEC   www.u.test. A RRSIG NSEC
*.w  300 RRSIG  NSEC 13 3 300 ${SIG}
www      CNAME  host
www      RRSIG  CNAME 13 2 3600 ${SIG}
www  300 NSEC   u.test. CNAME RRSIG NSEC
www  300 RRSIG  NSEC 13 2 300 ${SIG}
big      A      192.0.2.5
big      RRSIG  A 13 2 3600 ${BIG}
`;

function zones(): ZoneSet {
  const o = Name.fromText('u.test.');
  const b = new ZoneBuilder(o);
  for (const r of readZoneFile(ZONE, { origin: o, source: 'u.test' })) b.add(r);
  return new ZoneSet([b.build()]);
}

const set = zones();

function ask(qname: string, qtype: string, dnssecOk = true): Answer {
  return answerQuery(set, Name.fromText(qname), typeFromString(qtype)!, dnssecOk);
}

/** `owner TYPE` per entry, followed by `owner RRSIG(TYPE) ttl` when it carries signatures. */
function show(entries: readonly AnswerEntry[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    const covered = e.rrset.type === RRType.RRSIG ? `(${typeToString(typeCovered(e.rrset.rdata[0]!))})` : '';
    out.push(`${e.owner} ${typeToString(e.rrset.type)}${covered} ${e.rrset.ttl}`);
    if (e.signatures) {
      assert.ok(e.signatures.rdata.every((rd) => typeCovered(rd) === e.rrset.type), 'signatures cover the RRset type');
      out.push(`${e.owner} RRSIG(${typeToString(e.rrset.type)}) ${e.signatures.ttl}`);
    }
  }
  return out;
}

describe('answerQuery with DO for a signed zone (RFC 4035 §3.1)', () => {
  it('changes nothing without DO: no RRSIGs, no NSEC', () => {
    const a = ask('host.u.test.', 'A', false);
    assert.deepEqual(show(a.answer), ['host.u.test. A 3600']);
    const nx = ask('nosuch.u.test.', 'A', false);
    assert.deepEqual(show(nx.authority), ['u.test. SOA 300']);
  });

  it('adds the RRSIGs covering an answer RRset (§3.1.1)', () => {
    assert.deepEqual(show(ask('host.u.test.', 'A').answer), ['host.u.test. A 3600', 'host.u.test. RRSIG(A) 3600']);
  });

  it('signs each step of a CNAME chain (§3.1.1)', () => {
    assert.deepEqual(show(ask('www.u.test.', 'A').answer), [
      'www.u.test. CNAME 3600',
      'www.u.test. RRSIG(CNAME) 3600',
      'host.u.test. A 3600',
      'host.u.test. RRSIG(A) 3600',
    ]);
  });

  it('proves NODATA with the NSEC of the name, and signs the SOA at its negative TTL (§3.1.3.1)', () => {
    const a = ask('host.u.test.', 'TXT');
    assert.equal(a.state, 'nodata');
    assert.deepEqual(show(a.authority), ['u.test. SOA 300', 'u.test. RRSIG(SOA) 300', 'host.u.test. NSEC 300', 'host.u.test. RRSIG(NSEC) 300']);
  });

  it('proves NODATA at an empty non-terminal with the NSEC that covers it', () => {
    const a = ask('e.u.test.', 'A');
    assert.equal(a.state, 'nodata');
    assert.deepEqual(show(a.authority).filter((l) => l.includes('NSEC')), ['child.u.test. NSEC 300', 'child.u.test. RRSIG(NSEC) 300']);
  });

  it('proves NXDOMAIN with the NSEC covering the name and the one denying the wildcard (§3.1.3.2)', () => {
    const a = ask('nosuch.u.test.', 'A');
    assert.equal(a.state, 'nxdomain');
    assert.deepEqual(show(a.authority), [
      'u.test. SOA 300',
      'u.test. RRSIG(SOA) 300',
      'host.u.test. NSEC 300', // host < nosuch < ns
      'host.u.test. RRSIG(NSEC) 300',
      'u.test. NSEC 300', // u.test < *.u.test < child
      'u.test. RRSIG(NSEC) 300',
    ]);
  });

  it('signs a wildcard answer under the query name and proves there was no closer match (§3.1.3.3)', () => {
    const a = ask('x.w.u.test.', 'A');
    assert.deepEqual(show(a.answer), ['x.w.u.test. A 3600', 'x.w.u.test. RRSIG(A) 3600']);
    assert.deepEqual(show(a.authority), ['*.w.u.test. NSEC 300', '*.w.u.test. RRSIG(NSEC) 300']);
  });

  it('proves wildcard NODATA with the wildcard NSEC, once (§3.1.3.4)', () => {
    const a = ask('x.w.u.test.', 'TXT');
    assert.equal(a.state, 'nodata');
    assert.deepEqual(show(a.authority).filter((l) => l.includes('NSEC')), ['*.w.u.test. NSEC 300', '*.w.u.test. RRSIG(NSEC) 300']);
  });

  it('refers with the signed DS RRset (§3.1.4)', () => {
    const a = ask('x.child.u.test.', 'A');
    assert.equal(a.state, 'referral');
    assert.deepEqual(show(a.authority), ['child.u.test. NS 3600', 'child.u.test. DS 3600', 'child.u.test. RRSIG(DS) 3600']);
  });

  it('refers with the NSEC proving there is no DS (§3.1.4), glue unsigned', () => {
    const a = ask('x.plain.u.test.', 'A');
    assert.deepEqual(show(a.authority), ['plain.u.test. NS 3600', 'plain.u.test. NSEC 300', 'plain.u.test. RRSIG(NSEC) 300']);
    assert.deepEqual(show(a.additional), ['ns.plain.u.test. A 3600']);
  });

  it('answers an explicit RRSIG query as data, one RRset per type covered with its own TTL', () => {
    assert.deepEqual(show(ask('host.u.test.', 'RRSIG', false).answer), ['host.u.test. RRSIG(A) 3600', 'host.u.test. RRSIG(NSEC) 300']);
    assert.deepEqual(show(ask('host.u.test.', 'RRSIG').answer), ['host.u.test. RRSIG(A) 3600', 'host.u.test. RRSIG(NSEC) 300']);
  });

  it('answers an explicit NSEC query as data without DO, and signed with it', () => {
    assert.deepEqual(show(ask('host.u.test.', 'NSEC', false).answer), ['host.u.test. NSEC 300']);
    assert.deepEqual(show(ask('host.u.test.', 'NSEC').answer), ['host.u.test. NSEC 300', 'host.u.test. RRSIG(NSEC) 300']);
  });
});

describe('Responder with DO', () => {
  const decode = (outcome: ReturnType<Responder['respond']>): dnsPacket.DecodedPacket => {
    assert.equal(outcome.kind, 'response');
    return dnsPacket.decode(Buffer.from((outcome as { message: Uint8Array }).message));
  };
  const types = (p: dnsPacket.DecodedPacket): string[] => (p.answers ?? []).map((a) => a.type);
  const tc = (p: dnsPacket.DecodedPacket): boolean => ((p.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0;

  it('caches DO and non-DO answers apart', () => {
    const r = new Responder(set);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(types(decode(r.respond(buildQuery('host.u.test', 'A', { dnssecOk: true }), 'udp'))), ['A', 'RRSIG']);
      assert.deepEqual(types(decode(r.respond(buildQuery('host.u.test', 'A'), 'udp'))), ['A']);
      assert.deepEqual(types(decode(r.respond(buildQuery('host.u.test', 'A', { edns: null }), 'udp'))), ['A']);
    }
    assert.equal(r.cache.size, 3);
  });

  it('leaves out an RRset with its RRSIGs when they do not fit together, and sets TC (§3.1.1)', () => {
    const r = new Responder(set);
    const small = decode(r.respond(buildQuery('big.u.test', 'A', { edns: 512, dnssecOk: true }), 'udp'));
    assert.ok(tc(small));
    assert.deepEqual(types(small), []);
    const tcp = decode(r.respond(buildQuery('big.u.test', 'A', { dnssecOk: true }), 'tcp'));
    assert.ok(!tc(tcp));
    assert.deepEqual(types(tcp), ['A', 'RRSIG']);
    // Without DO the A record fits on its own.
    const plain = decode(r.respond(buildQuery('big.u.test', 'A', { edns: 512 }), 'udp'));
    assert.ok(!tc(plain));
    assert.deepEqual(types(plain), ['A']);
  });

  it('writes each RRSIG with its own TTL', () => {
    const r = new Responder(set);
    const p = decode(r.respond(buildQuery('host.u.test', 'RRSIG'), 'udp'));
    assert.deepEqual((p.answers ?? []).map((a) => (a as { ttl?: number }).ttl).sort(), [300, 3600]);
    const zone = set.find(Name.fromText('host.u.test.'))!;
    const rrsig = zone.node(Name.fromText('host.u.test.'))!.rrsets.get(RRType.RRSIG)!;
    assert.deepEqual(rrsig.rdata.map((_, i) => recordTtl(rrsig, i)), [3600, 300]);
  });
});
