import { watch, type FSWatcher, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DnsServer, type ListenAddress } from '../server/dns-server';
import { Responder } from '../nameserver/respond';
import { AddressList } from '../nameserver/acl';
import type { Logger } from '../server/log';
import { ZoneCatalog } from './catalog';

/**
 * `dnsfleet serve`: manifests from files, answered on UDP and TCP, reloaded when a file changes.
 */

export interface ServeOptions {
  readonly paths: readonly string[];
  readonly listen: readonly ListenAddress[];
  readonly allowTransfer: readonly string[];
  readonly watch: boolean;
  readonly tcpIdleMs?: number;
  readonly log: Logger;
}

export interface RunningServer {
  readonly server: DnsServer;
  readonly catalog: ZoneCatalog;
  /** Reloads the manifests now and swaps the zones in atomically. */
  reload(): void;
  stop(): Promise<void>;
}

/** Edits usually arrive as several file events: wait for them to settle before reloading. */
const RELOAD_DEBOUNCE_MS = 200;

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { log } = options;
  const catalog = new ZoneCatalog(options.paths, log);
  const first = catalog.reload();
  const responder = new Responder(catalog.zones);
  const server = new DnsServer({
    listen: options.listen,
    responder,
    transferAcl: AddressList.parse(options.allowTransfer),
    log,
    tcpIdleMs: options.tcpIdleMs,
  });
  await server.start();
  log.info('ready', {
    zones: first.zones,
    errors: first.errors.length,
    listen: server.bound.map((b) => `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`).join(','),
  });

  const reload = (): void => {
    const report = catalog.reload();
    responder.setZones(catalog.zones);
    log.info('reloaded', { zones: report.zones, changed: report.changed.join(',') || undefined, errors: report.errors.length });
  };

  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  if (options.watch) {
    const schedule = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(reload, RELOAD_DEBOUNCE_MS);
    };
    // Watch directories, not files: editors and `kubectl`-style tools replace files by rename.
    const dirs = new Set(options.paths.map((p) => (isDirectory(p) ? resolve(p) : dirname(resolve(p)))));
    for (const dir of dirs) {
      try {
        watchers.push(watch(dir, schedule));
      } catch (err) {
        log.warn('cannot watch for changes', { path: dir, error: (err as Error).message });
      }
    }
  }
  return {
    server,
    catalog,
    reload,
    stop: async () => {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
      await server.stop();
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
