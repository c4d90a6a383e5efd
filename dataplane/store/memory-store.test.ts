import { MemoryZoneStore } from './memory-store';
import { runZoneStoreSuite } from './zone-store.suite';

describe('MemoryZoneStore', () => {
  runZoneStoreSuite(
    async (keepChanges) => new MemoryZoneStore(keepChanges),
    async (store) => (store as MemoryZoneStore).wipe(),
  );
});
