import { strict as assert } from 'node:assert';
import { QuotaExceededError } from './errors';
import { checkQuota, quotaView } from './quota';

describe('api quota', () => {
  const usage = { zones: 2, secondaryZones: 0, records: 10 };

  it('refuses growth past a limit, naming the limit and the usage', () => {
    assert.throws(
      () => checkQuota({ zones: 2 }, usage, { ...usage, zones: 3 }),
      (e: unknown) => e instanceof QuotaExceededError && e.status === 403 && e.message === 'quota exceeded: this would make 3 primary zones, the limit is 2 (2 in use); nothing was changed',
    );
    assert.throws(() => checkQuota({ records: 12 }, usage, { ...usage, records: 13 }), /13 records, the limit is 12/);
  });

  it('lets a tenant grow up to the limit, shrink when over it, and grow without limits', () => {
    checkQuota({ zones: 3 }, usage, { ...usage, zones: 3 });
    checkQuota({ records: 5 }, usage, { ...usage, records: 8 });
    checkQuota({}, usage, { zones: 1000, secondaryZones: 1000, records: 1e6 });
  });

  it('shows limits (null: none) and usage in IONOS\'s shape', () => {
    assert.deepEqual(quotaView({ zones: 5 }, usage), { quotaLimits: { zones: 5, secondaryZones: null, records: null }, quotaUsage: usage });
  });
});
