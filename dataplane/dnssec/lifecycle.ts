import { DnsfleetError } from '../dns/error';

/**
 * The key lifecycle of one signed zone: a state machine after RFC 7583 (key timing) and RFC 6781
 * §4.1 (rollover methods), with the DS handover of RcodeZero's signing service (DSUPDATE, DSSEEN,
 * DSREMOVED). Pure and synchronous: the caller passes the time, the policy (in seconds) and what
 * happened (events), and gets back the new state, what to do (actions) and when to call again.
 * The state is a plain JSON object, so the caller persists it and a restart goes on where it left.
 *
 * Timing model (RFC 7583 §2, §3): a new zone version reaches every server within Dprp
 * (`propagationDelay`); a record is cached at most its TTL; the parent publishes a DS change
 * within DprpP (`parentPropagationDelay`) and the DS is cached `parentDSTTL`. Hence:
 *   Ipub = Dprp + TTLkey              a published DNSKEY is in every cache (§3.2.1)
 *   Iret = Dprp + TTLsig              signatures of a retired key are out of every cache (§3.2.1)
 *   Ids  = DprpP + TTLds              a DS change is in every cache (§3.3.1)
 * Rollovers: ZSK pre-publication (§3.2.1), KSK double-KSK (§3.3.1), CSK as double-KSK whose zone
 * signatures switch at Ipub like a pre-published ZSK (§3.3.1 and §3.2.1 together), algorithm (and strategy) rollover
 * the conservative way of RFC 6781 §4.1.4: new signatures, then new DNSKEYs, then the DS, then the
 * old DNSKEYs go, then the old signatures.
 *
 * Key generation is the caller's: a `generateKey` action asks for one, a `keyGenerated` event
 * brings it in (with its key tag and DS records). `run` does that round trip with a function.
 */

export type KeyRole = 'KSK' | 'ZSK' | 'CSK';
/** What a key signs: `keys` the DNSKEY RRset (KSK, CSK), `zone` every other RRset (ZSK, CSK). */
export type SigningScope = 'keys' | 'zone';
export type Strategy = 'KSK+ZSK' | 'CSK';

/** The policy in the units the machine uses: algorithm numbers and seconds. */
export interface LifecyclePolicy {
  readonly algorithm: number;
  readonly strategy: Strategy;
  /** Seconds from a key's activation to its rollover; undefined or 0: only when asked. */
  readonly zskLifetime?: number;
  readonly kskLifetime?: number;
  readonly cskLifetime?: number;
  readonly dnskeyTTL: number;
  readonly propagationDelay: number;
  readonly parentPropagationDelay: number;
  readonly parentDSTTL: number;
  /** Publish CDS/CDNSKEY (RFC 7344) and their delete form (RFC 8078). */
  readonly publishCds: boolean;
}

/** Facts of the zone data the waits depend on. */
export interface ZoneTimings {
  /**
   * The largest TTL of any RRset (so of any RRSIG) served in the last Iret: pass the larger of the
   * current and the previous maximum after a TTL decrease (RFC 7583 §3.2.1 TTLsig).
   */
  readonly maxTTL: number;
  /** The SOA negative-caching TTL (RFC 2308 §5): denials, signed or not, may be cached this long. */
  readonly negativeTTL: number;
  /**
   * The zone was never served unsigned (signed from its first version): the DS may be published
   * at once (RcodeZero: "zones signed during the creation of the zone are not affected").
   */
  readonly neverServedUnsigned?: boolean;
}

export interface LifecycleKey {
  /** The caller's id of the key (where it keeps the private part). */
  readonly id: string;
  readonly tag: number;
  readonly algorithm: number;
  readonly role: KeyRole;
  /** The DS records of this key in presentation format, one per digest type (KSK and CSK). */
  readonly ds: readonly string[];
  readonly created: number;
  /** Where the key is in its rollover: coming in, the one in use, or going out. */
  goal: 'incoming' | 'current' | 'outgoing';
  /** Since when its DNSKEY is in the zone, and since when no longer. */
  published?: number;
  unpublished?: number;
  signsKeysFrom?: number;
  signsKeysUntil?: number;
  signsZoneFrom?: number;
  signsZoneUntil?: number;
  /** DSUPDATE sent for it, DSSEEN, and the DS seen gone from the parent. */
  dsSubmitted?: number;
  dsSeen?: number;
  dsGone?: number;
}

export type RolloverKind = 'initial' | 'zsk' | 'ksk' | 'csk' | 'algorithm';

export interface Rollover {
  readonly kind: RolloverKind;
  /** `generate` (keys asked for), then the stages of the kind (see `advanceRollover`). */
  stage: 'generate' | 'signing' | 'published' | 'ds-submitted' | 'ds-seen' | 'old-unpublished' | 'old-retired';
  stageSince: number;
  /** Keys wanted and not yet generated. */
  wanted: Array<{ role: KeyRole; algorithm: number }>;
  newKeys: string[];
  oldKeys: string[];
}

