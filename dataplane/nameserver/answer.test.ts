import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { Rcode, RRType, typeFromString, typeToString } from '../dns/constants';
import { rdataToText } from '../dns/rdata/registry';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneSet } from '../zone/zone-set';
import { answerQuery, type Answer, type AnswerEntry } from './answer';

// One zone that exercises every branch of the answer logic; each case below names the rule.
const ZONE = `
$ORIGIN example.
$TTL 300
@            SOA   ns1 hostmaster 1 3600 600 86400 60
@            NS    ns1
@            NS    ns.other.
@            MX    10 mail
ns1          A     192.0.2.1
mail         A     192.0.2.2
mail         AAAA  2001:db8::2
www          CNAME host
host         A     192.0.2.3
chain1       CNAME chain2
chain2       CNAME host
dangling     CNAME nowhere
outside      CNAME target.other.
loop1        CNAME loop2
loop2        CNAME loop1
a.b.c.ent    TXT   "deep"
*.wild       A     192.0.2.4
*.wild       TXT   "wild"
sub.wild     A     192.0.2.5
*.cname-wild CNAME host
dn           DNAME example.net.
child        NS    ns1.child
child        NS    ns.other.
child        DS    12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE
ns1.child    A     192.0.2.6
_sip._udp    SRV   0 0 5060 host
`;

const NET = `
$ORIGIN example.net.
@    SOA ns hostmaster 7 3600 600 86400 120
@    NS  ns.example.
x    A   198.51.100.1
`;

function zoneOf(text: string, origin: string) {
  const o = Name.fromText(origin);
  const b = new ZoneBuilder(o);
  for (const r of readZoneFile(text, { origin: o, source: origin, initialTtl: 300 })) b.add(r);
  return b.build();
}

const zones = new ZoneSet([zoneOf(ZONE, 'example.'), zoneOf(NET, 'example.net.')]);

function ask(qname: string, qtype: string): Answer {
  return answerQuery(zones, Name.fromText(qname), typeFromString(qtype)!);
}

function show(entries: readonly AnswerEntry[]): string[] {
  return entries.flatMap((e) => e.rrset.rdata.map((rd) => `${e.owner} ${e.rrset.ttl} ${typeToString(e.rrset.type)} ${rdataToText(e.rrset.type, rd)}`));
}

