import { watch, type FSWatcher, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MemoryZoneStore } from '../store/memory-store';
import { CONTROL_SERVER, type SecondaryConfig, type ZoneStore } from '../store/zone-store';
import { SecondaryManager } from '../control/secondary-manager';
import { OutboundTransfers } from '../control/outbound';
import { CloudSync } from '../cloud/cloud-sync';
import { ZoneSet } from '../zone/zone-set';
import type { DnsServer, ListenAddress, UdpIo } from '../server/dns-server';
import { ResponseRateLimiter, type RateLimitConfig } from '../nameserver/rate-limit';
import { Responder } from '../nameserver/respond';
import type { ServerIdentity } from '../nameserver/identity';
import { AddressList } from '../nameserver/acl';
import type { Logger } from '../log/log';
import type { TcpLimits } from '../server/tcp-limits';
import { ServerRuntime, type ServerPart } from '../runtime/server-runtime';
import { ZoneCatalog } from './catalog';
import { ServeSigning, type SigningSubject } from './signing';
import { defaultStateDir } from './state-dir';

/**
 * `dnsfleet serve`: manifests from files, answered on UDP and TCP, reloaded when a file changes.
 * Each zone's `spec.secondaries` may transfer it (with their TSIG key when they have one) and are
 * sent a NOTIFY whenever the zone loads with a new serial. A Zone or SecondaryZone that names a
 * DNSSECPolicy (in the same files) is signed, its keys kept in the state directory (signing.ts).
 *
 * Only the wiring of the role is here — the files (catalog.ts), their reloads, and SecondaryZone
 * manifests handed to the control server's machinery; listeners and the order of start and stop
 * are the start-up path's (runtime/server-runtime.ts). No HTTP endpoint.
 */

export interface ServeOptions {
  readonly paths: readonly string[];
  readonly listen: readonly ListenAddress[];
  readonly allowTransfer: readonly string[];
  readonly watch: boolean;
  /** TCP deadlines and caps (dataplane/server/tcp-limits.ts); the defaults where not given. */
  readonly tcp?: Partial<TcpLimits>;
  /** UDP I/O: batched (the native addon) where built, else node:dgram (docs/adr/0006-batched-udp-io.md). */
  readonly udpIo?: UdpIo | 'auto';
  /** Response rate limiting of UDP answers (nameserver/rate-limit.ts); off when left out. */
  readonly rateLimit?: RateLimitConfig;
  /** CHAOS identity, version and NSID answers (RFC 4892, RFC 5001); none by default. */
  readonly identity?: ServerIdentity;
  readonly log: Logger;
  /** NOTIFY retransmission (RFC 1996 §3.6); defaults in notify.ts. */
  readonly notify?: { readonly tries?: number; readonly initialTimeoutMs?: number };
  /** Keys and signing state of the signed zones (state-dir.ts); default `defaultStateDir()`. */
  readonly stateDir?: string;
}

export interface RunningServer {
  readonly server: DnsServer;
  readonly catalog: ZoneCatalog;
  readonly signing: ServeSigning;
  /** Reloads the manifests now and swaps the zones in atomically. */
  reload(): void;
  stop(): Promise<void>;
}

/** Edits usually arrive as several file events: wait for them to settle before reloading. */
const RELOAD_DEBOUNCE_MS = 200;
/**
 * A manifest modified less than this long ago may still be being written (an editor that writes
 * in parts, issue 14: two parts 0.6 s apart were loaded truncated): the reload waits until every
 * file has been quiet this long, but no longer than SETTLE_MAX_MS. Writing a new file and
 * renaming it over the old one (docs/serve.md) needs no waiting at all.
 */
