import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';
import { DnsfleetError } from '../dns/error';
import { Name } from '../dns/name';
import { Algorithm, DigestType, KSK_FLAGS, ZSK_FLAGS, dsRecordText, generateKey, type SigningKey } from '../dnssec/keys';
import { nsecRRsets } from '../dnssec/nsec';
import { signZone } from '../dnssec/signzone';
import { buildQuery, exchangeUdp } from './dns-client';
import { PeerStartError, nsdServerConfig } from './peers';
import { freePort, run, start, tempDir, waitFor, type Started } from './processes';
import { zoneOf, zoneText } from './zone-text';

/**
 * A DNSSEC test tree on loopback, for rollover tests under a real parent and a real validator:
 *
 *   - a root zone `.` signed here with the DNSSEC core (generateKey, signZone with NSEC), served by
 *     NSD, delegating the child zone to the child's server and publishing the DS records the test
 *     gives it (`publishDs`: re-signed, written, `nsd-control reload`, and waited for);
 *   - unbound, with the root's KSK as its only trust anchor (RFC 4035 §5), `stub-zone`s for `.`
 *     and the child (loopback servers on their own ports, which a delegation cannot name), TTLs
 *     honoured as served, `val-log-level: 2` so each validation failure is logged with its reason;
 *   - a prober (`ValidationProber`) that asks unbound a fixed set of names every ~200 ms and
 *     records every answer that fails: SERVFAIL always, and an answer without AD while the test
 *     says the child must be secure.
 *
 * Every TTL is a few seconds so that a rollover's waits (RFC 7583 §3) take seconds, not days.
 * The child's server is the test's: it must be listening before the tree starts (unbound is told
 * its port).
 */

export class DnssecTreeError extends DnsfleetError {
  override name = 'DnssecTreeError';
}

export interface TreeOptions {
  /** The child zone, absolute (`test.`): delegated from the root. */
  readonly child: string;
  /** Where the child's server listens. */
  readonly childServer: { readonly host: string; readonly port: number };
  /** TTL of the DS RRset at the root (the policy's parentDSTTL). Default 2. */
  readonly dsTtl?: number;
  /** TTL of every other root RRset, and the root's negative TTL (SOA minimum, RFC 2308 §5). Default 3. */
  readonly rootTtl?: number;
}

export interface DnssecTree {
  readonly child: string;
  /** The root's NSD. */
  readonly root: { readonly host: string; readonly port: number; readonly process: Started };
  /** unbound, validating with the root's trust anchor. */
  readonly resolver: { readonly host: string; readonly port: number; readonly process: Started };
  /** The root's trust anchor, as unbound's `trust-anchor:` line takes it. */
  readonly trustAnchor: string;
  /** The DS records of the child the root publishes now (rdata: `tag alg type HEX`). */
  readonly ds: readonly string[];
  /**
   * Makes the root publish exactly these DS records for the child (whole records as
   * `status.dsRecords` shows them, `test. IN DS 1234 13 2 AB…`, or bare rdata; [] removes the DS
   * RRset): re-signs the root, reloads NSD and waits until it serves the new version.
   */
  publishDs(records: readonly string[]): Promise<void>;
  /** unbound's log lines that report a validation failure (val-log-level 2). */
  validationFailures(): string[];
  stop(): Promise<void>;
}

/** `test. IN DS 1 13 2 AB` (with or without a TTL) or `1 13 2 AB` → `1 13 2 AB`. */
export function dsRdataOfRecord(record: string): string {
  const m = /^\s*(?:\S+\s+)?(?:\d+\s+)?(?:IN\s+)?DS\s+(.+?)\s*$/i.exec(record);
  const rdata = (m ? m[1]! : record).trim();
  if (!/^\d+\s+\d+\s+\d+\s+[0-9a-f\s]+$/i.test(rdata)) throw new DnssecTreeError(`not a DS record: ${record}`, { record });
  return rdata.replace(/\s+/g, ' ');
}

