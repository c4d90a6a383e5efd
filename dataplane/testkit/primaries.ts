import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, run, start, tempDir, waitFor, type Started } from './processes';
import { query } from './dns-client';
import { nsdServerConfig, PeerStartError } from './peers';

/**
 * Real primaries for transfer tests, each serving one zone from a file on a free port of
 * 127.0.0.1 (or of `address`), with transfers allowed from 127.0.0.1 (or from `transferFrom`, an
 * address or a prefix) and differences kept so they answer IXFR:
 * - NSD 4.6: `store-ixfr` and `create-ixfr` (IXFR data made when a changed zone file is read);
 * - BIND 9.18: `ixfr-from-differences yes`;
 * - Knot 3.2: `zonefile-load: difference`.
 * `update(text)` rewrites the zone file, makes the server reload it, and waits for the new serial.
 */

export interface Primary {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  update(text: string, serial: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export type PrimaryKind = 'nsd' | 'bind' | 'knot';

/** `timeoutMs` bounds the start and each update (a zone of a million records takes BIND seconds). */
/** `tsig`: transfers only with this key, and NOTIFYs signed with it (BIND and NSD). */
export interface PrimaryTsig {
  readonly name: string;
  readonly algorithm: string;
  readonly secret: string;
}

export interface PrimaryOptions {
  timeoutMs?: number;
  notify?: { address: string; port: number };
  tsig?: PrimaryTsig;
  /** Where it listens: an address of this machine (default 127.0.0.1), e.g. one the test cluster's pods reach. */
  address?: string;
  /** Who may transfer without a key: an address or prefix (default 127.0.0.1). */
  transferFrom?: string;
}

export async function startPrimary(kind: PrimaryKind, zone: string, text: string, options: PrimaryOptions = {}): Promise<Primary> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const dir = tempDir(`primary-${kind}`);
  const address = options.address ?? '127.0.0.1';
  const transferFrom = options.transferFrom ?? '127.0.0.1';
  const port = await freePort(address);
  const zoneFile = join(dir.path, 'zone.db');
  writeFileSync(zoneFile, text);
  // BIND's rndc channel gets a port of its own, checked free like the DNS port.
  const controlPort = kind === 'bind' ? await freePort(address) : 0;
  const launched = launch(kind, dir.path, address, transferFrom, port, controlPort, zone, options.notify, options.tsig);
  const proc = launched.proc;
  const stop = async (): Promise<void> => {
    await proc.stop();
    dir.remove();
  };
  const serialIs = async (serial: number | undefined): Promise<boolean> => {
    const reply = await query(address, port, zone, 'SOA', { timeoutMs: 300 });
    const soa = reply.packet.answers?.find((a) => a.type === 'SOA') as { data?: { serial?: number } } | undefined;
    return soa?.data?.serial !== undefined && (serial === undefined || soa.data.serial === serial);
  };
  try {
    await waitFor(`${kind} serving ${zone} on ${address}:${port}`, () => serialIs(undefined), timeoutMs);
  } catch (err) {
    const output = proc.output() + launched.log();
    await stop();
    throw new PeerStartError(kind, (err as Error).message, output);
  }
  return {
    name: kind,
    address,
    port,
    output: () => proc.output() + launched.log(),
    stop,
    update: async (newText, serial) => {
      writeFileSync(zoneFile, newText);
      // Servers compare modification times in whole seconds: make the change visible at once.
      const later = new Date(Date.now() + 2000);
      utimesSync(zoneFile, later, later);
      await launched.reload();
      await waitFor(`${kind} serving serial ${serial}`, () => serialIs(serial), timeoutMs);
    },
  };
}

interface Launched {
  proc: Started;
  reload(): Promise<void>;
  log(): string;
}

/** `notify`: a secondary the primary sends NOTIFY to on every change (RFC 1996). */
function launch(kind: PrimaryKind, dir: string, address: string, transferFrom: string, port: number, controlPort: number, zone: string, notify?: { address: string; port: number }, tsig?: PrimaryTsig): Launched {
  const readLog = (file: string) => (): string => {
    try {
      return `\n--- ${file} ---\n${readFileSync(file, 'utf8')}`;
    } catch {
      return '';
    }
  };
  switch (kind) {
    case 'nsd': {
      const conf = join(dir, 'nsd.conf');
      writeFileSync(
        conf,
        nsdServerConfig({ dir, host: address, port, logfile: join(dir, 'nsd.log'), verbosity: 2 }) +
          `${tsig ? `key:\n  name: "${tsig.name}"\n  algorithm: ${tsig.algorithm}\n  secret: "${tsig.secret}"\n` : ''}zone:
  name: "${zone}"
  zonefile: "zone.db"
  provide-xfr: ${transferFrom} ${tsig ? tsig.name : 'NOKEY'}
${notify ? `  notify: ${notify.address}@${notify.port} ${tsig ? tsig.name : 'NOKEY'}\n` : ''}  store-ixfr: yes
  create-ixfr: yes
`,
      );
      const proc = start('nsd', ['-d', '-c', conf]);
      // NSD 4: SIGHUP rereads zone files whose modification time changed.
      return { proc, reload: async () => void proc.process.kill('SIGHUP'), log: readLog(join(dir, 'nsd.log')) };
    }
    case 'bind': {
      const conf = join(dir, 'named.conf');
      const secret = randomBytes(32).toString('base64');
      const key = `key "rndc-key" { algorithm hmac-sha256; secret "${secret}"; };\n`;
      writeFileSync(join(dir, 'rndc.conf'), `${key}options { default-key "rndc-key"; default-server ${address}; default-port ${controlPort}; };\n`);
      const transferKey = tsig ? `key "${tsig.name}" { algorithm ${tsig.algorithm}; secret "${tsig.secret}"; };\n` : '';
      writeFileSync(
        conf,
        `${key}${transferKey}controls { inet ${address} port ${controlPort} allow { ${address}; } keys { "rndc-key"; }; };
options {
  directory "${dir}";
  listen-on port ${port} { ${address}; };
  listen-on-v6 { none; };
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  recursion no;
  dnssec-validation no;
  allow-transfer { ${tsig ? `key "${tsig.name}";` : `${transferFrom};`} };
  notify ${notify ? 'explicit' : 'no'};
  notify-delay 0;
};
zone "${zone}" { type primary; file "${dir}/zone.db"; ixfr-from-differences yes;${notify ? ` also-notify { ${notify.address} port ${notify.port}${tsig ? ` key "${tsig.name}"` : ''}; };` : ''} };
`,
      );
      const proc = start('named', ['-g', '-c', conf, '-n', '1']);
      return {
        proc,
        reload: async () => {
          // A serving named may not have its control channel open yet (seen in CI as "connection
          // refused"): retried for at most 5 s.
          for (let attempt = 1; ; attempt++) {
            const r = await run('rndc', ['-c', join(dir, 'rndc.conf'), 'reload', zone.replace(/\.$/, '')], { timeoutMs: 10_000 });
            if (r.code === 0) return;
            const output = `${r.stdout}${r.stderr}`;
            if (attempt >= 20 || !/connection refused/.test(output)) throw new Error(`rndc reload: ${output}`);
            await sleep(250);
          }
        },
        log: () => '',
      };
    }
    case 'knot': {
      const conf = join(dir, 'knot.conf');
      // Knot 3.2 does not create the journal's directory, and zonefile-load: difference needs it.
      mkdirSync(join(dir, 'db'));
      writeFileSync(
        conf,
        `server:
  listen: ${address}@${port}
  rundir: "${dir}"
log:
  - target: stderr
    any: info
database:
  storage: "${dir}/db"
acl:
  - id: local-xfr
    address: ${transferFrom}
    action: transfer
zone:
  - domain: ${zone}
    storage: "${dir}"
    file: zone.db
    zonefile-load: difference
    journal-content: changes
    zonefile-sync: -1
    acl: local-xfr
`,
      );
      const proc = start('knotd', ['-c', conf]);
      return {
        proc,
        reload: async () => {
          const r = await run('knotc', ['-c', conf, 'zone-reload', zone], { timeoutMs: 10_000 });
          if (r.code !== 0) throw new Error(`knotc zone-reload: ${r.stdout}${r.stderr}`);
        },
        log: () => '',
      };
    }
  }
}
