import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from './zone-builder';
import { ZoneUpdate } from './zone-update';
import { dnssecOf, preparedSteps, typeCovered, ZoneDnssec } from './dnssec';
import { recordTtl, type Zone } from './zone';
import { runSteps } from './steps';

// The DNSSEC index of a signed zone version: RRSIGs by type covered with their own TTLs, the NSEC
// chain, NSEC3 hashing and the hashed-owner chain. Signatures here are placeholders: nothing in
// the index checks them.

const SIG = '20270101000000 20260101000000 1000 sec.test. AAAA';

const NSEC_ZONE = `
$ORIGIN sec.test.
@      3600 SOA    ns hm 1 3600 600 86400 300
@      3600 NS     ns
@      3600 DNSKEY 257 3 13 AAAA
@      3600 RRSIG  SOA 13 2 3600 ${SIG}
@      3600 RRSIG  NS 13 2 3600 ${SIG}
@      300  NSEC   a.b.sec.test. NS SOA RRSIG NSEC DNSKEY
@      300  RRSIG  NSEC 13 2 300 ${SIG}
a.b    60   TXT    "a"
a.b    60   RRSIG  TXT 13 3 60 ${SIG}
a.b    300  NSEC   ns.sec.test. TXT RRSIG NSEC
a.b    300  RRSIG  NSEC 13 3 300 ${SIG}
ns     3600 A      192.0.2.1
ns     3600 RRSIG  A 13 2 3600 ${SIG}
ns     300  NSEC   sec.test. A RRSIG NSEC
ns     300  RRSIG  NSEC 13 2 300 ${SIG}
`;

function zoneOf(text: string, origin = 'sec.test.'): Zone {
  const o = Name.fromText(origin);
  const b = new ZoneBuilder(o);
  for (const r of readZoneFile(text, { origin: o, source: 'test' })) b.add(r);
  assert.deepEqual(b.warnings, [], 'RRSIGs of different TTLs at one owner are not a warning (RFC 4034 §3)');
  return b.build();
}

const n = (text: string): Name => Name.fromText(text);

describe('DNSSEC index of a signed zone', () => {
  const zone = zoneOf(NSEC_ZONE);
  const sec = dnssecOf(zone)!;

  it('is null for a zone without a DNSKEY at its apex, so unsigned zones pay nothing', () => {
    assert.equal(dnssecOf(zoneOf('@ 300 SOA ns hm 1 2 3 4 5\n@ 300 NS ns\nns 300 A 192.0.2.1\n')), null);
    assert.ok(sec);
    assert.equal(sec.nsec3, null);
    assert.equal(dnssecOf(zone), sec, 'built once per zone version');
  });

  it('keeps each RRSIG with the TTL of the RRset it covers (RFC 4034 §3)', () => {
    const rrsig = zone.node(n('a.b.sec.test.'))!.rrsets.get(RRType.RRSIG)!;
    const ttls = rrsig.rdata.map((rd, i) => [typeCovered(rd), recordTtl(rrsig, i)]);
    assert.deepEqual(ttls, [
      [RRType.TXT, 60],
      [RRType.NSEC, 300],
    ]);
    assert.equal(rrsig.ttl, 60);
  });

  it('groups the RRSIGs of a node by the type they cover', () => {
    const apex = zone.apex;
    const soa = sec.signatures(apex, RRType.SOA)!;
    assert.equal(soa.rdata.length, 1);
    assert.equal(typeCovered(soa.rdata[0]!), RRType.SOA);
    assert.equal(soa.ttl, 3600);
    assert.equal(sec.signatures(apex, RRType.NSEC)!.ttl, 300);
    assert.equal(sec.signatures(apex, RRType.MX), undefined);
    assert.deepEqual(sec.allSignatures(apex).map((s) => typeCovered(s.rdata[0]!)), [RRType.SOA, RRType.NS, RRType.NSEC]);
  });

  it('finds the NSEC that matches or covers a name, passing over empty non-terminals (RFC 4034 §6.1)', () => {
    const owner = (name: string): string => sec.nsecCovering(n(name))!.name.toString();
    assert.equal(owner('sec.test.'), 'sec.test.');
    assert.equal(owner('a.sec.test.'), 'sec.test.');
    assert.equal(owner('b.sec.test.'), 'sec.test.', 'b is an empty non-terminal: covered by the apex NSEC');
    assert.equal(owner('a.b.sec.test.'), 'a.b.sec.test.');
    assert.equal(owner('z.a.b.sec.test.'), 'a.b.sec.test.');
    assert.equal(owner('c.sec.test.'), 'a.b.sec.test.');
    assert.equal(owner('zz.sec.test.'), 'ns.sec.test.', 'after the last name: the NSEC that wraps to the apex');
  });

  it('keeps RRSIG TTLs through a ZoneUpdate, shared and rebuilt', () => {
    const line = readZoneFile(`a.b 60 A 192.0.2.9\na.b 60 RRSIG A 13 3 60 ${SIG}`, { origin: zone.origin, source: 'change' });
    for (const rebuild of [false, true]) {
      const update = new ZoneUpdate(zone);
      for (const r of line) update.add(r);
      const next = update.commit('change', { rebuild }).zone;
      const rrsig = next.node(n('a.b.sec.test.'))!.rrsets.get(RRType.RRSIG)!;
      const ttls = rrsig.rdata.map((rd, i) => [typeCovered(rd), recordTtl(rrsig, i)]).sort((a, b) => a[0]! - b[0]!);
      assert.deepEqual(ttls, [
        [RRType.A, 60],
        [RRType.TXT, 60],
        [RRType.NSEC, 300],
      ], `rebuild=${rebuild}`);
    }
  });
});

