import { strict as assert } from 'node:assert';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as dnsPacket from 'dns-packet';
import { Name } from '../../dns/name';
import { signingPolicy } from '../../manifest/dnssec-policy';
import type { DNSSECPolicySpec } from '../../../crds/v1alpha1/dnssecpolicy';
import type { DsMessage, LifecycleView } from '../../dnssec/lifecycle';
import { signOptionsOf, zoneKeysOf } from '../../dnssec/signing-order';
import { signZone } from '../../dnssec/signzone';
import { driveSigning, emptyRecord, type SigningRecord } from '../../dnssec/zone-signing';
import { Algorithm, DigestType, KSK_FLAGS, ZSK_FLAGS, dsRecordText, generateKey, type SigningKey } from '../../dnssec/keys';
import { nsecRRsets } from '../../dnssec/nsec';
import { withSerial } from '../../zone/zone';
import { buildQuery, exchangeUdp } from '../../testkit/dns-client';
import { startDnssecTree, ValidationProber, type DnssecTree, type ProbeQuestion } from '../../testkit/dnssec-tree';
import { startDnsfleet, type RunningPeer } from '../../testkit/peers';
import { freePort, stopAll, tempDir, waitFor } from '../../testkit/processes';
import { zoneOf, zoneText } from '../../testkit/zone-text';

/**
 * DNSSEC rollovers under a real parent and a real validator: the child zone `test.` is served by
 * `dnsfleet serve`; the root `.` (signed here, served by NSD) delegates it and publishes the DS
 * records the test copies from the signer's dsRecords; unbound validates from the root's trust
 * anchor and a prober asks it every 200 ms for a positive answer, an NXDOMAIN, a NODATA, the SOA
 * and the DNSKEY RRset of the child. Timings are shortened (DNSKEY TTL 2 s, DS TTL 2 s,
 * propagation delays 1 s, zone TTLs 3 s), so the RFC 7583 waits take seconds. Checked in order:
 *
 *   (a) first signing of a zone served unsigned: pending_ds, DSUpdate after the zone's TTLs, the
 *       DS published at the root, ds-published confirmed: DSSeen, active, answers validated;
 *   (b) a ZSK rollover forced with rotate-zsk (pre-publication, RFC 7583 §3.2.1): rotating_zsk,
 *       the new ZSK published, then signing, the old one retired and removed; active;
 *   (c) a KSK rollover forced with rotate-ksk (double-KSK, RFC 7583 §3.3.1): rotating_ksk,
 *       DSUpdate with the new DS only, the test replaces the DS at the root and confirms: DSSeen;
 *       the old KSK leaves the DNSKEY RRset no sooner than Ids after the DS changed; active;
 *   (d) unsigning (the policy removed): unsigning, CDS/CDNSKEY delete form (RFC 8078 §4), the
 *       test removes the DS and confirms `none`, DSRemoved, disabled, the zone served unsigned.
 *
 * Throughout: no answer is SERVFAIL, none fails validation in unbound's log, and while the
 * chain of trust must hold (from the first validated round after the DS until the DS is
 * removed) every answer carries AD.
 *
 * Who signs: `dnsfleet serve --state-dir` itself (the policy a DNSSECPolicy manifest, the
 * annotations the Zone's, the status its status.json, the Events its log lines), with the DS
 * confirmed by the annotation (mode Manual) or by serve asking the root's NSD (mode Parent); and,
 * as a reference, the DNSSEC core run by the test (`driveSigning` + `signZone`, serve's zone
 * file rewritten and reloaded at each change), which separates a lifecycle fault from a wiring one.
 */

const CHILD = 'test.';
const ORIGIN = Name.fromText(CHILD);
/** Every TTL of the child: short, so Iret and Iinitial take seconds (RFC 7583 §3.2.1). */
const TTL = 3;
const UNSIGNED = `$TTL ${TTL}
@      IN SOA ns hostmaster 1 60 60 3600 ${TTL}
@      IN NS  ns
ns     IN A   127.0.0.1
www    IN A   192.0.2.10
`;

