/**
 * What the fuzzer runs: one entry point of the dataplane fed arbitrary bytes. `run` returns (or
 * resolves) when the code under test behaved, and throws when it did not: an error that is not
 * one of the typed errors the entry point documents, or a broken property (`PropertyViolation`).
 * Each target catches its own expected errors, so the engine treats anything thrown as a finding.
 */
export interface FuzzTarget {
  readonly name: string;
  /** One line for `npm run fuzz -- --list` and reports. */
  readonly description: string;
  /** The scripts whose coverage guides the fuzzer, by URL: the code under test, not the harness. */
  readonly scope: (url: string) => boolean;
  /** Tokens the mutator inserts whole (keywords, type codes, keys). */
  readonly dictionary: readonly Uint8Array[];
  /** Longest input tried. */
  readonly maxLength: number;
  run(data: Uint8Array): void | Promise<void>;
}

/** A module the fuzz worker loads by path: the registry of the real targets, or a test's toy target. */
export interface TargetModule {
  createFuzzTarget(name: string): FuzzTarget;
}

/** A property of the code under test that an input broke (not an exception of the code itself). */
export class PropertyViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyViolation';
  }
}

export function check(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new PropertyViolation(typeof message === 'string' ? message : message());
}

/** The dictionary of a text target: its words as UTF-8. */
export function words(...tokens: readonly string[]): Uint8Array[] {
  const encoder = new TextEncoder();
  return tokens.map((t) => encoder.encode(t));
}

/** Scripts of the compiled dataplane under `folders` (e.g. `dns/`, `nameserver/`). */
export function dataplaneScope(...folders: readonly string[]): (url: string) => boolean {
  const marks = folders.map((f) => `/dist/dataplane/${f}`);
  return (url) => marks.some((m) => url.includes(m));
}
