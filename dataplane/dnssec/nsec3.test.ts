import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { Nsec3Chain, nsec3RRsets } from './nsec3';
import { DenialError } from './denial';
import { assertChange, changed, lines, largeZone, timed, UPDATE_BASE, zoneOf } from './denial.fixtures';

// The NSEC3 chain (RFC 5155 §7.1) with RFC 9276 defaults on small zones, opt-out on and off, and
// its incremental update checked against a full build of each new version.

const SOA = '@ 3600 SOA ns1 hostmaster 1 3600 900 604800 300';
const KEY = '@ 3600 DNSKEY 257 3 13 AwEAAQ==';
const DS = 'DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

/** The chain as `original name → NSEC3 line`, to read which name got which record. */
function byName(zoneText: string, optOut = false): Map<string, string> {
  const zone = zoneOf('example.', zoneText);
  const chain = Nsec3Chain.build(zone, { optOut });
  const out = new Map<string, string>();
  for (const node of zone.nodes.values()) {
    const rrset = chain.rrset(node.name);
    if (rrset) out.set(node.name.toString(), lines([rrset])[0]!.split(' ').slice(2).join(' '));
  }
  return out;
}

/** The bit map part of an NSEC3 line after the next hashed owner. */
function bitmap(line: string | undefined): string | undefined {
  return line?.split(' ').slice(6).join(' ');
}