/** The DNSSECPolicy of the test, shortened: Ipub 3 s, Ids 3 s, Iret 4 s. */
const POLICY_SPEC: DNSSECPolicySpec = {
  algorithm: 'ECDSAP256SHA256',
  dnskeyTTL: 2,
  propagationDelay: '1s',
  parentPropagationDelay: '1s',
  parentDSTTL: 2,
  signatures: { validity: '24h', refresh: '12h', jitter: '1h' },
};
const IDS = 1 + 2;

const QUESTIONS: readonly ProbeQuestion[] = [
  { name: `www.${CHILD}`, type: 'A', expect: 'positive' },
  { name: `nothere.${CHILD}`, type: 'A', expect: 'nxdomain' },
  { name: `www.${CHILD}`, type: 'TXT', expect: 'nodata' },
  { name: CHILD, type: 'SOA', expect: 'positive' },
  // Positive while signed, NODATA before and after: both must validate (or be provably insecure).
  { name: CHILD, type: 'DNSKEY', expect: 'noerror' },
];

/** What a signer shows of the zone (`status.dnssec` / status.json). */
type Status = LifecycleView;

interface Annotations {
  dsPublished?: string;
  rotateKsk?: string;
  rotateZsk?: string;
}

/** The child's signing as the test sees it: the status, the DS messages (Events), the annotations. */
interface ChildSigner {
  readonly status: Status;
  readonly messages: ReadonlyArray<DsMessage & { at: number }>;
  /** Per key tag, the states its status went through (`gone` once it left the status). */
  readonly keyHistory: ReadonlyMap<number, readonly string[]>;
  annotate(a: Annotations): Promise<void>;
  setPolicy(spec: DNSSECPolicySpec | undefined): Promise<void>;
  /** Goes on (steps the signing, or waits for the signer) until `done(status)`; the states passed through. */
  until(what: string, done: (s: Status) => boolean, timeoutMs?: number): Promise<string[]>;
}

/**
 * The DNSSEC core as the signer: what serve does for itself (zone-signing.ts `driveSigning`, one
 * step per wake-up or change, then `signZone` with the order), writing the signed zone into the
 * file serve serves and reloading serve (SIGHUP) whenever the order changes.
 */
class CoreSigner implements ChildSigner {
  status: Status = { state: 'disabled', dsRecords: [], keys: [] };
  readonly messages: Array<DsMessage & { at: number }> = [];
  readonly keyHistory = new Map<number, string[]>();
  private record: SigningRecord = emptyRecord();
  private annotations: Annotations = {};
  private spec: DNSSECPolicySpec | undefined;
  private serial = 1;
  private lastOrder = '';
  private nextWakeAt: number | undefined;

  constructor(
    private readonly serve: RunningPeer,
    private readonly zoneFile: string,
  ) {}

  async annotate(a: Annotations): Promise<void> {
    this.annotations = { ...this.annotations, ...a };
    await this.tick();
  }

  async setPolicy(spec: DNSSECPolicySpec | undefined): Promise<void> {
    this.spec = spec;
    await this.tick();
  }

  async until(what: string, done: (s: Status) => boolean, timeoutMs = 30_000): Promise<string[]> {
    const states = [this.status.state as string];
    const deadline = Date.now() + timeoutMs;
    while (!done(this.status)) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; status ${JSON.stringify(this.status)}`);
      const wake = this.nextWakeAt === undefined ? Date.now() + 500 : this.nextWakeAt * 1000;
      await sleep(Math.min(500, Math.max(50, wake - Date.now())));
      await this.tick();
      if (states[states.length - 1] !== this.status.state) states.push(this.status.state);
    }
    return states;
  }

  private async tick(): Promise<void> {
    const now = Date.now() / 1000;
    const policy = this.spec ? signingPolicy(this.spec) : undefined;
    if (this.spec && !policy) throw new Error(`the test's policy is malformed: ${JSON.stringify(this.spec)}`);
    const unsigned = zoneOf(UNSIGNED, ORIGIN);
    const r = driveSigning(this.record, { now, origin: ORIGIN, zone: unsigned, annotations: this.annotations, ...(policy ? { policy } : {}) });
    this.record = r.record;
    this.status = r.view;
    noteKeys(this.keyHistory, r.view);
    this.nextWakeAt = r.nextWakeAt;
    for (const m of r.messages) this.messages.push({ ...m, at: now });
    const order = r.order ? JSON.stringify(r.order.keys.map((k) => [k.id, k.published, k.signsKeys, k.signsZone, k.cds]).concat([r.order.cdsDelete])) : '';
    if (order === this.lastOrder) return;
    this.lastOrder = order;
    const zone = withSerial(unsigned, ++this.serial);
    const served = r.order ? signZone(zone, zoneKeysOf(r.order), signOptionsOf(r.order, Math.floor(now))) : zone;
    writeFileSync(`${this.zoneFile}.new`, zoneText(served));
    renameSync(`${this.zoneFile}.new`, this.zoneFile);
    this.serve.process.process.kill('SIGHUP');
    await waitFor(`serve at serial ${this.serial}`, async () => (await childSoaSerial(this.serve)) === this.serial, 10_000);
  }
}