describe('answerQuery', () => {
  it('answers an existing RRset authoritatively, with MX target addresses in additional', () => {
    const a = ask('example.', 'MX');
    assert.equal(a.rcode, Rcode.NOERROR);
    assert.ok(a.authoritative);
    assert.deepEqual(show(a.answer), ['example. 300 MX 10 mail.example.']);
    assert.deepEqual(show(a.additional).sort(), ['mail.example. 300 A 192.0.2.2', 'mail.example. 300 AAAA 2001:db8::2']);
  });

  it('says NODATA with the SOA at the negative TTL (RFC 2308 §2.2, §3)', () => {
    const a = ask('host.example.', 'AAAA');
    assert.equal(a.state, 'nodata');
    assert.equal(a.rcode, Rcode.NOERROR);
    assert.deepEqual(a.answer, []);
    assert.deepEqual(show(a.authority), ['example. 60 SOA ns1.example. hostmaster.example. 1 3600 600 86400 60']);
  });

  it('says NXDOMAIN with the SOA for a name that does not exist (RFC 2308 §2.1)', () => {
    const a = ask('nope.example.', 'A');
    assert.equal(a.rcode, Rcode.NXDOMAIN);
    assert.equal(a.state, 'nxdomain');
    assert.equal(a.authority[0]!.rrset.type, RRType.SOA);
  });

  it('treats empty non-terminals as existing: NODATA, not NXDOMAIN (RFC 4592 §2.2.2)', () => {
    for (const name of ['ent.example.', 'c.ent.example.', 'b.c.ent.example.']) {
      const a = ask(name, 'A');
      assert.equal(a.rcode, Rcode.NOERROR, name);
      assert.equal(a.state, 'nodata', name);
    }
  });

  it('synthesizes from a wildcard with the query name as owner (RFC 4592 §3.3.1)', () => {
    const a = ask('Foo.Wild.example.', 'A');
    assert.deepEqual(show(a.answer), ['Foo.Wild.example. 300 A 192.0.2.4']);
    const deeper = ask('x.y.wild.example.', 'TXT');
    assert.deepEqual(show(deeper.answer), ['x.y.wild.example. 300 TXT "wild"']);
  });

  it('gives wildcard NODATA for a type the wildcard lacks', () => {
    const a = ask('foo.wild.example.', 'MX');
    assert.equal(a.state, 'nodata');
    assert.equal(a.rcode, Rcode.NOERROR);
  });

  it('does not apply the wildcard below an existing name (RFC 4592 §2.2.1 closest encloser)', () => {
    const a = ask('x.sub.wild.example.', 'A');
    assert.equal(a.rcode, Rcode.NXDOMAIN);
    assert.deepEqual(show(ask('sub.wild.example.', 'A').answer), ['sub.wild.example. 300 A 192.0.2.5']);
  });

  it('follows a CNAME chain inside the zone (RFC 1034 §4.3.2 step 3a)', () => {
    const a = ask('chain1.example.', 'A');
    assert.deepEqual(show(a.answer), [
      'chain1.example. 300 CNAME chain2.example.',
      'chain2.example. 300 CNAME host.example.',
      'host.example. 300 A 192.0.2.3',
    ]);
  });

  it('answers a CNAME query with the CNAME itself', () => {
    assert.deepEqual(show(ask('www.example.', 'CNAME').answer), ['www.example. 300 CNAME host.example.']);
  });

  it('ends a chain at a missing target with NXDOMAIN and the SOA (RFC 6604 §3)', () => {
    const a = ask('dangling.example.', 'A');
    assert.equal(a.rcode, Rcode.NXDOMAIN);
    assert.deepEqual(show(a.answer), ['dangling.example. 300 CNAME nowhere.example.']);
    assert.deepEqual(a.authority.map((e) => e.rrset.type), [RRType.SOA]);
  });

  it('ends a chain at a name without the type with NODATA and the SOA', () => {
    const a = ask('www.example.', 'MX');
    assert.equal(a.rcode, Rcode.NOERROR);
    assert.equal(a.state, 'nodata');
    assert.deepEqual(a.authority.map((e) => e.rrset.type), [RRType.SOA]);
  });

  it('stops at a CNAME that leaves our zones', () => {
    const a = ask('outside.example.', 'A');
    assert.equal(a.rcode, Rcode.NOERROR);
    assert.deepEqual(show(a.answer), ['outside.example. 300 CNAME target.other.']);
  });

  it('stops a CNAME loop', () => {
    const a = ask('loop1.example.', 'A');
    assert.deepEqual(show(a.answer), ['loop1.example. 300 CNAME loop2.example.', 'loop2.example. 300 CNAME loop1.example.']);
  });

  it('follows a wildcard CNAME', () => {
    const a = ask('any.cname-wild.example.', 'A');
    assert.deepEqual(show(a.answer), ['any.cname-wild.example. 300 CNAME host.example.', 'host.example. 300 A 192.0.2.3']);
  });

  it('substitutes a DNAME and follows into another zone we serve (RFC 6672 §3.3)', () => {
    const a = ask('x.dn.example.', 'A');
    assert.deepEqual(show(a.answer), [
      'dn.example. 300 DNAME example.net.',
      'x.dn.example. 300 CNAME x.example.net.',
      'x.example.net. 300 A 198.51.100.1',
    ]);
    assert.ok(a.authoritative);
  });

  it('answers the DNAME owner itself without substitution', () => {
    assert.deepEqual(show(ask('dn.example.', 'DNAME').answer), ['dn.example. 300 DNAME example.net.']);
  });

  it('refers below a delegation: NS in authority, glue in additional, AA clear (RFC 1034 §4.3.2 3b)', () => {
    for (const q of ['child.example.', 'www.child.example.', 'ns1.child.example.']) {
      const a = ask(q, 'A');
      assert.equal(a.state, 'referral', q);
      assert.ok(!a.authoritative, q);
      assert.deepEqual(a.answer, [], q);
      assert.deepEqual(show(a.authority).sort(), ['child.example. 300 NS ns.other.', 'child.example. 300 NS ns1.child.example.']);
      assert.deepEqual(show(a.additional), ['ns1.child.example. 300 A 192.0.2.6']);
      assert.ok(a.additional[0]!.required, 'in-domain glue is required (RFC 9471)');
    }
  });

  it('answers DS at a delegation from the parent, authoritatively (RFC 4035 §3.1.4.1)', () => {
    const a = ask('child.example.', 'DS');
    assert.ok(a.authoritative);
    assert.equal(a.answer[0]!.rrset.type, RRType.DS);
  });

  it('answers DS at our own apex with NODATA when the parent is not ours', () => {
    const a = ask('example.', 'DS');
    assert.equal(a.state, 'nodata');
    assert.ok(a.authoritative);
  });

  it('answers DS for a child apex from the parent zone when we serve both', () => {
    const both = new ZoneSet([
      zoneOf(ZONE, 'example.'),
      zoneOf('$ORIGIN child.example.\n@ SOA ns hm 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.6\n', 'child.example.'),
    ]);
    const a = answerQuery(both, Name.fromText('child.example.'), RRType.DS);
    assert.deepEqual(a.answer.map((e) => e.rrset.type), [RRType.DS]);
    const inChild = answerQuery(both, Name.fromText('ns1.child.example.'), RRType.A);
    assert.ok(inChild.authoritative, 'the child zone answers for its own names');
  });

  it('refuses names outside every zone (RFC 1034 §4.3.2 step 2)', () => {
    const a = ask('www.example.com.', 'A');
    assert.equal(a.rcode, Rcode.REFUSED);
    assert.ok(!a.authoritative);
  });

  it('adds SRV target addresses (RFC 2782)', () => {
    assert.deepEqual(show(ask('_sip._udp.example.', 'SRV').additional), ['host.example. 300 A 192.0.2.3']);
  });

  it('answers ANY with the first RRset of the name (RFC 8482 §4.1)', () => {
    assert.deepEqual(show(ask('mail.example.', 'ANY').answer), ['mail.example. 300 A 192.0.2.2']);
    assert.deepEqual(ask('example.', 'ANY').answer.map((e) => e.rrset.type), [RRType.SOA]);
    assert.equal(ask('ent.example.', 'ANY').state, 'nodata');
  });

  it('answers YXDOMAIN when a DNAME substitution would exceed 255 octets (RFC 6672 §2.2)', () => {
    const long = Array(3).fill('a'.repeat(60)).join('.');
    const zone = zoneOf(`$ORIGIN example.\n@ SOA ns hm 1 2 3 4 5\nd DNAME ${long}.example.net.\n`, 'example.');
    const qname = Name.fromText(`${'b'.repeat(50)}.${'c'.repeat(50)}.d.example.`);
    const a = answerQuery(new ZoneSet([zone]), qname, RRType.A);
    assert.equal(a.rcode, Rcode.YXDOMAIN);
  });
});

