import assert from 'node:assert/strict';
import type { DsMessage, KeyRole, LifecycleAction, LifecycleEvent, LifecyclePolicy, LifecycleState, StepResult, ZoneTimings } from './lifecycle';
import { initialState, parseState, run } from './lifecycle';

/**
 * A simulated signed zone for the lifecycle's tests: a clock, the zone versions the actions make
 * (DNSKEY set, keys signing it, keys signing the rest), the parent's DS set as a user following
 * the DSUpdate messages changes it, and a checker of RFC 7583's timing model: at any instant, a
 * validator may hold any DS set, DNSKEY set and signed RRset that was served within their TTL plus
 * propagation delay; every combination must validate.
 */

export const POLICY: LifecyclePolicy = {
  algorithm: 13,
  strategy: 'KSK+ZSK',
  zskLifetime: 30 * 86400,
  dnskeyTTL: 3600,
  propagationDelay: 300,
  parentPropagationDelay: 3600,
  parentDSTTL: 86400,
  publishCds: true,
};

export const ZONE: ZoneTimings = { maxTTL: 7200, negativeTTL: 900 };

interface ZoneVersion {
  readonly at: number;
  readonly dnskey: ReadonlySet<number>;
  readonly signKeys: ReadonlySet<number>;
  readonly signZone: ReadonlySet<number>;
}

interface ParentVersion {
  readonly at: number;
  readonly ds: ReadonlySet<number>;
}

export interface SimOptions {
  /** The user's delay between a DSUpdate and the parent publishing the change. */
  userDelay?: (kind: 'publish' | 'withdraw') => number;
  /** Between the parent publishing a change and the lifecycle being told (the annotation, a DS query). */
  observeDelay?: () => number;
  /** Restart in the middle: serialise the state to JSON and back before every step. */
  roundTrip?: boolean;
}

export class SimZone {
  state: LifecycleState = initialState();
  now = 0;
  policy: LifecyclePolicy | undefined;
  zone: ZoneTimings;
  readonly versions: ZoneVersion[] = [{ at: 0, dnskey: new Set(), signKeys: new Set(), signZone: new Set() }];
  readonly parent: ParentVersion[] = [{ at: 0, ds: new Set() }];
  readonly messages: Array<{ at: number; message: DsMessage }> = [];
  readonly actions: Array<{ at: number; action: LifecycleAction }> = [];
  readonly algorithms = new Map<number, number>();
  cds: readonly number[] | 'delete' = [];
  nextWakeAt: number | undefined;
  private readonly pending: Array<{ at: number; what: () => void }> = [];
  private events: LifecycleEvent[] = [];
  private nextTag = 1000;
  private readonly dnskey = new Set<number>();
  private readonly signKeys = new Set<number>();
  private readonly signZone = new Set<number>();

  constructor(policy: LifecyclePolicy | undefined = POLICY, zone: ZoneTimings = ZONE, private readonly options: SimOptions = {}) {
    this.policy = policy;
    this.zone = zone;
  }

  /** Queues an event for the lifecycle at `at` (default now). */
  event(ev: LifecycleEvent, at = this.now): void {
    this.schedule(at, () => this.events.push(ev));
  }

  schedule(at: number, what: () => void): void {
    this.pending.push({ at, what });
    this.pending.sort((a, b) => a.at - b.at);
  }

  /** Steps at `now`, with the events queued. */
  step(): StepResult {
    const events = this.events;
    this.events = [];
    const state = this.options.roundTrip ? parseState(JSON.stringify(this.state)) : this.state;
    const result = run(state, { now: this.now, policy: this.policy, zone: this.zone, events }, (role, algorithm) => this.generate(role, algorithm));
    this.state = result.state;
    this.nextWakeAt = result.nextWakeAt;
    for (const action of result.actions) this.apply(action);
    const last = this.versions.at(-1)!;
    if (!same(last.dnskey, this.dnskey) || !same(last.signKeys, this.signKeys) || !same(last.signZone, this.signZone)) {
      this.versions.push({ at: this.now, dnskey: new Set(this.dnskey), signKeys: new Set(this.signKeys), signZone: new Set(this.signZone) });
    }
    return result;
  }

