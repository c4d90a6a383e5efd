import { randomBytes } from 'node:crypto';
import { isAscii } from 'node:buffer';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Redis, { ReplyError, type RedisOptions } from 'ioredis';
import { StoreFullError, StoreUnavailableError, ZoneOwnedError, type CloudSelector, type OutboundTarget, type PodReport, type SecondaryConfig, type SecondaryState, type SignedZoneEntry, type SignedZoneHead, type SigningReport, type UnsignedZone, type StoreEpoch, type StoredZone, type ZoneChange, type ZoneDiff, type ZoneSnapshot, type ZoneStore } from './zone-store';
import { StoreHealth } from './store-health';

/**
 * The ZoneStore in Redis (data model: docs/redis.md). Writes are Lua scripts, so the snapshot,
 * the zone index, the version counter and the change stream move together or not at all. The
 * change stream's entry IDs are the versions (`<version>-0`), so "what came after version N" is
 * one XREAD from N. Every key shares one hash tag, so the model also fits a Redis Cluster slot.
 */

// The owner guard (docs/adr/0008-zone-name-ownership.md), shared by every write: a name whose
// snapshot, secondary configuration or signed entry another owner wrote is refused with 'owned:<owner>'.
// KEYS: the zone hash, the secondaries hash, the signed entries hash; ARGV: origin, writer ('' for none).
const GUARD = `
local function owner_in(hash_key, origin, writer)
  local c = redis.call('HGET', hash_key, origin)
  if c then
    local o = cjson.decode(c).owner
    if type(o) == 'string' and o ~= '' and o ~= writer then return o end
  end
  return nil
end
local function held_by(zone_key, secondaries_key, signed_key, origin, writer)
  local z = redis.call('HGET', zone_key, 'owner')
  if z and z ~= '' and z ~= writer then return z end
  return owner_in(secondaries_key, origin, writer) or owner_in(signed_key, origin, writer)
end
`;

const PUT = `${GUARD}
local held = held_by(KEYS[2], KEYS[5], KEYS[6], ARGV[1], ARGV[8])
if held then return 'owned:' .. held end
local v = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], 'serial', ARGV[2], 'clouds', ARGV[3], 'text', ARGV[4], 'version', v, 'secondaries', ARGV[6], 'owner', ARGV[8])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], v .. '-0', 'kind', 'put', 'origin', ARGV[1], 'serial', ARGV[2], 'catchup', ARGV[7])
return v`;

const DIFF = `${GUARD}
local held = held_by(KEYS[3], KEYS[4], KEYS[5], ARGV[2], ARGV[7])
if held then return 'owned:' .. held end
local v = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], v .. '-0', 'kind', 'diff', 'origin', ARGV[2], 'from', ARGV[3], 'serial', ARGV[4], 'removed', ARGV[5], 'added', ARGV[6])
return v`;

// ARGV[3]: the deleting owner; '' deletes whatever is there.
const DELETE = `
if ARGV[3] ~= '' then
  local held = redis.call('HGET', KEYS[2], 'owner')
  if held and held ~= '' and held ~= ARGV[3] then return 0 end
end
if redis.call('DEL', KEYS[2]) == 0 then return 0 end
redis.call('SREM', KEYS[3], ARGV[1])
local v = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], v .. '-0', 'kind', 'delete', 'origin', ARGV[1])
return v`;

const PUT_SECONDARY = `${GUARD}
local held = held_by(KEYS[3], KEYS[1], KEYS[4], ARGV[1], ARGV[3])
if held then return 'owned:' .. held end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('INCR', KEYS[2])
return 1`;

const DELETE_SECONDARY = `${GUARD}
if ARGV[2] ~= '' and owner_in(KEYS[1], ARGV[1], ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('INCR', KEYS[3])
return 1`;