export interface LifecycleState {
  readonly version: 1;
  phase: 'unsigned' | 'signing' | 'unsigning';
  keys: LifecycleKey[];
  rollovers: Rollover[];
  /** The policy of the last step, used while unsigning after the policy is gone. */
  policy?: LifecyclePolicy;
  zone?: ZoneTimings;
  /** Forced rollovers asked for and not started yet. */
  forced: { ksk: boolean; zsk: boolean };
  /** The tags of the keys whose CDS/CDNSKEY are published; `delete` the RFC 8078 form; [] none. */
  cds: number[] | 'delete';
  unsigning?: { since: number; dsGoneAt?: number };
}

export type LifecycleEvent =
  | { readonly type: 'keyGenerated'; readonly key: { id: string; tag: number; algorithm: number; role: KeyRole; ds: readonly string[] } }
  /** The parent publishes DS records with these key tags (the annotation, or the parent's answer). */
  | { readonly type: 'dsSeen'; readonly tags: readonly number[] }
  /** The parent no longer publishes DS records with these tags; all of them when `tags` is left out. */
  | { readonly type: 'dsGone'; readonly tags?: readonly number[] }
  | { readonly type: 'rotateKsk' }
  | { readonly type: 'rotateZsk' }
  /** Unsign (the zone no longer names a policy); passing no policy does the same. */
  | { readonly type: 'unsign' };

export type DsMessage =
  /** RcodeZero's DSUPDATE: publish these DS records at the parent now, and remove those of `withdraw`. */
  | { readonly kind: 'DSUpdate'; readonly publish: readonly string[]; readonly publishTags: readonly number[]; readonly withdrawTags: readonly number[] }
  /** DSSEEN: the parent publishes the DS of these keys; the initial signing or KSK rollover is done. */
  | { readonly kind: 'DSSeen'; readonly tags: readonly number[] }
  /** DSREMOVED: the DS is gone from the parent and from every cache; the zone is unsigned now. */
  | { readonly kind: 'DSRemoved' };

export type LifecycleAction =
  | { readonly type: 'generateKey'; readonly role: KeyRole; readonly algorithm: number }
  /** Add the key's DNSKEY to the zone. */
  | { readonly type: 'publish'; readonly keyId: string; readonly tag: number }
  /** Start signing `scope` with the key (from the next zone version on, every RRset of it). */
  | { readonly type: 'activate'; readonly keyId: string; readonly tag: number; readonly scope: SigningScope }
  /** Stop signing `scope` with the key: its signatures leave the zone. */
  | { readonly type: 'retire'; readonly keyId: string; readonly tag: number; readonly scope: SigningScope }
  /** Take the key's DNSKEY out of the zone. */
  | { readonly type: 'remove'; readonly keyId: string; readonly tag: number }
  /** The key is neither published nor signing: its private part may be deleted. */
  | { readonly type: 'deleteKey'; readonly keyId: string; readonly tag: number }
  /** Publish CDS and CDNSKEY for these keys (RFC 7344 §4); [] removes them. */
  | { readonly type: 'publishCds'; readonly tags: readonly number[] }
  /** Publish the RFC 8078 §4 delete form (`CDS 0 0 0 00`, `CDNSKEY 0 3 0 AA==`). */
  | { readonly type: 'publishCdsDelete' }
  | { readonly type: 'message'; readonly message: DsMessage };

export interface StepInput {
  /** Seconds since the epoch. */
  readonly now: number;
  /** The zone's policy; undefined when the zone names none (it is unsigned, safely). */
  readonly policy?: LifecyclePolicy;
  readonly zone: ZoneTimings;
  readonly events?: readonly LifecycleEvent[];
}

export interface StepResult {
  readonly state: LifecycleState;
  readonly actions: LifecycleAction[];
  /** When to call `step` again if nothing happens before; undefined: only on an event. */
  readonly nextWakeAt?: number;
}

export class LifecycleError extends DnsfleetError {}

export function initialState(): LifecycleState {
  return { version: 1, phase: 'unsigned', keys: [], rollovers: [], forced: { ksk: false, zsk: false }, cds: [] };
}

/** A state from its JSON (as persisted); checks the version. */
export function parseState(json: string): LifecycleState {
  const s = JSON.parse(json) as LifecycleState;
  if (s?.version !== 1 || !Array.isArray(s.keys) || !Array.isArray(s.rollovers)) throw new LifecycleError('not a DNSSEC lifecycle state of version 1', { version: (s as { version?: unknown })?.version });
  return s;
}

