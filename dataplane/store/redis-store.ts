import Redis, { type RedisOptions } from 'ioredis';
import { isAscii } from 'node:buffer';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CloudSelector, OutboundTarget, PodReport, SecondaryConfig, SecondaryState, StoredZone, ZoneChange, ZoneDiff, ZoneSnapshot, ZoneStore } from './zone-store';

/**
 * The ZoneStore in Redis (data model: docs/redis.md). Writes are Lua scripts, so the snapshot,
 * the zone index, the version counter and the change stream move together or not at all. The
 * change stream's entry IDs are the versions (`<version>-0`), so "what came after version N" is
 * one XREAD from N. Every key shares one hash tag, so the model also fits a Redis Cluster slot.
 */

const PUT = `
local v = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], 'serial', ARGV[2], 'clouds', ARGV[3], 'text', ARGV[4], 'version', v, 'secondaries', ARGV[6])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], v .. '-0', 'kind', 'put', 'origin', ARGV[1], 'serial', ARGV[2], 'catchup', ARGV[7])
return v`;

const DIFF = `
local v = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], v .. '-0', 'kind', 'diff', 'origin', ARGV[2], 'from', ARGV[3], 'serial', ARGV[4], 'removed', ARGV[5], 'added', ARGV[6])
return v`;

const DELETE = `
if redis.call('DEL', KEYS[2]) == 0 then return 0 end
redis.call('SREM', KEYS[3], ARGV[1])
local v = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[2], v .. '-0', 'kind', 'delete', 'origin', ARGV[1])
return v`;

export interface RedisZoneStoreOptions {
  /** Key prefix; keep the braces: they are the Redis Cluster hash tag. */
  readonly prefix?: string;
  /** How many changes the stream keeps (approximately) for readers that fall behind. */
  readonly keepChanges?: number;
  readonly redis?: RedisOptions;
}

export class RedisZoneStore implements ZoneStore {
  private readonly client: Redis;
  /** XREAD BLOCK holds its connection: blocking reads get one of their own. */
  private readonly blocking: Redis;
  private readonly prefix: string;
  private readonly keepChanges: number;

  constructor(url: string, options: RedisZoneStoreOptions = {}) {
    this.prefix = options.prefix ?? '{dnsfleet}:';
    this.keepChanges = options.keepChanges ?? 10_000;
    const redisOptions: RedisOptions = { maxRetriesPerRequest: null, lazyConnect: false, ...options.redis };
    this.client = new Redis(url, redisOptions);
    this.blocking = new Redis(url, redisOptions);
    // ioredis reconnects by itself; errors while it does are expected, not fatal.
    this.client.on('error', () => undefined);
    this.blocking.on('error', () => undefined);
  }

  private key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  async putDiff(diff: ZoneDiff): Promise<number> {
    const v = await this.client.eval(DIFF, 2, this.key('version'), this.key('changes'), String(this.keepChanges), diff.origin, String(diff.fromSerial), String(diff.serial), diff.removed, diff.added);
    return Number(v);
  }

  async putZone(zone: ZoneSnapshot, options: { catchUp?: boolean } = {}): Promise<number> {
    const v = await this.client.eval(
      PUT,
      4,
      this.key('version'),
      this.key('zone', zone.origin),
      this.key('zones'),
      this.key('changes'),
      zone.origin,
      String(zone.serial),
      encodeClouds(zone.clouds),
      zone.text,
      String(this.keepChanges),
      zone.secondaries && zone.secondaries.length > 0 ? JSON.stringify(zone.secondaries) : '',
      options.catchUp ? '1' : '',
    );
    return Number(v);
  }

  async deleteZone(origin: string): Promise<number> {
    const v = await this.client.eval(DELETE, 4, this.key('version'), this.key('zone', origin), this.key('zones'), this.key('changes'), origin, String(this.keepChanges));
    return Number(v);
  }

  async getZone(origin: string): Promise<StoredZone | undefined> {
    // As octets: decoding the text of a large zone (tens of MB) with the reply would stall the
    // pod's answers once more, on top of joining the reply's pieces (ADR 0009).
    const raw = await this.client.hgetallBuffer(this.key('zone', origin));
    await nextTurn();
    return toStoredZone(origin, decodeFields(raw));
  }

