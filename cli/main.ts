#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import express from 'express';
import { serve } from '../dataplane/standalone/serve';
import { runCloud, type DataplaneOptions } from '../dataplane/cloud/run-cloud';
import { runControl } from '../dataplane/control/run-control';
import { KEK_ENV, KeyEncryptionKeyError, loadKeyEncryptionKey } from '../dataplane/control/key-encryption-key';
import { STOP_DEADLINE_MS, stopOnSignals } from '../dataplane/runtime/signals';
import { runOperator } from '../operator/operator';
import type { SecretKeyRef } from '../operator/cloud/cloud-objects';
import { parseZoneRule, ZonePolicyError, type ZonePolicy } from '../operator/zone-policy';
import { RedisZoneStore } from '../dataplane/store/redis-store';
import { jsonLogger } from '../dataplane/log/log';
import type { ListenAddress, UdpIo } from '../dataplane/server/dns-server';
import { UdpIoUnavailableError } from '../dataplane/server/udp-listener';
import { checkIdentity, IdentityError, type ServerIdentity } from '../dataplane/nameserver/identity';
import { describeStoreHealth } from '../dataplane/store/store-health';
import { parseTcpFlags, TCP_FLAG_OPTIONS, TCP_FLAG_USAGE } from './tcp-flags';
import { parseRrlFlags, RRL_FLAG_OPTIONS, RRL_FLAG_USAGE } from './rrl-flags';
import { UsageError } from './usage-error';
import { runApi } from '../api/run';

/**
 * The `dnsfleet` command. Each subcommand is a thin layer over a module that can be used and
 * tested on its own.
 */