describe('NSEC3 hashing and chain (RFC 5155)', () => {
  // RFC 5155 Appendix A: salt aabbccdd, 12 iterations, and the hashes it lists.
  const zone = zoneOf(`
$ORIGIN example.
@ 3600 SOA ns1 bugs.x.w.example. 1 3600 300 3600000 3600
@ 3600 NS ns1
@ 3600 DNSKEY 257 3 13 AAAA
@ 3600 NSEC3PARAM 1 0 12 aabbccdd
ns1 3600 A 192.0.2.1
0p9mhaveqvm6t7vbl5lop2u3t2rp3tom 3600 NSEC3 1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA MX RRSIG DNSKEY NSEC3PARAM
2t7b4g4vsa5smi47k61mv5bv1a22bojr 3600 NSEC3 1 1 12 aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG
2vptu5timamqttgl4luu9kg21e0aor3s 3600 NSEC3 1 1 12 aabbccdd 35mthgpgcu1qg68fab165klnsnk3dpvl MX RRSIG
35mthgpgcu1qg68fab165klnsnk3dpvl 3600 NSEC3 1 1 12 aabbccdd b4um86eghhds6nea196smvmlo4ors995 NS DS RRSIG
`, 'example.');
  const sec = dnssecOf(zone)!;

  it('reads the parameters from NSEC3PARAM', () => {
    assert.deepEqual({ ...sec.nsec3!, salt: Buffer.from(sec.nsec3!.salt).toString('hex') }, { algorithm: 1, iterations: 12, salt: 'aabbccdd' });
  });

  it('hashes names as RFC 5155 Appendix A lists them', () => {
    assert.equal(sec.hash(n('example.')), '0p9mhaveqvm6t7vbl5lop2u3t2rp3tom');
    assert.equal(sec.hash(n('a.example.')), '35mthgpgcu1qg68fab165klnsnk3dpvl');
    assert.equal(sec.hash(n('ns1.example.')), '2t7b4g4vsa5smi47k61mv5bv1a22bojr');
    assert.equal(sec.hash(n('*.w.example.')), 'r53bq7cc2uvmubfu5ocmm6pers9tk9en');
    assert.equal(sec.hash(n('NS1.Example.')), '2t7b4g4vsa5smi47k61mv5bv1a22bojr', 'in canonical (lower-case) form');
  });

  it('finds the NSEC3 matching a name, and the one covering it, wrapping around the chain', () => {
    assert.equal(sec.nsec3Matching(n('example.'))!.name.toString(), '0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.');
    assert.equal(sec.nsec3Matching(n('a.example.'))!.name.toString(), '35mthgpgcu1qg68fab165klnsnk3dpvl.example.');
    assert.equal(sec.nsec3Matching(n('nosuch.example.')), undefined);
    // ns1 hashes to 2t7b…: covered by the NSEC3 before it, not matched by itself.
    assert.equal(sec.nsec3Covering(n('ns1.example.'))!.name.toString(), '0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.');
    // *.w.example hashes to r53b…, after the last hashed owner here: the chain wraps to the last.
    assert.equal(sec.nsec3Covering(n('*.w.example.'))!.name.toString(), '35mthgpgcu1qg68fab165klnsnk3dpvl.example.');
  });
});

describe('a signed zone made ready in steps', () => {
  it('orders the NSEC chain before the first negative answer, with the answers of the lazy chain', () => {
    const zone = zoneOf(NSEC_ZONE);
    assert.equal(runSteps(preparedSteps(zone)), zone);
    const fresh = new ZoneDnssec(zoneOf(NSEC_ZONE), null);
    for (const name of ['sec.test.', 'a.sec.test.', 'a.b.sec.test.', 'b.sec.test.', 'zz.sec.test.', 'm.sec.test.']) {
      assert.equal(dnssecOf(zone)!.nsecCovering(n(name))?.name.toString(), fresh.nsecCovering(n(name))?.name.toString(), name);
    }
    // Prepared: the chain is there without being asked for.
    assert.ok((dnssecOf(zone) as unknown as { nsecChain?: unknown }).nsecChain);
  });
});
