import express from 'express';
import type { Server } from 'node:http';
import { once } from 'node:events';
import { DnsServer, type ListenAddress, type UdpIo } from '../server/dns-server';
import { Responder } from '../nameserver/respond';
import { AddressList } from '../nameserver/acl';
import { ZoneSet } from '../zone/zone-set';
import type { Logger } from '../server/log';
import type { ZoneStore } from '../store/zone-store';
import { CloudSync } from './cloud-sync';
import { SecondaryManager } from '../control/secondary-manager';
import { OutboundTransfers, resolveSecondaries } from '../control/outbound';
import { stepRunner } from '../server/slices';

/**
 * `dnsfleet dataplane --role cloud`: one pod of a nameserver cloud. Answers DNS from memory, keeps
 * its zones in step with the store, and tells Kubernetes over HTTP whether it is alive
 * (`/healthz`) and whether it has loaded its zones (`/readyz`).
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
  /** The control server: also pull the secondary zones from their primaries (NOTIFY, SOA, IXFR/AXFR). */
  readonly secondaries?: boolean;
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
  const responder = new Responder(new ZoneSet([]));
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
    steps,
  });

  const app = express();
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    // Ready means: every zone of the cloud is loaded and the DNS listeners are up.
    if (sync.ready && dns.bound.length > 0) res.type('text/plain').send(`ready: ${sync.current.size} zones\n`);
    else res.status(503).type('text/plain').send('loading zones\n');
  });
  app.get('/zones', (_req, res) => {
    res.json({
      cloud: options.cloud,
      pod: options.pod,
      zones: [...sync.current.zones()].map((z) => ({ zone: z.origin.toString(), serial: z.serial })),
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
  options.log.info('cloud pod started', { cloud: options.cloud, pod: options.pod, zones: sync.current.size, ready: sync.ready });

  return {
    dns,
    sync,
    httpPort,
    secondaries,
    stop: async () => {
      stopping.abort();
      await secondaries?.stop();
      await sync.stop();
      await dns.stop();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await options.store.close();
    },
  };
}
