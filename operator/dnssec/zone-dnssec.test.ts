import { strict as assert } from 'node:assert';
import type { DNSSECPolicy } from '../../crds/v1alpha1/dnssecpolicy';
import type { Zone, ZoneSpec } from '../../crds/v1alpha1/zone';
import { openOrder } from '../../dataplane/dnssec/signing-order';
import type { SigningRecord } from '../../dataplane/dnssec/zone-signing';
import { MemoryZoneStore } from '../../dataplane/store/memory-store';
import { memoryLogger } from '../../dataplane/testkit/memory-logger';
import type { OwnedSecret } from '../kube/owned-object';
import { FakeKubeClient } from '../testkit/fake-kube-client';
import { watchCache } from '../testkit/fake-cache';
import { ZoneController } from '../zone/zone-controller';
import { KEK_KEY, KEK_SECRET, KeyEncryptionKey } from './kek';
import { KEY_SECRET_LABEL, KeyRecords, RECORD_KEY } from './key-secret';
import { ZoneSigning } from './zone-dnssec';

/**
 * A signed Zone through the zone controller, on the fake KubeClient and the memory store, with a
 * clock the test moves: first signing (keys in the Secret before the order is handed over),
 * DSUpdate, a wrong DS (Warning) and the right one (active), the control server's report in
 * status, forced rollovers, a missing policy, unsigning back to an unsigned zone with a newer
 * serial, deletion; and that no private part ever leaves the Secret and the sealed order.
 */

const KEY = 'default/example-com';
const ORIGIN = 'example.com.';
const NS = 'dnsfleet-system';
const T0 = Date.parse('2026-12-07T00:00:00Z');

const policy: DNSSECPolicy = {
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'DNSSECPolicy',
  metadata: { name: 'fast', namespace: 'default' },
  spec: { algorithm: 'ED25519', propagationDelay: '1m', parentPropagationDelay: '1m', parentDSTTL: 60, dnskeyTTL: 60 },
};

const zone = (spec: Partial<ZoneSpec> = {}): Zone => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'Zone',
  metadata: { name: 'example-com', namespace: 'default' },
  spec: { zoneName: 'example.com', defaultTTL: 300, rrsets: [{ name: '@', type: 'NS', records: ['ns1.example.net.'] }, { name: 'www', type: 'A', records: ['10.0.0.1'] }], dnssecPolicy: 'fast', ...spec },
});

/** The order of the writes that matter: the key Secret and the store's signed entries. */
class OrderedKube extends FakeKubeClient {
  constructor(
    readonly order: string[],
    now: () => Date,
  ) {
    super({ now });
  }
  override async applySecret(secret: OwnedSecret): Promise<void> {
    this.order.push(`applySecret ${secret.metadata.name}`);
    return super.applySecret(secret);
  }
}

async function setup(options: { kek?: boolean; policies?: DNSSECPolicy[]; parentDs?: ConstructorParameters<typeof ZoneSigning>[0]['parentDs'] } = {}) {
  const clock = { ms: T0 };
  const now = (): Date => new Date(clock.ms);
  const order: string[] = [];
  const kube = new OrderedKube(order, now);
  const memory = new MemoryZoneStore();
  const store = new Proxy(memory, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (['putSigned', 'deleteSigned', 'putZone'].includes(String(property))) order.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const log = memoryLogger();
  const cache = await watchCache(kube, 'Zone');
  const kek = options.kek === false ? undefined : new KeyEncryptionKey(kube, NS);
  const policies = { list: options.policies ?? [policy] };
  const signing = new ZoneSigning({ store, log, records: new KeyRecords(kube), ...(kek ? { kek } : {}), now, storeEpoch: () => 'e1', ...(options.parentDs ? { parentDs: options.parentDs } : {}) });
  const controller = new ZoneController({ kube, store, log, zone: cache.get, clouds: () => ['cloud-a'], policy: (ns, name) => policies.list.find((p) => p.metadata.namespace === ns && p.metadata.name === name), storeEpoch: () => 'e1', now, signing });
  const reconcile = async () => {
    const r = await controller.reconcile(KEY);
    await kube.settle();
    return r;
  };
  const status = () => kube.object('Zone', 'default', 'example-com')?.status ?? {};
  const condition = (type: string) => status().conditions?.find((c) => c.type === type);
  const record = (): SigningRecord => JSON.parse(kube.secretObject('default', 'example-com-dnssec') ? Buffer.from(kube.secretObject('default', 'example-com-dnssec')!.data[RECORD_KEY]!, 'base64').toString() : 'null') as SigningRecord;
  const annotate = async (annotations: Record<string, string>) => {
    const current = kube.object('Zone', 'default', 'example-com')!;
    kube.put('Zone', { ...current, metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, ...annotations } } });
    await kube.settle();
  };
  const kekBytes = async () => new Uint8Array(Buffer.from((await kube.readSecret(NS, KEK_SECRET))![KEK_KEY]!, 'base64'));
  return { clock, order, kube, memory, log, controller, reconcile, status, condition, record, annotate, kekBytes, policies };
}

