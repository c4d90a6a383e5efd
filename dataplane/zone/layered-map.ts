/**
 * A read-only map that shares a large base map with the version before it: a small layer of
 * changed keys (a value, or `undefined` for a key deleted) sits on the base. A version made from a
 * layered map merges the two layers over the same base, so a lookup is never more than two Map
 * lookups, however many versions were made. Once the layer holds more than a sixteenth of the
 * base, the version is flattened into one plain Map (a cost paid once per many updates).
 *
 * Copying a Map of a million names costs about a second; this costs the size of the change.
 */
export class LayeredMap<V> implements ReadonlyMap<string, V> {
  readonly size: number;

  private constructor(
    private readonly base: ReadonlyMap<string, V>,
    private readonly layer: ReadonlyMap<string, V | undefined>,
  ) {
    let size = base.size;
    for (const [key, value] of layer) {
      const inBase = base.has(key);
      if (value === undefined && inBase) size--;
      else if (value !== undefined && !inBase) size++;
    }
    this.size = size;
  }

  /** `previous` with `changes` applied (a value set, or `undefined` for a key deleted). */
  static of<V>(previous: ReadonlyMap<string, V>, changes: ReadonlyMap<string, V | undefined>): ReadonlyMap<string, V> {
    let base = previous;
    let layer: ReadonlyMap<string, V | undefined> = changes;
    if (previous instanceof LayeredMap) {
      base = previous.base;
      const merged = new Map<string, V | undefined>(previous.layer as ReadonlyMap<string, V | undefined>);
      for (const [key, value] of changes) merged.set(key, value);
      layer = merged;
    }
    const made = new LayeredMap<V>(base, layer);
    const result = layer.size * 16 > base.size ? new Map(made) : made;
    madeFrom.set(result, { from: new WeakRef(previous), changes });
    return result;
  }

  /**
   * The keys whose values may differ between `before` and `after`, at the cost of the layers,
   * when one is made from the other through `of` (they share a base); undefined when they share
   * nothing and only a scan of both will tell. A key listed may hold the same value in both.
   */
  static changedKeys<V>(before: ReadonlyMap<string, V>, after: ReadonlyMap<string, V>): Iterable<string> | undefined {
    if (before === after) return [];
    // The versions `after` was made from, back to `before`: the keys each step changed. The
    // layers below would give every key changed since the last flattening (up to a sixteenth of
    // the zone), and a flattened version nothing at all.
    const walked = changesSince(before, after) ?? changesSince(after, before);
    if (walked) return walked;
    const a = before instanceof LayeredMap ? (before as LayeredMap<V>) : undefined;
    const b = after instanceof LayeredMap ? (after as LayeredMap<V>) : undefined;
    if (b && b.base === before) return b.layer.keys();
    if (a && a.base === after) return a.layer.keys();
    if (a && b && a.base === b.base) return new Set([...a.layer.keys(), ...b.layer.keys()]);
    return undefined;
  }

  get(key: string): V | undefined {
    const layer = this.layer;
    return layer.has(key) ? layer.get(key) : this.base.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  *entries(): MapIterator<[string, V]> {
    for (const entry of this.base) if (!this.layer.has(entry[0])) yield entry;
    for (const [key, value] of this.layer) if (value !== undefined) yield [key, value];
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}

/** How many versions back `changedKeys` looks for the one it compares with. */
const MAX_STEPS = 8;

/**
 * The map each result of `of` was made from (weakly: an old version is not kept alive by the
 * next) and the changes that made it, flattened results included.
 */
const madeFrom = new WeakMap<ReadonlyMap<string, unknown>, { readonly from: WeakRef<ReadonlyMap<string, unknown>>; readonly changes: ReadonlyMap<string, unknown> }>();

/** The keys changed on the way from `before` to `after` when `after` was made from it by `of` in a few steps; undefined otherwise. */
function changesSince(before: ReadonlyMap<string, unknown>, after: ReadonlyMap<string, unknown>): Iterable<string> | undefined {
  const first = madeFrom.get(after);
  if (!first) return undefined;
  if (first.from.deref() === before) return first.changes.keys();
  const keys = new Set<string>(first.changes.keys());
  let at = first.from.deref();
  for (let step = 1; at && step < MAX_STEPS; step++) {
    const made = madeFrom.get(at);
    if (!made) return undefined;
    for (const key of made.changes.keys()) keys.add(key);
    at = made.from.deref();
    if (at === before) return keys;
  }
  return undefined;
}