const USAGE = `usage: dnsfleet <command> [options]

commands:
  serve      answer DNS for the zones in manifest files (no cluster needed)
  dataplane  run a dataplane pod: --role cloud answers for the zones of a cloud, from Redis
  operator   reconcile Zone resources into Redis for the clouds (out of cluster or in a pod)
  api        the provisioning REST API (RcodeZero's shapes) over the Zone and SecondaryZone objects

dnsfleet serve -f PATH [-f PATH…] [--listen HOST:PORT…] [--allow-transfer CIDR…]
               [--state-dir DIR] [--tcp-* …] [--rrl-* …] [--no-watch] [identity options]
  -f, --file PATH          a YAML manifest file, or a directory of them (repeatable)
  -l, --listen HOST:PORT   address to answer on, UDP and TCP (repeatable; default 127.0.0.1:5300)
      --allow-transfer CIDR  clients allowed to AXFR/IXFR every zone (repeatable; default: none)
      --no-watch           do not reload when files change
      --state-dir DIR      keys and signing state of the zones that name a DNSSECPolicy (default
                           $XDG_STATE_HOME/dnsfleet, else ~/.local/state/dnsfleet)
      --udp-io MODE        auto (default): batched UDP I/O where it was built, else node:dgram;
                           batched: refuse to start without it; dgram: always node:dgram
${TCP_FLAG_USAGE}${RRL_FLAG_USAGE}  identity (both commands; docs/answers.md#identity):
      --identity TEXT      answer to dig CH TXT id.server / hostname.bind (default: the host
                           name; for dataplane: --pod)
      --hide-identity      refuse those queries instead
      --nsid TEXT          NSID sent to queries that ask for it, dig +nsid (default: none)
      --version-string TEXT  answer to CH TXT version.bind / version.server (default: refused)
  A Zone's spec.secondaries may also transfer it (TSIG-signed with a key from a Secret manifest
  when they name one) and are sent a NOTIFY for every new serial. A Zone or SecondaryZone whose
  spec.dnssecPolicy names a DNSSECPolicy of the files is signed (docs/serve.md#signing).

dnsfleet dataplane --role cloud|control [--cloud NAME] --redis URL [--pod NAME]
                   [--listen HOST:PORT…] [--http HOST:PORT] [--allow-transfer CIDR…]
      --role cloud         one pod of a nameserver cloud: answers for the cloud's zones
      --role control       the control server: pulls secondary zones from their primaries
                           (NOTIFY, IXFR/AXFR), holds every zone, and transfers them out to
                           --allow-transfer clients and each zone's own secondaries
      --cloud NAME         the NameserverCloud this pod belongs to   (env DNSFLEET_CLOUD)
      --redis URL          the zone store, e.g. redis://127.0.0.1:6379 (env DNSFLEET_REDIS_URL)
      --pod NAME           the pod's name in its reports             (env POD_NAME, default: host name)
  -l, --listen HOST:PORT   address to answer DNS on (repeatable; default 127.0.0.1:5300)
      --http HOST:PORT     /healthz, /readyz, /metrics and /zones (default 127.0.0.1:8080)
      --metrics-per-zone   /metrics gets a series per zone (dnsfleet_zone_serial): for small
                           fleets only, every zone being a series of every pod
      --listen-ips IP[,IP…]  instead of --listen and --http: answer DNS on each of these
                           addresses at --port, and HTTP on the first at --http-port (a pod
                           passes its status.podIPs)
      --port N             DNS port with --listen-ips (default 5353)
      --http-port N        HTTP port with --listen-ips (default 8080)
      --udp-io MODE        auto (default), batched or dgram, as for serve
      --identity, --hide-identity, --nsid, --version-string  as for serve
      --snapshot-dir DIR   keep a copy of the zones served in DIR, and start from it when the
                           store cannot be reached (env DNSFLEET_SNAPSHOT_DIR; default: none)
      --store-wait SECONDS how long the start waits for the store before it serves the
                           local snapshot (default 3)
      --tcp-* …            TCP limits, as for serve
      --rrl-* …            response rate limiting, as for serve (cloud only)
      --slice-ms N         the longest loading or writing a zone keeps the pod from answering
                           before it lets queries through (default 10; 0: in one go)
      --drain-seconds N    on SIGTERM, keep answering this long with /readyz at 503 before
                           closing, while Kubernetes takes the pod out of its Service
                           (default 0; the operator's pod templates use 5)
      --key-encryption-key-file PATH  control only: the base64 key (32 octets) that opens the
                           signing orders of signed zones (env ${KEK_ENV}; without one
                           no zone is signed, and each signed zone reports why)

dnsfleet operator --redis URL --image IMAGE [--kubeconfig PATH]
      --redis URL          the zone store                              (env DNSFLEET_REDIS_URL)
      --image IMAGE        the dnsfleet image of the dataplane pods    (env DNSFLEET_IMAGE)
      --pod-redis-url URL  the zone store as the pods reach it (env DNSFLEET_POD_REDIS_URL,
                           default: --redis)
      --pod-redis-secret NAME/KEY  instead: the pods read that URL from this key of a Secret
                           in their namespace (env DNSFLEET_POD_REDIS_SECRET; for a URL
                           with a password, which then appears in no pod template)
      --pod-metrics-per-zone  the pods' /metrics get a series per zone (the serial served):
                           for small fleets; off by default (docs/metrics.md)
      --pod-scrape-annotations  the pods carry prometheus.io/scrape, /port and /path
      --owner-deployment NAME  the operator's own Deployment in POD_NAMESPACE: the control
                           server's objects, the key-encryption key and the Lease are owned
                           by it and go when it goes (env DNSFLEET_OWNER_DEPLOYMENT; Helm)
      --kubeconfig PATH    default: in-cluster config, $KUBECONFIG or ~/.kube/config
      --control-namespace NS  run the control server (Deployment and Service dnsfleet-control)
                           in NS (env POD_NAMESPACE; none when neither is set)
      --control-allow-transfer CIDR  clients that may transfer zones out of it (repeatable)
      --control-service-type T  ClusterIP (default), LoadBalancer or NodePort
      --control-addresses IP[,IP…]  its public addresses (externalIPs or load-balancer IP)
      --leader-elect-namespace NS  run as one of several replicas: lead through the Lease
                           dnsfleet-operator in NS (env POD_NAMESPACE)
      --metrics HOST:PORT  /metrics (Prometheus), /healthz and /readyz (503 while the zone
                           store cannot be reached) (default 127.0.0.1:8081)
      --zone-policy DOMAIN=NS[,NS…]  DOMAIN and the names under it may be hosted only in
                           these namespaces (repeatable; DOMAIN= for none; docs/operator.md)
      --allow-public-suffixes  let Zones and SecondaryZones be named like a public suffix
                           (com, co.uk, github.io …); refused by default

dnsfleet api --namespace NS [--listen HOST:PORT] [--kubeconfig PATH]
      --namespace NS       where the token Secret dnsfleet-api-tokens is: the API's own
                           namespace (env POD_NAMESPACE); each token acts in its tenant's
                           namespace only (docs/rest-api.md)
  -l, --listen HOST:PORT   address of the HTTP API (default 127.0.0.1:8443)
      --kubeconfig PATH    default: in-cluster config, $KUBECONFIG or ~/.kube/config
      --rate-limit N       requests per minute of a token whose entry gives none (default 1500)
`;

