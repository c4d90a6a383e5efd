import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Name } from '../dns/name';
import { readZoneRecords } from '../dns/zonefile/reader';
import { ITEMS_PER_STEP, runSteps, sortInSteps, type Steps } from './steps';
import { ZoneBuilder, ZoneCheckError } from './zone-builder';
import type { Zone } from './zone';

// Work in steps (ADR 0009): the same result as the work done in one go, with pauses in between
// that a caller can use to answer queries.

/** Runs steps, counting the pauses, and does some unrelated work in each (as the event loop would). */
function runCounting<T>(steps: Steps<T>, between: () => void = () => undefined): { value: T; pauses: number } {
  let pauses = 0;
  for (;;) {
    const r = steps.next();
    if (r.done) return { value: r.value, pauses };
    pauses++;
    between();
  }
}

describe('sortInSteps', () => {
  it('orders like Array.prototype.sort, ties included (stable), across the runs it merges', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 300 }), { maxLength: 5 * ITEMS_PER_STEP + 17 }), (keys) => {
        const items = keys.map((k, i) => ({ k, i }));
        const expected = [...items].sort((a, b) => a.k - b.k).map((x) => x.i);
        const sorted = runSteps(sortInSteps([...items], (a, b) => a.k - b.k));
        assert.deepEqual(sorted.map((x) => x.i), expected);
      }),
      { numRuns: 30 },
    );
  });

  it('pauses every ITEMS_PER_STEP items', () => {
    const n = 10 * ITEMS_PER_STEP;
    const items = Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const { value, pauses } = runCounting(sortInSteps(items, (a, b) => a - b));
    assert.deepEqual(value, Array.from({ length: n }, (_, i) => i));
    // One pause per run sorted, then one per ITEMS_PER_STEP items merged, in each of log2(10) passes.
    assert.ok(pauses >= 10 + 4 * 10 - 1, `${pauses} pauses`);
  });
});

const origin = Name.fromText('steps.test.');

/** Everything a query can see of a zone, in canonical order. */
function describeZone(zone: Zone): string[] {
  const out = [`records ${zone.recordCount} serial ${zone.serial}`];
  for (const node of zone.sortedNodes()) {
    out.push(`${node.name} ${node.isDelegation ? 'cut' : ''} ${node.belowCut ? 'below' : ''}`);
    for (const set of node.rrsets.values()) out.push(`  ${set.type} ${set.ttl} ${set.ttls?.join(',') ?? ''} ${set.rdata.map((r) => Buffer.from(r).toString('hex')).join(' ')}`);
  }
  return out;
}

function builderOf(text: string): ZoneBuilder {
  const b = new ZoneBuilder(origin);
  for (const r of readZoneRecords(text, { origin, source: 'test' })) b.add(r, 'test');
  return b;
}

/** The zone, or the checks' verdict, as text. */
function outcome(build: () => Zone): string[] {
  try {
    return describeZone(build());
  } catch (err) {
    if (err instanceof ZoneCheckError) return [`rejected: ${err.message}`];
    throw err;
  }
}

const label = fc.constantFrom('a', 'b', 'c', 'sub', 'www', '*');
const owner = fc.array(label, { minLength: 0, maxLength: 3 }).map((ls) => (ls.length === 0 ? '@' : ls.join('.')));
const record = fc.oneof(
  fc.tuple(owner, fc.nat({ max: 255 })).map(([o, n]) => `${o} 300 A 192.0.2.${n}`),
  fc.tuple(owner, fc.nat({ max: 3 })).map(([o, n]) => `${o} ${60 * (n + 1)} TXT "t${n}"`),
  owner.map((o) => `${o} 300 NS ns.elsewhere.example.`),
  owner.map((o) => `${o} 300 CNAME target.example.`),
  owner.map((o) => `${o} 300 DNAME target.example.`),
  owner.map((o) => `${o} 300 SOA ns hm 7 1 2 3 4`),
);

describe('ZoneBuilder.buildSteps', () => {
  it('builds the same zone, or rejects it with the same problems, as build()', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(record, { maxLength: 40 }), (withSoa, lines) => {
        const text = (withSoa ? '@ 300 SOA ns hm 1 1 2 3 4\n' : '') + lines.join('\n') + '\n';
        const other: string[] = [];
        // Unrelated work between the steps must not change the result.
        const stepped = outcome(() => runCounting(builderOf(text).buildSteps(), () => other.push(String(other.length))).value);
        assert.deepEqual(stepped, outcome(() => builderOf(text).build()));
      }),
      { numRuns: 300 },
    );
  });

  it('pauses while building a large zone, delegations and empty non-terminals included', () => {
    const lines = ['@ 300 SOA ns hm 1 1 2 3 4', '@ 300 NS ns', 'ns 300 A 192.0.2.1'];
    for (let i = 0; i < 6 * ITEMS_PER_STEP; i++) lines.push(`h${i}.deep.down 300 A 10.0.${i >> 8 & 255}.${i & 255}`, i % 100 === 0 ? `cut${i} 300 NS ns.example.` : `t${i} 300 TXT "x"`);
    const text = lines.join('\n') + '\n';
    const { value, pauses } = runCounting(builderOf(text).buildSteps());
    assert.ok(pauses >= 6, `${pauses} pauses`);
    assert.deepEqual(describeZone(value), describeZone(builderOf(text).build()));
    assert.ok(value.node(Name.fromText('deep.down.steps.test.'))?.isEmptyNonTerminal);
    assert.ok(value.node(Name.fromText('cut100.steps.test.'))?.isDelegation);
  });
});