describe('NSEC3 chain', () => {
  it('gives an apex-only zone one NSEC3 that is its own next, and an NSEC3PARAM with RFC 9276 defaults', () => {
    const zone = zoneOf('example.', `${SOA}\n@ 3600 NS ns.elsewhere.\n${KEY}\n`);
    const { nsec3, nsec3param } = nsec3RRsets(zone);
    const label = lines(nsec3)[0]!.split('.')[0]!;
    assert.deepEqual(lines(nsec3), [`${label}.example. 300 NSEC3 1 0 0 - ${label} ns soa rrsig dnskey nsec3param`]);
    assert.deepEqual(lines([nsec3param]), ['example. 300 NSEC3PARAM 1 0 0 -']);
  });

  it('hashes names as RFC 5155 Appendix A does (salt aabbccdd, 12 iterations)', () => {
    const zone = zoneOf(
      'example.',
      `${SOA}
@ NS ns1
@ NS ns2
@ MX 1 xx
a NS ns1.a
a NS ns2.a
a ${DS}
ns1.a A 192.0.2.5
ns2.a A 192.0.2.6
ai A 192.0.2.9
c NS ns1.c
ns1.c A 192.0.2.7
ns1 A 192.0.2.1
ns2 A 192.0.2.2
*.w MX 1 ai
x.w MX 1 xx
x.y.w MX 1 xx
xx A 192.0.2.10
`,
    );
    const chain = Nsec3Chain.build(zone, { iterations: 12, salt: Uint8Array.from([0xaa, 0xbb, 0xcc, 0xdd]), optOut: true });
    const owners = chain.rrsets().map((r) => r.owner.toString().split('.')[0]);
    // example, ns1, x.y.w, a, x.w, ai, y.w and w (empty non-terminals), ns2, *.w, xx; c is an
    // unsigned delegation left out by opt-out, the glue below a and c too.
    assert.deepEqual(owners, [
      '0p9mhaveqvm6t7vbl5lop2u3t2rp3tom',
      '2t7b4g4vsa5smi47k61mv5bv1a22bojr',
      '2vptu5timamqttgl4luu9kg21e0aor3s',
      '35mthgpgcu1qg68fab165klnsnk3dpvl',
      'b4um86eghhds6nea196smvmlo4ors995',
      'gjeqe526plbf1g8mklp59enfd789njgi',
      'ji6neoaepv8b5o6k4ev33abha8ht9fgc',
      'k8udemvp1j2f7eg6jebps17vp3n8i58h',
      'q04jkcevqvmu85r014c7dkba38o0ji5r',
      'r53bq7cc2uvmubfu5ocmm6pers9tk9en',
      't644ebqk9bibcna874givr6joj62mlhv',
    ]);
    assert.deepEqual(lines(chain.rrsets()).slice(0, 1), ['0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example. 300 NSEC3 1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr ns soa mx rrsig nsec3param']);
    assert.deepEqual(lines([chain.nsec3param()]), ['example. 300 NSEC3PARAM 1 0 12 aabbccdd']);
  });

  it('gives empty non-terminals an NSEC3 with an empty bit map (RFC 5155 §7.1)', () => {
    const chain = byName(`${SOA}\n@ NS ns1.example.\na.b.c A 192.0.2.1\n`);
    assert.deepEqual([...chain.keys()].sort(), ['a.b.c.example.', 'b.c.example.', 'c.example.', 'example.']);
    assert.equal(bitmap(chain.get('b.c.example.')), '');
    assert.equal(bitmap(chain.get('c.example.')), '');
    assert.equal(bitmap(chain.get('a.b.c.example.')), 'a rrsig');
  });

  const delegations = `${SOA}
@ NS ns1
ns1 A 192.0.2.1
sec NS ns.sec
sec ${DS}
ns.sec A 192.0.2.2
sub NS ns.sub
sub A 192.0.2.9
ns.sub A 192.0.2.3
x.y.unsig NS ns.elsewhere.
*.w TXT "w"
`;

  it('without opt-out: every delegation, RRSIG only beside a DS, no NSEC3 type, glue left out', () => {
    const chain = byName(delegations);
    assert.deepEqual([...chain.keys()].sort(), ['*.w.example.', 'example.', 'ns1.example.', 'sec.example.', 'sub.example.', 'unsig.example.', 'w.example.', 'x.y.unsig.example.', 'y.unsig.example.']);
    assert.equal(bitmap(chain.get('sec.example.')), 'ns ds rrsig');
    assert.equal(bitmap(chain.get('sub.example.')), 'ns');
    assert.equal(bitmap(chain.get('x.y.unsig.example.')), 'ns');
    assert.equal(bitmap(chain.get('*.w.example.')), 'txt rrsig');
    for (const line of chain.values()) assert.equal(line.split(' ')[2], '0', 'flags');
  });

  it('with opt-out: no unsigned delegation nor the empty non-terminals that only lead to one, the flag on every NSEC3 (RFC 5155 §6)', () => {
    const chain = byName(delegations, true);
    assert.deepEqual([...chain.keys()].sort(), ['*.w.example.', 'example.', 'ns1.example.', 'sec.example.', 'w.example.']);
    for (const line of chain.values()) assert.equal(line.split(' ')[2], '1', 'flags');
  });

  it('links each NSEC3 to the next hash and the last to the first (RFC 5155 §3.1.7)', () => {
    const rrsets = nsec3RRsets(zoneOf('example.', delegations)).nsec3;
    const owners = lines(rrsets).map((l) => l.split('.')[0]!);
    const nexts = lines(rrsets).map((l) => l.split(' ')[7]!);
    assert.deepEqual([...owners].sort(), owners);
    assert.deepEqual(nexts, [...owners.slice(1), owners[0]]);
  });

  it('refuses iterations and salts RFC 5155 §3.2 cannot carry', () => {
    const zone = zoneOf('example.', `${SOA}\n@ NS ns1.example.\n`);
    assert.throws(() => Nsec3Chain.build(zone, { iterations: 70_000 }), DenialError);
    assert.throws(() => Nsec3Chain.build(zone, { salt: new Uint8Array(256) }), DenialError);
  });

  describe('update', () => {
    const base = zoneOf('example.', `${SOA}\n${UPDATE_BASE}`);

    const steps: Array<[string, string[]]> = [
      ['a name: it and its predecessor in hash order', ['c A 192.0.2.3']],
      ['a type at an existing name: only its bit map', ['c TXT "c"']],
      ['a name removed', ['-d A 192.0.2.4']],
      ['a name below two new empty non-terminals', ['p.q.r A 192.0.2.7']],
      ['a second name below them: the non-terminals stay', ['s.q.r A 192.0.2.8']],
      ['the first removed: the non-terminals stay for the second', ['-p.q.r A 192.0.2.7']],
      ['the second removed: the non-terminals go', ['-s.q.r A 192.0.2.8']],
      ['data at an empty non-terminal', ['a.b.c A 192.0.2.1', 'b.c TXT "now data"']],
      ['an empty non-terminal again', ['-b.c TXT "now data"']],
      ['a DS at a delegation', [`sub ${DS}`]],
      ['a cut that goes: glue and occluded names become data', ['-sub NS ns.sub', `-sub ${DS}`]],
      ['a cut that appears: the names below it leave the chain', ['sub NS ns.sub']],
      ['an unsigned delegation below an empty non-terminal', ['x.q.r NS ns.elsewhere.']],
      ['its DS', [`x.q.r ${DS}`]],
      ['its DS removed', [`-x.q.r ${DS}`]],
      ['a new SOA MINIMUM: every TTL', ['-@ SOA ns1 hostmaster 1 3600 900 604800 300', '@ 3600 SOA ns1 hostmaster 2 3600 900 604800 120']],
    ];

    for (const optOut of [false, true]) {
      it(`returns exactly the NSEC3 RRsets that a full build of each new version changes${optOut ? ', with opt-out' : ''}`, () => {
        let zone = base;
        const chain = Nsec3Chain.build(zone, { optOut });
        for (const [what, change] of steps) {
          const before = chain.rrsets();
          const next = changed(zone, change);
          const result = chain.update(next.zone, next.names);
          const full = Nsec3Chain.build(next.zone, { optOut }).rrsets();
          assertChange(result, before, full, what);
          assert.deepEqual(lines(chain.rrsets()), lines(full), what);
          zone = next.zone;
        }
      });
    }

    it('changes three or four NSEC3 RRsets for one name and one empty non-terminal added to a zone of 200,000 names, without a rebuild', function () {
      this.timeout(120_000);
      const count = 200_000;
      const zone = largeZone(count);
      const { value: chain, ms: buildMs } = timed(() => Nsec3Chain.build(zone));
      const next = changed(zone, ['new.name A 192.0.2.1']);
      const { value: result, ms: updateMs } = timed(() => chain.update(next.zone, next.names));
      assert.equal(chain.size, count + 4);
      // new.name and the empty non-terminal name, each with its predecessor (which may coincide).
      const added = new Set([chain.rrset(Name.fromText('new.name.example.'))!.owner.key, chain.rrset(Name.fromText('name.example.'))!.owner.key]);
      assert.ok(result.upserts.length >= 3 && result.upserts.length <= 4, `${result.upserts.length} NSEC3 RRsets changed`);
      for (const key of added) assert.ok(result.upserts.some((r) => r.owner.key === key));
      assert.deepEqual(result.removed, []);
      console.log(`      NSEC3, ${count} names: full build ${buildMs.toFixed(0)} ms, one-name update ${updateMs.toFixed(2)} ms`);
    });
  });
});