/** The roles of a strategy's key set. */
export function rolesOf(strategy: Strategy): KeyRole[] {
  return strategy === 'CSK' ? ['CSK'] : ['KSK', 'ZSK'];
}

const signsKeys = (role: KeyRole): boolean => role !== 'ZSK';
const signsZone = (role: KeyRole): boolean => role !== 'KSK';
const hasDs = (role: KeyRole): boolean => role !== 'ZSK';

interface Waits {
  ipub: number;
  iret: number;
  isig: number;
  ids: number;
  iinitial: number;
}

function waits(p: LifecyclePolicy, z: ZoneTimings): Waits {
  const dprp = p.propagationDelay;
  return {
    // RFC 7583 §3.2.1: Ipub = Dprp + TTLkey.
    ipub: dprp + p.dnskeyTTL,
    // RFC 7583 §3.2.1: Iret = Dsgn + Dprp + TTLsig (Dsgn = 0: a key change re-signs the whole
    // zone in one version). TTLsig includes the negative-caching TTL: the RRSIGs of a denial
    // (SOA, NSEC/NSEC3) are cached that long (RFC 2308 §5, RFC 4035 §3.1.3).
    iret: dprp + Math.max(z.maxTTL, z.negativeTTL),
    // Every signature of the zone, the DNSKEY RRset's included (RFC 6781 §4.1.4 "new RRSIGs").
    isig: dprp + Math.max(z.maxTTL, z.negativeTTL, p.dnskeyTTL),
    // RFC 7583 §3.3.1: the DS change is in every cache after DprpP + TTLds.
    ids: p.parentPropagationDelay + p.parentDSTTL,
    // Going secure (RcodeZero DSUPDATE: max(SOA minimum, max zone TTL)): the DS only once the DNSKEYs, signatures
    // and signed denials replaced every unsigned answer in caches.
    iinitial: dprp + Math.max(p.dnskeyTTL, z.maxTTL, z.negativeTTL),
  };
}

/** One step: take in the events, move every timeline as far as `now` allows. */
export function step(previous: LifecycleState, input: StepInput): StepResult {
  const state = clone(previous);
  const actions: LifecycleAction[] = [];
  const { now } = input;
  let wantUnsign = input.policy === undefined;
  if (input.policy) state.policy = input.policy;
  state.zone = input.zone;

  for (const ev of input.events ?? []) {
    switch (ev.type) {
      case 'keyGenerated':
        acceptKey(state, ev.key, now, actions);
        break;
      case 'dsSeen':
        dsSeen(state, ev.tags, now, actions);
        break;
      case 'dsGone':
        dsGone(state, ev.tags, now, actions);
        break;
      case 'rotateKsk':
        state.forced.ksk = true;
        break;
      case 'rotateZsk':
        state.forced.zsk = true;
        break;
      case 'unsign':
        wantUnsign = true;
        break;
    }
  }

  const policy = state.policy;
  if (!policy) return { state, actions, nextWakeAt: undefined };
  const w = waits(policy, input.zone);
  const timers: number[] = [];
  // Each transition may allow the next at the same instant: go on until nothing moves.
  for (let moved = true, rounds = 0; moved; rounds++) {
    if (rounds > 100) throw new LifecycleError('the key lifecycle does not settle', { phase: state.phase });
    timers.length = 0;
    moved = false;
    if (wantUnsign && state.phase === 'signing') {
      startUnsigning(state, now, actions);
      moved = true;
    } else if (wantUnsign && state.phase === 'unsigned') {
      state.forced = { ksk: false, zsk: false };
    } else if (!wantUnsign && state.phase === 'unsigning' && state.unsigning?.dsGoneAt === undefined) {
      // The zone names a policy again before the DS went: the keys, rollovers and DS stay.
      state.phase = 'signing';
      state.unsigning = undefined;
      moved = true;
    } else if (!wantUnsign && state.phase === 'unsigned') {
      state.phase = 'signing';
      state.rollovers.push(newRollover('initial', now, rolesOf(policy.strategy).map((role) => ({ role, algorithm: policy.algorithm })), []));
      moved = true;
    }
    if (state.phase === 'signing') {
      moved = startRollovers(state, policy, w, now, timers) || moved;
      for (const r of [...state.rollovers]) moved = advanceRollover(state, r, input.zone, w, now, actions, timers) || moved;
    } else if (state.phase === 'unsigning') {
      moved = advanceUnsigning(state, w, now, actions, timers) || moved;
    }
  }
  if (state.phase === 'signing') for (const r of state.rollovers) for (const want of r.wanted) actions.push({ type: 'generateKey', role: want.role, algorithm: want.algorithm });
  syncCds(state, policy, actions);
  const future = timers.filter((t) => t > now);
  return { state, actions, nextWakeAt: future.length > 0 ? Math.min(...future) : undefined };
}

