import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { freePort, start, tempDir, waitFor, type Started } from './processes';
import { query } from './dns-client';
import { DnsfleetError } from '../dns/error';

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

/** A peer that would not start or answer; `output` is what it printed (and logged). */
export class PeerStartError extends DnsfleetError {
  constructor(
    readonly peer: string,
    readonly reason: string,
    readonly output: string,
  ) {
    super(`${peer}: ${reason}\n--- output ---\n${output}`, { peer });
    this.name = 'PeerStartError';
  }
}

/** Where the compiled CLI is, from dist/dataplane/testkit. */
export const CLI = resolve(__dirname, '../../cli/main.js');

/** Readiness is a UDP SOA query that gets an answer: logs are not parsed. */
async function waitUntilAnswering(host: string, port: number, zone: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    `${zone} SOA on ${host}:${port}`,
    async () => {
      const reply = await query(host, port, zone, 'SOA', { timeoutMs: 300 });
      return (reply.packet as { rcode?: string }).rcode === 'NOERROR' && (reply.packet.answers?.length ?? 0) > 0;
    },
    timeoutMs,
  );
}

/**
 * Starts a peer and waits until it answers. If it does not, stops it, removes its scratch
 * directory and throws with what it printed, so a failing `before` hook leaks nothing.
 */
async function startAndWait(
  peer: string,
  launch: () => Started,
  ready: () => Promise<void>,
  cleanup: () => void,
  extraOutput: () => string = () => '',
): Promise<Started> {
  const proc = launch();
  try {
    await ready();
    return proc;
  } catch (err) {
    const output = proc.output() + extraOutput();
    await proc.stop();
    cleanup();
    throw new PeerStartError(peer, (err as Error).message, output);
  }
}

let versionText: string | undefined;

/** What `nsd -v` prints (version and configure options), on stderr with NSD 4.6. */
function nsdVersionText(): string {
  if (versionText === undefined) {
    const run = spawnSync('nsd', ['-v'], { encoding: 'utf8', timeout: 5000 });
    versionText = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  }
  return versionText;
}

/** The NSD version line, for reports (`NSD version 4.6.1`). */
export function nsdVersion(): string {
  return nsdVersionText().split('\n')[0] || 'NSD (unknown version)';
}

/** NSD rejects `rrl-*` options when built without --enable-ratelimit. */
function nsdHasRrl(): boolean {
  return nsdVersionText().includes('--enable-ratelimit');
}

/**
 * NSD with one server process and response rate limiting off (it ships on and would drop
 * queries in tests and benchmarks). `allowTransfer` is an NSD ACL such as `127.0.0.1/32`.
 */
export async function startNsd(
  zones: readonly ZoneText[],
  options: {
    allowTransfer?: string;
    /** `minimal-responses: yes`, as dnsfleet answers (benchmarks). */ minimalResponses?: boolean;
    /** More `server:` lines, e.g. `nsid: "ascii_pod-1"`, `hide-version: yes`. */ server?: readonly string[];
  } = {},
): Promise<RunningPeer> {
  if (zones.length === 0) throw new Error('startNsd: no zones given');
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
  const logfile = join(dir.path, 'nsd.log');
  writeFileSync(
    join(dir.path, 'nsd.conf'),
    nsdServerConfig({ dir: dir.path, host, port, logfile, verbosity: 1, extra: [...(nsdHasRrl() ? ['rrl-ratelimit: 0'] : []), ...(options.minimalResponses ? ['minimal-responses: yes'] : []), ...(options.server ?? [])] }) + zoneConfig,
  );
  const nsd = await startAndWait(
    'nsd',
    () => start('nsd', ['-d', '-c', join(dir.path, 'nsd.conf')]),
    () => waitUntilAnswering(host, port, zones[0]!.name),
    () => dir.remove(),
    () => readLog(logfile),
  );
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

function readLog(file: string): string {
  try {
    return `\n--- ${file} ---\n${readFileSync(file, 'utf8')}`;
  } catch {
    return '';
  }
}

/**
 * Starts `dnsfleet serve` on zones (written as Zone manifests into a scratch directory, removed
 * by stop()) or on a manifest file or directory given by path. Readiness is the SOA of
 * `readyZone`: by default the first zone given, or the first `spec.zoneName` under the path.
 * `dir` is the manifest path served, which tests may edit to make the server reload.
 */
export async function startDnsfleet(
  zonesOrPath: readonly ZoneText[] | string,
  extraArgs: readonly string[] = [],
  options: {
    readyZone?: string;
    readyTimeoutMs?: number;
    /** Another build's cli/main.js, for A/B benchmarks. */ cli?: string;
    /** The port to listen on (default: a free one), when peers must know it first. */ port?: number;
  } = {},
): Promise<RunningPeer & { dir: string }> {
  let scratch: { path: string; remove(): void } | undefined;
  let manifests: string;
  let readyZone: string;
  if (typeof zonesOrPath === 'string') {
    manifests = resolve(zonesOrPath);
    readyZone = options.readyZone ?? firstZoneName(manifests);
  } else {
    if (zonesOrPath.length === 0) throw new Error('startDnsfleet: no zones given');
    const into = (scratch = tempDir('serve')).path;
    zonesOrPath.forEach((z, i) => writeFileSync(join(into, `zone${i}.yaml`), zoneManifest(z)));
    manifests = into;
    readyZone = options.readyZone ?? zonesOrPath[0]!.name;
  }
  const host = '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const server = await startAndWait(
    'dnsfleet serve',
    () => start(process.execPath, [options.cli ?? CLI, 'serve', '-f', manifests, '--listen', `${host}:${port}`, ...extraArgs]),
    () => waitUntilAnswering(host, port, readyZone, options.readyTimeoutMs),
    () => scratch?.remove(),
  );
  return {
    host,
    port,
    dir: manifests,
    process: server,
    stop: async () => {
      await server.stop();
      scratch?.remove();
    },
  };
}

