import express from 'express';
import type { Server } from 'node:http';
import { once } from 'node:events';
import { DnsServer, type ListenAddress, type UdpIo } from '../server/dns-server';
import { Responder } from '../nameserver/respond';
import type { ServerIdentity } from '../nameserver/identity';
import { AddressList } from '../nameserver/acl';
import { ZoneSet } from '../zone/zone-set';
import type { Logger } from '../log/log';
import type { TcpLimits } from '../server/tcp-limits';
import type { ZoneStore } from '../store/zone-store';
import { CloudSync } from './cloud-sync';
import { SecondaryManager } from '../control/secondary-manager';
import { OutboundTransfers, resolveSecondaries } from '../control/outbound';
import { describeStoreHealth, logStoreHealth } from '../store/store-health';
import { LocalSnapshot } from './local-snapshot';
import { podMetrics } from './pod-metrics';
import { stepRunner } from '../runtime/slices';

/**
 * `dnsfleet dataplane --role cloud`: one pod of a nameserver cloud. Answers DNS from memory, keeps
 * its zones in step with the store, and tells Kubernetes over HTTP whether it is alive
 * (`/healthz`) and whether it has loaded its zones (`/readyz`), and Prometheus how it is
 * (`/metrics`). A pod that has zones stays ready while the store is away: it answers from what
 * it has, and its body and metrics say that the store is unreachable (ADR 0007).
 */

export interface CloudOptions {
  readonly cloud: string;
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
  /** The control server: also pull the secondary zones from their primaries (NOTIFY, SOA, IXFR/AXFR). */
  readonly secondaries?: boolean;
  /** Where the pod keeps its local snapshot (ADR 0007); none when left out. */
  readonly snapshotDir?: string;
  /** How long the start waits for the store before serving the local snapshot. */
  readonly storeWaitMs?: number;
  /** The longest a zone load or write keeps the thread from answering (ms); 0 loads in one go (ADR 0009). */
  readonly sliceMs?: number;
}

export interface RunningCloud {
  readonly dns: DnsServer;
  readonly sync: CloudSync;
  /** The control server's secondary zones, when it runs them. */
  readonly secondaries: SecondaryManager | undefined;
  /** Where the HTTP endpoints listen (port 0 asks the system). */
  readonly httpPort: number;
  stop(): Promise<void>;
}

export async function runCloud(options: CloudOptions): Promise<RunningCloud> {
  const stopLogging = logStoreHealth(options.store.health, options.log, options.store.where);
  const responder = new Responder(new ZoneSet([]), { identity: options.identity });
  const steps = stepRunner({ sliceMs: options.sliceMs });
  const secondaries = options.secondaries ? new SecondaryManager({ store: options.store, log: options.log, steps }) : undefined;
  const stopping = new AbortController();
  const global = AddressList.parse(options.transferAcl ?? []);
  // The control server also serves the zones' own customer secondaries (transfers and NOTIFY).
  const outbound = options.secondaries ? new OutboundTransfers(global, options.log, () => dns.bound, { signal: stopping.signal }) : undefined;
  const dns: DnsServer = new DnsServer({
    listen: options.listen,
    responder,
    transferAcl: outbound ? outbound.acl : global,
    log: options.log,
    udpIo: options.udpIo,
    tcp: options.tcp,
    ...(secondaries ? { notify: (zone: string, source: string) => secondaries.notify(zone, source) } : {}),
  });
  const sync = new CloudSync({
    store: options.store,
    cloud: options.cloud,
    pod: options.pod,
    log: options.log,
    apply: (zones) => {
      responder.setZones(zones);
      if (outbound) {
        const { secondaries: resolved, keys } = resolveSecondaries(sync.outbound, options.log);
        outbound.update(zones, resolved);
        responder.setKeys(keys);
      }
    },
    reportEveryMs: options.reportEveryMs,
    ...(options.snapshotDir ? { snapshot: new LocalSnapshot({ dir: options.snapshotDir, cloud: options.cloud, log: options.log }) } : {}),
    storeWaitMs: options.storeWaitMs,
    steps,
  });
  const metrics = podMetrics({ health: options.store.health, sync });

  const app = express();
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    // Ready means: the zones of the cloud are loaded (from the store, or from the local snapshot
    // when the store is away) and the DNS listeners are up. An unreachable store does not make a
    // pod with zones unready: taking it out of the Service would answer nobody.
    const notes = [describeStoreHealth(options.store.health.state)];
    if (sync.source === 'local snapshot' && sync.snapshotSavedAt !== undefined) notes.push(`serving the local snapshot of ${new Date(sync.snapshotSavedAt).toISOString()}`);
    if (sync.rewritePending) notes.push('store lost its data; keeping every zone until the operator has written it again');
    if (sync.ready && dns.bound.length > 0) res.type('text/plain').send(`ready: ${sync.current.size} zones; ${notes.join('; ')}\n`);
    else res.status(503).type('text/plain').send(`loading zones; ${notes.join('; ')}\n`);
  });
  app.get('/metrics', (_req, res) => {
    void metrics.metrics().then((text) => res.type(metrics.contentType).send(text));
  });
  app.get('/zones', (_req, res) => {
    res.json({
      cloud: options.cloud,
      pod: options.pod,
      zones: [...sync.current.zones()].map((z) => ({ zone: z.origin.toString(), serial: z.serial })),
      store: { ...options.store.health.state, epoch: sync.storeEpoch, rewritePending: sync.rewritePending, source: sync.source },
      failures: Object.fromEntries(sync.failures),
      // The control server: NOTIFYs refused (not from a primary of the zone) and each secondary zone's state.
      ...(secondaries ? { refusedNotifies: secondaries.refusedNotifies, secondaries: secondaries.states() } : {}),
    });
  });
  const http: Server = app.listen(options.http.port, options.http.host);
  await once(http, 'listening');
  const address = http.address();
  const httpPort = typeof address === 'object' && address ? address.port : options.http.port;

  await dns.start();
  await sync.start();
  await secondaries?.start();
  options.log.info('cloud pod started', { cloud: options.cloud, pod: options.pod, zones: sync.current.size, ready: sync.ready, source: sync.source });

  return {
    dns,
    sync,
    httpPort,
    secondaries,
    // Bounded: nothing here waits on an absent Redis for long, so SIGTERM ends a pod within its
    // grace period whatever the store does.
    stop: async () => {
      stopping.abort();
      await Promise.race([secondaries?.stop(), new Promise((r) => setTimeout(r, 3000))]);
      await sync.stop();
      await dns.stop();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await options.store.close();
      stopLogging();
    },
  };
}
