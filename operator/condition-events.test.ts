import { strict as assert } from 'node:assert';
import type { Condition } from '../crds/v1alpha1/meta';
import { conditionEvent, conditionEvents, withCondition } from './condition-events';

const at = () => new Date(Date.UTC(2026, 11, 6, 12, 0, 0));
const was = (reason: string, status: Condition['status'], message = 'm'): Condition => ({ type: 'DNSSEC', status, reason, message, lastTransitionTime: '2026-12-06T11:00:00Z' });

describe('conditions beside Ready', () => {
  it('sets a condition or removes it, leaving the others', () => {
    const ready: Condition = { type: 'Ready', status: 'True', reason: 'Serving', message: 's', lastTransitionTime: '2026-12-06T10:00:00Z' };
    const set = withCondition([ready], 'DNSSEC', { type: 'DNSSEC', status: 'False', reason: 'PolicyNotFound', message: 'x' }, 3, at);
    assert.deepEqual(set.map((c) => [c.type, c.reason, c.observedGeneration]), [['Ready', 'Serving', undefined], ['DNSSEC', 'PolicyNotFound', 3]]);
    assert.deepEqual(withCondition(set, 'DNSSEC', undefined, 4), [ready]);
  });

  it('records one Event per change of reason, and one when a failing message changes', () => {
    const notFound = { type: 'DNSSEC', status: 'False' as const, reason: 'PolicyNotFound', message: 'm' };
    assert.deepEqual(conditionEvent(undefined, notFound), { type: 'Warning', reason: 'PolicyNotFound', action: 'Reconcile', note: 'm' });
    assert.equal(conditionEvent(was('PolicyNotFound', 'False'), notFound), undefined, 'not again on the next reconcile');
    assert.equal(conditionEvent(was('PolicyNotFound', 'False', 'other secret'), notFound)?.type, 'Warning');
    assert.equal(conditionEvent(was('PolicyNotFound', 'False'), undefined), undefined, 'none when it goes away');
    assert.equal(conditionEvent(was('SecondaryLeftOut', 'False'), { type: 'DNSSEC', status: 'True', reason: 'Allowed', message: 'ok' })?.type, 'Normal');
    assert.equal(conditionEvent(was('Allowed', 'True', 'one'), { type: 'DNSSEC', status: 'True', reason: 'Allowed', message: 'two' }), undefined);
  });

  it('collects the Events of several conditions by type', () => {
    const before = [was('PolicyNotFound', 'False')];
    const events = conditionEvents(before, [{ type: 'DNSSEC', status: 'False', reason: 'PolicyNotFound', message: 'm' }, undefined, { type: 'CustomerSecondaries', status: 'False', reason: 'SecondaryLeftOut', message: 'x' }]);
    assert.deepEqual(events.map((e) => e.reason), ['SecondaryLeftOut']);
  });
});