// A signed entry (issue #11): its head (JSON, no text) in one hash, a primary's unsigned text
// in another, so listing the entries does not read every zone.
// Each move of the signed counter is also an entry `<counter>-0` of a short stream, which the
// control server waits on (XREAD BLOCK) instead of polling the counter. Its XADD may fail (a
// counter that went back below the stream's last entry): the write stands, the waiter then wakes
// on its timeout.
const SIGNED_NUDGE = `
local function nudge(counter_key, stream_key, origin)
  local v = redis.call('INCR', counter_key)
  redis.pcall('XADD', stream_key, 'MAXLEN', '~', 64, v .. '-0', 'origin', origin)
end
`;

// KEYS: signed heads, signed texts, signed counter, zone hash, secondaries, signed stream; ARGV: origin, head, text ('' none), writer.
const PUT_SIGNED = `${GUARD}${SIGNED_NUDGE}
local held = held_by(KEYS[4], KEYS[5], KEYS[1], ARGV[1], ARGV[4])
if held then return 'owned:' .. held end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) else redis.call('HDEL', KEYS[2], ARGV[1]) end
nudge(KEYS[3], KEYS[6], ARGV[1])
return 1`;

// KEYS: signed heads, signed texts, reports, counter, signed stream; ARGV: origin, owner ('' any).
const DELETE_SIGNED = `${GUARD}${SIGNED_NUDGE}
if ARGV[2] ~= '' and owner_in(KEYS[1], ARGV[1], ARGV[2]) then return 0 end
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
nudge(KEYS[4], KEYS[5], ARGV[1])
return 1`;

/** A script's answer: its number, or the guard's refusal as a typed error. */
function guarded(result: unknown, origin: string, writer: string | undefined): number {
  if (typeof result === 'string' && result.startsWith('owned:')) throw new ZoneOwnedError(origin, result.slice('owned:'.length), writer);
  return Number(result);
}

// The epoch (ADR 0007): KEYS epoch, epoch-complete, epoch-copies, version. Whoever finds no epoch
// makes one (SET NX), so a store that lost its keys gets a new identity at its first reader.
const EPOCH = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]) or '', redis.call('GET', KEYS[3]) or '', redis.call('GET', KEYS[4]) or '0'}`;

// A new epoch only if the store still has the one the caller saw: two readers that both found
// the store behind make one new epoch, not two.
const RENEW = `
local e = redis.call('GET', KEYS[1])
if e == false or e == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) end
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]) or '', redis.call('GET', KEYS[3]) or '', redis.call('GET', KEYS[4]) or '0'}`;

const COMPLETE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
return 1`;

