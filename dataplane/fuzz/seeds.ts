import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The checked-in seeds: `dataplane/fuzz/seeds/<target>/`, one input per file, read from the
 * source tree (the compiled code runs from dist/dataplane/fuzz/).
 */
export const SEEDS_DIR = resolve(__dirname, '../../../dataplane/fuzz/seeds');

/** The seeds of a target in file-name order, so a run is the same on every machine. */
export function readSeeds(target: string, dir = join(SEEDS_DIR, target)): Uint8Array[] {
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
}