function noteKeys(history: Map<number, string[]>, status: Status): void {
  for (const k of status.keys) {
    const h = history.get(k.keyTag) ?? [];
    if (h.at(-1) !== k.state) h.push(k.state);
    history.set(k.keyTag, h);
  }
  for (const [tag, h] of history) if (!status.keys.some((k) => k.keyTag === tag) && h.at(-1) !== 'gone') h.push('gone');
}

/**
 * `dnsfleet serve --state-dir` as the signer, as a user runs it: the policy is a DNSSECPolicy
 * manifest beside the Zone, the annotations are the Zone's, each change is written to the
 * manifest file and serve is reloaded (SIGHUP); the status is `<state-dir>/test/status.json`,
 * the messages (Events) are serve's log lines `DSUpdate`, `DSSeen`, `DSRemoved`. Serve drives
 * the lifecycle on its own timers in between.
 */
class ServeSigner implements ChildSigner {
  readonly keyHistory = new Map<number, string[]>();
  private annotations: Annotations = {};
  private spec: DNSSECPolicySpec | undefined;

  constructor(
    private readonly serve: RunningPeer,
    private readonly manifest: string,
    private readonly stateDir: string,
  ) {}

  get status(): Status {
    return this.read() ?? { state: 'disabled', dsRecords: [], keys: [] };
  }

  get messages(): Array<DsMessage & { at: number }> {
    const out: Array<DsMessage & { at: number }> = [];
    for (const line of this.serve.process.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      const l = JSON.parse(line) as { time: string; msg: string; zone?: string; publish?: string; publishTags?: string; withdrawTags?: string; tags?: string };
      if (l.zone !== CHILD) continue;
      const at = Date.parse(l.time) / 1000;
      const tags = (t: string | undefined): number[] => (t ? t.split(',').map(Number) : []);
      if (l.msg === 'DSUpdate') out.push({ kind: 'DSUpdate', publish: l.publish ? l.publish.split('; ') : [], publishTags: tags(l.publishTags), withdrawTags: tags(l.withdrawTags), at });
      else if (l.msg === 'DSSeen') out.push({ kind: 'DSSeen', tags: tags(l.tags), at });
      else if (l.msg === 'DSRemoved') out.push({ kind: 'DSRemoved', at });
    }
    return out;
  }

  async annotate(a: Annotations): Promise<void> {
    this.annotations = { ...this.annotations, ...a };
    await this.reload();
  }

  async setPolicy(spec: DNSSECPolicySpec | undefined): Promise<void> {
    this.spec = spec;
    await this.reload();
  }