describe('answerQuery: the additional section', () => {
  // Targets that only a wildcard holds, and targets below a delegation (glue).
  const zone = zoneOf(
    `$ORIGIN add.test.
@          SOA  ns hm 1 3600 600 86400 60
@          NS   ns
@          MX   10 mail.wild
@          MX   20 mx.sub
ns         A    192.0.2.1
*.wild     A    192.0.2.4
*.wild     AAAA 2001:db8::4
srv        SRV  0 0 53 x.wild
srvsub     SRV  0 0 53 mx.sub
sub        NS   ns.sub
ns.sub     A    192.0.2.2
mx.sub     A    192.0.2.3
*.sub      A    192.0.2.9
deleg      NS   ns.wild
deep       MX   10 a.b.wild
wsub       MX   10 z.sub
`,
    'add.test.',
  );
  const set = new ZoneSet([zone]);
  const additional = (qname: string, qtype: string): string[] => show(answerQuery(set, Name.fromText(qname), typeFromString(qtype)!).additional).sort();

  it('adds the addresses a wildcard gives an MX or SRV target, under the target name (RFC 4592, as NSD and Knot)', () => {
    assert.deepEqual(additional('add.test.', 'MX'), ['mail.wild.add.test. 300 A 192.0.2.4', 'mail.wild.add.test. 300 AAAA 2001:db8::4']);
    assert.deepEqual(additional('srv.add.test.', 'SRV'), ['x.wild.add.test. 300 A 192.0.2.4', 'x.wild.add.test. 300 AAAA 2001:db8::4']);
    assert.deepEqual(additional('deep.add.test.', 'MX'), ['a.b.wild.add.test. 300 A 192.0.2.4', 'a.b.wild.add.test. 300 AAAA 2001:db8::4']);
  });

  it('adds the addresses a wildcard gives an NS target of a referral', () => {
    const a = answerQuery(set, Name.fromText('x.deleg.add.test.'), RRType.A);
    assert.equal(a.state, 'referral');
    assert.deepEqual(show(a.additional).sort(), ['ns.wild.add.test. 300 A 192.0.2.4', 'ns.wild.add.test. 300 AAAA 2001:db8::4']);
  });

  it('leaves glue (addresses below a delegation) out of authoritative answers, as NSD does (RFC 2181 §5.4.1)', () => {
    assert.ok(!additional('add.test.', 'MX').some((l) => l.startsWith('mx.sub.')));
    assert.deepEqual(additional('srvsub.add.test.', 'SRV'), []);
    // A wildcard below the cut is the child's data, not ours.
    assert.deepEqual(additional('wsub.add.test.', 'MX'), []);
  });

  it('still sends glue with the referral it belongs to', () => {
    assert.deepEqual(show(answerQuery(set, Name.fromText('x.sub.add.test.'), RRType.A).additional), ['ns.sub.add.test. 300 A 192.0.2.2']);
  });
});