/** The part of USAGE about one command: its `dnsfleet <command>` paragraph. */
export function commandUsage(command: string): string | undefined {
  const start = USAGE.indexOf(`\ndnsfleet ${command} `);
  if (start < 0) return undefined;
  const end = USAGE.indexOf('\n\n', start + 1);
  return USAGE.slice(start + 1, end < 0 ? undefined : end + 1);
}

/** True when `args` ask for help (`--help` or `-h` before a `--`). */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** `--udp-io`: how the DNS server reads and writes UDP (docs/adr/0006-batched-udp-io.md). */
export function parseUdpIo(text: string | undefined): UdpIo | 'auto' {
  if (text === undefined || text === 'auto' || text === 'batched' || text === 'dgram') return text ?? 'auto';
  throw new UsageError(`--udp-io ${text}: expected auto, batched or dgram`);
}

/** `--slice-ms`: milliseconds, 0 (no slicing) to 10,000. */
export function parseSliceMs(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 0 || n > 10_000) throw new UsageError(`--slice-ms ${text}: expected whole milliseconds from 0 to 10000`);
  return n;
}

/** `--listen-ips`: a pod's addresses (status.podIPs, comma-separated), IPv4 or IPv6. */
export function podAddresses(ips: string, port = '5353', httpPort = '8080'): { listen: ListenAddress[]; http: ListenAddress } {
  const hosts = ips.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = hosts.find((h) => isIP(h) === 0);
  if (hosts.length === 0 || bad !== undefined) throw new UsageError(`--listen-ips ${ips}: expected IP addresses separated by commas`);
  const portOf = (text: string, flag: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag} ${text}: expected a port from 1 to 65535`);
    return n;
  };
  const dns = portOf(port, '--port');
  return { listen: hosts.map((host) => ({ host, port: dns })), http: { host: hosts[0]!, port: portOf(httpPort, '--http-port') } };
}

/** The identity options of serve and dataplane, shared by both. */
const IDENTITY_OPTIONS = {
  identity: { type: 'string' },
  'hide-identity': { type: 'boolean' },
  nsid: { type: 'string' },
  'version-string': { type: 'string' },
} as const;

/** `--identity`, `--hide-identity`, `--nsid`, `--version-string` → what the responder answers. */
export function parseIdentity(
  values: { identity?: string; 'hide-identity'?: boolean; nsid?: string; 'version-string'?: string },
  defaultIdentity: string,
): ServerIdentity {
  if (values['hide-identity'] && values.identity !== undefined) throw new UsageError('--identity and --hide-identity exclude each other');
  const identity: ServerIdentity = {
    ...(values['hide-identity'] ? {} : { identity: values.identity ?? defaultIdentity }),
    ...(values.nsid !== undefined ? { nsid: values.nsid } : {}),
    ...(values['version-string'] !== undefined ? { version: values['version-string'] } : {}),
  };
  try {
    return checkIdentity(identity);
  } catch (err) {
    if (!(err instanceof IdentityError)) throw err;
    const flag = err.setting === 'version' ? '--version-string' : `--${err.setting}`;
    throw new UsageError(`${flag}: ${err.detail}`);
  }
}

export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) throw new UsageError(`--listen ${text}: expected HOST:PORT or [IPv6]:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`--listen ${text}: port above 65535`);
  return { host: (m[1] ?? m[2])!, port };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const usage = commandUsage(command);
  if (usage !== undefined && asksForHelp(rest)) {
    process.stdout.write(usage);
    return 0;
  }
  if (command === 'serve') return serveCommand(rest);
  if (command === 'dataplane') return dataplaneCommand(rest);
  if (command === 'operator') return operatorCommand(rest);
  if (command === 'api') return apiCommand(rest);
  throw new UsageError(`unknown command "${command}"`);
}