/**
 * `step`, then keys made with `generate` fed back in at the same instant until none is asked
 * for: what a caller that can make keys synchronously does.
 */
export function run(previous: LifecycleState, input: StepInput, generate: (role: KeyRole, algorithm: number) => Extract<LifecycleEvent, { type: 'keyGenerated' }>['key']): StepResult {
  let result = step(previous, input);
  // The same instant: an unsign asked for (no policy, or the event) holds for the follow-up steps too.
  const policy = input.events?.some((e) => e.type === 'unsign') ? undefined : input.policy;
  const done: LifecycleAction[] = [];
  for (let i = 0; i < 10; i++) {
    const asked = result.actions.filter((a): a is Extract<LifecycleAction, { type: 'generateKey' }> => a.type === 'generateKey');
    if (asked.length === 0) break;
    done.push(...result.actions.filter((a) => a.type !== 'generateKey'));
    const events = asked.map((a) => ({ type: 'keyGenerated' as const, key: generate(a.role, a.algorithm) }));
    result = step(result.state, { now: input.now, policy, zone: input.zone, events });
  }
  return { state: result.state, actions: [...done, ...result.actions], nextWakeAt: result.nextWakeAt };
}

function clone(s: LifecycleState): LifecycleState {
  return JSON.parse(JSON.stringify(s)) as LifecycleState;
}

function newRollover(kind: RolloverKind, now: number, wanted: Rollover['wanted'], oldKeys: string[]): Rollover {
  return { kind, stage: 'generate', stageSince: now, wanted, newKeys: [], oldKeys };
}

function keyById(state: LifecycleState, id: string): LifecycleKey {
  const key = state.keys.find((k) => k.id === id);
  if (!key) throw new LifecycleError(`key ${id} is not in the lifecycle state`, { keyId: id });
  return key;
}

function acceptKey(state: LifecycleState, key: Extract<LifecycleEvent, { type: 'keyGenerated' }>['key'], now: number, actions: LifecycleAction[]): void {
  if (state.keys.some((k) => k.id === key.id)) throw new LifecycleError(`key ${key.id} is already in the lifecycle state`, { keyId: key.id });
  for (const r of state.phase === 'signing' ? state.rollovers : []) {
    const i = r.wanted.findIndex((w) => w.role === key.role && w.algorithm === key.algorithm);
    if (i < 0) continue;
    r.wanted.splice(i, 1);
    r.newKeys.push(key.id);
    state.keys.push({ id: key.id, tag: key.tag, algorithm: key.algorithm, role: key.role, ds: [...key.ds], created: now, goal: 'incoming' });
    return;
  }
  // Not asked for (a late answer after a policy change or unsigning): the caller deletes it.
  actions.push({ type: 'deleteKey', keyId: key.id, tag: key.tag });
}

function dsSeen(state: LifecycleState, tags: readonly number[], now: number, actions: LifecycleAction[]): void {
  const seen: number[] = [];
  for (const k of state.keys) {
    if (!hasDs(k.role) || !tags.includes(k.tag) || k.dsSeen !== undefined) continue;
    // A DS published before DSUPDATE still counts from now on.
    k.dsSubmitted ??= now;
    k.dsSeen = now;
    k.dsGone = undefined;
    seen.push(k.tag);
  }
  if (seen.length > 0) actions.push({ type: 'message', message: { kind: 'DSSeen', tags: seen } });
}

function dsGone(state: LifecycleState, tags: readonly number[] | undefined, now: number, actions: LifecycleAction[]): void {
  const wanted = wantedDsKeys(state);
  const again: LifecycleKey[] = [];
  for (const k of state.keys) {
    if (!hasDs(k.role) || (tags !== undefined && !tags.includes(k.tag))) continue;
    if (k.dsSubmitted === undefined && k.dsSeen === undefined) continue;
    if (k.dsGone !== undefined) continue;
    k.dsGone = now;
    k.dsSeen = undefined;
    if (wanted.includes(k)) again.push(k);
  }
  // A DS the zone still needs went from the parent: say again what to publish (the zone is
  // pending_ds until it is back).
  if (again.length > 0) actions.push({ type: 'message', message: { kind: 'DSUpdate', publish: again.flatMap((k) => k.ds), publishTags: again.map((k) => k.tag), withdrawTags: [] } });
}