/** The first `spec.zoneName` of a Zone manifest in a file, or in a directory's YAML files. */
function firstZoneName(path: string): string {
  const files = statSync(path).isDirectory()
    ? readdirSync(path).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(path, f))
    : [path];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8')) as Iterable<{ toJS(): unknown }>) {
      const value = doc.toJS() as { kind?: unknown; spec?: { zoneName?: unknown } } | null;
      const zoneName = value?.kind === 'Zone' ? value.spec?.zoneName : undefined;
      if (typeof zoneName === 'string') return zoneName.endsWith('.') ? zoneName : `${zoneName}.`;
    }
  }
  throw new Error(`no Zone manifest with spec.zoneName under ${path}`);
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

/** A TSIG key as BIND's `key {}` statement takes it: algorithm name and base64 secret. */
export interface NamedKey {
  readonly name: string;
  readonly algorithm: string;
  readonly secret: string;
}

/**
 * BIND's named as a primary for `zones`, in the foreground (`-g`, logging to stderr) with one
 * worker thread, no rndc and no recursion. `allowTransfer` is the body of BIND's
 * `allow-transfer { ... };` (e.g. `key "transfer-key.";`); by default nobody may transfer.
 */
export async function startNamed(
  zones: readonly ZoneText[],
  options: { keys?: readonly NamedKey[]; allowTransfer?: string } = {},
): Promise<RunningPeer> {
  if (zones.length === 0) throw new Error('startNamed: no zones given');
  const dir = tempDir('named');
  const host = '127.0.0.1';
  const port = await freePort(host);
  const keys = (options.keys ?? [])
    .map((k) => `key "${k.name}" {\n  algorithm ${k.algorithm};\n  secret "${k.secret}";\n};\n`)
    .join('');
  const zoneConfig = zones
    .map((z, i) => {
      writeFileSync(join(dir.path, `zone${i}.db`), z.text);
      return `zone "${z.name}" {\n  type primary;\n  file "${join(dir.path, `zone${i}.db`)}";\n  allow-transfer { ${options.allowTransfer ?? 'none;'} };\n};\n`;
    })
    .join('');
  writeFileSync(
    join(dir.path, 'named.conf'),
    `options {
  directory "${dir.path}";
  listen-on port ${port} { ${host}; };
  listen-on-v6 { none; };
  pid-file "${dir.path}/named.pid";
  session-keyfile "${dir.path}/session.key";
  recursion no;
  dnssec-validation no;
};
controls { };
${keys}${zoneConfig}`,
  );
  const named = await startAndWait(
    'named',
    () => start('named', ['-g', '-n', '1', '-c', join(dir.path, 'named.conf')]),
    () => waitUntilAnswering(host, port, zones[0]!.name),
    () => dir.remove(),
  );
  return {
    host,
    port,
    process: named,
    stop: async () => {
      await named.stop();
      dir.remove();
    },
  };
}

/** A secondary's view of its primary: where to transfer from and, optionally, the key to sign with. */
export interface SecondaryOf {
  /** The zone, absolute (`sec.test.`). */
  readonly zone: string;
  readonly primary: { readonly host: string; readonly port: number };
  /**
   * The address the secondary listens on and transfers from, e.g. 127.0.0.2 (NSD); BIND listens
   * only on addresses of an interface, so on loopback it is 127.0.0.1.
   */
  readonly host: string;
  readonly port: number;
  readonly key?: NamedKey;
  /** Zone file text it starts with (its "old copy"); none: it transfers at start. */
  readonly initialZone?: string;
  /** BIND: check the primary's SOA at least this often (clamps the SOA refresh and retry). */
  readonly refreshSeconds?: number;
  readonly readyTimeoutMs?: number;
}