export async function startDnssecTree(options: TreeOptions): Promise<DnssecTree> {
  const dir = tempDir('dnssec-tree');
  const host = '127.0.0.1';
  const child = options.child.endsWith('.') ? options.child : `${options.child}.`;
  const dsTtl = options.dsTtl ?? 2;
  const rootTtl = options.rootTtl ?? 3;
  // One algorithm for the root is enough: the child's rollovers are what is tested.
  const rootKsk = generateKey(Algorithm.ECDSAP256SHA256, { flags: KSK_FLAGS });
  const rootZsk = generateKey(Algorithm.ECDSAP256SHA256, { flags: ZSK_FLAGS });
  const trustAnchor = dsRecordText(Name.root, rootKsk, DigestType.SHA256);
  let serial = 1;
  let ds: string[] = [];

  const rootFile = join(dir.path, 'root.db');
  const writeRoot = (): void => {
    const text = rootZoneText({ child, childHost: options.childServer.host, serial, ttl: rootTtl, dsTtl, ds });
    const signed = signRoot(text, rootKsk, rootZsk, rootTtl);
    // Written beside and renamed: NSD never reads half a file.
    writeFileSync(`${rootFile}.new`, signed);
    renameSync(`${rootFile}.new`, rootFile);
  };
  writeRoot();

  const rootPort = await freePort(host);
  const control = join(dir.path, 'nsd.ctl');
  const logfile = join(dir.path, 'nsd.log');
  const nsdConf = join(dir.path, 'nsd.conf');
  // The testkit's NSD server section; remote control on a unix socket (no TLS keys: the socket's
  // directory is the test's), for `nsd-control reload`.
  writeFileSync(
    nsdConf,
    nsdServerConfig({ dir: dir.path, host, port: rootPort, logfile, verbosity: 1 }).replace(/remote-control:[\s\S]*$/, '') +
      `remote-control:\n  control-enable: yes\n  control-interface: ${control}\nzone:\n  name: "."\n  zonefile: "root.db"\n`,
  );
  const stopOnFailure = async (procs: Started[], what: string, err: unknown, output: string): Promise<never> => {
    for (const p of procs) await p.stop();
    dir.remove();
    throw new PeerStartError(what, (err as Error).message, output);
  };
  const nsd = start('nsd', ['-d', '-c', nsdConf]);
  try {
    await waitFor('the root SOA from NSD', async () => (await soaSerial(host, rootPort, '.')) === serial, 10_000);
  } catch (err) {
    return stopOnFailure([nsd], 'nsd (root)', err, nsd.output());
  }

  const resolverPort = await freePort(host);
  const unboundConf = join(dir.path, 'unbound.conf');
  writeFileSync(
    unboundConf,
    unboundConfig({ dir: dir.path, host, port: resolverPort, trustAnchor, stubs: [{ name: '.', host, port: rootPort }, { name: child, ...options.childServer }] }),
  );
  const unbound = start('unbound', ['-d', '-c', unboundConf]);
  try {
    // Ready when it validates the root's SOA: the trust anchor, the root and unbound all work.
    await waitFor('a validated root SOA from unbound', async () => {
      const r = await resolve(host, resolverPort, '.', 'SOA');
      return r.rcode === 'NOERROR' && r.ad;
    }, 10_000);
  } catch (err) {
    return stopOnFailure([unbound, nsd], 'unbound', err, unbound.output() + nsd.output());
  }

  return {
    child,
    root: { host, port: rootPort, process: nsd },
    resolver: { host, port: resolverPort, process: unbound },
    trustAnchor,
    get ds() {
      return ds;
    },
    publishDs: async (records) => {
      ds = records.map(dsRdataOfRecord);
      serial++;
      writeRoot();
      const r = await run('nsd-control', ['-c', nsdConf, 'reload', '.'], { timeoutMs: 10_000 });
      if (r.code !== 0) throw new DnssecTreeError(`nsd-control reload failed: ${r.stdout}${r.stderr}`, { code: r.code });
      await waitFor(`root serial ${serial}`, async () => (await soaSerial(host, rootPort, '.')) === serial, 10_000);
    },
    validationFailures: () => unbound.output().split('\n').filter((l) => /validation failure|bogus/i.test(l)),
    stop: async () => {
      await unbound.stop();
      await nsd.stop();
      dir.remove();
    },
  };
}