  async listZones(): Promise<{ zones: StoredZone[]; version: number }> {
    // The version is read first: a change that lands during the listing is replayed by the
    // reader afterwards, and replaying a put is harmless.
    const version = Number((await this.client.get(this.key('version'))) ?? 0);
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
    return { zones, version };
  }

  async changesSince(version: number, waitMs: number): Promise<{ changes: ZoneChange[]; reset: boolean }> {
    const stream = this.key('changes');
    const first = await this.client.xrange(stream, '-', '+', 'COUNT', 1);
    const current = Number((await this.client.get(this.key('version'))) ?? 0);
    // A store that went back (Redis restarted empty) or lost the entries we need: list again.
    if (current < version) return { changes: [], reset: true };
    if (current > version && first.length > 0 && versionOf(first[0]![0]) > version + 1) return { changes: [], reset: true };
    if (current > version && first.length === 0) return { changes: [], reset: true };
    const reply =
      waitMs > 0
        ? await this.blocking.xread('COUNT', 1000, 'BLOCK', waitMs, 'STREAMS', stream, `${version}-0`)
        : await this.client.xread('COUNT', 1000, 'STREAMS', stream, `${version}-0`);
    const entries = reply?.[0]?.[1] ?? [];
    return { changes: entries.map(([id, fields]) => toChange(id, fields)), reset: false };
  }

  async reportServed(cloud: string, pod: string, serials: ReadonlyMap<string, number>, ttlSeconds: number): Promise<void> {
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
  }

  async servedBy(cloud: string): Promise<PodReport[]> {
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
  }

  // Secondary zones (docs/redis.md): one JSON value per zone in a hash, a counter that moves on
  // every change (the control server polls it), and the control server's reports beside them.
  async putSecondary(config: SecondaryConfig): Promise<void> {
    await this.client.multi().hset(this.key('secondaries'), config.origin, JSON.stringify(config)).incr(this.key('secondaries-version')).exec();
  }

  async deleteSecondary(origin: string): Promise<void> {
    await this.client.multi().hdel(this.key('secondaries'), origin).hdel(this.key('secondary-state'), origin).incr(this.key('secondaries-version')).exec();
  }

  async listSecondaries(): Promise<{ secondaries: SecondaryConfig[]; version: number }> {
    const [[e1, all], [e2, version]] = ((await this.client.multi().hgetall(this.key('secondaries')).get(this.key('secondaries-version')).exec()) ?? []) as Array<[Error | null, unknown]> as [[Error | null, Record<string, string>], [Error | null, string | null]];
    if (e1 || e2) throw e1 ?? e2;
    return { secondaries: Object.values(all).map((v) => JSON.parse(v) as SecondaryConfig), version: Number(version ?? 0) };
  }

  async getSecondary(origin: string): Promise<SecondaryConfig | undefined> {
    const v = await this.client.hget(this.key('secondaries'), origin);
    return v ? (JSON.parse(v) as SecondaryConfig) : undefined;
  }

  async secondariesVersion(): Promise<number> {
    return Number((await this.client.get(this.key('secondaries-version'))) ?? 0);
  }

  async reportSecondary(state: SecondaryState): Promise<void> {
    await this.client.hset(this.key('secondary-state'), state.origin, JSON.stringify(state));
  }

  async secondaryState(origin: string): Promise<SecondaryState | undefined> {
    const v = await this.client.hget(this.key('secondary-state'), origin);
    return v ? (JSON.parse(v) as SecondaryState) : undefined;
  }

  async close(): Promise<void> {
    this.blocking.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

function encodeClouds(clouds: CloudSelector): string {
  return clouds === 'all' ? '*' : clouds.join(',');
}

/** A hash read as octets, decoded; master-file text is ASCII, which latin1 decodes at the cost of a copy. */
function decodeFields(raw: Record<string, Buffer>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) fields[k] = isAscii(v) ? v.toString('latin1') : v.toString('utf8');
  return fields;
}

function toStoredZone(origin: string, fields: Record<string, string>): StoredZone | undefined {
  if (!fields.version) return undefined;
  const clouds: CloudSelector = fields.clouds === '*' ? 'all' : fields.clouds ? fields.clouds!.split(',') : [];
  const secondaries = fields.secondaries ? (JSON.parse(fields.secondaries) as OutboundTarget[]) : undefined;
  return { origin, serial: Number(fields.serial), clouds, ...(secondaries ? { secondaries } : {}), text: fields.text ?? '', version: Number(fields.version) };
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