  /** Runs the clock to `until`: queued events and the lifecycle's own wake-ups, in time order. */
  runUntil(until: number): void {
    for (;;) {
      const nextEvent = this.pending[0]?.at ?? Infinity;
      const wake = this.nextWakeAt ?? Infinity;
      const at = Math.min(nextEvent, wake);
      if (at > until) break;
      this.now = Math.max(this.now, at);
      while (this.pending.length > 0 && this.pending[0]!.at <= this.now) this.pending.shift()!.what();
      this.step();
    }
    this.now = Math.max(this.now, until);
  }

  /** The messages of one kind, in order. */
  sent(kind: DsMessage['kind']): Array<{ at: number; message: DsMessage }> {
    return this.messages.filter((m) => m.message.kind === kind);
  }

  parentDs(): ReadonlySet<number> {
    return this.parent.at(-1)!.ds;
  }

  published(): number[] {
    return [...this.dnskey].sort((a, b) => a - b);
  }

  signing(scope: 'keys' | 'zone'): number[] {
    return [...(scope === 'keys' ? this.signKeys : this.signZone)].sort((a, b) => a - b);
  }

  /** The parent changes its DS set at `at`; the lifecycle hears of it after the observation delay. */
  setParentDs(at: number, ds: Iterable<number>): void {
    const wanted = new Set(ds);
    this.lastParentIntent = wanted;
    this.schedule(at, () => {
      const next = new Set(wanted);
      const before = this.parent.at(-1)!.ds;
      this.parent.push({ at, ds: next });
      const added = [...next].filter((t) => !before.has(t));
      const gone = [...before].filter((t) => !next.has(t));
      const seenAt = at + (this.options.observeDelay?.() ?? 0);
      if (added.length > 0) this.event({ type: 'dsSeen', tags: added }, seenAt);
      if (gone.length > 0) this.event({ type: 'dsGone', tags: next.size === 0 ? undefined : gone }, seenAt);
    });
  }

  private generate(role: KeyRole, algorithm: number): { id: string; tag: number; algorithm: number; role: KeyRole; ds: string[] } {
    const tag = this.nextTag++;
    this.algorithms.set(tag, algorithm);
    return { id: `key-${tag}`, tag, algorithm, role, ds: role === 'ZSK' ? [] : [`example. 86400 IN DS ${tag} ${algorithm} 2 ${tag.toString(16).padStart(64, '0').toUpperCase()}`] };
  }

  private apply(action: LifecycleAction): void {
    this.actions.push({ at: this.now, action });
    switch (action.type) {
      case 'publish':
        assert.ok(!this.dnskey.has(action.tag), `key ${action.tag} published twice`);
        this.dnskey.add(action.tag);
        break;
      case 'remove':
        assert.ok(this.dnskey.delete(action.tag), `key ${action.tag} removed while not published`);
        break;
      case 'activate':
        (action.scope === 'keys' ? this.signKeys : this.signZone).add(action.tag);
        break;
      case 'retire':
        assert.ok((action.scope === 'keys' ? this.signKeys : this.signZone).delete(action.tag), `key ${action.tag} retired from ${action.scope} while not signing it`);
        break;
      case 'deleteKey':
        assert.ok(!this.dnskey.has(action.tag) && !this.signKeys.has(action.tag) && !this.signZone.has(action.tag), `key ${action.tag} deleted while in use`);
        break;
      case 'publishCds':
        this.cds = action.tags;
        break;
      case 'publishCdsDelete':
        this.cds = 'delete';
        break;
      case 'message': {
        this.messages.push({ at: this.now, message: action.message });
        if (action.message.kind === 'DSUpdate') {
          const m = action.message;
          const delay = this.options.userDelay?.(m.publishTags.length > 0 ? 'publish' : 'withdraw');
          if (delay !== undefined) {
            // A user who does what DSUpdate says: the new DS set replaces the old.
            const next = new Set([...this.pendingParentDs()].filter((t) => !m.withdrawTags.includes(t)));
            for (const t of m.publishTags) next.add(t);
            // One user, one change after the other: a later DSUpdate is not done before an earlier one.
            this.userBusyUntil = Math.max(this.now + delay, this.userBusyUntil);
            this.setParentDs(this.userBusyUntil, next);
          }
        }
        break;
      }
      case 'generateKey':
        break;
    }
  }