export function newEpochId(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

export interface RedisZoneStoreOptions {
  /** Key prefix; keep the braces: they are the Redis Cluster hash tag. */
  readonly prefix?: string;
  /** How many changes the stream keeps (approximately) for readers that fall behind. */
  readonly keepChanges?: number;
  readonly redis?: RedisOptions;
  /** How long one request may take before it fails (the store counts as down). */
  readonly commandTimeoutMs?: number;
}

export class RedisZoneStore implements ZoneStore {
  private readonly client: Redis;
  /** XREAD BLOCK holds its connection: blocking reads get one of their own. */
  private readonly blocking: Redis;
  /** The control server's wait for signed entries (waitSigned), made at its first use. */
  private signedWaiter: Redis | undefined;
  private readonly blockingConnection: () => Redis;
  private readonly prefix: string;
  private readonly keepChanges: number;
  readonly health = new StoreHealth();
  readonly where: string;
  /** The last connection error ioredis reported: the cause behind "max retries reached". */
  private connectionError = '';

  constructor(url: string, options: RedisZoneStoreOptions = {}) {
    this.prefix = options.prefix ?? '{dnsfleet}:';
    this.keepChanges = options.keepChanges ?? 10_000;
    this.where = redactUrl(url);
    const timeout = options.commandTimeoutMs ?? 5000;
    // Fail fast (issue 9): a request waits for a connection at most one reconnection attempt and
    // `timeout` in all, then fails, so nothing queues without bound while Redis is away. The
    // callers retry with backoff and keep serving what they have.
    const common: RedisOptions = {
      maxRetriesPerRequest: 1,
      connectTimeout: timeout,
      retryStrategy: (times) => Math.min(times * 200, 2000),
      lazyConnect: false,
      ...options.redis,
    };
    // ioredis reconnects by itself; errors while it does are expected, not fatal. The store's
    // health (logged once per change by its user) says when it is down.
    const remember = (err: Error): void => {
      this.connectionError = err.message;
    };
    this.client = new Redis(url, { commandTimeout: timeout, ...common });
    this.client.on('error', remember);
    // XREAD BLOCK waits on purpose: no command timeout there, but a client-side limit of the
    // block time plus `timeout`, so a dead connection still ends the wait.
    this.blockingConnection = () => {
      const connection = new Redis(url, { blockingTimeout: timeout, blockingTimeoutGrace: timeout, ...common });
      connection.on('error', remember);
      return connection;
    };
    this.blocking = this.blockingConnection();
  }

  private key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /** Runs one request: its outcome feeds `health`; a connection failure becomes StoreUnavailableError. */
  private async run<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      const result = await request();
      this.health.succeeded();
      return result;
    } catch (err) {
      // Redis answered, with an error or the owner guard's refusal: the store is there.
      if (err instanceof ReplyError || err instanceof ZoneOwnedError) {
        this.health.succeeded();
        // Redis over its maxmemory refuses writes with "OOM command not allowed ...", in a script too.
        const text = (err as Error).message;
        if (err instanceof ReplyError && /\bOOM\b/.test(text)) throw new StoreFullError(operation, this.where, text.split('\n')[0]!);
        throw err;
      }
      const message = (err as Error).message ?? String(err);
      const reason = /max retries per request|Connection is closed|Stream isn't writeable/i.test(message) && this.connectionError ? `${message} (${this.connectionError})` : message;
      this.health.failed(this.connectionError || message);
      throw new StoreUnavailableError(operation, this.where, reason);
    }
  }

  private epochKeys(): [string, string, string, string] {
    return [this.key('epoch'), this.key('epoch-complete'), this.key('epoch-copies'), this.key('version')];
  }

  /** The epoch, made first if the store has none (inside a request already run by `run`). */
  private async readEpoch(): Promise<StoreEpoch> {
    return toEpoch(await this.client.eval(EPOCH, 4, ...this.epochKeys(), newEpochId()));
  }

  async epoch(): Promise<StoreEpoch> {
    return this.run('read the epoch', () => this.readEpoch());
  }

  async renewEpoch(id: string): Promise<StoreEpoch> {
    return this.run('renew the epoch', async () => toEpoch(await this.client.eval(RENEW, 4, ...this.epochKeys(), id, newEpochId())));
  }

  async completeEpoch(id: string, part: 'zones' | 'copies'): Promise<boolean> {
    const target = part === 'zones' ? this.key('epoch-complete') : this.key('epoch-copies');
    return this.run('complete the epoch', async () => Number(await this.client.eval(COMPLETE, 2, this.key('epoch'), target, id)) === 1);
  }

  async putDiff(diff: ZoneDiff): Promise<number> {
    return this.run('write a zone difference', async () => {
      const v = await this.client.eval(DIFF, 5, this.key('version'), this.key('changes'), this.key('zone', diff.origin), this.key('secondaries'), this.key('signed'), String(this.keepChanges), diff.origin, String(diff.fromSerial), String(diff.serial), diff.removed, diff.added, diff.owner ?? '');
      return guarded(v, diff.origin, diff.owner);
    });
  }

  async putZone(zone: ZoneSnapshot, options: { catchUp?: boolean } = {}): Promise<number> {
    const text = await octetsInSlices(zone.text);
    return this.run('write a zone', async () => {
      const v = await this.client.eval(
        PUT,
        6,
        this.key('version'),
        this.key('zone', zone.origin),
        this.key('zones'),
        this.key('changes'),
        this.key('secondaries'),
        this.key('signed'),
        zone.origin,
        String(zone.serial),
        encodeClouds(zone.clouds),
        text,
        String(this.keepChanges),
        zone.secondaries && zone.secondaries.length > 0 ? JSON.stringify(zone.secondaries) : '',
        options.catchUp ? '1' : '',
        zone.owner ?? '',
      );
      return guarded(v, zone.origin, zone.owner);
    });
  }

  async deleteZone(origin: string, owner?: string): Promise<number> {
    return this.run('delete a zone', async () => {
      const v = await this.client.eval(DELETE, 4, this.key('version'), this.key('zone', origin), this.key('zones'), this.key('changes'), origin, String(this.keepChanges), owner ?? '');
      return Number(v);
    });
  }

  async getZone(origin: string): Promise<StoredZone | undefined> {
    return this.run('read a zone', async () => {
      // As octets: decoding the text of a large zone (tens of MB) with the reply would stall the
      // pod's answers once more, on top of joining the reply's pieces (ADR 0009).
      const raw = await this.client.hgetallBuffer(this.key('zone', origin));
      await nextTurn();
      return toStoredZone(origin, decodeFields(raw));
    });
  }

  async listZones(): Promise<{ zones: StoredZone[]; version: number; epoch: StoreEpoch }> {
    return this.run('list the zones', async () => {
      // The epoch and version are read first: a change that lands during the listing is replayed
      // by the reader afterwards, and replaying a put is harmless.
      const before = await this.readEpoch();
      const { zones } = await this.readZones();
      const after = await this.readEpoch();
      // A reset during the listing: what was listed is a mix, good to add but not to trust whole.
      const epoch = after.id === before.id ? before : { ...after, complete: false };
      return { zones, version: after.id === before.id ? before.version : after.version, epoch };
    });
  }

  /** Every zone's snapshot (inside the listing's request). */
  private async readZones(): Promise<{ zones: StoredZone[] }> {
    const origins = await this.client.smembers(this.key('zones'));
    const pipeline = this.client.pipeline();
    for (const origin of origins) pipeline.hgetall(this.key('zone', origin));
    const results = (await pipeline.exec()) ?? [];
    const zones: StoredZone[] = [];
    results.forEach(([err, value], i) => {
      if (err) throw err;
      const zone = toStoredZone(origins[i]!, value as Record<string, string>);
      if (zone) zones.push(zone);
    });
    return { zones };
  }

  async changesSince(version: number, waitMs: number): Promise<{ changes: ZoneChange[]; reset: boolean; epoch: StoreEpoch }> {
    return this.run('read the change stream', async () => {
      const stream = this.key('changes');
      const epoch = await this.readEpoch();
      const first = await this.client.xrange(stream, '-', '+', 'COUNT', 1);
      const current = epoch.version;
      // A store that went back (Redis restarted empty or from an older copy) or lost the entries
      // we need: list again.
      if (current < version) return { changes: [], reset: true, epoch };
      if (current > version && first.length > 0 && versionOf(first[0]![0]) > version + 1) return { changes: [], reset: true, epoch };
      if (current > version && first.length === 0) return { changes: [], reset: true, epoch };
      const reply =
        waitMs > 0
          ? await this.blocking.xread('COUNT', 1000, 'BLOCK', waitMs, 'STREAMS', stream, `${version}-0`)
          : await this.client.xread('COUNT', 1000, 'STREAMS', stream, `${version}-0`);
      const entries = reply?.[0]?.[1] ?? [];
      // Trimmed while waiting: the entries no longer follow on from `version`.
      if (entries.length > 0 && versionOf(entries[0]![0]) > version + 1) return { changes: [], reset: true, epoch };
      return { changes: entries.map(([id, fields]) => toChange(id, fields)), reset: false, epoch };
    });
  }

  async reportServed(cloud: string, pod: string, serials: ReadonlyMap<string, number>, ttlSeconds: number): Promise<void> {
    await this.run('report served serials', async () => {
      const key = this.key('served', cloud, pod);
      const now = Date.now();
      const fields: string[] = ['@at', String(now)];
      for (const [origin, serial] of serials) fields.push(origin, String(serial));
      await this.client
        .multi()
        .del(key)
        .hset(key, ...fields)
        .expire(key, ttlSeconds)
        // The pod index holds each pod until its report expires.
        .zadd(this.key('pods', cloud), now + ttlSeconds * 1000, pod)
        .zremrangebyscore(this.key('pods', cloud), '-inf', now)
        .exec();
    });
  }

  async servedBy(cloud: string): Promise<PodReport[]> {
    return this.run('read served serials', async () => {
      const pods = await this.client.zrangebyscore(this.key('pods', cloud), Date.now(), '+inf');
      const pipeline = this.client.pipeline();
      for (const pod of pods) pipeline.hgetall(this.key('served', cloud, pod));
      const results = (await pipeline.exec()) ?? [];
      const reports: PodReport[] = [];
      results.forEach(([err, value], i) => {
        if (err) throw err;
        const fields = value as Record<string, string>;
        if (!fields['@at']) return;
        const serials = new Map<string, number>();
        for (const [k, v] of Object.entries(fields)) if (k !== '@at') serials.set(k, Number(v));
        reports.push({ pod: pods[i]!, serials, at: Number(fields['@at']) });
      });
      return reports;
    });
  }

  // Secondary zones (docs/redis.md): one JSON value per zone in a hash, a counter that moves on
  // every change (the control server polls it), and the control server's reports beside them.
  async putSecondary(config: SecondaryConfig): Promise<void> {
    await this.run('write a secondary zone', async () => {
      const v = await this.client.eval(PUT_SECONDARY, 4, this.key('secondaries'), this.key('secondaries-version'), this.key('zone', config.origin), this.key('signed'), config.origin, JSON.stringify(config), config.owner ?? '');
      guarded(v, config.origin, config.owner);
    });
  }

  async deleteSecondary(origin: string, owner?: string): Promise<void> {
    await this.run('delete a secondary zone', async () => {
      await this.client.eval(DELETE_SECONDARY, 3, this.key('secondaries'), this.key('secondary-state'), this.key('secondaries-version'), origin, owner ?? '');
    });
  }

  async listSecondaries(): Promise<{ secondaries: SecondaryConfig[]; version: number }> {
    return this.run('list the secondary zones', async () => {
      const [[e1, all], [e2, version]] = ((await this.client.multi().hgetall(this.key('secondaries')).get(this.key('secondaries-version')).exec()) ?? []) as Array<[Error | null, unknown]> as [[Error | null, Record<string, string>], [Error | null, string | null]];
      if (e1 || e2) throw e1 ?? e2;
      return { secondaries: Object.values(all).map((v) => JSON.parse(v) as SecondaryConfig), version: Number(version ?? 0) };
    });
  }

  async getSecondary(origin: string): Promise<SecondaryConfig | undefined> {
    const v = await this.run('read a secondary zone', () => this.client.hget(this.key('secondaries'), origin));
    return v ? (JSON.parse(v) as SecondaryConfig) : undefined;
  }

  async secondariesVersion(): Promise<number> {
    return Number((await this.run('read the secondary zones counter', () => this.client.get(this.key('secondaries-version')))) ?? 0);
  }

  async reportSecondary(state: SecondaryState): Promise<void> {
    await this.run('report a secondary zone', () => this.client.hset(this.key('secondary-state'), state.origin, JSON.stringify(state)));
  }

  async secondaryState(origin: string): Promise<SecondaryState | undefined> {
    const v = await this.run('read a secondary zone state', () => this.client.hget(this.key('secondary-state'), origin));
    return v ? (JSON.parse(v) as SecondaryState) : undefined;
  }
  // Signed entries (docs/redis.md): heads in one hash, a primary's unsigned text in another, a
  // counter the control server polls, and its reports beside them.
  async putSigned(entry: SignedZoneEntry): Promise<void> {
    const { unsigned, ...rest } = entry;
    const head: SignedZoneHead & { unsignedZone?: Omit<UnsignedZone, 'text'> } = { ...rest, ...(unsigned ? { unsignedSerial: unsigned.serial, unsignedZone: { serial: unsigned.serial, clouds: unsigned.clouds, ...(unsigned.secondaries ? { secondaries: unsigned.secondaries } : {}) } } : {}) };
    await this.run('write a signed zone entry', async () => {
      const v = await this.client.eval(PUT_SIGNED, 6, this.key('signed'), this.key('signed-text'), this.key('signed-version'), this.key('zone', entry.origin), this.key('secondaries'), this.key('signed-changes'), entry.origin, JSON.stringify(head), unsigned?.text ?? '', entry.owner ?? '');
      guarded(v, entry.origin, entry.owner);
    });
  }

  async deleteSigned(origin: string, owner?: string): Promise<void> {
    await this.run('delete a signed zone entry', () => this.client.eval(DELETE_SIGNED, 5, this.key('signed'), this.key('signed-text'), this.key('signing-report'), this.key('signed-version'), this.key('signed-changes'), origin, owner ?? ''));
  }

  async listSigned(): Promise<{ entries: SignedZoneHead[]; version: number }> {
    return this.run('list the signed zone entries', async () => {
      const [[e1, all], [e2, version]] = ((await this.client.multi().hgetall(this.key('signed')).get(this.key('signed-version')).exec()) ?? []) as Array<[Error | null, unknown]> as [[Error | null, Record<string, string>], [Error | null, string | null]];
      if (e1 || e2) throw e1 ?? e2;
      return { entries: Object.values(all).map((v) => headOf(JSON.parse(v) as StoredSignedHead)), version: Number(version ?? 0) };
    });
  }

  async getSigned(origin: string): Promise<SignedZoneEntry | undefined> {
    return this.run('read a signed zone entry', async () => {
      const [[e1, head], [e2, text]] = ((await this.client.multi().hget(this.key('signed'), origin).hget(this.key('signed-text'), origin).exec()) ?? []) as Array<[Error | null, string | null]>;
      if (e1 || e2) throw e1 ?? e2;
      if (!head) return undefined;
      const stored = JSON.parse(head) as StoredSignedHead;
      const { unsignedZone } = stored;
      return { ...headWithoutSerial(stored), ...(unsignedZone ? { unsigned: { ...unsignedZone, text: text ?? '' } } : {}) };
    });
  }

  async signedVersion(): Promise<number> {
    return Number((await this.run('read the signed zones counter', () => this.client.get(this.key('signed-version')))) ?? 0);
  }

  async waitSigned(version: number, waitMs: number): Promise<void> {
    // A connection of its own: a blocking read holds it, and the change stream's reader has the other.
    this.signedWaiter ??= this.blockingConnection();
    const waiter = this.signedWaiter;
    await this.run('wait for a signed zone entry change', () => waiter.xread('COUNT', 1, 'BLOCK', Math.max(1, Math.round(waitMs)), 'STREAMS', this.key('signed-changes'), `${Math.max(0, version)}-0`));
  }

  async reportSigning(report: SigningReport): Promise<void> {
    await this.run('report a signed zone', () => this.client.hset(this.key('signing-report'), report.origin, JSON.stringify(report)));
  }

  async signingReport(origin: string): Promise<SigningReport | undefined> {
    const v = await this.run('read a signing report', () => this.client.hget(this.key('signing-report'), origin));
    return v ? (JSON.parse(v) as SigningReport) : undefined;
  }


  /** Never waits on an absent Redis: a pod must stop within its grace period (issue 9). */
  async close(): Promise<void> {
    this.blocking.disconnect();
    this.signedWaiter?.disconnect();
    if (this.client.status !== 'ready') {
      this.client.disconnect();
      return;
    }
    const timer = setTimeout(() => this.client.disconnect(), 1000);
    await this.client.quit().catch(() => this.client.disconnect());
    clearTimeout(timer);
  }
}