/** Starts the rollovers that are due; true when one started. */
function startRollovers(state: LifecycleState, p: LifecyclePolicy, w: Waits, now: number, timers: number[]): boolean {
  const busy = (...kinds: RolloverKind[]): boolean => state.rollovers.some((r) => kinds.includes(r.kind));
  const current = state.keys.filter((k) => k.goal === 'current');
  if (state.rollovers.length === 0 && current.length > 0) {
    // A new algorithm or strategy: a new key set (RFC 6781 §4.1.4).
    const roles = rolesOf(p.strategy);
    const sameSet = current.length === roles.length && roles.every((role) => current.some((k) => k.role === role && k.algorithm === p.algorithm));
    if (!sameSet) {
      state.rollovers.push(newRollover('algorithm', now, roles.map((role) => ({ role, algorithm: p.algorithm })), current.map((k) => k.id)));
      state.forced = { ksk: false, zsk: false };
      return true;
    }
  }
  if (busy('initial', 'algorithm')) return false;
  let started = false;
  const due = (lifetime: number | undefined, from: number | undefined): boolean => {
    if (!lifetime || from === undefined) return false;
    // RFC 7583 §3.2.1: the successor is published Ipub before the key's lifetime ends.
    const at = from + Math.max(0, lifetime - w.ipub);
    if (now >= at) return true;
    timers.push(at);
    return false;
  };
  for (const key of current) {
    if (key.role === 'ZSK' && !busy('zsk') && (state.forced.zsk || due(p.zskLifetime, key.signsZoneFrom))) {
      state.rollovers.push(newRollover('zsk', now, [{ role: 'ZSK', algorithm: key.algorithm }], [key.id]));
      state.forced.zsk = false;
      started = true;
    } else if (key.role === 'KSK' && !busy('ksk') && (state.forced.ksk || due(p.kskLifetime, key.signsKeysFrom))) {
      state.rollovers.push(newRollover('ksk', now, [{ role: 'KSK', algorithm: key.algorithm }], [key.id]));
      state.forced.ksk = false;
      started = true;
    } else if (key.role === 'CSK' && !busy('csk') && (state.forced.ksk || state.forced.zsk || due(p.cskLifetime, key.signsKeysFrom))) {
      state.rollovers.push(newRollover('csk', now, [{ role: 'CSK', algorithm: key.algorithm }], [key.id]));
      state.forced = { ksk: false, zsk: false };
      started = true;
    }
  }
  return started;
}

