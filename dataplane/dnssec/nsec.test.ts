import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { NsecChain, nsecRRsets } from './nsec';
import { assertChange, changed, lines, largeZone, timed, UPDATE_BASE, zoneOf } from './denial.fixtures';

// The NSEC chain (RFC 4034 §4, RFC 4035 §2.3) on small zones, and its incremental update checked
// against a full build of each new version.

const SOA = '@ 3600 SOA ns1 hostmaster 1 3600 900 604800 300';
const KEY = '@ 3600 DNSKEY 257 3 13 AwEAAQ==';

describe('NSEC chain', () => {
  it('gives an apex-only zone one NSEC that names the apex itself (RFC 4034 §4.1.1)', () => {
    const zone = zoneOf('example.', `${SOA}\n@ 3600 NS ns.elsewhere.\n${KEY}\n`);
    assert.deepEqual(lines(nsecRRsets(zone)), ['example. 300 NSEC example. ns soa rrsig nsec dnskey']);
  });

  it('covers delegations with and without DS with NS, DS, NSEC and RRSIG only, and leaves glue and occluded data out (RFC 4035 §2.3)', () => {
    const zone = zoneOf(
      'example.',
      `${SOA}
@ NS ns1
ns1 A 192.0.2.1
sec NS ns.sec
sec DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.sec A 192.0.2.2
sub NS ns.sub
sub A 192.0.2.9
ns.sub A 192.0.2.3
deep.below.sub TXT "occluded"
`,
    );
    assert.deepEqual(lines(nsecRRsets(zone)), [
      'example. 300 NSEC ns1.example. ns soa rrsig nsec',
      'ns1.example. 300 NSEC sec.example. a rrsig nsec',
      'sec.example. 300 NSEC sub.example. ns ds rrsig nsec',
      'sub.example. 300 NSEC example. ns rrsig nsec',
    ]);
  });

  it('skips empty non-terminals and treats a wildcard as an ordinary owner', () => {
    const zone = zoneOf('example.', `${SOA}\n@ NS ns1.example.\na.b.c A 192.0.2.1\n*.w TXT "w"\n`);
    assert.deepEqual(lines(nsecRRsets(zone)), [
      'example. 300 NSEC a.b.c.example. ns soa rrsig nsec',
      'a.b.c.example. 300 NSEC *.w.example. a rrsig nsec',
      '*.w.example. 300 NSEC example. txt rrsig nsec',
    ]);
  });

  it('orders names canonically: the example list of RFC 4034 §6.1', () => {
    const names = ['a', 'yljkjljk.a', 'Z.a', 'zABC.a', 'z', '\\001.z', '*.z', '\\200.z'];
    const zone = zoneOf('example.', `${SOA}\n@ NS ns.elsewhere.\n${[...names].reverse().map((n) => `${n} TXT "x"`).join('\n')}\n`);
    const chain = nsecRRsets(zone);
    assert.deepEqual(
      chain.map((r) => r.owner.toString()),
      ['example.', 'a.example.', 'yljkjljk.a.example.', 'Z.a.example.', 'zABC.a.example.', 'z.example.', '\\001.z.example.', '*.z.example.', '\\200.z.example.'],
    );
    // Each NSEC names the next owner, the last the apex; the original case is kept (RFC 6840 §5.1).
    assert.deepEqual(
      lines(chain).map((l) => l.split(' ')[3]),
      ['a.example.', 'yljkjljk.a.example.', 'z.a.example.', 'zabc.a.example.', 'z.example.', '\\001.z.example.', '*.z.example.', '\\200.z.example.', 'example.'],
    );
    assert.ok(Name.fromWire(chain[2]!.rdata[0]!.subarray(0, 13)).toString() === 'Z.a.example.');
  });

  it('takes the lower of the SOA TTL and the SOA MINIMUM as TTL (RFC 9077 §3.3)', () => {
    const low = zoneOf('example.', '@ 60 SOA ns1 hm 1 3600 900 604800 300\n@ 60 NS ns1\nns1 60 A 192.0.2.1\n');
    const high = zoneOf('example.', '@ 7200 SOA ns1 hm 1 3600 900 604800 300\n@ 60 NS ns1\nns1 60 A 192.0.2.1\n');
    assert.deepEqual(nsecRRsets(low).map((r) => r.ttl), [60, 60]);
    assert.deepEqual(nsecRRsets(high).map((r) => r.ttl), [300, 300]);
  });

  it('passes over NSEC, NSEC3 and RRSIG records already in the zone: they are not data', () => {
    const zone = zoneOf(
      'example.',
      `${SOA}\n@ NS ns1\nns1 A 192.0.2.1\nns1 NSEC zzz.example. A\n0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 0 0 - 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A\n`,
    );
    assert.deepEqual(lines(nsecRRsets(zone)), ['example. 300 NSEC ns1.example. ns soa rrsig nsec', 'ns1.example. 300 NSEC example. a rrsig nsec']);
  });

  describe('update', () => {
    const base = zoneOf('example.', `${SOA}\n${UPDATE_BASE}`);

    /** Each step: the change, and what it exercises. */
    const steps: Array<[string, string[]]> = [
      ['a name between two others: it and its predecessor', ['c A 192.0.2.3']],
      ['a type at an existing name: only its bit map', ['c TXT "c"']],
      ['the last name: its predecessor now names the apex', ['-d A 192.0.2.4']],
      ['a name after the last: it names the apex', ['zz A 192.0.2.6']],
      ['a name below an empty non-terminal', ['p.q.r A 192.0.2.7']],
      ['a DS at a delegation', ['sub DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef']],
      ['a cut that goes: glue and occluded names become data', ['-sub NS ns.sub', '-sub DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef']],
      ['a cut that appears: the names below it leave the chain', ['sub NS ns.sub']],
      ['a cut below an empty non-terminal', ['q.r NS ns.elsewhere.']],
      ['several names at once, one removed and two added', ['-c A 192.0.2.3', '-c TXT "c"', 'a A 192.0.2.8', 'e A 192.0.2.9']],
      ['a new SOA MINIMUM: every TTL', ['-@ SOA ns1 hostmaster 1 3600 900 604800 300', '@ 3600 SOA ns1 hostmaster 2 3600 900 604800 120']],
      ['a new SOA serial only: nothing', ['-@ SOA ns1 hostmaster 2 3600 900 604800 120', '@ 3600 SOA ns1 hostmaster 3 3600 900 604800 120']],
    ];

    it('returns exactly the NSEC RRsets that a full build of each new version changes, and removes the owners it drops', () => {
      let zone = base;
      const chain = NsecChain.build(zone);
      for (const [what, change] of steps) {
        const before = chain.rrsets();
        const next = changed(zone, change);
        const result = chain.update(next.zone, next.names);
        const full = nsecRRsets(next.zone);
        assertChange(result, before, full, what);
        assert.deepEqual(lines(chain.rrsets()), lines(full), what);
        zone = next.zone;
      }
    });

    it('changes two NSEC RRsets for one name added to a zone of 200,000 names, without a rebuild', function () {
      this.timeout(120_000);
      const count = 200_000;
      const zone = largeZone(count);
      const { value: chain, ms: buildMs } = timed(() => NsecChain.build(zone));
      const next = changed(zone, ['h5-new A 192.0.2.1']);
      const { value: result, ms: updateMs } = timed(() => chain.update(next.zone, next.names));
      assert.equal(chain.size, count + 3);
      // The new name (h5-new sorts between h5 and h50) and its predecessor h5, nothing else.
      assert.deepEqual(lines(result.upserts), ['h5.example. 300 NSEC h5-new.example. a rrsig nsec', 'h5-new.example. 300 NSEC h50.example. a rrsig nsec']);
      assert.deepEqual(result.removed, []);
      console.log(`      NSEC, ${count} names: full build ${buildMs.toFixed(0)} ms, one-name update ${updateMs.toFixed(2)} ms`);
    });
  });
});
