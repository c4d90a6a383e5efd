import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DsMessage, LifecycleAction, LifecyclePolicy } from './lifecycle';
import { initialState, parseState, step, view, zoneState } from './lifecycle';
import { POLICY, SimZone, ZONE } from './lifecycle.fixtures';

// POLICY and ZONE: Dprp 300 s, TTLkey 3600 s, max zone TTL 7200 s, DprpP 3600 s, TTLds 86400 s.
const IPUB = 300 + 3600;
const IRET = 300 + 7200;
const IDS = 3600 + 86400;
const DAY = 86400;

/** A zone signed at 0 whose DS the user publishes an hour after DSUpdate, seen at once. */
function activeZone(policy: LifecyclePolicy = POLICY, options: ConstructorParameters<typeof SimZone>[2] = {}): SimZone {
  const sim = new SimZone(policy, ZONE, { userDelay: () => 3600, ...options });
  sim.step();
  sim.runUntil(IRET + 3600);
  assert.equal(zoneState(sim.state), 'active');
  return sim;
}

const times = (sim: SimZone, pred: (a: LifecycleAction) => boolean): number[] => sim.actions.filter((a) => pred(a.action)).map((a) => a.at);
const tagsOf = (m: DsMessage): readonly number[] => (m.kind === 'DSUpdate' ? m.publishTags : m.kind === 'DSSeen' ? m.tags : []);

