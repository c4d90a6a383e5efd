import { Responder } from '../nameserver/respond';
import { AddressList } from '../nameserver/acl';
import { ZoneSet } from '../zone/zone-set';
import { CONTROL_SERVER } from '../store/zone-store';
import { ServerRuntime, type ServerPart } from '../runtime/server-runtime';
import { stepRunner } from '../runtime/slices';
import { followStore, type StoreFollower } from '../cloud/store-follower';
import type { DataplaneOptions, RunningCloud } from '../cloud/run-cloud';
import { SecondaryManager } from './secondary-manager';
import { OutboundTransfers, resolveCustomerSecondaries } from './outbound';
import { ZoneSigningService } from './zone-signing-service';
import { registerServerMetrics } from '../runtime/server-metrics';
import { registerControlMetrics } from './control-metrics';

/**
 * `dnsfleet dataplane --role control`: the control server. It follows every zone in the store
 * (as a cloud pod follows its cloud's), and besides:
 * - pulls the secondary zones from their primaries (SOA timers, NOTIFY in, IXFR/AXFR) and writes
 *   each new copy to the store for the clouds (secondary-manager.ts);
 * - transfers every zone out to the global allow-list and to each zone's own customer
 *   secondaries, and NOTIFYs them of each new serial (outbound.ts);
 * - signs the zones the operator hands it a signing order for, primary and secondary, and writes
 *   the signed versions for the clouds (zone-signing-service.ts, ADR 0015).
 *
 * Only the wiring of the role is here: listeners, HTTP and the order of start and stop are the
 * start-up path's (runtime/server-runtime.ts).
 */

export interface ControlOptions extends DataplaneOptions {
  /** The key-encryption key that opens the signing orders (32 octets); none: no zone is signed. */
  readonly kek?: Uint8Array;
  /** How often the signed-entries counter is looked at (ms). */
  readonly signingPollMs?: number;
}

export interface RunningControl extends RunningCloud {
  /** The secondary zones: each one's state, the NOTIFYs refused. */
  readonly secondaries: SecondaryManager;
  /** The zones signed here: each one's report. */
  readonly signing: ZoneSigningService;
}

/** The longest a stop waits for a transfer in progress: SIGTERM must end the pod in its grace period. */
const SECONDARIES_STOP_MS = 3000;

export async function runControl(options: ControlOptions): Promise<RunningControl> {
  const { log } = options;
  const steps = stepRunner({ sliceMs: options.sliceMs });
  const stopping = new AbortController();
  // Who may transfer which zone: the global allow-list, plus each zone's customer secondaries.
  const outbound = new OutboundTransfers(AddressList.parse(options.transferAcl ?? []), log, () => runtime.dns.bound, { signal: stopping.signal });
  const signing = new ZoneSigningService({ store: options.store, log, kek: options.kek, steps, ...(options.signingPollMs !== undefined ? { pollMs: options.signingPollMs } : {}) });
  const secondaries = new SecondaryManager({ store: options.store, log, steps, signing });
  signing.attachCopies(secondaries);
  const responder = new Responder(new ZoneSet([]), {
    identity: options.identity,
    transferAcl: outbound.acl,
    // RFC 1996: a NOTIFY for a secondary zone starts a check of its primaries; a primary may sign
    // it with the zone's own TSIG key.
    notify: (zone, source, keyName) => secondaries.notify(zone, source, keyName),
    notifyKeys: (name) => secondaries.tsigKey(name),
  });
  const pod: StoreFollower = followStore({
    ...options,
    cloud: CONTROL_SERVER,
    steps,
    apply: (zones) => {
      responder.setZones(zones);
      const { secondaries: resolved, keys } = resolveCustomerSecondaries(pod.sync.outbound, log);
      outbound.update(zones, resolved);
      responder.setKeys(keys);
    },
  });
  const runtime: ServerRuntime = new ServerRuntime({
    log,
    drainMs: options.drainMs,
    dns: {
      listen: options.listen,
      responder,
      udpIo: options.udpIo,
      tcp: options.tcp,
    },
    http: {
      address: options.http,
      readiness: () => pod.readiness(runtime.dns.bound),
      metrics: pod.metrics,
      // NOTIFYs refused (not from a primary of the zone) and each secondary zone's state.
      json: { '/zones': () => ({ ...pod.zones(), refusedNotifies: secondaries.refusedNotifies, secondaries: secondaries.states(), signed: signing.reports() }) },
    },
  });
  registerServerMetrics(pod.metrics, runtime.dns, CONTROL_SERVER);
  registerControlMetrics(pod.metrics, { secondaries, signing, outbound });
  // Before the secondary zones: they ask it which of them are signed.
  const signingPart: ServerPart = { name: 'zone signing', start: () => signing.start(), stop: () => signing.stop(), stopWithinMs: SECONDARIES_STOP_MS };
  const secondaryPart: ServerPart = { name: 'secondary zones', start: () => secondaries.start(), stop: () => secondaries.stop(), stopWithinMs: SECONDARIES_STOP_MS };
  // Stopped first: no NOTIFY goes out while the rest stops.
  const notifyPart: ServerPart = { name: 'NOTIFY out', start: async () => {}, stop: async () => stopping.abort() };
  await runtime.start([...pod.parts, signingPart, secondaryPart, notifyPart]);
  const { sync } = pod;
  log.info('control server started', { pod: options.pod, zones: sync.current.size, ready: sync.ready, source: sync.source, secondaryZones: secondaries.states().length, signedZones: signing.reports().length, keyEncryptionKey: options.kek !== undefined });
  return { dns: runtime.dns, sync, httpPort: runtime.httpPort!, secondaries, signing, stop: () => runtime.stop() };
}