const SETTLE_MS = 1000;
const SETTLE_MAX_MS = 10_000;

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { log } = options;
  const catalog = new ZoneCatalog(options.paths, log);
  const first = catalog.reload();
  const stopping = new AbortController();
  // Who may transfer which zone, and the NOTIFYs to the zones' secondaries: rebuilt on every reload.
  const outbound = new OutboundTransfers(AddressList.parse(options.allowTransfer), log, () => runtime.dns.bound, { ...options.notify, signal: stopping.signal });
  outbound.allow(catalog.secondaries);
  // SecondaryZone manifests: the control server's machinery on a store in this process. Their
  // copies are served beside the files' zones (a Zone of the same name wins: the catalog says so).
  const store = new MemoryZoneStore();
  const secondaries = new SecondaryManager({ store, log });
  const responder = new Responder(catalog.zones, {
    identity: options.identity,
    transferAcl: outbound.acl,
    notify: (zone, source, keyName) => secondaries.notify(zone, source, keyName),
    notifyKeys: (name) => secondaries.tsigKey(name),
    ...(options.rateLimit ? { rateLimit: new ResponseRateLimiter(options.rateLimit) } : {}),
  });
  responder.setKeys(catalog.keys);
  let transferred = new ZoneSet([]);
  /** The zones as loaded and transferred, unsigned. */
  const unsigned = (): ZoneSet => {
    let all = catalog.zones;
    for (const zone of transferred.zones()) if (!all.get(zone.origin)) all = all.with(zone);
    return all;
  };
  // Each zone in its signed version where it has one: a zone being signed again keeps its last
  // signed version until the new one is ready.
  let served = new ZoneSet([]);
  const publish = (): void => {
    const previous = served;
    served = new ZoneSet(
      [...unsigned().zones()].flatMap((zone) => {
        const signed = signing.signedZone(zone.origin);
        if (signed) return [signed];
        // A new zone that names a policy is answered once signed, never unsigned before: its
        // first DS is announced at once (no unsigned answer can be in a cache).
        if (catalog.signing.get(zone.origin.toString().toLowerCase())?.policy && !previous.get(zone.origin)) return [];
        return [zone];
      }),
    );
    responder.setZones(served);
  };
  const signing = new ServeSigning({
    stateDir: options.stateDir ?? defaultStateDir(),
    log,
    onChange: () => {
      publish();
      outbound.notifyChanged(served);
    },
  });
  const subjects = (): SigningSubject[] => [...unsigned().zones()].map((zone) => {
    const config = catalog.signing.get(zone.origin.toString().toLowerCase());
    return { zone, ...(config ? { config } : {}) };
  });
  const sync = new CloudSync({ store, cloud: CONTROL_SERVER, pod: 'serve', log, reportEveryMs: 60_000, apply: (zones) => {
    transferred = zones;
    publish();
    void signing.update(subjects());
  } });
  const runtime: ServerRuntime = new ServerRuntime({
    log,
    dns: { listen: options.listen, responder, tcp: options.tcp, udpIo: options.udpIo },
  });
  const server = runtime.dns;
  const syncPart: ServerPart = { name: 'secondary zone copies', start: () => sync.start(), stop: () => sync.stop() };
  const secondaryPart: ServerPart = {
    name: 'secondary zones',
    start: async () => {
      await handOver(store, catalog.secondaryZones);
      await secondaries.start();
    },
    stop: () => secondaries.stop(),
  };
  const reload = (): void => {
    const report = catalog.reload();
    responder.setKeys(catalog.keys);
    publish();
    // Signed versions replace the ones served when they are ready (onChange).
    void signing.update(subjects());
    void handOver(store, catalog.secondaryZones).catch((err: unknown) => log.error('secondary zones not updated', { error: String(err) }));
    log.info('reloaded', { zones: report.zones, changed: report.changed.join(',') || undefined, errors: report.errors.length });
    outbound.update(served, catalog.secondaries);
  };

  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  // Started last, stopped first: no reload and no NOTIFY while the rest stops.
  const filesPart: ServerPart = {
    name: 'manifest files',
    start: async () => {
      if (options.watch) watchers.push(...watchFiles());
    },
    stop: async () => {
      if (timer) clearTimeout(timer);
      stopping.abort();
      for (const w of watchers) w.close();
    },
  };
  const watchFiles = (): FSWatcher[] => {
    let firstEvent = 0;
    const whenSettled = (): void => {
      const quietFor = Date.now() - newestChange(catalog.files());
      if (quietFor < SETTLE_MS && Date.now() - firstEvent < SETTLE_MAX_MS) {
        timer = setTimeout(whenSettled, SETTLE_MS - quietFor);
        return;
      }
      timer = undefined;
      reload();
    };
    const schedule = (): void => {
      if (timer) clearTimeout(timer);
      else firstEvent = Date.now();
      timer = setTimeout(whenSettled, RELOAD_DEBOUNCE_MS);
    };
    // Watch directories, not files: editors and `kubectl`-style tools replace files by rename.
    const dirs = new Set(options.paths.map((p) => (isDirectory(p) ? resolve(p) : dirname(resolve(p)))));
    const started: FSWatcher[] = [];
    for (const dir of dirs) {
      try {
        started.push(watch(dir, schedule));
      } catch (err) {
        log.warn('cannot watch for changes', { path: dir, error: (err as Error).message });
      }
    }
    return started;
  };

  // The zones of the files are signed before the server answers: a signed zone is never served unsigned.
  await signing.update(subjects());
  publish();
  const signingPart: ServerPart = { name: 'signing', start: async () => undefined, stop: () => signing.stop() };
  await runtime.start([signingPart, syncPart, secondaryPart, filesPart]);
  log.info('ready', {
    zones: first.zones,
    errors: first.errors.length,
    listen: server.bound.map((b) => hostPort(b.host, b.port)).join(','),
  });
  // NOTIFY needs the addresses the server listens on (secondaries accept it from there).
  outbound.notifyChanged(served);
  return { server, catalog, signing, reload, stop: () => runtime.stop() };
}

/** Gives the SecondaryZone manifests to the transfer machinery: new and changed ones, and removes the gone. */
async function handOver(store: ZoneStore, wanted: ReadonlyMap<string, SecondaryConfig>): Promise<void> {
  const { secondaries } = await store.listSecondaries();
  for (const c of secondaries) {
    if (wanted.has(c.origin)) continue;
    await store.deleteSecondary(c.origin);
    await store.deleteZone(c.origin);
  }
  for (const c of wanted.values()) {
    const had = secondaries.find((s) => s.origin === c.origin);
    if (!had || JSON.stringify(had) !== JSON.stringify(c)) await store.putSecondary(c);
  }
}

/** The latest modification time of the files, in ms since the epoch (0 when none can be read). */
function newestChange(files: readonly string[]): number {
  let newest = 0;
  for (const file of files) {
    try {
      newest = Math.max(newest, statSync(file).mtimeMs);
    } catch {
      // A file removed meanwhile: the reload reports it.
    }
  }
  return newest;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
