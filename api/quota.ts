import { QuotaExceededError } from './errors';
import type { QuotaLimits } from './tokens';
import type { Quota } from './types';

/**
 * Per-tenant quota (IONOS's GET /quota: `quotaLimits` and `quotaUsage` for zones, secondary zones
 * and records), enforced before anything is written: a request that would go over the limit is
 * refused whole and creates nothing.
 */

export interface QuotaUsage {
  readonly zones: number;
  readonly secondaryZones: number;
  readonly records: number;
}

const WORDS: Record<keyof QuotaUsage, string> = { zones: 'primary zones', secondaryZones: 'secondary zones', records: 'records' };

/**
 * Throws QuotaExceededError when `after` (the usage once the request is done) goes over a limit
 * that `before` did not already exceed by as much: a tenant over a limit lowered later may still
 * delete and shrink, never grow.
 */
export function checkQuota(limits: QuotaLimits, before: QuotaUsage, after: QuotaUsage): void {
  for (const key of ['zones', 'secondaryZones', 'records'] as const) {
    const limit = limits[key];
    if (limit === undefined || after[key] <= limit || after[key] <= before[key]) continue;
    throw new QuotaExceededError(`quota exceeded: this would make ${after[key]} ${WORDS[key]}, the limit is ${limit} (${before[key]} in use); nothing was changed`, { quota: key, limit, before: before[key], after: after[key] });
  }
}

export function quotaView(limits: QuotaLimits, usage: QuotaUsage): Quota {
  return {
    quotaLimits: { zones: limits.zones ?? null, secondaryZones: limits.secondaryZones ?? null, records: limits.records ?? null },
    quotaUsage: { zones: usage.zones, secondaryZones: usage.secondaryZones, records: usage.records },
  };
}
