import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder, ZoneCheckError } from './zone-builder';
import { ZoneUpdate, ZoneUpdateError } from './zone-update';
import type { Zone } from './zone';

// ZoneUpdate: removals and additions against a base version, built into a new version that
// passed ZoneBuilder's checks; the base stays as it was, whatever happens.

const origin = Name.fromText('upd.test.');
const base = zoneOf(`@ 300 SOA ns hm 1 3600 600 86400 300
@ 300 NS ns
ns 300 A 192.0.2.1
www 300 A 192.0.2.10
www 300 A 192.0.2.11
`);

function zoneOf(text: string): Zone {
  const b = new ZoneBuilder(origin);
  for (const r of readZoneFile(text, { origin, source: 'test' })) b.add(r);
  return b.build();
}

function record(line: string) {
  return readZoneFile(line, { origin, source: 'change' })[0]!;
}

function texts(zone: Zone): string[] {
  const out: string[] = [];
  for (const set of zone.rrsets()) for (const rd of set.rdata) out.push(`${set.owner} ${set.ttl} ${set.type} ${Buffer.from(rd).toString('hex')}`);
  return out.sort();
}

describe('ZoneUpdate', () => {
  it('applies removals and additions into a new version, leaving the base as it was', () => {
    const before = texts(base);
    const { zone } = new ZoneUpdate(base)
      .remove(record('@ 300 SOA ns hm 1 3600 600 86400 300'))
      .add(record('@ 300 SOA ns hm 2 3600 600 86400 300'))
      .remove(record('www 300 A 192.0.2.10'))
      .add(record('new 60 AAAA 2001:db8::1'))
      .commit('test');
    assert.equal(zone.serial, 2);
    assert.equal(zone.node(Name.fromText('www.upd.test.'))!.rrsets.get(RRType.A)!.rdata.length, 1);
    assert.ok(zone.node(Name.fromText('new.upd.test.'))!.rrsets.has(RRType.AAAA));
    assert.equal(zone.recordCount, base.recordCount);
    assert.deepEqual(texts(base), before);
  });

  it('gives an RRset the TTL of the record added last', () => {
    const { zone } = new ZoneUpdate(base).add(record('www 60 A 192.0.2.12')).commit();
    assert.equal(zone.node(Name.fromText('www.upd.test.'))!.rrsets.get(RRType.A)!.ttl, 60);
  });

  it('drops a name whose last record is removed', () => {
    const { zone } = new ZoneUpdate(base).remove(record('www 300 A 192.0.2.10')).remove(record('www 300 A 192.0.2.11')).commit();
    assert.equal(zone.node(Name.fromText('www.upd.test.')), undefined);
  });

  it('refuses to remove a record that is not there, or to add one that is', () => {
    assert.throws(() => new ZoneUpdate(base).remove(record('www 300 A 192.0.2.99')), (e: unknown) => e instanceof ZoneUpdateError && /not in the zone: www\.upd\.test\. 300 A 192\.0\.2\.99/.test(e.message));
    assert.throws(() => new ZoneUpdate(base).add(record('ns 300 A 192.0.2.1')), (e: unknown) => e instanceof ZoneUpdateError && /already in the zone/.test(e.message));
  });

  it('runs the zone checks on the result', () => {
    assert.throws(() => new ZoneUpdate(base).add(record('www 300 CNAME ns')).commit(), (e: unknown) => e instanceof ZoneCheckError && /CNAME beside other data/.test(e.message));
    assert.throws(() => new ZoneUpdate(base).add(record('@ 300 SOA ns hm 2 3600 600 86400 300')).commit(), ZoneCheckError);
  });
});

