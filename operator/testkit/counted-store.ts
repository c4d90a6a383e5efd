import type { MemoryZoneStore } from '../../dataplane/store/memory-store';
import type { ZoneStore } from '../../dataplane/store/zone-store';

/**
 * A zone store whose every call is counted by method, for the controllers' unit tests: they show
 * that a progress check reads and writes no zone (issue #10).
 */
export function countedStore(inner: MemoryZoneStore): { store: ZoneStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls };
}