/** The root zone: itself on loopback, the child delegated with glue, and the child's DS records. */
function rootZoneText(o: { child: string; childHost: string; serial: number; ttl: number; dsTtl: number; ds: readonly string[] }): string {
  const t = o.ttl;
  return [
    // SOA minimum = TTL: a denial from the root (no DS yet) is cached no longer (RFC 2308 §5).
    `. ${t} IN SOA ns1. hostmaster.root. ${o.serial} 60 60 3600 ${t}`,
    `. ${t} IN NS ns1.`,
    `ns1. ${t} IN A 127.0.0.1`,
    `${o.child} ${t} IN NS ns.${o.child}`,
    `ns.${o.child} ${t} IN A ${o.childHost}`,
    ...o.ds.map((d) => `${o.child} ${o.dsTtl} IN DS ${d}`),
    '',
  ].join('\n');
}

function signRoot(text: string, ksk: SigningKey, zsk: SigningKey, ttl: number): string {
  const now = Math.floor(Date.now() / 1000);
  const zone = zoneOf(text, Name.root, 'root.db');
  return zoneText(signZone(zone, [{ key: ksk, role: 'KSK' }, { key: zsk, role: 'ZSK' }], { now, validity: 86400, dnskeyTtl: ttl, denial: nsecRRsets }));
}

/**
 * unbound for the tree: in the foreground, logging to stderr, only the static trust anchor
 * (no RFC 5011 probing, no root priming from the Internet: the stubs are the only servers), and
 * loopback servers allowed (`do-not-query-localhost: no`). Caching as shipped: TTLs honoured.
 */
function unboundConfig(o: { dir: string; host: string; port: number; trustAnchor: string; stubs: ReadonlyArray<{ name: string; host: string; port: number }> }): string {
  const server = [
    `interface: ${o.host}`,
    `port: ${o.port}`,
    'do-ip6: no',
    'do-daemonize: no',
    'username: ""',
    'chroot: ""',
    `directory: "${o.dir}"`,
    `pidfile: "${o.dir}/unbound.pid"`,
    'use-syslog: no',
    'logfile: ""',
    'log-time-ascii: yes',
    'verbosity: 1',
    // RFC 4035 §4.3: each bogus answer logged with why, so a failure names its cause.
    'val-log-level: 2',
    'do-not-query-localhost: no',
    'num-threads: 1',
    'module-config: "validator iterator"',
    `trust-anchor: "${o.trustAnchor}"`,
    'trust-anchor-signaling: no',
    'root-key-sentinel: no',
    // A bogus answer is cached this long: short, so one failure does not hide what follows.
    'val-bogus-ttl: 1',
    'access-control: 127.0.0.0/8 allow',
  ];
  // unbound answers the RFC 6761 names (test., invalid., …) itself unless told not to.
  for (const s of o.stubs) if (s.name !== '.') server.push(`local-zone: "${s.name}" nodefault`);
  const stubs = o.stubs.map((s) => `stub-zone:\n  name: "${s.name}"\n  stub-addr: ${s.host}@${s.port}\n`).join('');
  return `server:\n${server.map((l) => `  ${l}\n`).join('')}remote-control:\n  control-enable: no\n${stubs}`;
}

export interface Resolved {
  readonly rcode: string;
  /** RFC 4035 §3.2.3: the resolver validated every record of the answer and authority sections. */
  readonly ad: boolean;
  readonly answers: readonly dnsPacket.Answer[];
}

/** One recursive query (RD, DO) to a resolver. */
export async function resolve(host: string, port: number, name: string, type: string, timeoutMs = 2000): Promise<Resolved> {
  const msg = buildQuery(name, type, { dnssecOk: true });
  // RFC 1035 §4.1.1: RD, so unbound resolves instead of answering from its cache only.
  msg[2] = msg[2]! | 0x01;
  const packet = dnsPacket.decode(await exchangeUdp(host, port, msg, timeoutMs));
  return { rcode: (packet as { rcode?: string }).rcode ?? 'NOERROR', ad: (packet as { flag_ad?: boolean }).flag_ad === true, answers: packet.answers ?? [] };
}

