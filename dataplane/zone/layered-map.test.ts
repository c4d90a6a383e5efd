import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { LayeredMap } from './layered-map';

// LayeredMap against a plain Map as the model, over several versions made one from another.

describe('LayeredMap', () => {
  const base = new Map(Array.from({ length: 400 }, (_, i) => [`k${i}`, i] as [string, number]));

  it('reads like a Map with the same changes applied, version after version', () => {
    const change = fc.tuple(fc.nat({ max: 450 }), fc.option(fc.integer(), { nil: undefined }));
    fc.assert(
      fc.property(fc.array(fc.array(change, { maxLength: 8 }), { maxLength: 4 }), (versions) => {
        let layered: ReadonlyMap<string, number> = base;
        const model = new Map(base);
        for (const changes of versions) {
          const layer = new Map<string, number | undefined>();
          for (const [k, v] of changes) {
            layer.set(`k${k}`, v);
            if (v === undefined) model.delete(`k${k}`);
            else model.set(`k${k}`, v);
          }
          layered = LayeredMap.of(layered, layer);
          assert.equal(layered.size, model.size);
          assert.deepEqual(new Map([...layered].sort()), new Map([...model].sort()));
          for (let k = 0; k <= 450; k += 7) assert.equal(layered.get(`k${k}`), model.get(`k${k}`));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('stays one layer deep, and flattens once the layer passes a sixteenth of the base', () => {
    let map: ReadonlyMap<string, number> = base;
    for (let i = 0; i < 25; i++) map = LayeredMap.of(map, new Map([[`new${i}`, i]]));
    assert.ok(map instanceof LayeredMap);
    map = LayeredMap.of(map, new Map([['new25', 25]]));
    assert.ok(map instanceof Map, '26 changes over 400 keys: flattened');
    assert.equal(map.size, 426);
  });

  it('tells the keys changed between two versions a few steps apart, a flattened one included, as the model does', () => {
    const change = fc.tuple(fc.nat({ max: 450 }), fc.option(fc.integer(), { nil: undefined }));
    fc.assert(
      fc.property(fc.array(fc.array(change, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 9 }), fc.nat(), (versions, pick) => {
        const made: Array<ReadonlyMap<string, number>> = [base];
        for (const changes of versions) made.push(LayeredMap.of(made[made.length - 1]!, new Map(changes.map(([k, v]) => [`k${k}`, v]))));
        const from = made[pick % made.length]!;
        const to = made[made.length - 1]!;
        const listed = LayeredMap.changedKeys(from, to);
        // Many versions made flat ones with nothing shared: it may not know; never a wrong answer.
        if (!listed) return;
        const keys = new Set(listed);
        for (const k of new Set([...from.keys(), ...to.keys()])) if (from.get(k) !== to.get(k)) assert.ok(keys.has(k), `${k} changed but not listed`);
      }),
      { numRuns: 500 },
    );
  });

  it('lists only the last change between a version and the next, after the layer grew or was flattened', () => {
    let map: ReadonlyMap<string, number> = base;
    let flattened = false;
    for (let i = 0; i < 30; i++) {
      const next = LayeredMap.of(map, new Map([[`new${i}`, i]]));
      assert.deepEqual([...LayeredMap.changedKeys(map, next)!], [`new${i}`], `step ${i}`);
      flattened ||= !(next instanceof LayeredMap);
      map = next;
    }
    assert.ok(flattened, 'flattened on the way');
  });
});