/**
 * BIND's named as a secondary of `primary`: transfers and refresh queries leave from its own
 * address (`transfer-source`), NOTIFY is accepted from the primary's address, and with a key every
 * request to the primary is signed with it. Ready when it answers the zone's SOA.
 * named binds only addresses its interfaces have, so `host` must be one (127.0.0.1).
 */
export async function startNamedSecondary(of: SecondaryOf): Promise<RunningPeer & { dir: string }> {
  const dir = tempDir('named-secondary');
  const file = join(dir.path, 'zone.db');
  if (of.initialZone !== undefined) writeFileSync(file, of.initialZone);
  const key = of.key ? `key "${of.key.name}" {\n  algorithm ${of.key.algorithm};\n  secret "${of.key.secret}";\n};\n` : '';
  writeFileSync(
    join(dir.path, 'named.conf'),
    `options {
  directory "${dir.path}";
  listen-on port ${of.port} { ${of.host}; };
  listen-on-v6 { none; };
  pid-file "${dir.path}/named.pid";
  session-keyfile "${dir.path}/session.key";
  recursion no;
  dnssec-validation no;
  notify no;
  transfer-source ${of.host};
  query-source address ${of.host};
};
controls { };
${key}zone "${of.zone}" {
  type secondary;
  masterfile-format text;
  file "${file}";
  primaries { ${of.primary.host} port ${of.primary.port}${of.key ? ` key "${of.key.name}"` : ''}; };
  allow-notify { ${of.primary.host}; };
${of.refreshSeconds ? `  min-refresh-time 1;\n  max-refresh-time ${of.refreshSeconds};\n  min-retry-time 1;\n  max-retry-time ${of.refreshSeconds};\n` : ''}};
`,
  );
  const named = await startAndWait(
    'named (secondary)',
    () => start('named', ['-g', '-n', '1', '-c', join(dir.path, 'named.conf')]),
    () => waitUntilAnswering(of.host, of.port, of.zone, of.readyTimeoutMs ?? 15_000),
    () => dir.remove(),
  );
  return { host: of.host, port: of.port, dir: dir.path, process: named, stop: async () => { await named.stop(); dir.remove(); } };
}

/**
 * NSD as a secondary of `primary` (`request-xfr`, `allow-notify`), transferring from its own
 * address (`outgoing-interface`). Ready when it answers the zone's SOA, that is after its first
 * transfer.
 */
export async function startNsdSecondary(of: SecondaryOf): Promise<RunningPeer & { dir: string }> {
  const dir = tempDir('nsd-secondary');
  const logfile = join(dir.path, 'nsd.log');
  const keyName = of.key ? of.key.name : 'NOKEY';
  const key = of.key ? `key:\n  name: "${of.key.name}"\n  algorithm: ${of.key.algorithm}\n  secret: "${of.key.secret}"\n` : '';
  if (of.initialZone !== undefined) writeFileSync(join(dir.path, 'zone.db'), of.initialZone);
  writeFileSync(
    join(dir.path, 'nsd.conf'),
    nsdServerConfig({ dir: dir.path, host: of.host, port: of.port, logfile, verbosity: 2, extra: [`xfrdir: "${dir.path}"`, 'xfrd-reload-timeout: 0', ...(nsdHasRrl() ? ['rrl-ratelimit: 0'] : [])] }) +
      `${key}zone:
  name: "${of.zone}"
  zonefile: "zone.db"
  request-xfr: ${of.primary.host}@${of.primary.port} ${keyName}
  allow-notify: ${of.primary.host} ${keyName}
  outgoing-interface: ${of.host}
`,
  );
  const nsd = await startAndWait(
    'nsd (secondary)',
    () => start('nsd', ['-d', '-c', join(dir.path, 'nsd.conf')]),
    () => waitUntilAnswering(of.host, of.port, of.zone, of.readyTimeoutMs ?? 15_000),
    () => dir.remove(),
    () => readLog(logfile),
  );
  return { host: of.host, port: of.port, dir: dir.path, process: nsd, stop: async () => { await nsd.stop(); dir.remove(); } };
}

/**
 * The `server:` and `remote-control:` sections of an nsd.conf for a test NSD: one server process
 * on `host@port`, everything in `dir`, no chroot or user switch, no zone database file.
 */
export function nsdServerConfig(o: { dir: string; host: string; port: number; logfile: string; verbosity: number; extra?: readonly string[] }): string {
  const lines = [
    `ip-address: ${o.host}@${o.port}`,
    'server-count: 1',
    'username: ""',
    'chroot: ""',
    `zonesdir: "${o.dir}"`,
    `pidfile: "${o.dir}/nsd.pid"`,
    `xfrdfile: "${o.dir}/xfrd.state"`,
    `zonelistfile: "${o.dir}/zone.list"`,
    'database: ""',
    ...(o.extra ?? []),
    `verbosity: ${o.verbosity}`,
    `logfile: "${o.logfile}"`,
  ];
  return `server:\n${lines.map((l) => `  ${l}\n`).join('')}remote-control:\n  control-enable: no\n`;
}