type S = Awaited<ReturnType<typeof setup>>;

async function created(s: S, z: Zone = zone()): Promise<void> {
  s.kube.put('Zone', z);
  await s.kube.settle();
  await s.reconcile();
  await s.reconcile();
}

const events = (s: S) => s.kube.events.map((e) => `${e.event.type}/${e.event.reason}`);

/** Everything the operator shows or says: status, Events, log lines. */
function everythingShown(s: S): string {
  return JSON.stringify([s.status(), s.kube.events, s.log.lines]);
}

/** No PEM armour and no line of any private key body of the Secret's record in `text`. */
function assertNoPrivatePart(s: S, text: string): void {
  assert.ok(!text.includes('PRIVATE KEY'), 'no PEM armour');
  for (const pem of Object.values(s.record()?.keys ?? {})) {
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
    assert.ok(body.length > 0);
    for (const line of body) assert.ok(!text.includes(line), 'no PEM body line');
  }
}

describe('ZoneController with a DNSSECPolicy (operator/dnssec)', () => {
  it('first signing: the keys go to the Secret (owned by the Zone) before the sealed order goes to the store; nothing is written with putZone', async () => {
    const s = await setup();
    await created(s);
    assert.deepEqual(s.order, ['applySecret example-com-dnssec', 'putSigned'], 'Secret first, then the order; no putZone');
    const secret = s.kube.secretObject('default', 'example-com-dnssec')!;
    assert.equal(secret.type, 'Opaque');
    assert.equal(secret.metadata.labels[KEY_SECRET_LABEL], 'example-com');
    const zoneUid = s.kube.object('Zone', 'default', 'example-com')!.metadata.uid;
    assert.deepEqual(secret.metadata.ownerReferences, [{ apiVersion: 'dnsfleet.io/v1alpha1', kind: 'Zone', name: 'example-com', uid: zoneUid, controller: true, blockOwnerDeletion: true }]);
    const record = s.record();
    assert.equal(Object.keys(record.keys).length, 2, 'a KSK and a ZSK');

    const entry = (await s.memory.getSigned(ORIGIN))!;
    assert.equal(entry.owner, 'Zone/default/example-com');
    for (const k of entry.order.keys) assert.match(k.privateKey, /^v1:/, 'sealed in the store');
    const opened = openOrder(entry.order, await s.kekBytes(), ORIGIN);
    for (const k of opened.keys) assert.equal(k.privateKey, record.keys[k.id], 'the Secret holds the key the order signs with');
    assert.equal(entry.unsigned?.serial, s.status().serial, 'the unsigned version is the one status.serial names');
    assert.match(entry.unsigned!.text, /^www\t300\tIN\tA\t10\.0\.0\.1$/m);
    assert.equal(await s.memory.getZone(ORIGIN), undefined, 'the control server writes the snapshot, not the operator');

    // A new Zone was never served unsigned: the DS may go to the parent at once (RFC 7583 §3.3.1).
    const st = s.status();
    assert.equal(st.dnssec?.state, 'pending_ds');
    assert.equal(st.dnssec?.dsRecords?.length, 1);
    assert.match(st.dnssec!.dsRecords![0]!, /^example\.com\.\s+(\d+\s+)?IN\s+DS\s+\d+ 15 2 [0-9A-F]+$/i);
    assert.deepEqual(st.dnssec?.keys?.map((k) => [k.role, k.algorithm, k.state]).sort(), [
      ['KSK', 'ED25519', 'active'],
      ['ZSK', 'ED25519', 'active'],
    ]);
    for (const k of st.dnssec!.keys!) assert.match(k.created, /^2026-12-07T00:00:00Z$/);
    assert.deepEqual([s.condition('DNSSEC')?.status, s.condition('DNSSEC')?.reason], ['False', 'PendingDS']);
    assert.deepEqual([s.condition('DSPublished')?.status, s.condition('DSPublished')?.reason], ['False', 'WaitingForDS']);
    const update = s.kube.events.find((e) => e.event.reason === 'DSUpdate')!;
    assert.equal(update.event.type, 'Normal');
    assert.ok(update.event.note.includes(st.dnssec!.dsRecords![0]!), 'the DSUpdate Event carries the DS to publish');
    assert.ok(!events(s).includes('Warning/PendingDS'), 'waiting for the DS is no fault');
    assertNoPrivatePart(s, everythingShown(s));
  });

  it('a Zone served unsigned first: signed at once, but the DS is asked for (DSUpdate) only after the wait for caches (RFC 7583 §3.3.1)', async () => {
    const s = await setup();
    const { dnssecPolicy: _, ...unsignedSpec } = zone().spec;
    await created(s, { ...zone(), spec: unsignedSpec });
    assert.deepEqual(s.order, ['putZone'], 'an ordinary zone');
    const current = s.kube.object('Zone', 'default', 'example-com')!;
    s.kube.put('Zone', { ...current, spec: { ...current.spec, dnssecPolicy: 'fast' } });
    await s.kube.settle();
    s.kube.resetCalls();
    const first = await s.reconcile();
    assert.ok(await s.memory.getSigned(ORIGIN), 'signed at once');
    assert.equal(s.status().dnssec?.state, 'pending_ds');
    assert.deepEqual(s.status().dnssec?.dsRecords, [], 'no DS to publish yet');
    assert.deepEqual([s.condition('DSPublished')?.reason, s.condition('DSPublished')?.status], ['DSUpdatePending', 'False']);
    assert.ok(!events(s).includes('Normal/DSUpdate'));
    const ksk = s.status().dnssec!.keys!.find((k) => k.role === 'KSK')!;
    assert.equal(ksk.nextAction, 'DSUpdate');
    const due = Date.parse(ksk.nextActionAt!);
    assert.ok(due > s.clock.ms && first && first.requeueAfterMs !== undefined && first.requeueAfterMs <= due - s.clock.ms, 'looks again by then');
    s.clock.ms = due - 1000;
    await s.reconcile();
    assert.ok(!events(s).includes('Normal/DSUpdate'), 'not before');
    s.clock.ms = due;
    await s.reconcile();
    assert.ok(events(s).includes('Normal/DSUpdate'));
    assert.equal(s.status().dnssec?.dsRecords?.length, 1);
    assert.equal(s.condition('DSPublished')?.reason, 'WaitingForDS');
  });

  it('Ready follows the control server: waits for its signed serial, then for the pods to serve that serial; status shows serial and expiry', async () => {
    const s = await setup();
    await created(s);
    assert.deepEqual([s.condition('Ready')?.reason, s.condition('Ready')?.message], ['Propagating', `serial ${s.status().serial} waiting for the control server to sign it`]);
    const unsignedSerial = s.status().serial!;
    const signedSerial = unsignedSerial + 7;
    await s.memory.reportSigning({ origin: ORIGIN, signedSerial, unsignedSerial, signedAt: T0 + 1000, expiresAt: T0 + 14 * 86400_000, problem: '' });
    await s.memory.reportServed('cloud-a', 'pod-0', new Map([[ORIGIN, signedSerial]]), 60);
    await s.reconcile();
    const st = s.status();
    assert.equal(s.condition('Ready')?.status, 'True');
    assert.equal(st.serial, unsignedSerial, 'status.serial stays the unsigned version');
    assert.equal(st.dnssec?.signedSerial, signedSerial);
    assert.equal(st.dnssec?.signedAt, '2026-12-07T00:00:01Z');
    assert.equal(st.dnssec?.signaturesExpire, '2026-12-21T00:00:00Z');
    assert.deepEqual(st.clouds?.[0], { name: 'cloud-a', serial: signedSerial, pods: 1, podsInSync: 1 });

    await s.memory.reportSigning({ origin: ORIGIN, signedSerial, unsignedSerial, signedAt: T0 + 1000, expiresAt: T0 + 14 * 86400_000, problem: 'a worker died' });
    await s.reconcile();
    assert.deepEqual([s.condition('DNSSEC')?.reason, s.kube.events.at(-1)?.event.type], ['SigningFailed', 'Warning']);
  });

  it('a wrong ds-published value: a Warning Event with the check reason and message, the DSPublished reason; the right one: DSSeen and active', async () => {
    const s = await setup();
    await created(s);
    const ds = s.status().dnssec!.dsRecords![0]!;
    s.kube.resetCalls();
    await s.annotate({ 'dnsfleet.io/ds-published': ds.replace(/[0-9A-F]{8}$/i, '00000000') });
    await s.reconcile();
    const warning = s.kube.events.find((e) => e.event.type === 'Warning')!;
    assert.equal(warning.event.reason, 'DSWrongDigest');
    assert.match(warning.event.note, /^dnsfleet\.io\/ds-published: /);
    assert.deepEqual([s.condition('DSPublished')?.status, s.condition('DSPublished')?.reason, s.condition('DSPublished')?.message], ['False', 'DSWrongDigest', warning.event.note]);
    assert.equal(s.status().dnssec?.state, 'pending_ds');
    // The same value is reported once; the condition keeps saying it.
    s.kube.resetCalls();
    s.clock.ms += 5000;
    await s.reconcile();
    assert.deepEqual(events(s), []);
    assert.equal(s.condition('DSPublished')?.reason, 'DSWrongDigest');

    await s.annotate({ 'dnsfleet.io/ds-published': ds });
    await s.reconcile();
    assert.deepEqual(events(s), ['Normal/DSSeen', 'Normal/Active']);
    assert.equal(s.status().dnssec?.state, 'active');
    assert.deepEqual([s.condition('DNSSEC')?.status, s.condition('DNSSEC')?.reason], ['True', 'Active']);
    assert.deepEqual([s.condition('DSPublished')?.status, s.condition('DSPublished')?.reason], ['True', 'DSSeen']);
    assert.equal(s.record().seen?.dsPublished, ds, 'the Secret remembers what was acted on');
  });

  it('rotate-zsk: the first value starts nothing, a new one starts a ZSK rollover (new key in the Secret before the new order); requeued at the next step', async () => {
    const s = await setup();
    await created(s, { ...zone(), metadata: { ...zone().metadata, annotations: { 'dnsfleet.io/rotate-zsk': 'one' } } });
    await s.annotate({ 'dnsfleet.io/ds-published': s.status().dnssec!.dsRecords![0]! });
    await s.reconcile();
    assert.equal(s.status().dnssec?.state, 'active');
    s.order.length = 0;
    await s.annotate({ 'dnsfleet.io/rotate-zsk': 'two' });
    const r = await s.reconcile();
    assert.equal(s.status().dnssec?.state, 'rotating_zsk');
    assert.equal(Object.keys(s.record().keys).length, 3);
    assert.deepEqual(s.order, ['applySecret example-com-dnssec', 'putSigned']);
    const zsks = s.status().dnssec!.keys!.filter((k) => k.role === 'ZSK');
    assert.deepEqual(zsks.map((k) => k.state).sort(), ['active', 'published']);
    const next = zsks.find((k) => k.state === 'published')!.nextActionAt!;
    assert.ok(r && typeof r.requeueAfterMs === 'number' && r.requeueAfterMs <= Date.parse(next) - s.clock.ms, 'looks again by the next step');
    // The rollover runs on the clock alone.
    for (let i = 0; i < 10 && s.status().dnssec?.state !== 'active'; i++) {
      s.clock.ms += 3600_000;
      await s.reconcile();
    }
    assert.equal(s.status().dnssec?.state, 'active');
    assert.equal(Object.keys(s.record().keys).length, 2, 'the old ZSK is gone from the Secret');
  });

  it('rotate-ksk: a KSK rollover asks for the new DS (DSUpdate), rotating_ksk until it is confirmed', async () => {
    const s = await setup();
    await created(s, { ...zone(), metadata: { ...zone().metadata, annotations: { 'dnsfleet.io/rotate-ksk': 'one' } } });
    await s.annotate({ 'dnsfleet.io/ds-published': s.status().dnssec!.dsRecords![0]! });
    await s.reconcile();
    s.kube.resetCalls();
    await s.annotate({ 'dnsfleet.io/rotate-ksk': 'two' });
    await s.reconcile();
    assert.equal(s.status().dnssec?.state, 'rotating_ksk');
    assert.equal(s.condition('DNSSEC')?.status, 'True', 'the old DS still anchors the zone');
    for (let i = 0; i < 10 && !events(s).includes('Normal/DSUpdate'); i++) {
      s.clock.ms += 3600_000;
      await s.reconcile();
    }
    const update = s.kube.events.find((e) => e.event.reason === 'DSUpdate')!;
    const fresh = s.status().dnssec!.dsRecords!;
    assert.ok(fresh.every((d) => update.event.note.includes(d)));
    assert.equal(s.condition('DSPublished')?.reason, 'WaitingForDS');
    await s.annotate({ 'dnsfleet.io/ds-published': fresh.join('\n') });
    await s.reconcile();
    assert.ok(events(s).includes('Normal/DSSeen'));
  });

  it('unsign: the policy removed → unsigning (CDS delete), DS gone → the entry taken back and the zone written unsigned with a serial past the signed one', async () => {
    const s = await setup();
    await created(s);
    await s.annotate({ 'dnsfleet.io/ds-published': s.status().dnssec!.dsRecords![0]! });
    await s.reconcile();
    const signedSerial = s.status().serial! + 40;
    await s.memory.reportSigning({ origin: ORIGIN, signedSerial, unsignedSerial: s.status().serial!, problem: '' });
    const current = s.kube.object('Zone', 'default', 'example-com')!;
    const { dnssecPolicy: _, ...spec } = current.spec;
    s.kube.put('Zone', { ...current, spec });
    await s.kube.settle();
    s.kube.resetCalls();
    await s.reconcile();
    assert.equal(s.status().dnssec?.state, 'unsigning');
    assert.equal((await s.memory.getSigned(ORIGIN))?.order.cdsDelete, true, 'RFC 8078 delete form published');
    assert.deepEqual([s.condition('DSPublished')?.reason, s.condition('DNSSEC')?.reason], ['DSRemoval', 'Unsigning']);
    assert.ok(events(s).includes('Normal/DSUpdate'), 'DSUpdate: withdraw the DS');

    await s.annotate({ 'dnsfleet.io/ds-published': 'none' });
    s.order.length = 0;
    for (let i = 0; i < 20 && s.status().dnssec?.state !== 'disabled'; i++) {
      await s.reconcile();
      s.clock.ms += 600_000;
    }
    assert.equal(s.status().dnssec?.state, 'disabled');
    assert.deepEqual(s.order.filter((o) => o !== 'putSigned' && !o.startsWith('applySecret')), ['deleteSigned', 'putZone']);
    assert.equal(await s.memory.getSigned(ORIGIN), undefined);
    const stored = (await s.memory.getZone(ORIGIN))!;
    assert.equal(stored.serial, signedSerial + 1, 'newer than the last signed serial (RFC 1982)');
    assert.equal(s.status().serial, signedSerial + 1);
    assert.ok(events(s).includes('Normal/DSRemoved'));
    assert.equal(s.condition('DNSSEC'), undefined);
    assert.equal(s.condition('DSPublished'), undefined);
    assert.deepEqual(s.record().keys, {}, 'no private part kept once unsigned');
    // Afterwards an ordinary zone: nothing more is written.
    s.order.length = 0;
    s.kube.resetCalls();
    await s.reconcile();
    assert.deepEqual(s.order, []);
    assert.equal(s.kube.callsOf('readSecret').length, 0);
  });

  it('a policy gone while signed: nothing is driven, the signed entry stays, DNSSEC says PolicyNotFound', async () => {
    const s = await setup();
    await created(s);
    s.policies.list = [];
    s.order.length = 0;
    s.clock.ms += 3600_000;
    await s.reconcile();
    assert.deepEqual(s.order, []);
    assert.ok(await s.memory.getSigned(ORIGIN));
    assert.equal(s.condition('DNSSEC')?.reason, 'PolicyNotFound');
    assert.match(s.condition('DNSSEC')!.message, /stays signed with its current keys/);
  });

  it('without a key-encryption key (no control server): served unsigned with putZone, DNSSEC says why', async () => {
    const s = await setup({ kek: false });
    await created(s);
    assert.deepEqual(s.order, ['putZone']);
    assert.equal(s.condition('DNSSEC')?.reason, 'NoKeyEncryptionKey');
    assert.equal(s.kube.secretObject('default', 'example-com-dnssec'), undefined);
  });

  it('the Zone deleted: its signed entry leaves the store with it', async () => {
    const s = await setup();
    await created(s);
    s.kube.delete('Zone', 'default', 'example-com');
    await s.kube.settle();
    await s.reconcile();
    assert.equal(await s.memory.getSigned(ORIGIN), undefined);
    assert.equal(s.kube.object('Zone', 'default', 'example-com'), undefined);
  });

  it('after an operator restart: the record comes from the Secret, the same order is not handed over again', async () => {
    const s = await setup();
    await created(s);
    const log = memoryLogger();
    const cache = await watchCache(s.kube, 'Zone');
    const signing = new ZoneSigning({ store: s.memory, log, records: new KeyRecords(s.kube), kek: new KeyEncryptionKey(s.kube, NS), now: () => new Date(s.clock.ms), storeEpoch: () => 'e1' });
    const again = new ZoneController({ kube: s.kube, store: s.memory, log, zone: cache.get, clouds: () => ['cloud-a'], policy: () => policy, storeEpoch: () => 'e1', now: () => new Date(s.clock.ms), signing });
    const before = await s.memory.signedVersion();
    const keys = s.record().keys;
    await again.reconcile(KEY);
    assert.equal(await s.memory.signedVersion(), before, 'no putSigned');
    assert.deepEqual(s.record().keys, keys, 'the same keys');
  });
});

