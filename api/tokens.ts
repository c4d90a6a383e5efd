import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Tenants and their Bearer tokens (RcodeZero: "This API uses Bearer Token for authentication …
 * Authorization: Bearer <token>"). The tokens live in a Secret in the API's own namespace
 * (`dnsfleet-api-tokens`), one entry per token: the key is the SHA-256 of the token in hex (so
 * the Secret never holds a token itself), the value a JSON object
 * `{"namespace": "tenant-a", "quota": {"zones": 10, "secondaryZones": 10, "records": 1000}, "rateLimit": 1500}`.
 * `namespace` is required; every call made with the token acts in it only.
 */

export const TOKEN_SECRET = 'dnsfleet-api-tokens';

/** Per-tenant limits; a limit left out is no limit. */
export interface QuotaLimits {
  readonly zones?: number;
  readonly secondaryZones?: number;
  readonly records?: number;
}

export interface Tenant {
  /** The namespace every call of this token acts in. */
  readonly namespace: string;
  /** The first 12 hex digits of the token's hash: names the token in logs without revealing it. */
  readonly tokenId: string;
  readonly quota: QuotaLimits;
  /** Requests per minute; the API's default when left out. */
  readonly rateLimit?: number;
}

/** SHA-256 of a token, in lower-case hex: the key of its entry in the Secret. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const HASH = /^[0-9a-f]{64}$/;
// A DNS-1123 label: what Kubernetes accepts as a namespace name.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface TokenTableLoad {
  readonly table: TokenTable;
  /** Entries left out, each with why (for the API's log; they never reach a caller). */
  readonly problems: readonly string[];
}

export class TokenTable {
  private constructor(private readonly entries: ReadonlyArray<{ readonly hash: Buffer; readonly tenant: Tenant }>) {}

  static readonly empty = new TokenTable([]);

  /** Reads the Secret's data (already base64-decoded). A bad entry is left out, not fatal: the others keep working. */
  static fromSecretData(data: Readonly<Record<string, string>>): TokenTableLoad {
    const entries: Array<{ hash: Buffer; tenant: Tenant }> = [];
    const problems: string[] = [];
    for (const [rawKey, value] of Object.entries(data)) {
      const key = rawKey.toLowerCase();
      if (!HASH.test(key)) {
        problems.push(`${rawKey.slice(0, 16)}…: the key is not a SHA-256 in hex (64 digits)`);
        continue;
      }
      const problem = (why: string): void => void problems.push(`${key.slice(0, 12)}: ${why}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        problem('the value is not JSON');
        continue;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        problem('the value is not a JSON object');
        continue;
      }
      const entry = parsed as { namespace?: unknown; quota?: unknown; rateLimit?: unknown };
      if (typeof entry.namespace !== 'string' || !NAMESPACE.test(entry.namespace)) {
        problem('"namespace" must be a namespace name');
        continue;
      }
      const quota = quotaOf(entry.quota);
      if (typeof quota === 'string') {
        problem(quota);
        continue;
      }
      if (entry.rateLimit !== undefined && !isCount(entry.rateLimit, 1)) {
        problem('"rateLimit" must be a whole number of requests per minute, at least 1');
        continue;
      }
      entries.push({
        hash: Buffer.from(key, 'hex'),
        tenant: { namespace: entry.namespace, tokenId: key.slice(0, 12), quota, ...(entry.rateLimit !== undefined ? { rateLimit: entry.rateLimit as number } : {}) },
      });
    }
    return { table: new TokenTable(entries), problems };
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The tenant of a token. Every entry is compared, each in constant time, and the loop does not
   * stop at a match, so the time taken says nothing about which hashes exist.
   */
  lookup(token: string): Tenant | undefined {
    const presented = Buffer.from(hashToken(token), 'hex');
    let found: Tenant | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.hash, presented)) found ??= entry.tenant;
    }
    return found;
  }
}

function isCount(v: unknown, min = 0): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
}

function quotaOf(raw: unknown): QuotaLimits | string {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return '"quota" must be an object';
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k !== 'zones' && k !== 'secondaryZones' && k !== 'records') return `"quota.${k}": unknown limit (expected zones, secondaryZones or records)`;
    if (!isCount(v)) return `"quota.${k}" must be a whole number, 0 or more`;
    out[k] = v;
  }
  return out;
}

/** The token of an `Authorization: Bearer <token>` header; undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i.exec(header ?? '');
  return m?.[1];
}
