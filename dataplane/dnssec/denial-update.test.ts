import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { NsecChain } from './nsec';
import { Nsec3Chain } from './nsec3';
import { assertChange, changed, lines, toggleLines, zoneOf } from './denial.fixtures';
import type { Zone } from '../zone/zone';

// Property: whatever records come and go (data, delegations, DS, glue, names below empty
// non-terminals and below cuts), the incremental update of a chain returns exactly what a full
// build of the new version changes, and leaves the chain equal to that full build.

const NAMES = ['a', 'b.a', 'c.b.a', 'd', 'x.d', 'y.x.d', '*.d', 'e.f.g', 'h.f.g'];
const RECORDS = ['A 192.0.2.1', 'TXT "t"', 'NS ns.elsewhere.', 'DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'];
const BASE = '@ 3600 SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.53\n';

/** Toggles each (name, record) of `picks`: added when absent, removed when present. */
function toggle(zone: Zone, present: Set<string>, picks: ReadonlyArray<readonly [number, number]>): ReturnType<typeof changed> {
  return changed(zone, toggleLines(present, picks, NAMES, RECORDS));
}

const steps = fc.array(fc.array(fc.tuple(fc.nat(NAMES.length - 1), fc.nat(RECORDS.length - 1)), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 });

describe('denial chain updates (property)', () => {
  it('NSEC: every update equals the difference of two full builds', () => {
    fc.assert(
      fc.property(steps, (batches) => {
        let zone = zoneOf('example.', BASE);
        const present = new Set<string>();
        const chain = NsecChain.build(zone);
        for (const picks of batches) {
          const before = chain.rrsets();
          const next = toggle(zone, present, picks);
          const full = NsecChain.build(next.zone).rrsets();
          assertChange(chain.update(next.zone, next.names), before, full, JSON.stringify(picks));
          assert.deepEqual(lines(chain.rrsets()), lines(full));
          zone = next.zone;
        }
      }),
      { numRuns: 150 },
    );
  });

  for (const optOut of [false, true]) {
    it(`NSEC3${optOut ? ' with opt-out' : ''}: every update equals the difference of two full builds`, () => {
      fc.assert(
        fc.property(steps, (batches) => {
          let zone = zoneOf('example.', BASE);
          const present = new Set<string>();
          const chain = Nsec3Chain.build(zone, { optOut });
          for (const picks of batches) {
            const before = chain.rrsets();
            const next = toggle(zone, present, picks);
            const full = Nsec3Chain.build(next.zone, { optOut }).rrsets();
            assertChange(chain.update(next.zone, next.names), before, full, JSON.stringify(picks));
            assert.deepEqual(lines(chain.rrsets()), lines(full));
            zone = next.zone;
          }
        }),
        { numRuns: 150 },
      );
    });
  }
});
