import { stopAll } from '../testkit/processes';

/**
 * Runs a benchmark's `main` when its module is the program (`node dist/dataplane/bench/x.js`),
 * not when a test or another bench imports it for its helpers. A failure prints the error, stops
 * every process the bench started (servers must not outlive it) and exits non-zero.
 */
export function runBench(mod: NodeModule, main: () => Promise<void>): void {
  if (require.main !== mod) return;
  main().catch((err: unknown) => {
    console.error(err);
    void stopAll().then(() => process.exit(1));
  });
}
