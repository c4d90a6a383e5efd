import { strict as assert } from 'node:assert';
import { customerSecondariesCondition } from './customer-secondaries';

describe('the CustomerSecondaries condition', () => {
  it('is absent when the zone lists no secondaries', () => {
    assert.equal(customerSecondariesCondition(0, []), undefined);
  });
  it('is True when every listed secondary is let in', () => {
    assert.deepEqual(customerSecondariesCondition(2, []), { type: 'CustomerSecondaries', status: 'True', reason: 'Allowed', message: 'all 2 secondaries may transfer the zone and get NOTIFY' });
  });
  it('says which secondary was left out and why', () => {
    const c = customerSecondariesCondition(2, ['secondary 203.0.113.53: Secret default/k not found'])!;
    assert.deepEqual([c.status, c.reason], ['False', 'SecondaryLeftOut']);
    assert.equal(c.message, 'secondary 203.0.113.53: Secret default/k not found; left out until its key can be read (1 of 2 allowed)');
  });
});
