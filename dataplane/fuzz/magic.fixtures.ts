import type { FuzzTarget } from './target';

/**
 * The toy target of engine.test.ts (test code): a branch behind three magic octets, one nested
 * `if` per octet. Each octet matched is a block reached, so a coverage-guided fuzzer climbs to
 * the end one octet at a time; without guidance the three together come by chance once in 2^24
 * mutants that change all three at once, and a mutant rarely changes more than one or two.
 */

export class MagicReached extends Error {
  constructor() {
    super('the magic branch was reached');
    this.name = 'MagicReached';
  }
}

function magic(d: Uint8Array): number {
  if (d.length >= 3) {
    if (d[0] === 0x46) {
      if (d[1] === 0x55) {
        if (d[2] === 0x5a) throw new MagicReached();
        return 2;
      }
      return 1;
    }
  }
  return 0;
}

/** `magic`, or `loop`: a target that never returns, for the supervisor's hang check. */
export function createFuzzTarget(name: string): FuzzTarget {
  if (name === 'loop') {
    return {
      name,
      description: 'never returns',
      scope: () => false,
      dictionary: [],
      maxLength: 8,
      run: () => {
        for (;;);
      },
    };
  }
  return {
    name,
    description: 'three magic octets',
    scope: (url) => url.includes('/dist/dataplane/fuzz/magic.fixtures'),
    dictionary: [],
    maxLength: 64,
    run: (data) => {
      magic(data);
    },
  };
}