describe('ZoneUpdate shares structure with its base, and agrees with a rebuild', () => {
  const richBase = zoneOf(`@ 300 SOA ns hm 1 3600 600 86400 300
@ 300 NS ns
ns 300 A 192.0.2.1
www 300 A 192.0.2.10
a.b.c 300 TXT "deep"
sub 300 NS ns.sub
ns.sub 300 A 192.0.2.53
mail 300 MX 10 ns
${Array.from({ length: 200 }, (_, i) => `h${i} 300 A 192.0.2.${i}`).join('\n')}
`);
  // Records an update may remove (they are in the base) or add (some are, some are not).
  const pool = [
    'www 300 A 192.0.2.10', 'www 300 A 192.0.2.11', 'www 60 A 192.0.2.12', 'www 300 CNAME ns',
    'new 300 A 192.0.2.20', 'x.y.new 300 A 192.0.2.21', 'b.c 300 TXT "was empty"', 'a.b.c 300 TXT "deep"',
    'glue.sub 300 A 192.0.2.54', 'ns.sub 300 A 192.0.2.53', 'deleg 300 NS ns.deleg', 'ns.deleg 300 A 192.0.2.55',
    'c 300 NS ns', 'mail 300 MX 10 ns', 'ns 300 A 192.0.2.1', '@ 300 NS ns', '@ 300 SOA ns hm 1 3600 600 86400 300',
    '@ 300 SOA ns hm 2 3600 600 86400 300',
  ].map(record);

  /** Nodes with their flags and RRsets, as text: what the answer logic reads. */
  function shape(zone: Zone): string[] {
    const out: string[] = [];
    for (const [key, node] of zone.nodes) {
      const sets = [...node.rrsets.values()].map((s) => `${s.type}/${s.ttl}/${s.rdata.map((r) => Buffer.from(r).toString('hex')).sort().join(',')}`).sort();
      out.push(`${JSON.stringify(key)} ${node.name.key === key} cut=${node.isDelegation} below=${node.belowCut} ${sets.join(' ')}`);
    }
    return out.sort();
  }

  type Outcome = { shape: string[]; count: number; size: number; serial: number } | { error: string };
  function outcome(run: () => Zone): Outcome {
    try {
      const zone = run();
      return { shape: shape(zone), count: zone.recordCount, size: zone.nodes.size, serial: zone.serial };
    } catch (e) {
      if (e instanceof ZoneUpdateError || e instanceof ZoneCheckError) return { error: e.name };
      throw e;
    }
  }

  function apply(zone: Zone, ops: Array<[boolean, number]>, rebuild: boolean): Zone {
    const u = new ZoneUpdate(zone);
    for (const [remove, i] of ops) (remove ? u.remove(pool[i]!) : u.add(pool[i]!));
    return u.commit('test', { rebuild }).zone;
  }

  it('gives the same zone as a full rebuild for random changes, over two versions', () => {
    const op = fc.tuple(fc.boolean(), fc.nat({ max: pool.length - 1 }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 6 }), fc.array(op, { maxLength: 6 }), (first, second) => {
        const fast = outcome(() => apply(apply(richBase, first, false), second, false));
        const slow = outcome(() => apply(apply(richBase, first, true), second, true));
        assert.deepEqual(fast, slow);
      }),
      { numRuns: 3000 },
    );
  });

  it('changes a record without copying the names it did not touch', () => {
    const { zone } = new ZoneUpdate(richBase).remove(record('www 300 A 192.0.2.10')).add(record('www 300 A 192.0.2.99')).commit();
    assert.equal(zone.node(Name.fromText('ns.upd.test.')), richBase.node(Name.fromText('ns.upd.test.')), 'the same node object');
    assert.notEqual(zone.node(Name.fromText('www.upd.test.')), richBase.node(Name.fromText('www.upd.test.')));
    assert.equal(zone.nodes.size, richBase.nodes.size);
  });
});

describe('Zone.inheritOrder', () => {
  const names = ['a', 'b.a', 'c', 'x.y.z', 'm', '*.w', 'n.m', 'Zz', '0'];
  it('gives a layered version the canonical order a full sort gives, for random changes', () => {
    let inheritedRuns = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...names), fc.boolean()), { maxLength: 8 }), (changes) => {
        const many = Array.from({ length: 200 }, (_, i) => `h${i} 300 A 192.0.2.${i % 250}\n`).join('');
        const before = zoneOf(`@ 300 SOA ns hm 1 3600 600 86400 300\n@ 300 NS ns\nns 300 A 192.0.2.1\nc 300 TXT "c"\nm 300 TXT "m"\n${many}`);
        before.sortedNodes();
        const update = new ZoneUpdate(before);
        const present = new Set(['c', 'm']);
        for (const [n, add] of changes) {
          const line = `${n} 300 TXT "${n}"`;
          const has = present.has(n);
          if (add && !has) {
            update.add(record(line));
            present.add(n);
          } else if (!add && has) {
            update.remove(record(line));
            present.delete(n);
          }
        }
        const after = update.commit('test').zone;
        const inherited = after.inheritOrder(before);
        if (inherited) inheritedRuns++;
        const order = after.sortedNodes().map((n) => n.name.toString());
        const fresh = new ZoneBuilder(origin);
        for (const set of after.rrsets()) for (const rd of set.rdata) fresh.add({ owner: set.owner, ttl: set.ttl, type: set.type, rdata: rd });
        assert.deepEqual(order, fresh.build().sortedNodes().map((n) => n.name.toString()), `inherited: ${inherited}`);
      }),
      { numRuns: 200 },
    );
    assert.ok(inheritedRuns > 100, `most versions inherit their order (${inheritedRuns} of 200)`);
  });

  it('inherits when the version is a layer over the previous one, and not from an unordered or unrelated one', () => {
    // Enough names that a one-name change stays a layer (LayeredMap flattens large layers).
    const many = Array.from({ length: 40 }, (_, i) => `h${i} 300 A 192.0.2.${i}\n`).join('');
    const before = zoneOf(`@ 300 SOA ns hm 1 3600 600 86400 300\n@ 300 NS ns\nns 300 A 192.0.2.1\nwww 300 A 192.0.2.9\n${many}`);
    // A changed record at an existing name: the new version is a layer over the old.
    const next = new ZoneUpdate(before).remove(record('www 300 A 192.0.2.9')).add(record('www 300 A 192.0.2.10')).commit('t').zone;
    assert.equal(next.inheritOrder(before), false, 'the previous version was never ordered');
    before.sortedNodes();
    assert.equal(next.inheritOrder(before), true);
    assert.equal(zoneOf(`@ 300 SOA ns hm 1 3600 600 86400 300\n@ 300 NS ns\nns 300 A 192.0.2.1\n`).inheritOrder(before), false, 'versions that share nothing');
  });
});