describe('mode Parent: the DS confirmed by asking the parent nameservers', () => {
  const parentPolicy: DNSSECPolicy = { ...policy, spec: { ...policy.spec, dsConfirmation: { mode: 'Parent', checkInterval: '1m', parentNameservers: [{ address: '127.0.0.1', port: 5353 }, { address: '127.0.0.2', port: 5353 }] } } };

  it('asks while the DS is awaited, at most once per checkInterval; active once every server returns the key tag', async () => {
    const asked: Array<{ origin: string; servers: string[]; at: number }> = [];
    let published: number[] = [];
    let clock: { ms: number } = { ms: 0 };
    const s = await setup({
      policies: [parentPolicy],
      parentDs: async (origin, servers) => {
        asked.push({ origin, servers: servers.map((x) => `${x.address}:${x.port}`), at: clock.ms });
        return { confirmed: true, tags: published, answers: servers.map((x) => ({ server: `${x.address}:${x.port}`, tags: published })), errors: [] };
      },
    });
    clock = s.clock;
    await created(s);
    assert.equal(s.status().dnssec?.state, 'pending_ds');
    await s.reconcile();
    assert.equal(asked.length, 1, 'asked once the DS is submitted');
    assert.deepEqual(asked[0]!.servers, ['127.0.0.1:5353', '127.0.0.2:5353']);
    assert.equal(asked[0]!.origin, ORIGIN);
    assert.match(s.condition('DSPublished')!.message, /the parent's nameservers were asked: no DS/);
    await s.reconcile();
    assert.equal(asked.length, 1, 'not again within checkInterval');

    published = [s.status().dnssec!.keys!.find((k) => k.role === 'KSK')!.keyTag];
    s.clock.ms += 60_000;
    s.kube.resetCalls();
    await s.reconcile();
    assert.equal(asked.length, 2);
    assert.equal(s.status().dnssec?.state, 'active');
    assert.deepEqual(events(s), ['Normal/DSSeen', 'Normal/Active']);
    s.clock.ms += 600_000;
    await s.reconcile();
    assert.equal(asked.length, 2, 'nothing awaited: the parent is not asked');
  });

  it('servers that disagree confirm nothing, and say so in DSPublished and the log', async () => {
    const s = await setup({
      policies: [parentPolicy],
      parentDs: async () => ({ confirmed: false, tags: [], answers: [{ server: '127.0.0.1:5353', tags: [1] }], errors: [] }),
    });
    await created(s);
    await s.reconcile();
    assert.equal(s.status().dnssec?.state, 'pending_ds');
    assert.match(s.condition('DSPublished')!.message, /no agreement \(127\.0\.0\.1:5353: DS 1\)/);
    assert.ok(s.log.lines.some((l) => l.level === 'warn' && /do not agree/.test(l.msg)));
  });
});

describe('KeyEncryptionKey', () => {
  it('makes the Secret once (32 octets, base64) and never overwrites it', async () => {
    const kube = new FakeKubeClient();
    const first = await new KeyEncryptionKey(kube, NS).get();
    assert.equal(first.length, 32);
    const second = await new KeyEncryptionKey(kube, NS).get();
    assert.deepEqual(second, first);
    assert.equal(kube.callsOf('createSecret').length, 1);
    assert.equal(kube.secretObject(NS, KEK_SECRET)?.metadata.ownerReferences.length, 0);
  });
  it('refuses a key that is not 32 octets, without showing it', async () => {
    const kube = new FakeKubeClient();
    kube.setSecret(NS, KEK_SECRET, { key: Buffer.alloc(16, 7).toString('base64') });
    await assert.rejects(new KeyEncryptionKey(kube, NS).get(), (err: Error) => /16 octets, not 32/.test(err.message) && !err.message.includes(Buffer.alloc(16, 7).toString('base64')));
  });
});
