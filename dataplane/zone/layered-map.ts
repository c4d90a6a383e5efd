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
    return layer.size * 16 > base.size ? new Map(made) : made;
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
