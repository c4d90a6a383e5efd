import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BATCHED_UDP_ADDON } from '../udp-listener';

/**
 * Builds the batched UDP I/O addon (udp-batch.c) next to this script in dist/, after `tsc`
 * (`npm run build`, and so `npm ci` and `npm test`). It needs a C compiler and the Node.js headers
 * that come with Node.js (`<prefix>/include/node`); no node-gyp, no download.
 *
 * Without them dnsfleet still works: the DNS server falls back to node:dgram and says so when it
 * starts (docs/adr/0006-batched-udp-io.md). DNSFLEET_NATIVE=required turns a failed build into a
 * failed `npm run build` (CI sets it, so the fast path is what the tests test); DNSFLEET_NATIVE=off
 * skips the build.
 */

function main(): number {
  const mode = process.env.DNSFLEET_NATIVE ?? 'auto';
  if (mode === 'off') return 0;
  const repository = resolve(__dirname, '../../../..');
  const source = join(repository, 'dataplane/server/native/udp-batch.c');
  const output = BATCHED_UDP_ADDON;
  const headers = resolve(dirname(process.execPath), '../include/node');
  const compiler = process.env.CC ?? 'cc';
  const problem = !existsSync(join(headers, 'node_api.h'))
    ? `the Node.js headers are not at ${headers}`
    : compile(compiler, ['-O2', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', '-fvisibility=hidden', `-I${headers}`, '-o', output, source]);
  if (problem === undefined) return 0;
  const message = `native UDP I/O not built: ${problem}`;
  if (mode === 'required') {
    console.error(`error: ${message} (DNSFLEET_NATIVE=required)`);
    return 1;
  }
  console.warn(`warning: ${message}; the DNS server will use node:dgram (about half the queries per CPU-second)`);
  return 0;
}

function compile(compiler: string, args: string[]): string | undefined {
  mkdirSync(dirname(args[args.indexOf('-o') + 1]!), { recursive: true });
  const result = spawnSync(compiler, args, { encoding: 'utf8' });
  if (result.error) return `${compiler}: ${result.error.message}`;
  if (result.status !== 0) return `${compiler} exited with ${result.status}: ${result.stderr.trim()}`;
  return undefined;
}

if (require.main === module) process.exitCode = main();