async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      file: { type: 'string', short: 'f', multiple: true },
      listen: { type: 'string', short: 'l', multiple: true },
      'allow-transfer': { type: 'string', multiple: true },
      ...TCP_FLAG_OPTIONS,
      ...RRL_FLAG_OPTIONS,
      'no-watch': { type: 'boolean' },
      'udp-io': { type: 'string' },
      'state-dir': { type: 'string' },
      ...IDENTITY_OPTIONS,
    },
    strict: true,
  });
  if (!values.file?.length) throw new UsageError('serve needs at least one -f PATH');
  if (values['state-dir'] === '') throw new UsageError('--state-dir needs a directory');
  const tcp = parseTcpFlags(values);
  const rateLimit = parseRrlFlags(values);
  const log = jsonLogger();
  const running = await serve({
    paths: values.file,
    listen: (values.listen ?? ['127.0.0.1:5300']).map(parseListen),
    allowTransfer: values['allow-transfer'] ?? [],
    watch: !values['no-watch'],
    tcp,
    ...(rateLimit ? { rateLimit } : {}),
    udpIo: parseUdpIo(values['udp-io']),
    identity: parseIdentity(values, hostname()),
    log,
    ...(values['state-dir'] !== undefined ? { stateDir: values['state-dir'] } : {}),
  });
  stopOnSignals({ log, stop: () => running.stop(), reload: () => running.reload() });
  return -1; // keep running
}

async function dataplaneCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      role: { type: 'string' },
      cloud: { type: 'string' },
      redis: { type: 'string' },
      pod: { type: 'string' },
      listen: { type: 'string', short: 'l', multiple: true },
      http: { type: 'string' },
      'listen-ips': { type: 'string' },
      port: { type: 'string' },
      'http-port': { type: 'string' },
      'allow-transfer': { type: 'string', multiple: true },
      'udp-io': { type: 'string' },
      ...IDENTITY_OPTIONS,
      ...TCP_FLAG_OPTIONS,
      ...RRL_FLAG_OPTIONS,
      'snapshot-dir': { type: 'string' },
      'store-wait': { type: 'string' },
      'slice-ms': { type: 'string' },
      'key-encryption-key-file': { type: 'string' },
      'drain-seconds': { type: 'string' },
      'metrics-per-zone': { type: 'boolean' },
    },
    strict: true,
  });
  const tcp = parseTcpFlags(values);
  const rateLimit = parseRrlFlags(values);
  const drainSeconds = values['drain-seconds'] === undefined ? 0 : Number(values['drain-seconds']);
  if (!Number.isFinite(drainSeconds) || drainSeconds < 0) throw new UsageError(`--drain-seconds ${values['drain-seconds']}: expected a number of seconds`);
  const storeWait = values['store-wait'] === undefined ? 3 : Number(values['store-wait']);
  if (!Number.isFinite(storeWait) || storeWait < 0) throw new UsageError(`--store-wait ${values['store-wait']}: expected a number of seconds`);
  const snapshotDir = values['snapshot-dir'] ?? process.env.DNSFLEET_SNAPSHOT_DIR;
  if (values.role !== 'cloud' && values.role !== 'control') throw new UsageError('dataplane needs --role cloud or --role control');
  // A cloud pod holds its cloud's zones; the control server every zone, so it takes no --cloud.
  const cloud = values.role === 'cloud' ? (values.cloud ?? process.env.DNSFLEET_CLOUD) : undefined;
  const redis = values.redis ?? process.env.DNSFLEET_REDIS_URL;
  if (values.role === 'cloud' && !cloud) throw new UsageError('dataplane needs --cloud NAME (or DNSFLEET_CLOUD)');
  if (!redis) throw new UsageError('dataplane needs --redis URL (or DNSFLEET_REDIS_URL)');
  if (cloud === undefined && rateLimit) throw new UsageError('--rrl-rate is for --role cloud: the control server answers its peers, not the Internet');
  if (cloud !== undefined && values['key-encryption-key-file'] !== undefined) throw new UsageError('--key-encryption-key-file is for --role control: the clouds do not sign');
  let kek: Uint8Array | undefined;
  try {
    kek = cloud === undefined ? loadKeyEncryptionKey(values['key-encryption-key-file']) : undefined;
  } catch (err) {
    // A key that is there but unusable is a configuration error: refuse to start, naming its source.
    if (err instanceof KeyEncryptionKeyError) throw new UsageError(err.message);
    throw err;
  }
  const { listen, http } = values['listen-ips'] !== undefined ? podAddresses(values['listen-ips'], values.port, values['http-port']) : { listen: (values.listen ?? ['127.0.0.1:5300']).map(parseListen), http: parseListen(values.http ?? '127.0.0.1:8080') };
  const pod = values.pod ?? process.env.POD_NAME ?? hostname();
  const identity = parseIdentity(values, pod);
  const sliceMs = values['slice-ms'] !== undefined ? parseSliceMs(values['slice-ms']) : undefined;
  const log = jsonLogger();
  const options: DataplaneOptions = {
    pod,
    store: new RedisZoneStore(redis),
    listen,
    http,
    transferAcl: values['allow-transfer'] ?? [],
    udpIo: parseUdpIo(values['udp-io']),
    identity,
    tcp,
    ...(sliceMs !== undefined ? { sliceMs } : {}),
    log,
    ...(snapshotDir ? { snapshotDir } : {}),
    storeWaitMs: storeWait * 1000,
    drainMs: drainSeconds * 1000,
    metricsPerZone: values['metrics-per-zone'] === true,
  };
  // Each role has its own entry (dataplane/cloud/run-cloud.ts, dataplane/control/run-control.ts).
  const running = cloud !== undefined ? await runCloud({ ...options, cloud, ...(rateLimit ? { rateLimit } : {}) }) : await runControl({ ...options, ...(kek ? { kek } : {}) });
  // The stop deadline counts from the signal: the drain comes on top of it.
  stopOnSignals({ log, stop: () => running.stop(), deadlineMs: STOP_DEADLINE_MS + drainSeconds * 1000 });
  return -1;
}

