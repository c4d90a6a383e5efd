#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { serve } from '../dataplane/standalone/serve';
import { jsonLogger } from '../dataplane/server/log';
import type { ListenAddress } from '../dataplane/server/dns-server';

/**
 * The `dnsfleet` command. Each subcommand is a thin layer over a module that can be used and
 * tested on its own.
 */

const USAGE = `usage: dnsfleet <command> [options]

commands:
  serve    answer DNS for the zones in manifest files (no cluster needed)

dnsfleet serve -f PATH [-f PATH…] [--listen HOST:PORT…] [--allow-transfer CIDR…]
               [--tcp-idle-timeout SECONDS] [--no-watch]
  -f, --file PATH          a YAML manifest file, or a directory of them (repeatable)
  -l, --listen HOST:PORT   address to answer on, UDP and TCP (repeatable; default 127.0.0.1:5300)
      --allow-transfer CIDR  clients allowed to AXFR/IXFR zones out (repeatable; default: none)
      --tcp-idle-timeout S   close idle TCP connections after S seconds (default 10)
      --no-watch           do not reload when files change
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) throw new UsageError(`--listen ${text}: expected HOST:PORT or [IPv6]:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`--listen ${text}: port above 65535`);
  return { host: (m[1] ?? m[2])!, port };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command !== 'serve') throw new UsageError(`unknown command "${command}"`);
  const { values } = parseArgs({
    args: rest,
    options: {
      file: { type: 'string', short: 'f', multiple: true },
      listen: { type: 'string', short: 'l', multiple: true },
      'allow-transfer': { type: 'string', multiple: true },
      'tcp-idle-timeout': { type: 'string' },
      'no-watch': { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.file?.length) throw new UsageError('serve needs at least one -f PATH');
  const idle = values['tcp-idle-timeout'] === undefined ? 10 : Number(values['tcp-idle-timeout']);
  if (!Number.isFinite(idle) || idle <= 0) throw new UsageError('--tcp-idle-timeout must be a positive number of seconds');
  const log = jsonLogger();
  const running = await serve({
    paths: values.file,
    listen: (values.listen ?? ['127.0.0.1:5300']).map(parseListen),
    allowTransfer: values['allow-transfer'] ?? [],
    watch: !values['no-watch'],
    tcpIdleMs: idle * 1000,
    log,
  });
  const shutdown = (signal: string): void => {
    log.info('stopping', { signal });
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => running.reload());
  return -1; // keep running
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        process.stderr.write(`dnsfleet: ${(err as Error).message}\n\n${USAGE}`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`dnsfleet: ${(err as Error).stack ?? String(err)}\n`);
        process.exitCode = 1;
      }
    },
  );
}