  async until(what: string, done: (s: Status) => boolean, timeoutMs = 30_000): Promise<string[]> {
    const states = [this.status.state as string];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.status;
      noteKeys(this.keyHistory, s);
      if (states[states.length - 1] !== s.state) states.push(s.state);
      if (done(s)) break;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; status ${JSON.stringify(s)}\n${this.serve.process.output().slice(-3000)}`);
      await sleep(100);
    }
    // The version the status describes is the one served (the status is written after signing).
    await this.served();
    return states;
  }

  private read(): (Status & { serial?: number; unsignedSerial?: number }) | undefined {
    try {
      return JSON.parse(readFileSync(join(this.stateDir, 'test', 'status.json'), 'utf8')) as Status & { serial?: number };
    } catch {
      return undefined;
    }
  }

  /** Writes the manifests (atomically) and reloads serve; resolves once serve drove the zone and serves the result. */
  private async reload(): Promise<void> {
    const before = this.statusMtime();
    const reloads = this.reloads();
    // serve drives (and writes status.json) a zone that names a policy or is still signed; an
    // unsigned zone without a policy is only served.
    const drives = this.spec !== undefined || (this.read()?.state ?? 'disabled') !== 'disabled';
    const annotations = Object.entries({ 'dnsfleet.io/ds-published': this.annotations.dsPublished, 'dnsfleet.io/rotate-ksk': this.annotations.rotateKsk, 'dnsfleet.io/rotate-zsk': this.annotations.rotateZsk }).filter(([, v]) => v !== undefined);
    const zone = {
      apiVersion: 'dnsfleet.io/v1alpha1',
      kind: 'Zone',
      metadata: { name: 'test', ...(annotations.length > 0 ? { annotations: Object.fromEntries(annotations) } : {}) },
      spec: { zoneName: CHILD, ...(this.spec ? { dnssecPolicy: 'rollover' } : {}), zoneFile: '$INCLUDE zone.db\n' },
    };
    const policy = { apiVersion: 'dnsfleet.io/v1alpha1', kind: 'DNSSECPolicy', metadata: { name: 'rollover' }, spec: this.spec };
    // JSON is YAML (YAML 1.2 §1.3): one document per line, no quoting to get wrong.
    writeFileSync(`${this.manifest}.new`, [zone, ...(this.spec ? [policy] : [])].map((d) => `---\n${JSON.stringify(d)}\n`).join(''));
    renameSync(`${this.manifest}.new`, this.manifest);
    this.serve.process.process.kill('SIGHUP');
    await waitFor('serve to reload', async () => this.reloads() > reloads, 10_000);
    if (drives) await waitFor('serve to drive the zone after the reload', async () => this.statusMtime() !== before, 10_000);
    noteKeys(this.keyHistory, this.status);
    await this.served();
  }

  private reloads(): number {
    return this.serve.process.output().split('\n').filter((l) => l.includes('"msg":"reloaded"')).length;
  }

  private statusMtime(): number {
    try {
      return statSync(join(this.stateDir, 'test', 'status.json')).mtimeMs;
    } catch {
      return 0;
    }
  }

  /** Until serve serves the version status.json describes (or a later one: serve goes on by itself). */
  private async served(): Promise<void> {
    await waitFor('serve to serve the version its status describes', async () => {
      const s = this.read();
      const serial = s?.serial ?? s?.unsignedSerial;
      return serial === undefined || ((await childSoaSerial(this.serve)) ?? -1) >= serial;
    }, 10_000);
  }
}

async function childSoaSerial(peer: RunningPeer): Promise<number | undefined> {
  const packet = dnsPacket.decode(await exchangeUdp(peer.host, peer.port, buildQuery(CHILD, 'SOA', { edns: null }), 300));
  return (packet.answers?.find((a) => a.type === 'SOA') as { data?: { serial?: number } } | undefined)?.data?.serial;
}

/** The records of one type at the child's apex, straight from serve (no resolver, no cache). */
async function served(peer: RunningPeer, type: string): Promise<dnsPacket.Answer[]> {
  const packet = dnsPacket.decode(await exchangeUdp(peer.host, peer.port, buildQuery(CHILD, type, { dnssecOk: true }), 1000));
  return (packet.answers ?? []).filter((a) => a.type === type);
}

/** Key tags of the DNSKEY RRset serve serves now. */
async function servedKeyTags(peer: RunningPeer): Promise<number[]> {
  const keys = await served(peer, 'DNSKEY');
  return keys
    .map((k) => {
      const d = (k as { data: { flags: number; algorithm: number; key: Buffer } }).data;
      return tagOf(Buffer.concat([Buffer.from([d.flags >> 8, d.flags & 0xff, 3, d.algorithm]), d.key]));
    })
    .sort((a, b) => a - b);
}

/** RFC 4034 Appendix B key tag of DNSKEY rdata (for algorithms other than 1). */
function tagOf(rdata: Uint8Array): number {
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8;
  ac += (ac >> 16) & 0xffff;
  return ac & 0xffff;
}

const tagsOf = (s: Status, role: string): number[] => s.keys.filter((k) => k.role === role).map((k) => k.keyTag).sort((a, b) => a - b);
const dsTag = (record: string): number => Number(/\bDS\s+(\d+)\s/.exec(record)?.[1]);
const kinds = (ms: ReadonlyArray<{ kind: string }>): string[] => ms.map((m) => m.kind);

type Who = 'the DNSSEC core' | 'dnsfleet serve';

for (const [who, mode] of [['dnsfleet serve', 'Manual'], ['dnsfleet serve', 'Parent'], ['the DNSSEC core', 'Manual']] as const) rolloverSuite(who, mode);

/**
 * The four steps with `who` signing the child and the DS confirmed by `mode`: `Manual`, the test
 * sets `dnsfleet.io/ds-published` after changing the root; `Parent`, the signer asks the root's
 * NSD itself (`dsConfirmation.parentNameservers`, every second).
 */
function rolloverSuite(who: Who, mode: 'Manual' | 'Parent'): void {
  describe(`DNSSEC rollovers signed by ${who}, DS confirmation ${mode}, under a real parent (NSD) and a validating resolver (unbound) @integration`, function () {
    this.timeout(240_000);
    let dir: { path: string; remove(): void };
    let serve: RunningPeer;
    let tree: DnssecTree;
    let prober: ValidationProber;
    let signer: ChildSigner;
    let policy: DNSSECPolicySpec;
    /** serve's clock is whole seconds: a wait may end up to 1 s early by the test's clock. */
    const slackMs = who === 'dnsfleet serve' ? 1300 : 300;

    /** The DS at the root is what the signer wants now: tell it (Manual), or let it ask (Parent). */
    const confirm = async (dsPublished: string): Promise<void> => {
      if (mode === 'Manual') await signer.annotate({ dsPublished });
      else await signer.until(dsPublished === 'none' ? 'the signer to see the DS gone from the parent (mode Parent: asked every checkInterval while unsigning, RFC 8078 §4)' : 'the signer to see the DS at the parent (mode Parent)', () => signer.messages.at(-1)?.kind === (dsPublished === 'none' ? 'DSRemoved' : 'DSSeen') || (dsPublished === 'none' && signer.status.state === 'disabled'), 15_000);
    };

    before(async () => {
      dir = tempDir('rollover');
      const zoneFile = join(dir.path, 'zone.db');
      writeFileSync(zoneFile, zoneText(withSerial(zoneOf(UNSIGNED, ORIGIN), 1)));
      const manifest = join(dir.path, 'zone.yaml');
      writeFileSync(manifest, `apiVersion: dnsfleet.io/v1alpha1\nkind: Zone\nmetadata:\n  name: test\nspec:\n  zoneName: ${CHILD}\n  zoneFile: |\n    $INCLUDE zone.db\n`);
      const stateDir = join(dir.path, 'state');
      // No file watching: the test reloads serve itself (SIGHUP), so each version is served when it says.
      serve = await startDnsfleet(manifest, ['--no-watch', '--state-dir', stateDir], { readyZone: CHILD, port: await freePort() });
      tree = await startDnssecTree({ child: CHILD, childServer: serve, dsTtl: POLICY_SPEC.parentDSTTL, rootTtl: TTL });
      policy = mode === 'Manual' ? POLICY_SPEC : { ...POLICY_SPEC, dsConfirmation: { mode: 'Parent', checkInterval: '1s', parentNameservers: [{ address: tree.root.host, port: tree.root.port }] } };
      prober = new ValidationProber(tree.resolver, QUESTIONS);
      prober.start();
      signer = who === 'dnsfleet serve' ? new ServeSigner(serve, manifest, stateDir) : new CoreSigner(serve, zoneFile);
    });

    after(async () => {
      await prober?.stop();
      await tree?.stop();
      await stopAll();
      dir?.remove();
    });

    it('(a) first signing: pending_ds, DSUpdate, the DS published at the root and confirmed: active and validated', async () => {
      prober.at('first signing');
      // The first values seen start no rollover: later values do (zone-signing.ts).
      await signer.annotate({ rotateKsk: 'initial', rotateZsk: 'initial' });
      await signer.setPolicy(policy);
      assert.equal(signer.status.state, 'pending_ds');
      assert.deepEqual(signer.status.keys.map((k) => k.role).sort(), ['KSK', 'ZSK']);
      assert.deepEqual(signer.status.dsRecords, [], 'no DS before the signed zone replaced the unsigned one in caches');
      assert.deepEqual(await servedKeyTags(serve), [...tagsOf(signer.status, 'KSK'), ...tagsOf(signer.status, 'ZSK')].sort((a, b) => a - b));

      const started = Date.now();
      await signer.until('DSUpdate', (s) => s.dsRecords.length > 0);
      // RFC 7583 §3.3.1 with RcodeZero's rule: Dprp + max(DNSKEY TTL, zone TTLs) before the DS.
      assert.ok(Date.now() - started >= (1 + TTL) * 1000 - slackMs, `DSUpdate after ${Date.now() - started} ms`);
      assert.deepEqual(kinds(signer.messages), ['DSUpdate']);
      const ds = signer.status.dsRecords;
      assert.equal(ds.length, 1, 'one digest type (SHA-256)');
      assert.deepEqual(ds.map(dsTag), tagsOf(signer.status, 'KSK'));

      prober.at('DS published');
      await tree.publishDs(ds);
      await confirm(ds.join('\n'));
      assert.equal(signer.status.state, 'active');
      assert.deepEqual(kinds(signer.messages), ['DSUpdate', 'DSSeen']);
      assert.deepEqual(signer.status.keys.find((k) => k.role === 'KSK')?.ds, 'seen');

      // The root's denial of the DS may be cached for its negative TTL; then every answer validates.
      await waitFor('every probed answer validated', () => prober.allValidated(), 20_000);
      prober.expectSecure(true);
      prober.at('active');
    });

    it('(b) ZSK rollover with rotate-zsk: rotating_zsk, new ZSK published then signing, old one removed; active', async () => {
      prober.at('ZSK rollover');
      const ksk = tagsOf(signer.status, 'KSK');
      const [oldZsk] = tagsOf(signer.status, 'ZSK');
      await signer.annotate({ rotateZsk: 'zsk-1' });
      assert.equal(signer.status.state, 'rotating_zsk');
      const incoming = signer.status.keys.find((k) => k.role === 'ZSK' && k.keyTag !== oldZsk);
      assert.ok(incoming, 'a new ZSK');
      assert.equal(incoming.state, 'published', 'pre-published: in the DNSKEY RRset, signing nothing yet (RFC 7583 §3.2.1)');
      assert.deepEqual(await servedKeyTags(serve), [...ksk, oldZsk!, incoming.keyTag].sort((a, b) => a - b));

      const states = await signer.until('the ZSK rollover done', (s) => s.state === 'active');
      assert.deepEqual(states, ['rotating_zsk', 'active']);
      assert.deepEqual(tagsOf(signer.status, 'ZSK'), [incoming.keyTag], 'the old ZSK is gone');
      assert.deepEqual(tagsOf(signer.status, 'KSK'), ksk, 'the KSK stays');
      assert.deepEqual(await servedKeyTags(serve), [...ksk, incoming.keyTag].sort((a, b) => a - b));
      // RFC 7583 §3.2.1 pre-publication: the new ZSK published, then signing; the old one retired
      // (published, signing nothing) while its signatures may be cached, then removed.
      assert.deepEqual(signer.keyHistory.get(incoming.keyTag), ['published', 'active']);
      assert.deepEqual(signer.keyHistory.get(oldZsk!), ['active', 'retired', 'gone']);
      assert.deepEqual(kinds(signer.messages), ['DSUpdate', 'DSSeen'], 'a ZSK rollover asks nothing of the parent');
    });

    it('(c) KSK rollover with rotate-ksk: DSUpdate with the new DS, replaced at the root, confirmed; the old KSK goes after Ids', async () => {
      prober.at('KSK rollover');
      const [oldKsk] = tagsOf(signer.status, 'KSK');
      const zsk = tagsOf(signer.status, 'ZSK');
      await signer.annotate({ rotateKsk: 'ksk-1' });
      assert.equal(signer.status.state, 'rotating_ksk');
      const newKsk = tagsOf(signer.status, 'KSK').find((t) => t !== oldKsk);
      assert.ok(newKsk !== undefined, 'a new KSK');

      const before = signer.messages.length;
      await signer.until('the DSUpdate of the new KSK', () => signer.messages.slice(before).some((m) => m.kind === 'DSUpdate'));
      const update = signer.messages.slice(before).find((m) => m.kind === 'DSUpdate') as Extract<DsMessage, { kind: 'DSUpdate' }>;
      assert.deepEqual(update.publishTags, [newKsk]);
      assert.deepEqual(update.withdrawTags, [oldKsk]);
      assert.deepEqual(signer.status.dsRecords.map(dsTag), [newKsk], 'dsRecords: the new DS only (the user replaces the set)');
      assert.ok((await servedKeyTags(serve)).includes(oldKsk!), 'the old KSK still signs the DNSKEY RRset while caches hold the old DS');

      prober.at('DS replaced');
      await tree.publishDs(signer.status.dsRecords);
      const replacedAt = Date.now();
      await confirm(signer.status.dsRecords.join('\n'));
      assert.deepEqual(kinds(signer.messages.slice(before)), ['DSUpdate', 'DSSeen']);

      // The old KSK leaves the DNSKEY RRset only once the old DS is out of every cache (Ids).
      let oldGoneAt: number | undefined;
      const states = await signer.until('the KSK rollover done', (s) => {
        if (oldGoneAt === undefined && !s.keys.some((k) => k.keyTag === oldKsk && (k.state === 'active' || k.state === 'retired' || k.state === 'published'))) oldGoneAt = Date.now();
        return s.state === 'active';
      });
      assert.deepEqual(states, ['rotating_ksk', 'active']);
      assert.ok(oldGoneAt !== undefined && oldGoneAt - replacedAt >= IDS * 1000 - slackMs, `the old KSK left ${oldGoneAt === undefined ? '?' : oldGoneAt - replacedAt} ms after the DS changed (Ids ${IDS} s)`);
      assert.deepEqual(tagsOf(signer.status, 'KSK'), [newKsk]);
      // RFC 7583 §3.3.1 double-KSK: the new KSK signs the DNSKEY RRset beside the old one from its
      // publication on; the old one signs until it is removed.
      assert.deepEqual(signer.keyHistory.get(newKsk!), ['active']);
      assert.deepEqual(signer.keyHistory.get(oldKsk!), ['active', 'gone']);
      assert.deepEqual(tagsOf(signer.status, 'ZSK'), zsk, 'the ZSK stays');
      assert.deepEqual(await servedKeyTags(serve), [newKsk!, ...zsk].sort((a, b) => a - b));
      await waitFor('every probed answer validated with the new KSK', () => prober.allValidated(), 10_000);
      prober.at('active');
    });

    it('(d) unsigning: CDS delete, the DS removed and confirmed none, DSRemoved, disabled, served unsigned', async () => {
      prober.at('unsigning');
      const before = signer.messages.length;
      await signer.setPolicy(undefined);
      assert.equal(signer.status.state, 'unsigning');
      // RFC 8078 §4: CDS 0 0 0 00 and CDNSKEY 0 3 0 AA== ask the parent to remove the DS.
      const cds = await served(serve, 'CDS');
      assert.equal(cds.length, 1);
      assert.deepEqual(Buffer.from((cds[0] as { data: Buffer }).data), Buffer.from([0, 0, 0, 0, 0]), 'CDS 0 0 0 00');
      assert.ok((await served(serve, 'DNSKEY')).length > 0, 'still signed until the DS is gone from every cache');

      // From the DS removal on, insecure answers are right; bogus ones (SERVFAIL) never are.
      prober.expectSecure(false);
      prober.at('DS removed');
      await tree.publishDs([]);
      await confirm('none');
      const states = await signer.until('unsigned', (s) => s.state === 'disabled');
      assert.deepEqual(states.at(-1), 'disabled');
      assert.deepEqual(kinds(signer.messages.slice(before)).filter((k) => k === 'DSRemoved'), ['DSRemoved']);
      assert.deepEqual(signer.status.keys, []);
      assert.deepEqual([...signer.keyHistory.values()].map((h) => h.at(-1)), [...signer.keyHistory.keys()].map(() => 'gone'), 'every key removed');
      assert.deepEqual(await served(serve, 'DNSKEY'), [], 'served unsigned');
      assert.deepEqual(await served(serve, 'RRSIG'), []);

      // The prober goes on past every TTL of the signed zone, then its record must be clean.
      prober.at('unsigned');
      await sleep((TTL + 2) * 1000);
      await prober.stop();
      assert.ok(prober.answered > 200 && prober.validated > 100, `the prober got ${prober.answered} answers, ${prober.validated} validated`);
      assert.deepEqual(prober.failures, [], 'no probed answer failed');
      assert.deepEqual(tree.validationFailures(), [], "no validation failure in unbound's log");
    });
  });

}

/**
 * The negative control: the same tree and prober see a rollover done wrong. The child is signed
 * here (signZone, no lifecycle), its DS at the root; then its KSK is swapped at once, without the
 * DS handover of RFC 7583 §3.3.1: once unbound's DNSKEY RRset expires (TTL 2 s), the new one is
 * signed only by a key no DS points at, so answers must go bogus (SERVFAIL), and both the prober
 * and unbound's log must say so. Without this, an empty failure list could mean a blind prober.
 */
describe("the DNSSEC tree's prober sees a KSK swapped without the DS handover @integration", function () {
  this.timeout(120_000);
  let dir: { path: string; remove(): void };
  let serve: RunningPeer;
  let tree: DnssecTree;
  let prober: ValidationProber;
  let zoneFile: string;
  let serial = 1;

  const publish = async (ksk: SigningKey, zsk: SigningKey): Promise<void> => {
    const zone = withSerial(zoneOf(UNSIGNED, ORIGIN), ++serial);
    const signed = signZone(zone, [{ key: ksk, role: 'KSK' }, { key: zsk, role: 'ZSK' }], { now: Math.floor(Date.now() / 1000), validity: 86400, dnskeyTtl: 2, denial: nsecRRsets });
    writeFileSync(`${zoneFile}.new`, zoneText(signed));
    renameSync(`${zoneFile}.new`, zoneFile);
    serve.process.process.kill('SIGHUP');
    await waitFor(`serve at serial ${serial}`, async () => (await childSoaSerial(serve)) === serial, 10_000);
  };

  before(async () => {
    dir = tempDir('rollover-control');
    zoneFile = join(dir.path, 'zone.db');
    writeFileSync(zoneFile, zoneText(withSerial(zoneOf(UNSIGNED, ORIGIN), 1)));
    const manifest = join(dir.path, 'zone.yaml');
    writeFileSync(manifest, `apiVersion: dnsfleet.io/v1alpha1\nkind: Zone\nmetadata:\n  name: test\nspec:\n  zoneName: ${CHILD}\n  zoneFile: |\n    $INCLUDE zone.db\n`);
    serve = await startDnsfleet(manifest, ['--no-watch'], { readyZone: CHILD });
    tree = await startDnssecTree({ child: CHILD, childServer: serve, dsTtl: 2, rootTtl: TTL });
    prober = new ValidationProber(tree.resolver, QUESTIONS);
  });

  after(async () => {
    await prober?.stop();
    await tree?.stop();
    await stopAll();
    dir?.remove();
  });

  it("validates the pre-signed child, then records SERVFAILs and unbound's reasons once the KSK is swapped", async () => {
    const zsk = generateKey(Algorithm.ECDSAP256SHA256, { flags: ZSK_FLAGS });
    const ksk = generateKey(Algorithm.ECDSAP256SHA256, { flags: KSK_FLAGS });
    await publish(ksk, zsk);
    await tree.publishDs([dsRecordText(ORIGIN, ksk, DigestType.SHA256)]);
    await waitFor('every probed answer validated', () => prober.allValidated(), 20_000);
    prober.start();
    prober.expectSecure(true);
    prober.at('signed');
    await sleep(1000);
    assert.equal(prober.failures.length, 0, `a sound chain of trust, yet: ${JSON.stringify(prober.failures)}`);

    prober.at('KSK swapped');
    await publish(generateKey(Algorithm.ECDSAP256SHA256, { flags: KSK_FLAGS }), zsk);
    await waitFor('a failure seen by the prober', async () => prober.failures.some((f) => f.rcode === 'SERVFAIL'), 15_000);
    await prober.stop();
    assert.ok(prober.failures.every((f) => f.step === 'KSK swapped'), JSON.stringify(prober.failures));
    assert.ok(tree.validationFailures().length > 0, "unbound's log names the failure");
    assert.match(tree.validationFailures().join('\n'), /test\. DNSKEY IN/);
  });
});