  /** The parent's DS set once every scheduled change is made (the user's intent). */
  private lastParentIntent: Set<number> | undefined;
  private userBusyUntil = 0;
  private pendingParentDs(): Set<number> {
    return this.lastParentIntent ?? new Set(this.parentDs());
  }

  /**
   * The validation gaps at `t` under RFC 7583's model, described; empty when every combination of
   * what caches may hold validates. A permissive validator needs one DS → KSK path and one
   * signature by a key of the DNSKEY set; a strict one also a signature of every algorithm of the
   * DNSKEY set on each RRset (RFC 4035 §2.2, the reason for RFC 6781 §4.1.4).
   */
  gaps(t: number): string[] {
    const p = this.policy ?? this.state.policy!;
    const cached = <V extends { at: number }>(list: readonly V[], window: number): V[] =>
      list.filter((v, i) => v.at <= t && (list[i + 1]?.at ?? Infinity) > t - window);
    const dsSets = cached(this.parent, p.parentPropagationDelay + p.parentDSTTL);
    const keySets = cached(this.versions, p.propagationDelay + p.dnskeyTTL);
    const sigSets = cached(this.versions, p.propagationDelay + Math.max(this.zone.maxTTL, this.zone.negativeTTL));
    const out: string[] = [];
    for (const d of dsSets) {
      if (d.ds.size === 0) continue;
      for (const k of keySets) {
        const trusted = [...d.ds].filter((tag) => k.dnskey.has(tag) && k.signKeys.has(tag));
        if (trusted.length === 0) out.push(`t=${t}: DS {${[...d.ds]}} (parent @${d.at}) matches no key signing DNSKEY {${[...k.dnskey]}} (zone @${k.at})`);
        const algs = new Set([...k.dnskey].map((tag) => this.algorithms.get(tag)));
        for (const alg of algs) {
          if (![...k.signKeys].some((tag) => this.algorithms.get(tag) === alg)) out.push(`t=${t}: DNSKEY set @${k.at} has algorithm ${alg} but no signature of it`);
        }
        for (const s of sigSets) {
          if (![...s.signZone].some((tag) => k.dnskey.has(tag))) out.push(`t=${t}: data signed by {${[...s.signZone]}} (zone @${s.at}) but DNSKEY {${[...k.dnskey]}} (zone @${k.at})`);
          for (const alg of algs) {
            if (![...s.signZone].some((tag) => this.algorithms.get(tag) === alg)) out.push(`t=${t}: data @${s.at} has no signature of algorithm ${alg} in DNSKEY set @${k.at}`);
          }
        }
      }
    }
    return out;
  }

  /** Checks `gaps` at every change and on a grid of `every` seconds up to now. */
  assertNoGap(every = 60): void {
    const times = new Set<number>();
    for (let t = 0; t <= this.now; t += every) times.add(t);
    for (const v of [...this.versions, ...this.parent]) for (const dt of [0, 1]) times.add(v.at + dt);
    const p = this.policy ?? this.state.policy!;
    for (const v of this.versions) for (const w of [p.propagationDelay + p.dnskeyTTL, p.propagationDelay + this.zone.maxTTL]) times.add(v.at + w - 1);
    for (const v of this.parent) times.add(v.at + p.parentPropagationDelay + p.parentDSTTL - 1);
    const found = [...times].filter((t) => t <= this.now).sort((a, b) => a - b).flatMap((t) => this.gaps(t));
    assert.deepEqual(found.slice(0, 5), [], `${found.length} validation gaps`);
  }
}

function same(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