/** Moves one rollover as far as `now` allows; true when it moved. */
function advanceRollover(state: LifecycleState, r: Rollover, z: ZoneTimings, w: Waits, now: number, actions: LifecycleAction[], timers: number[]): boolean {
  const fresh = r.newKeys.map((id) => keyById(state, id));
  const old = r.oldKeys.map((id) => keyById(state, id));
  const dsKeys = fresh.filter((k) => hasDs(k.role));
  const after = (t: number): boolean => {
    if (now >= t) return true;
    timers.push(t);
    return false;
  };
  const to = (stage: Rollover['stage']): true => {
    r.stage = stage;
    r.stageSince = now;
    return true;
  };
  const publish = (k: LifecycleKey): void => {
    k.published = now;
    actions.push({ type: 'publish', keyId: k.id, tag: k.tag });
  };
  const activate = (k: LifecycleKey, scope: SigningScope): void => {
    if (scope === 'keys') k.signsKeysFrom = now;
    else k.signsZoneFrom = now;
    actions.push({ type: 'activate', keyId: k.id, tag: k.tag, scope });
  };
  const retire = (k: LifecycleKey, scope: SigningScope): void => {
    if (scope === 'keys') k.signsKeysUntil = now;
    else k.signsZoneUntil = now;
    actions.push({ type: 'retire', keyId: k.id, tag: k.tag, scope });
  };
  const unpublish = (k: LifecycleKey): void => {
    k.unpublished = now;
    actions.push({ type: 'remove', keyId: k.id, tag: k.tag });
  };
  const drop = (k: LifecycleKey): void => {
    if (isSigning(k, 'keys')) retire(k, 'keys');
    if (isSigning(k, 'zone')) retire(k, 'zone');
    if (isPublished(k)) unpublish(k);
    state.keys = state.keys.filter((x) => x !== k);
    actions.push({ type: 'deleteKey', keyId: k.id, tag: k.tag });
  };
  const submitDs = (): void => {
    // A DS the user published before DSUPDATE (and we saw) needs no message.
    const due = dsKeys.filter((k) => k.dsSeen === undefined);
    for (const k of due) k.dsSubmitted = now;
    if (due.length === 0) return;
    const withdraw = state.keys.filter((k) => hasDs(k.role) && !r.newKeys.includes(k.id) && (k.dsSubmitted !== undefined || k.dsSeen !== undefined)).map((k) => k.tag);
    actions.push({ type: 'message', message: { kind: 'DSUpdate', publish: due.flatMap((k) => k.ds), publishTags: due.map((k) => k.tag), withdrawTags: withdraw } });
  };
  const finish = (): true => {
    state.rollovers = state.rollovers.filter((x) => x !== r);
    return true;
  };
  const dsAllSeen = dsKeys.length > 0 && dsKeys.every((k) => k.dsSeen !== undefined);
  const seenAt = Math.max(...dsKeys.map((k) => k.dsSeen ?? 0));

  if (r.stage === 'generate') {
    if (r.wanted.length > 0) return false;
    if (r.kind === 'algorithm') {
      // RFC 6781 §4.1.4 "new RRSIGs": the new keys sign everything before their DNSKEYs appear,
      // so a validator never sees an algorithm in the DNSKEY set without its signatures (RFC 4035 §2.2).
      for (const k of fresh) for (const scope of scopes(k.role)) activate(k, scope);
      return to('signing');
    }
    for (const k of fresh) publish(k);
    if (r.kind === 'initial') {
      // Going secure: everything at once; nobody validates before the DS exists.
      for (const k of fresh) for (const scope of scopes(k.role)) activate(k, scope);
      for (const k of fresh) k.goal = 'current';
    }
    // Double-KSK (RFC 7583 §3.3.1): the new KSK (or CSK) signs the DNSKEY set from its publication.
    if (r.kind === 'ksk' || r.kind === 'csk') for (const k of fresh) activate(k, 'keys');
    return to('published');
  }
  if (r.stage === 'signing') {
    if (!after(r.stageSince + w.isig)) return false;
    for (const k of fresh) publish(k);
    return to('published');
  }
  if (r.stage === 'published') {
    if (r.kind === 'initial') {
      if (!after(r.stageSince + (z.neverServedUnsigned ? 0 : w.iinitial))) return false;
      submitDs();
      return to('ds-submitted');
    }
    // RFC 7583 §3.2.1, §3.3.1: the new DNSKEY must be in every cache first.
    if (!after(r.stageSince + w.ipub)) return false;
    if (r.kind === 'zsk') {
      for (const k of fresh) {
        activate(k, 'zone');
        k.goal = 'current';
      }
      for (const k of old) {
        retire(k, 'zone');
        k.goal = 'outgoing';
      }
      return to('old-retired');
    }
    if (r.kind === 'csk') {
      // The CSK's zone signatures switch like a pre-published ZSK's (RFC 7583 §3.2.1).
      for (const k of fresh) activate(k, 'zone');
      for (const k of old) retire(k, 'zone');
    }
    submitDs();
    return to('ds-submitted');
  }
  if (r.stage === 'ds-submitted') {
    if (!dsAllSeen) return false;
    for (const k of fresh) k.goal = 'current';
    for (const k of old) k.goal = 'outgoing';
    if (r.kind === 'initial') return finish();
    r.stage = 'ds-seen';
    r.stageSince = seenAt;
    return true;
  }
  if (r.stage === 'ds-seen') {
    // RFC 7583 §3.3.1: the old KSK goes once the new DS is in every cache (DprpP + TTLds).
    let until = r.stageSince + w.ids;
    if (r.kind === 'csk') until = Math.max(until, ...old.map((k) => (k.signsZoneUntil ?? 0) + w.iret));
    if (!after(until)) return false;
    if (r.kind === 'algorithm') {
      // RFC 6781 §4.1.4 "DNSKEY removal": the old DNSKEYs go, their signatures stay until every
      // cached DNSKEY set that holds them has expired.
      for (const k of old) unpublish(k);
      return to('old-unpublished');
    }
    for (const k of old) drop(k);
    return finish();
  }
  if (r.stage === 'old-unpublished') {
    if (!after(r.stageSince + w.ipub)) return false;
    for (const k of old) drop(k);
    return finish();
  }
  if (r.stage === 'old-retired') {
    // RFC 7583 §3.2.1: the retired ZSK's signatures are out of caches after Iret.
    if (!after(r.stageSince + w.iret)) return false;
    for (const k of old) drop(k);
    return finish();
  }
  return false;
}

function scopes(role: KeyRole): SigningScope[] {
  return [...(signsKeys(role) ? (['keys'] as const) : []), ...(signsZone(role) ? (['zone'] as const) : [])];
}

export function isPublished(k: LifecycleKey): boolean {
  return k.published !== undefined && k.unpublished === undefined;
}

export function isSigning(k: LifecycleKey, scope: SigningScope): boolean {
  return scope === 'keys' ? k.signsKeysFrom !== undefined && k.signsKeysUntil === undefined : k.signsZoneFrom !== undefined && k.signsZoneUntil === undefined;
}

/**
 * Going insecure (RFC 8078 §4, RcodeZero's unsign): ask for the DS to go (DSUpdate with nothing
 * to publish, the CDS/CDNSKEY delete form); keys and signatures stay, as they are, until the DS is
 * gone from the parent and from every cache (Ids). Running rollovers are frozen, not undone: every
 * key they hold is valid as it stands, and they go on if the zone names a policy again in time.
 */