async function operatorCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      redis: { type: 'string' },
      image: { type: 'string' },
      'pod-redis-url': { type: 'string' },
      'pod-redis-secret': { type: 'string' },
      'pod-metrics-per-zone': { type: 'boolean' },
      'pod-scrape-annotations': { type: 'boolean' },
      'owner-deployment': { type: 'string' },
      'control-namespace': { type: 'string' },
      'control-allow-transfer': { type: 'string', multiple: true },
      'control-service-type': { type: 'string' },
      'control-addresses': { type: 'string' },
      kubeconfig: { type: 'string' },
      'leader-elect-namespace': { type: 'string' },
      metrics: { type: 'string' },
      'zone-policy': { type: 'string', multiple: true },
      'allow-public-suffixes': { type: 'boolean' },
    },
    strict: true,
  });
  const redis = values.redis ?? process.env.DNSFLEET_REDIS_URL;
  const zonePolicy = zonePolicyOf(values['zone-policy'] ?? [], values['allow-public-suffixes'] ?? false);
  const image = values.image ?? process.env.DNSFLEET_IMAGE;
  if (!redis) throw new UsageError('operator needs --redis URL (or DNSFLEET_REDIS_URL)');
  if (!image) throw new UsageError('operator needs --image IMAGE (or DNSFLEET_IMAGE): the dataplane pods run it');
  const log = jsonLogger();
  // With a namespace for the Lease, several replicas can run; one leads (Kubernetes Lease).
  const leaseNamespace = values['leader-elect-namespace'] ?? process.env.POD_NAMESPACE;
  const controlNamespace = values['control-namespace'] ?? process.env.POD_NAMESPACE;
  const serviceType = values['control-service-type'] ?? 'ClusterIP';
  if (serviceType !== 'ClusterIP' && serviceType !== 'LoadBalancer' && serviceType !== 'NodePort') throw new UsageError(`--control-service-type ${serviceType}: expected ClusterIP, LoadBalancer or NodePort`);
  const ownerDeployment = values['owner-deployment'] ?? process.env.DNSFLEET_OWNER_DEPLOYMENT;
  if (ownerDeployment && !controlNamespace) throw new UsageError('--owner-deployment needs the namespace it is in: POD_NAMESPACE or --control-namespace');
  const store = new RedisZoneStore(redis);
  const running = await runOperator({
    store,
    log,
    kubeconfig: values.kubeconfig,
    zonePolicy,
    ...(ownerDeployment && controlNamespace ? { ownerDeployment: { namespace: controlNamespace, name: ownerDeployment } } : {}),
    pods: {
      image,
      redisUrl: podRedisUrl(values['pod-redis-secret'] ?? process.env.DNSFLEET_POD_REDIS_SECRET, values['pod-redis-url'] ?? process.env.DNSFLEET_POD_REDIS_URL ?? redis),
      metricsPerZone: values['pod-metrics-per-zone'] === true,
      scrapeAnnotations: values['pod-scrape-annotations'] === true,
    },
    ...(controlNamespace ? { controlServer: { namespace: controlNamespace, allowTransfer: values['control-allow-transfer'] ?? [], serviceType, addresses: (values['control-addresses'] ?? '').split(',').filter(Boolean) } } : {}),
    ...(leaseNamespace ? { leaderElection: { namespace: leaseNamespace, identity: process.env.POD_NAME ?? `${hostname()}-${process.pid}` } } : {}),
  });
  // Prometheus scrapes /metrics; /healthz tells Kubernetes the process is alive.
  const http = parseListen(values.metrics ?? '127.0.0.1:8081');
  const app = express();
  app.get('/metrics', (_req, res) => {
    void running.metrics.registry.metrics().then((text) => res.type(running.metrics.registry.contentType).send(text));
  });
  // Alive whatever the store does (a restart would not bring Redis back); ready only with it.
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send(`ok: ${running.isLeader ? 'leader' : 'follower'}; ${describeStoreHealth(store.health.state)}\n`);
  });
  app.get('/readyz', (_req, res) => {
    const state = store.health.state;
    res.status(state.state === 'down' ? 503 : 200).type('text/plain').send(`${describeStoreHealth(state)}\n`);
  });
  const server = app.listen(http.port, http.host);
  stopOnSignals({
    log,
    stop: async () => {
      server.close();
      await running.stop();
    },
  });
  return -1;
}