function toEpoch(reply: unknown): StoreEpoch {
  const [id, complete, copies, version] = (reply as string[]).map(String) as [string, string, string, string];
  return { id, complete: complete === id, copiesRewritten: copies === id, version: Number(version) };
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable Redis URL)';
  }
}

function encodeClouds(clouds: CloudSelector): string {
  return clouds === 'all' ? '*' : clouds.join(',');
}

/** A hash read as octets, decoded; master-file text is ASCII, which latin1 decodes at the cost of a copy. */
/** Texts longer than this are turned into octets a slice at a time before they are sent. */
const TEXT_SLICE = 1 << 20;

/**
 * A zone's text as the octets Redis gets (UTF-8), made a megabyte at a time with a turn of the
 * event loop between (ADR 0009): handed a string of megabytes, the client encodes it whole in one
 * go (a signed zone of 10,000 names: 6 MB, a pause of tens of milliseconds for every query and
 * change the process has in hand). A short text is sent as it is.
 */
async function octetsInSlices(text: string): Promise<string | Buffer> {
  if (text.length <= TEXT_SLICE) return text;
  const octets = Buffer.allocUnsafe(Buffer.byteLength(text));
  let at = 0;
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + TEXT_SLICE);
    // Never between the two halves of a surrogate pair: each half alone encodes as U+FFFD.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    at += octets.write(text.slice(i, end), at, 'utf8');
    i = end;
    if (i < text.length) await nextTurn();
  }
  return octets;
}

