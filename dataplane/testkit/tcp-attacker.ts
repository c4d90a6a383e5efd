import { parseArgs } from 'node:util';
import { trickle } from './tcp-abuse';

/**
 * The slow-loris attacker as a process of its own (tcp-abuse.ts startTrickler): its 1,000 sockets
 * and timers do not share an event loop with the clients whose answer times are measured.
 * Prints `ready` once its connections are opened, and its counts as JSON when it gets SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      connections: { type: 'string' },
      'every-ms': { type: 'string' },
      'reconnect-ms': { type: 'string' },
      source: { type: 'string' },
    },
  });
  const attacker = await trickle({
    host: values.host ?? '127.0.0.1',
    port: Number(values.port),
    connections: Number(values.connections),
    everyMs: Number(values['every-ms']),
    reconnectMs: values['reconnect-ms'] === undefined ? undefined : Number(values['reconnect-ms']),
    source: values.source,
  });
  process.stdout.write('ready\n');
  // Alive until told to stop, also when the server has closed every connection and none is reopened.
  const alive = setInterval(() => undefined, 60_000);
  process.once('SIGTERM', () => {
    clearInterval(alive);
    const counts = { opened: attacker.opened, closedByServer: attacker.closedByServer, open: attacker.open };
    attacker.stop();
    process.stdout.write(`${JSON.stringify(counts)}\n`, () => process.exit(0));
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