describe('DNSSEC key lifecycle (RFC 7583)', () => {
  describe('first signing: pending_ds → DSUpdate → DSSeen → active', () => {
    it('signs at once, sends DSUpdate only once the signed zone replaced every cached unsigned answer', () => {
      const sim = new SimZone();
      const first = sim.step();
      assert.deepEqual(first.actions.filter((a) => a.type === 'generateKey'), [], 'run() answered the generateKey actions');
      assert.equal(zoneState(sim.state), 'pending_ds');
      assert.equal(sim.published().length, 2);
      assert.deepEqual(sim.signing('keys'), [1000]);
      assert.deepEqual(sim.signing('zone'), [1001]);
      // Dprp + max(TTLkey, max zone TTL, negative TTL) = 300 + 7200.
      assert.equal(first.nextWakeAt, IRET);
      assert.deepEqual(view(sim.state).dsRecords, [], 'no DS shown before it may be published');
      sim.runUntil(IRET);
      const [update] = sim.sent('DSUpdate');
      assert.deepEqual(update, { at: IRET, message: { kind: 'DSUpdate', publish: [sim.state.keys[0]!.ds[0]], publishTags: [1000], withdrawTags: [] } });
      assert.deepEqual(view(sim.state).dsRecords, sim.state.keys[0]!.ds);
      assert.deepEqual(sim.cds, [1000], 'CDS/CDNSKEY with DSUpdate (RFC 7344 §4)');
      assert.equal(zoneState(sim.state), 'pending_ds');
      assert.equal(sim.nextWakeAt, undefined, 'nothing to do until the DS is seen (no lifetime for the KSK)');

      sim.setParentDs(IRET + 600, [1000]);
      sim.runUntil(IRET + 600);
      assert.deepEqual(sim.sent('DSSeen').map((m) => [m.at, tagsOf(m.message)]), [[IRET + 600, [1000]]]);
      assert.equal(zoneState(sim.state), 'active');
      assert.deepEqual(view(sim.state).keys.map((k) => [k.keyTag, k.role, k.state, k.ds]), [[1000, 'KSK', 'active', 'seen'], [1001, 'ZSK', 'active', undefined]]);
      sim.assertNoGap();
    });

    it('a zone never served unsigned gets its DSUpdate at once (RcodeZero)', () => {
      const sim = new SimZone(POLICY, { ...ZONE, neverServedUnsigned: true });
      sim.step();
      assert.deepEqual(sim.sent('DSUpdate').map((m) => m.at), [0]);
    });

    it('takes a DS the user published before DSUpdate as seen, and sends no DSUpdate', () => {
      const sim = new SimZone();
      sim.step();
      sim.event({ type: 'dsSeen', tags: [1000] }, 60);
      sim.runUntil(DAY);
      assert.equal(zoneState(sim.state), 'active');
      assert.deepEqual(sim.sent('DSUpdate'), []);
      assert.deepEqual(sim.sent('DSSeen').map((m) => m.at), [60]);
    });

    it('goes back to pending_ds with a new DSUpdate when the DS disappears from the parent', () => {
      const sim = activeZone();
      sim.setParentDs(2 * DAY, []);
      sim.runUntil(2 * DAY);
      assert.equal(zoneState(sim.state), 'pending_ds');
      assert.deepEqual(sim.sent('DSUpdate').map((m) => [m.at, tagsOf(m.message)]), [[IRET, [1000]], [2 * DAY, [1000]]]);
      assert.deepEqual(view(sim.state).dsRecords, sim.state.keys[0]!.ds);
      sim.setParentDs(3 * DAY, [1000]);
      sim.runUntil(3 * DAY);
      assert.equal(zoneState(sim.state), 'active');
    });

    it('ignores a DS seen for a tag it has no key for', () => {
      const sim = new SimZone();
      sim.step();
      sim.event({ type: 'dsSeen', tags: [4242] }, 60);
      sim.runUntil(DAY);
      assert.equal(zoneState(sim.state), 'pending_ds');
      assert.deepEqual(sim.sent('DSSeen'), []);
    });
  });

  describe('ZSK pre-publication rollover (RFC 7583 §3.2.1)', () => {
    it('publishes the new ZSK Ipub before the lifetime ends, switches signatures at Ipub, removes the old after Iret', () => {
      const sim = activeZone();
      const lifetime = POLICY.zskLifetime!;
      sim.runUntil(lifetime - IPUB - 1);
      assert.equal(zoneState(sim.state), 'active');
      assert.equal(view(sim.state).keys[1]!.nextActionAt, lifetime - IPUB);
      sim.runUntil(lifetime - IPUB);
      assert.equal(zoneState(sim.state), 'rotating_zsk');
      assert.deepEqual(sim.published(), [1000, 1001, 1002]);
      assert.deepEqual(sim.signing('zone'), [1001], 'the new ZSK does not sign before it is in every cache');
      sim.runUntil(lifetime);
      assert.deepEqual(sim.signing('zone'), [1002]);
      assert.deepEqual(sim.published(), [1000, 1001, 1002], 'the old ZSK stays while its signatures may be cached');
      sim.runUntil(lifetime + IRET - 1);
      assert.deepEqual(sim.published(), [1000, 1001, 1002]);
      sim.runUntil(lifetime + IRET);
      assert.deepEqual(sim.published(), [1000, 1002]);
      assert.equal(zoneState(sim.state), 'active');
      assert.deepEqual(times(sim, (a) => a.type === 'deleteKey'), [lifetime + IRET]);
      assert.deepEqual(sim.sent('DSUpdate').length, 1, 'a ZSK rollover needs nothing from the parent');
      // The next one is due a lifetime after the new ZSK's activation.
      assert.equal(sim.nextWakeAt, 2 * lifetime - IPUB);
      sim.assertNoGap(600);
    });

    it('rolls the ZSK when asked (dnsfleet.io/rotate-zsk), the same way', () => {
      const sim = activeZone({ ...POLICY, zskLifetime: undefined });
      assert.equal(sim.nextWakeAt, undefined);
      sim.event({ type: 'rotateZsk' }, 2 * DAY);
      sim.runUntil(2 * DAY);
      assert.equal(zoneState(sim.state), 'rotating_zsk');
      sim.runUntil(3 * DAY);
      assert.equal(zoneState(sim.state), 'active');
      assert.deepEqual(times(sim, (a) => a.type === 'activate' && a.tag === 1002), [2 * DAY + IPUB]);
      assert.deepEqual(times(sim, (a) => a.type === 'remove'), [2 * DAY + IPUB + IRET]);
      sim.assertNoGap(600);
    });
  });

  describe('KSK double-KSK rollover (RFC 7583 §3.3.1)', () => {
    it('DSUpdate for the new KSK after Ipub, DSSeen, the old KSK removed Ids after the DS was seen', () => {
      const sim = activeZone();
      const t0 = 2 * DAY;
      sim.event({ type: 'rotateKsk' }, t0);
      sim.runUntil(t0);
      assert.equal(zoneState(sim.state), 'rotating_ksk');
      assert.deepEqual(sim.published(), [1000, 1001, 1002]);
      assert.deepEqual(sim.signing('keys'), [1000, 1002], 'both KSKs sign the DNSKEY set');
      assert.deepEqual(view(sim.state).dsRecords, sim.state.keys[0]!.ds, 'still the old DS until the new key is in every cache');
      sim.runUntil(t0 + IPUB);
      const update = sim.sent('DSUpdate').at(-1)!;
      assert.equal(update.at, t0 + IPUB);
      assert.deepEqual(update.message, { kind: 'DSUpdate', publish: sim.state.keys.find((k) => k.tag === 1002)!.ds, publishTags: [1002], withdrawTags: [1000] });
      assert.deepEqual(view(sim.state).dsRecords, sim.state.keys.find((k) => k.tag === 1002)!.ds);
      assert.deepEqual(sim.cds, [1002]);
      // The user replaces the DS an hour later (activeZone's userDelay).
      sim.runUntil(t0 + IPUB + 3600);
      assert.deepEqual(sim.sent('DSSeen').at(-1), { at: t0 + IPUB + 3600, message: { kind: 'DSSeen', tags: [1002] } });
      assert.deepEqual([...sim.parentDs()], [1002], 'the user replaced the old DS, as DSUpdate said');
      assert.equal(zoneState(sim.state), 'rotating_ksk', 'until the old KSK is gone');
      sim.runUntil(t0 + IPUB + 3600 + IDS - 1);
      assert.deepEqual(sim.published(), [1000, 1001, 1002]);
      sim.runUntil(t0 + IPUB + 3600 + IDS);
      assert.deepEqual(sim.published(), [1001, 1002]);
      assert.deepEqual(sim.signing('keys'), [1002]);
      assert.equal(zoneState(sim.state), 'active');
      sim.assertNoGap(600);
    });

    it('rolls by lifetime too, and waits for the DS as long as it takes', () => {
      let publishes = 0;
      const sim = activeZone({ ...POLICY, zskLifetime: undefined, kskLifetime: 10 * DAY }, { userDelay: (kind) => (kind === 'publish' && publishes++ > 0 ? 5 * DAY : 3600) });
      sim.runUntil(10 * DAY);
      assert.equal(zoneState(sim.state), 'rotating_ksk');
      sim.runUntil(14 * DAY);
      assert.equal(zoneState(sim.state), 'rotating_ksk');
      assert.deepEqual(sim.published(), [1000, 1001, 1002]);
      sim.runUntil(19 * DAY);
      assert.equal(zoneState(sim.state), 'active');
      assert.deepEqual(sim.published(), [1001, 1002]);
      // The new KSK's lifetime counts from its activation (10 days less Ipub).
      assert.equal(sim.nextWakeAt, 20 * DAY - 2 * IPUB);
      sim.assertNoGap(600);
    });
  });

  describe('CSK rollover', () => {
    const CSK: LifecyclePolicy = { ...POLICY, strategy: 'CSK', zskLifetime: undefined, cskLifetime: 20 * DAY };

    it('one key signs everything; its successor signs the DNSKEY set at once, the zone after Ipub, the old goes after Ids and Iret', () => {
      const sim = activeZone(CSK);
      assert.deepEqual(sim.published(), [1000]);
      assert.deepEqual([sim.signing('keys'), sim.signing('zone')], [[1000], [1000]]);
      const t0 = 20 * DAY - IPUB;
      sim.runUntil(t0);
      assert.equal(zoneState(sim.state), 'rotating_ksk');
      assert.deepEqual([sim.published(), sim.signing('keys'), sim.signing('zone')], [[1000, 1001], [1000, 1001], [1000]]);
      sim.runUntil(t0 + IPUB);
      assert.deepEqual([sim.signing('keys'), sim.signing('zone')], [[1000, 1001], [1001]]);
      assert.deepEqual(tagsOf(sim.sent('DSUpdate').at(-1)!.message), [1001]);
      sim.runUntil(t0 + IPUB + 3600 + IDS);
      assert.deepEqual([sim.published(), sim.signing('keys'), sim.signing('zone')], [[1001], [1001], [1001]]);
      assert.equal(zoneState(sim.state), 'active');
      sim.assertNoGap(600);
    });

    it('rotate-zsk and rotate-ksk both roll the CSK', () => {
      const sim = activeZone({ ...CSK, cskLifetime: undefined });
      sim.event({ type: 'rotateZsk' }, 2 * DAY);
      sim.runUntil(2 * DAY);
      assert.equal(sim.published().length, 2);
      sim.runUntil(5 * DAY);
      sim.event({ type: 'rotateKsk' }, 6 * DAY);
      sim.runUntil(9 * DAY);
      assert.deepEqual(sim.published(), [1002]);
      assert.equal(sim.sent('DSSeen').length, 3);
      sim.assertNoGap(600);
    });
  });

  describe('algorithm rollover (RFC 6781 §4.1.4, conservative)', () => {
    it('13 → 15: new signatures, then new DNSKEYs, then the DS, then the old DNSKEYs, then the old signatures', () => {
      const sim = activeZone({ ...POLICY, zskLifetime: undefined });
      const t0 = 2 * DAY;
      sim.schedule(t0, () => (sim.policy = { ...sim.policy!, algorithm: 15 }));
      sim.runUntil(t0);
      assert.equal(zoneState(sim.state), 'rotating_ksk');
      assert.deepEqual(sim.published(), [1000, 1001], 'the new keys are not published yet');
      assert.deepEqual([sim.signing('keys'), sim.signing('zone')], [[1000, 1002], [1001, 1003]]);
      assert.deepEqual(view(sim.state).keys.map((k) => k.state), ['active', 'active', 'signing', 'signing']);
      sim.runUntil(t0 + IRET);
      assert.deepEqual(sim.published(), [1000, 1001, 1002, 1003]);
      sim.runUntil(t0 + IRET + IPUB);
      const update = sim.sent('DSUpdate').at(-1)!;
      assert.deepEqual([update.at, tagsOf(update.message), update.message.kind === 'DSUpdate' && update.message.withdrawTags], [t0 + IRET + IPUB, [1002], [1000]]);
      const seen = t0 + IRET + IPUB + 3600;
      sim.runUntil(seen + IDS);
      assert.deepEqual(sim.published(), [1002, 1003], 'the old DNSKEYs go once the new DS is in every cache');
      assert.deepEqual(sim.signing('zone'), [1001, 1003], 'their signatures stay for cached DNSKEY sets');
      assert.deepEqual(view(sim.state).keys.map((k) => k.state), ['removed', 'removed', 'active', 'active']);
      sim.runUntil(seen + IDS + IPUB);
      assert.deepEqual([sim.published(), sim.signing('keys'), sim.signing('zone')], [[1002, 1003], [1002], [1003]]);
      assert.equal(zoneState(sim.state), 'active');
      assert.deepEqual(sim.state.keys.map((k) => k.algorithm), [15, 15]);
      sim.assertNoGap(600);
    });

    it('KSK+ZSK → CSK is a key-set rollover the same way', () => {
      const sim = activeZone({ ...POLICY, zskLifetime: undefined });
      sim.schedule(2 * DAY, () => (sim.policy = { ...sim.policy!, strategy: 'CSK' }));
      sim.runUntil(5 * DAY);
      assert.deepEqual(sim.state.keys.map((k) => k.role), ['CSK']);
      assert.deepEqual([sim.published(), sim.signing('keys'), sim.signing('zone')], [[1002], [1002], [1002]]);
      sim.assertNoGap(600);
    });

    it('waits for a running rollover to finish before it starts', () => {
      const sim = activeZone({ ...POLICY, zskLifetime: undefined });
      sim.event({ type: 'rotateKsk' }, 2 * DAY);
      sim.schedule(2 * DAY + 60, () => (sim.policy = { ...sim.policy!, algorithm: 14 }));
      sim.runUntil(2 * DAY + 60);
      assert.deepEqual(sim.state.rollovers.map((r) => r.kind), ['ksk']);
      sim.runUntil(10 * DAY);
      assert.deepEqual(sim.state.keys.map((k) => k.algorithm), [14, 14]);
      sim.assertNoGap(600);
    });
  });

  describe('unsigning (RFC 8078 §4, RcodeZero DSREMOVED)', () => {
    it('asks for the DS to go, keeps keys and signatures until it is gone from every cache, then DSRemoved', () => {
      const sim = activeZone();
      const t0 = 2 * DAY;
      sim.schedule(t0, () => (sim.policy = undefined));
      sim.runUntil(t0);
      assert.equal(zoneState(sim.state), 'unsigning');
      assert.deepEqual(sim.sent('DSUpdate').at(-1), { at: t0, message: { kind: 'DSUpdate', publish: [], publishTags: [], withdrawTags: [1000] } });
      assert.equal(sim.cds, 'delete');
      assert.deepEqual(view(sim.state).dsRecords, []);
      // The user removes the DS an hour later; the lifecycle hears of it at once.
      sim.runUntil(t0 + 3600 + IDS - 1);
      assert.deepEqual(sim.published(), [1000, 1001], 'nothing withdrawn while a DS may be cached');
      assert.deepEqual(sim.sent('DSRemoved'), []);
      sim.runUntil(t0 + 3600 + IDS);
      assert.deepEqual(sim.sent('DSRemoved').map((m) => m.at), [t0 + 3600 + IDS]);
      assert.deepEqual([sim.published(), sim.signing('keys'), sim.signing('zone')], [[], [], []]);
      assert.deepEqual(sim.cds, []);
      assert.equal(zoneState(sim.state), 'disabled');
      assert.deepEqual(sim.state.keys, []);
      sim.assertNoGap(600);
    });

    it('a zone whose DS was never asked for unsigns at once, without DSRemoved', () => {
      const sim = new SimZone();
      sim.step();
      sim.schedule(600, () => (sim.policy = undefined));
      sim.runUntil(600);
      assert.equal(zoneState(sim.state), 'disabled');
      assert.deepEqual(sim.sent('DSRemoved'), []);
      assert.deepEqual(sim.published(), []);
    });

    it('the unsign event does the same as a missing policy; naming a policy again before the DS went carries on', () => {
      const sim = activeZone(POLICY, { userDelay: (kind) => (kind === 'withdraw' ? 10 * DAY : 3600) });
      sim.event({ type: 'unsign' }, 2 * DAY);
      sim.runUntil(2 * DAY);
      assert.equal(zoneState(sim.state), 'unsigning');
      // The next step that passes the policy without `unsign` (here a reconcile a day later).
      sim.schedule(3 * DAY, () => undefined);
      sim.runUntil(3 * DAY);
      assert.equal(zoneState(sim.state), 'active', 'the policy is still passed: signing resumes');
      assert.deepEqual(sim.cds, [1000]);
    });

    it('unsigning in the middle of a KSK rollover keeps every key until the DS caches are empty', () => {
      const sim = activeZone();
      sim.event({ type: 'rotateKsk' }, 2 * DAY);
      sim.schedule(2 * DAY + IPUB + 600, () => (sim.policy = undefined));
      sim.runUntil(10 * DAY);
      assert.equal(zoneState(sim.state), 'disabled');
      assert.deepEqual(sim.published(), []);
      sim.assertNoGap(600);
    });
  });

  describe('restarts', () => {
    it('a state serialised and parsed back before every step walks the same timeline', () => {
      const script = (sim: SimZone): void => {
          sim.step();
          sim.event({ type: 'rotateKsk' }, 3 * DAY);
          sim.schedule(5 * DAY, () => (sim.policy = { ...sim.policy!, algorithm: 15 }));
          sim.schedule(60 * DAY, () => (sim.policy = undefined));
          sim.runUntil(70 * DAY);
        };
        const plain = new SimZone(POLICY, ZONE, { userDelay: () => 3600 });
        const restarted = new SimZone(POLICY, ZONE, { userDelay: () => 3600, roundTrip: true });
        script(plain);
        script(restarted);
        assert.ok(plain.actions.length > 20);
        assert.deepEqual(restarted.actions, plain.actions);
        assert.deepEqual(restarted.messages, plain.messages);
      });

      it('continues from a persisted state in the middle of a rollover', () => {
        const sim = activeZone();
        sim.event({ type: 'rotateZsk' }, 2 * DAY);
        sim.runUntil(2 * DAY + 60);
        const saved = JSON.stringify(sim.state);
        const resumed = step(parseState(saved), { now: 2 * DAY + IPUB, policy: POLICY, zone: ZONE });
        assert.deepEqual(resumed.actions.map((a) => a.type), ['activate', 'retire']);
        assert.equal(resumed.nextWakeAt, 2 * DAY + IPUB + IRET);
        assert.throws(() => parseState('{"version":2}'), /version 1/);
      });

      it('asks the caller for keys when it does not make them itself, and takes them in later', () => {
        const first = step(initialState(), { now: 0, policy: POLICY, zone: ZONE });
        assert.deepEqual(first.actions, [{ type: 'generateKey', role: 'KSK', algorithm: 13 }, { type: 'generateKey', role: 'ZSK', algorithm: 13 }]);
        const again = step(first.state, { now: 30, policy: POLICY, zone: ZONE });
        assert.equal(again.actions.filter((a) => a.type === 'generateKey').length, 2, 'asked again until answered');
        const done = step(again.state, { now: 60, policy: POLICY, zone: ZONE, events: [
          { type: 'keyGenerated', key: { id: 'a', tag: 1, algorithm: 13, role: 'KSK', ds: ['x. IN DS 1 13 2 00'] } },
          { type: 'keyGenerated', key: { id: 'b', tag: 2, algorithm: 13, role: 'ZSK', ds: [] } },
        ] });
        assert.deepEqual(done.actions.map((a) => a.type), ['publish', 'publish', 'activate', 'activate']);
        assert.equal(done.nextWakeAt, 60 + IRET);
        const late = step(done.state, { now: 90, policy: POLICY, zone: ZONE, events: [{ type: 'keyGenerated', key: { id: 'c', tag: 3, algorithm: 13, role: 'ZSK', ds: [] } }] });
        assert.deepEqual(late.actions, [{ type: 'deleteKey', keyId: 'c', tag: 3 }], 'a key nobody asked for is given back');
      });

      it('asks for no key while unsigning, even when unsigning began in the middle of a rollover that wanted one', () => {
        const sim = activeZone();
        const asking = step(sim.state, { now: 2 * DAY, policy: POLICY, zone: ZONE, events: [{ type: 'rotateZsk' }] });
        assert.deepEqual(asking.actions.filter((a) => a.type === 'generateKey'), [{ type: 'generateKey', role: 'ZSK', algorithm: 13 }]);
        const r = step(asking.state, { now: 2 * DAY + 1, policy: POLICY, zone: ZONE, events: [{ type: 'unsign' }] });
        assert.equal(zoneState(r.state), 'unsigning');
        assert.deepEqual(r.actions.filter((a) => a.type === 'generateKey'), []);
      });
    });

    describe('no validation gap at any instant (property, RFC 7583 timing model)', () => {
      it('random policies, rollovers, algorithm changes, user and parent delays, unsigning', () => {
        const algorithms = [8, 10, 13, 14, 15];
        fc.assert(
          fc.property(
            fc.record({
              strategy: fc.constantFrom<'KSK+ZSK' | 'CSK'>('KSK+ZSK', 'CSK'),
              dnskeyTTL: fc.integer({ min: 60, max: 7200 }),
              propagationDelay: fc.integer({ min: 0, max: 900 }),
              parentPropagationDelay: fc.integer({ min: 0, max: 7200 }),
              parentDSTTL: fc.integer({ min: 60, max: 86400 }),
              maxTTL: fc.integer({ min: 60, max: 86400 }),
              negativeTTL: fc.integer({ min: 0, max: 3600 }),
              zskLifetime: fc.option(fc.integer({ min: 3 * DAY, max: 20 * DAY }), { nil: undefined }),
              kskLifetime: fc.option(fc.integer({ min: 5 * DAY, max: 30 * DAY }), { nil: undefined }),
              userPublish: fc.integer({ min: 0, max: 3 * DAY }),
              userWithdraw: fc.integer({ min: 0, max: 3 * DAY }),
              observe: fc.integer({ min: 0, max: 7200 }),
              events: fc.array(
                fc.record({
                  at: fc.integer({ min: 0, max: 60 * DAY }),
                  what: fc.oneof(fc.constantFrom('rotateKsk', 'rotateZsk', 'unsign', 'resign', 'strategy'), fc.constantFrom(...algorithms)),
                }),
                { maxLength: 6 },
              ),
              wakeups: fc.array(fc.integer({ min: 0, max: 80 * DAY }), { maxLength: 5 }),
            }),
            (c) => {
              const policy: LifecyclePolicy = {
                ...POLICY,
                strategy: c.strategy,
                dnskeyTTL: c.dnskeyTTL,
                propagationDelay: c.propagationDelay,
                parentPropagationDelay: c.parentPropagationDelay,
                parentDSTTL: c.parentDSTTL,
                zskLifetime: c.strategy === 'KSK+ZSK' ? c.zskLifetime : undefined,
                kskLifetime: c.strategy === 'KSK+ZSK' ? c.kskLifetime : undefined,
                cskLifetime: c.strategy === 'CSK' ? c.kskLifetime : undefined,
            };
            const walk = (wakeups: readonly number[]): SimZone => {
              const sim = new SimZone(policy, { maxTTL: c.maxTTL, negativeTTL: c.negativeTTL }, {
                userDelay: (kind) => (kind === 'publish' ? c.userPublish : c.userWithdraw),
                observeDelay: () => c.observe,
              });
              script(sim);
              // Steps nobody needed (a reconcile for another reason) change nothing.
              for (const at of wakeups) sim.schedule(at, () => undefined);
              sim.step();
              sim.runUntil(80 * DAY);
              return sim;
            };
            const script = (sim: SimZone): void => {
            let last = policy;
            for (const e of c.events) {
              sim.schedule(e.at, () => {
                if (e.what === 'rotateKsk' || e.what === 'rotateZsk') sim.event({ type: e.what }, sim.now);
                else if (e.what === 'unsign') sim.policy = undefined;
                else if (e.what === 'resign') sim.policy = last;
                else if (e.what === 'strategy') {
                  last = { ...last, strategy: last.strategy === 'CSK' ? 'KSK+ZSK' : 'CSK', zskLifetime: undefined, kskLifetime: undefined, cskLifetime: undefined };
                  if (sim.policy) sim.policy = last;
                } else {
                  last = { ...last, algorithm: e.what };
                  if (sim.policy) sim.policy = last;
                }
              });
            }
            };
            const sim = walk([]);
            sim.assertNoGap(3600);
            const woken = walk(c.wakeups);
            assert.deepEqual(woken.actions, sim.actions);
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});
