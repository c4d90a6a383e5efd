import { setTimeout as sleep } from 'node:timers/promises';
import { DnsServer, type DnsServerOptions } from '../server/dns-server';
import type { Logger } from '../log/log';
import { startHttpEndpoint, type HttpEndpoint, type HttpEndpointOptions } from './http-endpoint';

/**
 * The one start-up path of every dataplane process — `dnsfleet serve` (standalone/serve.ts), a
 * cloud pod (cloud/run-cloud.ts) and the control server (control/run-control.ts). Each role
 * builds its own parts (where its zones come from, what else it runs) and hands them here:
 *
 *   start: HTTP endpoint (if any) → DNS listeners → the role's parts, in the order given
 *   stop:  drain (if asked) → the role's parts, in reverse → DNS listeners → HTTP endpoint
 *
 * The listeners open before the zones load, so a pod answers (REFUSED, or from its snapshot)
 * while it loads and its `/readyz` says when it has everything. The signals that stop the
 * process are in signals.ts, the keep-last-good-zone rule in last-good.ts.
 */

/** Something a role runs beside the DNS server: a zone follower, a transfer manager, a file watcher. */
export interface ServerPart {
  /** For the log line when its stop is cut short. */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The longest its stop is waited for (so SIGTERM ends a pod in time); unbounded when left out. */
  readonly stopWithinMs?: number;
}

export interface ServerRuntimeOptions {
  readonly dns: Omit<DnsServerOptions, 'log'>;
  /** Health, readiness and metrics over HTTP; none when left out (`serve`). */
  readonly http?: HttpEndpointOptions;
  readonly log: Logger;
  /**
   * How long a stop keeps answering with `/readyz` at 503 before it closes anything: the time
   * Kubernetes needs to take a terminating pod out of its Service (EndpointSlice, then every
   * kube-proxy), which starts together with SIGTERM. Without it a pod stops answering while the
   * Service still sends it queries. 0 (the default) stops at once.
   */
  readonly drainMs?: number;
}

export class ServerRuntime {
  /** Built at once and started by `start`: parts may need its addresses (`bound`) before then. */
  readonly dns: DnsServer;
  private http: HttpEndpoint | undefined;
  private started: ServerPart[] = [];
  private draining = false;

  constructor(private readonly options: ServerRuntimeOptions) {
    this.dns = new DnsServer({ ...options.dns, log: options.log });
  }

  /** Whether a stop is draining: `/readyz` says 503 while DNS still answers. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Where the HTTP endpoint listens (port 0 asks the system); undefined without one or before `start`. */
  get httpPort(): number | undefined {
    return this.http?.port;
  }

  /** Opens the HTTP endpoint and the DNS listeners, then starts the parts in order. */
  async start(parts: readonly ServerPart[]): Promise<void> {
    const http = this.options.http;
    if (http) this.http = await startHttpEndpoint({ ...http, readiness: () => (this.draining ? { ready: false, text: 'stopping: draining, then the listeners close' } : http.readiness()) });
    await this.dns.start();
    for (const part of parts) {
      // Recorded before it starts, so a stop after a failed start still stops what ran.
      this.started.push(part);
      await part.start();
    }
  }

  /**
   * Drains (when `drainMs` is set), then stops the parts in reverse order, then the listeners;
   * each bounded part within its time.
   */
  async stop(): Promise<void> {
    const drainMs = this.options.drainMs ?? 0;
    if (drainMs > 0 && !this.draining) {
      this.draining = true;
      this.options.log.info('draining before stop', { ms: drainMs });
      await sleep(drainMs);
    }
    const parts = this.started.reverse();
    this.started = [];
    for (const part of parts) {
      if (part.stopWithinMs === undefined) {
        await part.stop();
        continue;
      }
      const cut = new AbortController();
      const late = sleep(part.stopWithinMs, 'late' as const, { signal: cut.signal }).catch(() => 'stopped' as const);
      const ended = await Promise.race([part.stop().then(() => 'stopped' as const), late]);
      cut.abort();
      if (ended === 'late') this.options.log.warn('part did not stop in time; going on', { part: part.name, ms: part.stopWithinMs });
    }
    await this.dns.stop();
    await this.http?.close();
    this.http = undefined;
  }
}