async function soaSerial(host: string, port: number, zone: string): Promise<number | undefined> {
  const msg = buildQuery(zone, 'SOA', { edns: null });
  const packet = dnsPacket.decode(await exchangeUdp(host, port, msg, 300));
  const soa = packet.answers?.find((a) => a.type === 'SOA') as { data?: { serial?: number } } | undefined;
  return soa?.data?.serial;
}

/** A question the prober asks, and what it proves when validated. */
export interface ProbeQuestion {
  readonly name: string;
  readonly type: string;
  /** What the answer must be: `noerror` is positive or NODATA (any other rcode is a failure too). */
  readonly expect: 'positive' | 'nxdomain' | 'nodata' | 'noerror';
}

export interface ProbeFailure {
  /** ms since the epoch. */
  readonly at: number;
  readonly name: string;
  readonly type: string;
  readonly rcode: string;
  readonly ad: boolean;
  /** What the test said was going on (`ProbeState.step`). */
  readonly step: string;
  readonly why: string;
}

/**
 * Asks the resolver every question every `intervalMs` (one round at a time) and keeps every
 * failed answer. A failure is: no answer, SERVFAIL (unbound's answer to bogus data, RFC 4035
 * §5.5), an answer other than the expected kind, or, while `secure` is set, an answer without AD.
 * An insecure answer is right while the parent has no DS for the child (before the first DS and
 * after unsigning): the test sets `secure` only when the chain of trust must hold.
 */
export class ValidationProber {
  readonly failures: ProbeFailure[] = [];
  /** Answers received, and how many of them had AD. */
  answered = 0;
  validated = 0;
  private secure = false;
  private step = 'start';
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly resolver: { readonly host: string; readonly port: number },
    readonly questions: readonly ProbeQuestion[],
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  /** From now on, an answer without AD is a failure (the DS is at the parent and in caches). */
  expectSecure(secure: boolean): void {
    this.secure = secure;
  }

  /** Names what the test is doing, to tell in which step a failure came. */
  at(step: string): void {
    this.step = step;
  }

  /** One round of every question: whether each answer was validated (for `waitFor`). */
  async allValidated(): Promise<boolean> {
    const answers = await Promise.all(this.questions.map((q) => resolve(this.resolver.host, this.resolver.port, q.name, q.type).catch(() => undefined)));
    return answers.every((a) => a?.ad === true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      await Promise.all(this.questions.map((q) => this.ask(q)));
      await sleep(Math.max(0, this.intervalMs - (Date.now() - started)));
    }
  }

  private async ask(q: ProbeQuestion): Promise<void> {
    const secure = this.secure;
    const step = this.step;
    const fail = (why: string, rcode = '-', ad = false): void => {
      this.failures.push({ at: Date.now(), name: q.name, type: q.type, rcode, ad, step, why });
    };
    let r: Resolved;
    try {
      r = await resolve(this.resolver.host, this.resolver.port, q.name, q.type);
    } catch (err) {
      return fail(`no answer: ${(err as Error).message}`);
    }
    this.answered++;
    if (r.ad) this.validated++;
    const ok =
      q.expect === 'nxdomain'
        ? r.rcode === 'NXDOMAIN'
        : r.rcode === 'NOERROR' &&
          (q.expect === 'noerror' || (q.expect === 'positive' ? r.answers.some((a) => a.type === q.type) : !r.answers.some((a) => a.type === q.type)));
    if (!ok) return fail(`expected ${q.expect}, got ${r.rcode} with ${r.answers.length} answers`, r.rcode, r.ad);
    // Only a failure if `secure` held for the whole round trip: set while the answer was on its way, it may be from before.
    if (secure && this.secure && !r.ad) fail('not validated (no AD) while the child must be secure', r.rcode, r.ad);
  }
}