/** `--zone-policy` and `--allow-public-suffixes` (operator/zone-policy.ts); a bad rule is a usage error. */
export function zonePolicyOf(rules: readonly string[], allowPublicSuffixes: boolean): ZonePolicy {
  try {
    return { refusePublicSuffixes: !allowPublicSuffixes, rules: rules.map(parseZoneRule) };
  } catch (err) {
    if (err instanceof ZonePolicyError) throw new UsageError(err.message);
    throw err;
  }
}
/** `--pod-redis-secret NAME/KEY` wins over the URL: the pods then read the URL from that Secret. */
export function podRedisUrl(secret: string | undefined, url: string): string | SecretKeyRef {
  if (secret === undefined) return url;
  const m = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/([-._a-zA-Z0-9]+)$/.exec(secret);
  if (!m) throw new UsageError(`--pod-redis-secret ${secret}: expected NAME/KEY, a Secret's name and one of its keys`);
  return { secretName: m[1]!, key: m[3]! };
}

async function apiCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      listen: { type: 'string', short: 'l' },
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'rate-limit': { type: 'string' },
    },
    strict: true,
  });
  const namespace = values.namespace ?? process.env.POD_NAMESPACE;
  if (!namespace) throw new UsageError('api needs --namespace NS (or POD_NAMESPACE): the namespace of the token Secret');
  const rateText = values['rate-limit'];
  if (rateText !== undefined && !/^[1-9][0-9]{0,8}$/.test(rateText)) throw new UsageError(`--rate-limit ${rateText}: expected a whole number of requests per minute, at least 1`);
  const log = jsonLogger();
  const running = await runApi({
    listen: parseListen(values.listen ?? '127.0.0.1:8443'),
    kubeconfig: values.kubeconfig,
    namespace,
    log,
    ...(rateText !== undefined ? { rateLimit: Number(rateText) } : {}),
  });
  stopOnSignals({ log, stop: () => running.stop() });
  return -1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        process.stderr.write(`dnsfleet: ${(err as Error).message}\n\n${USAGE}`);
        process.exitCode = 2;
      } else if (err instanceof UdpIoUnavailableError) {
        // A setting that cannot be honoured on this build, not a bug: no stack trace.
        process.stderr.write(`dnsfleet: ${err.message}\n`);
        process.exitCode = 1;
      } else {
        process.stderr.write(`dnsfleet: ${(err as Error).stack ?? String(err)}\n`);
        process.exitCode = 1;
      }
    },
  );
}
