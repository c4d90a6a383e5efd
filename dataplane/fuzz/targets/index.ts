import type { FuzzTarget } from '../target';
import { createMessageTarget } from './message';
import { createZoneFileTarget } from './zone-file';
import { createManifestTarget } from './manifest';
import { createTransferTarget } from './transfer';

/**
 * The fuzz targets by name (the TargetModule the fuzz worker loads). Each is made on the worker
 * thread that runs it, after coverage started: building one does the set-up (zones, keys) there.
 */
export const TARGETS: Readonly<Record<string, () => FuzzTarget>> = {
  message: createMessageTarget,
  'zone-file': createZoneFileTarget,
  manifest: createManifestTarget,
  transfer: createTransferTarget,
};

export const TARGET_NAMES = Object.keys(TARGETS);

export function createFuzzTarget(name: string): FuzzTarget {
  const make = TARGETS[name];
  if (!make) throw new Error(`no fuzz target ${JSON.stringify(name)}: the targets are ${TARGET_NAMES.join(', ')}`);
  return make();
}