function startUnsigning(state: LifecycleState, now: number, actions: LifecycleAction[]): void {
  state.phase = 'unsigning';
  state.unsigning = { since: now };
  state.forced = { ksk: false, zsk: false };
  const atParent = state.keys.filter((k) => hasDs(k.role) && (k.dsSubmitted !== undefined || k.dsSeen !== undefined) && k.dsGone === undefined);
  if (atParent.length > 0) actions.push({ type: 'message', message: { kind: 'DSUpdate', publish: [], publishTags: [], withdrawTags: atParent.map((k) => k.tag) } });
}

function advanceUnsigning(state: LifecycleState, w: Waits, now: number, actions: LifecycleAction[], timers: number[]): boolean {
  const u = state.unsigning!;
  const atParent = state.keys.filter((k) => hasDs(k.role) && k.dsSubmitted !== undefined && k.dsGone === undefined);
  if (atParent.length > 0) {
    // Still (or again: seen after it had gone) at the parent: the wait starts when it goes.
    const moved = u.dsGoneAt !== undefined;
    u.dsGoneAt = undefined;
    return moved;
  }
  if (u.dsGoneAt === undefined) {
    // Never submitted, or seen gone: the DS caches empty Ids after the last removal.
    u.dsGoneAt = Math.max(u.since - w.ids, ...state.keys.map((k) => k.dsGone ?? -Infinity));
    return true;
  }
  if (now < u.dsGoneAt + w.ids) {
    timers.push(u.dsGoneAt + w.ids);
    return false;
  }
  // DSREMOVED: no cache holds the DS; the signatures and keys may go (RcodeZero).
  const hadDs = state.keys.some((k) => k.dsSubmitted !== undefined);
  for (const k of state.keys) {
    if (isSigning(k, 'keys')) actions.push({ type: 'retire', keyId: k.id, tag: k.tag, scope: 'keys' });
    if (isSigning(k, 'zone')) actions.push({ type: 'retire', keyId: k.id, tag: k.tag, scope: 'zone' });
    if (isPublished(k)) actions.push({ type: 'remove', keyId: k.id, tag: k.tag });
    actions.push({ type: 'deleteKey', keyId: k.id, tag: k.tag });
  }
  if (hadDs) actions.push({ type: 'message', message: { kind: 'DSRemoved' } });
  state.keys = [];
  state.rollovers = [];
  state.phase = 'unsigned';
  state.unsigning = undefined;
  return true;
}

/**
 * The keys whose DS the parent should have: those submitted (DSUPDATE) and not gone, less those a
 * rollover replaces once the new DS was asked for (the user replaces the DS set; a parent that
 * reads CDS does the same, RFC 7344 §4.1).
 */
export function wantedDsKeys(state: LifecycleState): LifecycleKey[] {
  if (state.phase !== 'signing') return [];
  const replaced = new Set(state.rollovers.filter((r) => r.stage !== 'generate' && r.stage !== 'signing' && r.stage !== 'published').flatMap((r) => r.oldKeys));
  return state.keys.filter((k) => hasDs(k.role) && k.dsSubmitted !== undefined && !replaced.has(k.id) && k.goal !== 'outgoing');
}

/** RFC 7344 §4: CDS/CDNSKEY for the keys whose DS the parent should have, once submitted; RFC 8078 §4 while unsigning. */
function syncCds(state: LifecycleState, p: LifecyclePolicy, actions: LifecycleAction[]): void {
  let want: number[] | 'delete';
  if (!p.publishCds) want = [];
  else if (state.phase === 'unsigning') want = 'delete';
  else want = wantedDsKeys(state).map((k) => k.tag).sort((a, b) => a - b);
  const same = want === 'delete' ? state.cds === 'delete' : state.cds !== 'delete' && state.cds.length === want.length && state.cds.every((t, i) => t === want[i]);
  if (same) return;
  state.cds = want;
  actions.push(want === 'delete' ? { type: 'publishCdsDelete' } : { type: 'publishCds', tags: want });
}

export type ZoneDnssecState = 'disabled' | 'pending_ds' | 'active' | 'rotating_zsk' | 'rotating_ksk' | 'unsigning';

