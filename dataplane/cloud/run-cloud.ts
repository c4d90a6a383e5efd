import type { DnsServer, ListenAddress, UdpIo } from '../server/dns-server';
import { ResponseRateLimiter, type RateLimitConfig } from '../nameserver/rate-limit';
import { Responder } from '../nameserver/respond';
import type { ServerIdentity } from '../nameserver/identity';
import { AddressList } from '../nameserver/acl';
import { ZoneSet } from '../zone/zone-set';
import type { Logger } from '../log/log';
import type { TcpLimits } from '../server/tcp-limits';
import type { ZoneStore } from '../store/zone-store';
import { ServerRuntime } from '../runtime/server-runtime';
import { stepRunner } from '../runtime/slices';
import type { CloudSync } from './cloud-sync';
import { followStore } from './store-follower';
import { registerServerMetrics } from '../runtime/server-metrics';

/**
 * `dnsfleet dataplane --role cloud`: one pod of a nameserver cloud. Answers DNS from memory, keeps
 * its zones in step with the store, and tells Kubernetes over HTTP whether it is alive
 * (`/healthz`) and whether it has loaded its zones (`/readyz`), and Prometheus how it is
 * (`/metrics`). A pod that has zones stays ready while the store is away: it answers from what
 * it has, and its body and metrics say that the store is unreachable (ADR 0007).
 *
 * Only the wiring of the role is here: the store follower (store-follower.ts) feeds the
 * responder; listeners, HTTP and the order of start and stop are the start-up path's
 * (runtime/server-runtime.ts). The control server is control/run-control.ts.
 */

/** What a cloud pod and the control server are started with (the CLI's `dataplane` flags). */
export interface DataplaneOptions {
  readonly pod: string;
  readonly store: ZoneStore;
  readonly listen: readonly ListenAddress[];
  readonly http: ListenAddress;
  readonly log: Logger;
  readonly transferAcl?: readonly string[];
  readonly reportEveryMs?: number;
  /** UDP I/O: batched (the native addon) where built, else node:dgram. */
  readonly udpIo?: UdpIo | 'auto';
  /** CHAOS identity, version and NSID answers (RFC 4892, RFC 5001); none by default. */
  readonly identity?: ServerIdentity;
  /** TCP deadlines and caps (dataplane/server/tcp-limits.ts); the defaults where not given. */
  readonly tcp?: Partial<TcpLimits>;
  /** Where the pod keeps its local snapshot (ADR 0007); none when left out. */
  readonly snapshotDir?: string;
  /** How long the start waits for the store before serving the local snapshot. */
  readonly storeWaitMs?: number;
  /** The longest a zone load or write keeps the thread from answering (ms); 0 loads in one go (ADR 0009). */
  readonly sliceMs?: number;
  /** On stop, how long `/readyz` says 503 while DNS still answers (server-runtime.ts); 0 by default. */
  readonly drainMs?: number;
  /** `/metrics` gets a series per zone (its serial): off by default, for small fleets (docs/metrics.md). */
  readonly metricsPerZone?: boolean;
}

export interface CloudOptions extends DataplaneOptions {
  readonly cloud: string;
  /** Response rate limiting of UDP answers (nameserver/rate-limit.ts); off when left out. */
  readonly rateLimit?: RateLimitConfig;
}

export interface RunningCloud {
  readonly dns: DnsServer;
  readonly sync: CloudSync;
  /** Where the HTTP endpoints listen (port 0 asks the system). */
  readonly httpPort: number;
  stop(): Promise<void>;
}

export async function runCloud(options: CloudOptions): Promise<RunningCloud> {
  const { log } = options;
  const responder = new Responder(new ZoneSet([]), {
    identity: options.identity,
    transferAcl: AddressList.parse(options.transferAcl ?? []),
    ...(options.rateLimit ? { rateLimit: new ResponseRateLimiter(options.rateLimit) } : {}),
  });
  const pod = followStore({ ...options, apply: (zones) => responder.setZones(zones), steps: stepRunner({ sliceMs: options.sliceMs }) });
  const runtime: ServerRuntime = new ServerRuntime({
    log,
    drainMs: options.drainMs,
    dns: { listen: options.listen, responder, udpIo: options.udpIo, tcp: options.tcp },
    http: { address: options.http, readiness: () => pod.readiness(runtime.dns.bound), metrics: pod.metrics, json: { '/zones': () => pod.zones() } },
  });
  registerServerMetrics(pod.metrics, runtime.dns, options.cloud);
  await runtime.start(pod.parts);
  const { sync } = pod;
  log.info('cloud pod started', { cloud: options.cloud, pod: options.pod, zones: sync.current.size, ready: sync.ready, source: sync.source });
  return { dns: runtime.dns, sync, httpPort: runtime.httpPort!, stop: () => runtime.stop() };
}
