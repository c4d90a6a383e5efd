import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, start, tempDir, waitFor, type Started } from './processes';
import { query } from './dns-client';

/**
 * Real DNS servers for integration tests, each on a free loopback port: NSD from Debian as the
 * reference, and `dnsfleet serve` as a separate process started exactly as users start it.
 */

export interface RunningPeer {
  readonly host: string;
  readonly port: number;
  readonly process: Started;
  stop(): Promise<void>;
}

export interface ZoneText {
  /** Absolute zone name, e.g. `diff.test.` */
  readonly name: string;
  readonly text: string;
}

/** Where the compiled CLI is, from dist/dataplane/test/support. */
export const CLI = resolve(__dirname, '../../../cli/main.js');

async function waitUntilAnswering(host: string, port: number, zone: string, peer: Started): Promise<void> {
  try {
    await waitFor(`${zone} SOA on ${host}:${port}`, async () => {
      const reply = await query(host, port, zone, 'SOA', { timeoutMs: 300 });
      return (reply.packet as { rcode?: string }).rcode === 'NOERROR' && (reply.packet.answers?.length ?? 0) > 0;
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- output ---\n${peer.output()}`);
  }
}

/**
 * NSD with one server process and response rate limiting off (it ships on and would drop
 * queries in tests and benchmarks).
 */
export async function startNsd(zones: readonly ZoneText[], options: { allowTransfer?: string } = {}): Promise<RunningPeer> {
  const dir = tempDir('nsd');
  const host = '127.0.0.1';
  const port = await freePort(host);
  const zoneConfig = zones
    .map((z, i) => {
      writeFileSync(join(dir.path, `zone${i}.db`), z.text);
      const xfr = options.allowTransfer ? `\n  provide-xfr: ${options.allowTransfer} NOKEY` : '';
      return `zone:\n  name: "${z.name}"\n  zonefile: "zone${i}.db"${xfr}\n`;
    })
    .join('');
  writeFileSync(
    join(dir.path, 'nsd.conf'),
    `server:
  ip-address: ${host}@${port}
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "${dir.path}"
  pidfile: "${dir.path}/nsd.pid"
  xfrdfile: "${dir.path}/xfrd.state"
  zonelistfile: "${dir.path}/zone.list"
  database: ""
  rrl-ratelimit: 0
  verbosity: 1
  logfile: "${dir.path}/nsd.log"
remote-control:
  control-enable: no
${zoneConfig}`,
  );
  const nsd = start('nsd', ['-d', '-c', join(dir.path, 'nsd.conf')]);
  await waitUntilAnswering(host, port, zones[0]!.name, nsd);
  return {
    host,
    port,
    process: nsd,
    stop: async () => {
      await nsd.stop();
      dir.remove();
    },
  };
}

/** Writes Zone manifests for the zones and starts `dnsfleet serve` on them. */
export async function startDnsfleet(zones: readonly ZoneText[], extraArgs: readonly string[] = []): Promise<RunningPeer & { dir: string }> {
  const dir = tempDir('serve');
  zones.forEach((z, i) => writeFileSync(join(dir.path, `zone${i}.yaml`), zoneManifest(z)));
  const host = '127.0.0.1';
  const port = await freePort(host);
  const server = start(process.execPath, [CLI, 'serve', '-f', dir.path, '--listen', `${host}:${port}`, ...extraArgs]);
  await waitUntilAnswering(host, port, zones[0]!.name, server);
  return {
    host,
    port,
    dir: dir.path,
    process: server,
    stop: async () => {
      await server.stop();
      dir.remove();
    },
  };
}

export function zoneManifest(z: ZoneText): string {
  const indented = z.text.split('\n').map((l) => `    ${l}`).join('\n');
  const name = z.name.replace(/\.$/, '');
  return `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata:
  name: ${name.replace(/[^a-z0-9-]/gi, '-').toLowerCase()}
spec:
  zoneName: ${name}
  zoneFile: |
${indented}
`;
}