/** The zone-level state of ScaiDNS's API (`status.dnssec.state`), derived from the lifecycle. */
export function zoneState(state: LifecycleState): ZoneDnssecState {
  if (state.phase === 'unsigned') return 'disabled';
  if (state.phase === 'unsigning') return 'unsigning';
  if (state.rollovers.some((r) => r.kind === 'initial')) return 'pending_ds';
  if (state.rollovers.some((r) => r.kind === 'ksk' || r.kind === 'csk' || r.kind === 'algorithm')) return 'rotating_ksk';
  if (state.rollovers.some((r) => r.kind === 'zsk')) return 'rotating_zsk';
  const current = state.keys.filter((k) => k.goal === 'current' && hasDs(k.role));
  if (current.some((k) => k.dsSeen === undefined)) return 'pending_ds';
  return 'active';
}

/** One key as `status.dnssec.keys` shows it (times in seconds; the caller formats them). */
export interface KeyView {
  readonly keyTag: number;
  readonly algorithm: number;
  readonly role: KeyRole;
  readonly state: 'published' | 'active' | 'retired' | 'signing' | 'removed';
  readonly ds?: 'none' | 'submitted' | 'seen' | 'gone';
  readonly created: number;
  readonly nextAction?: string;
  readonly nextActionAt?: number;
}

export interface LifecycleView {
  readonly state: ZoneDnssecState;
  /** DS records the parent should publish (presentation format, per key and digest type). */
  readonly dsRecords: string[];
  readonly keys: KeyView[];
}

/** What `status.dnssec` shows: no private part, nothing but what the state holds. */
export function view(state: LifecycleState): LifecycleView {
  const p = state.policy;
  const z = state.zone ?? { maxTTL: 0, negativeTTL: 0 };
  const w = p ? waits(p, z) : undefined;
  const keys = state.keys.map((k): KeyView => {
    const pub = isPublished(k);
    const signing = isSigning(k, 'keys') || isSigning(k, 'zone');
    const ks: KeyView['state'] = pub && signing ? 'active' : pub && k.signsKeysFrom === undefined && k.signsZoneFrom === undefined ? 'published' : pub ? 'retired' : signing && k.unpublished !== undefined ? 'removed' : 'signing';
    const ds: KeyView['ds'] = !hasDs(k.role) ? undefined : k.dsSeen !== undefined ? 'seen' : k.dsGone !== undefined ? 'gone' : k.dsSubmitted !== undefined ? 'submitted' : 'none';
    return { keyTag: k.tag, algorithm: k.algorithm, role: k.role, state: ks, ds, created: k.created, ...nextOf(state, k, w) };
  });
  const dsRecords = wantedDsKeys(state).flatMap((k) => k.ds);
  return { state: zoneState(state), dsRecords, keys };
}

function nextOf(state: LifecycleState, k: LifecycleKey, w: Waits | undefined): { nextAction?: string; nextActionAt?: number } {
  if (!w) return {};
  if (state.phase === 'unsigning') {
    const at = state.unsigning?.dsGoneAt;
    return at === undefined ? { nextAction: 'remove once the DS is gone from the parent' } : { nextAction: 'remove', nextActionAt: at + w.ids };
  }
  const r = state.rollovers.find((x) => x.newKeys.includes(k.id) || x.oldKeys.includes(k.id));
  if (!r) {
    const p = state.policy!;
    const lifetime = k.role === 'ZSK' ? p.zskLifetime : k.role === 'KSK' ? p.kskLifetime : p.cskLifetime;
    const from = k.role === 'ZSK' ? k.signsZoneFrom : k.signsKeysFrom;
    return lifetime && from !== undefined ? { nextAction: 'rollover', nextActionAt: from + Math.max(0, lifetime - w.ipub) } : {};
  }
  const isNew = r.newKeys.includes(k.id);
  switch (r.stage) {
    case 'signing':
      return { nextAction: 'publish', nextActionAt: r.stageSince + w.isig };
    case 'published':
      if (r.kind === 'zsk') return { nextAction: isNew ? 'activate' : 'retire', nextActionAt: r.stageSince + w.ipub };
      if (r.kind === 'initial') return hasDs(k.role) ? { nextAction: 'DSUpdate', nextActionAt: r.stageSince + (state.zone?.neverServedUnsigned ? 0 : w.iinitial) } : {};
      return isNew && hasDs(k.role) ? { nextAction: 'DSUpdate', nextActionAt: r.stageSince + w.ipub } : {};
    case 'ds-submitted':
      return { nextAction: isNew ? 'wait for the DS at the parent' : 'remove after the new DS is seen' };
    case 'ds-seen':
      return isNew ? {} : { nextAction: r.kind === 'algorithm' ? 'remove DNSKEY' : 'remove', nextActionAt: r.stageSince + w.ids };
    case 'old-unpublished':
      return isNew ? {} : { nextAction: 'retire signatures', nextActionAt: r.stageSince + w.ipub };
    case 'old-retired':
      return isNew ? {} : { nextAction: 'remove', nextActionAt: r.stageSince + w.iret };
    default:
      return { nextAction: 'generate' };
  }
}