function decodeFields(raw: Record<string, Buffer>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) fields[k] = isAscii(v) ? v.toString('latin1') : v.toString('utf8');
  return fields;
}

function toStoredZone(origin: string, fields: Record<string, string>): StoredZone | undefined {
  if (!fields.version) return undefined;
  const clouds: CloudSelector = fields.clouds === '*' ? 'all' : fields.clouds ? fields.clouds!.split(',') : [];
  const secondaries = fields.secondaries ? (JSON.parse(fields.secondaries) as OutboundTarget[]) : undefined;
  return { origin, serial: Number(fields.serial), clouds, ...(secondaries ? { secondaries } : {}), text: fields.text ?? '', ...(fields.owner ? { owner: fields.owner } : {}), version: Number(fields.version) };
}

function versionOf(id: string): number {
  return Number(id.split('-')[0]);
}

function toChange(id: string, fields: string[]): ZoneChange {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
  const version = versionOf(id);
  const origin = f.get('origin') ?? '';
  const kind = f.get('kind');
  if (kind === 'delete') return { kind: 'delete', origin, version };
  if (kind === 'diff') return { kind: 'diff', origin, version, fromSerial: Number(f.get('from')), serial: Number(f.get('serial')), removed: f.get('removed') ?? '', added: f.get('added') ?? '' };
  return { kind: 'put', origin, serial: Number(f.get('serial')), version, ...(f.get('catchup') === '1' ? { catchUp: true } : {}) };
}

type StoredSignedHead = SignedZoneHead & { unsignedZone?: Omit<UnsignedZone, 'text'> };

function headWithoutSerial(stored: StoredSignedHead): Omit<SignedZoneEntry, 'unsigned'> {
  return { origin: stored.origin, ...(stored.owner ? { owner: stored.owner } : {}), order: stored.order };
}

function headOf(stored: StoredSignedHead): SignedZoneHead {
  return { ...headWithoutSerial(stored), ...(stored.unsignedSerial !== undefined ? { unsignedSerial: stored.unsignedSerial } : {}) };
}
