import { strict as assert } from 'node:assert';
import { conditionUnchanged, getCondition, setCondition } from './conditions';

const at = (iso: string) => () => new Date(iso);

describe('setCondition', () => {
  it('adds a condition with observedGeneration and the transition time', () => {
    const list = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Propagating', message: 'waiting' }, 3, at('2026-11-23T00:00:00.123Z'));
    assert.deepEqual(list, [{ type: 'Ready', status: 'False', reason: 'Propagating', message: 'waiting', observedGeneration: 3, lastTransitionTime: '2026-11-23T00:00:00Z' }]);
  });

  it('keeps lastTransitionTime while the status stays, and moves it when the status flips', () => {
    let list = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Propagating', message: 'a' }, 1, at('2026-11-23T00:00:00Z'));
    list = setCondition(list, { type: 'Ready', status: 'False', reason: 'Propagating', message: 'b' }, 2, at('2026-11-23T00:05:00Z'));
    assert.equal(getCondition(list, 'Ready')!.lastTransitionTime, '2026-11-23T00:00:00Z');
    assert.equal(getCondition(list, 'Ready')!.message, 'b');
    list = setCondition(list, { type: 'Ready', status: 'True', reason: 'Serving', message: 'c' }, 2, at('2026-11-23T00:06:00Z'));
    assert.equal(getCondition(list, 'Ready')!.lastTransitionTime, '2026-11-23T00:06:00Z');
  });

  it('leaves other conditions alone and does not change its input', () => {
    const before = setCondition(undefined, { type: 'Other', status: 'True', reason: 'R', message: 'm' }, 1, at('2026-01-01T00:00:00Z'));
    const after = setCondition(before, { type: 'Ready', status: 'True', reason: 'Serving', message: 'ok' }, 1, at('2026-01-02T00:00:00Z'));
    assert.equal(before.length, 1);
    assert.deepEqual(after.map((c) => c.type), ['Other', 'Ready']);
  });

  it('says when a write would change nothing', () => {
    const input = { type: 'Ready', status: 'True' as const, reason: 'Serving', message: 'ok' };
    const list = setCondition(undefined, input, 4);
    assert.ok(conditionUnchanged(list, input, 4));
    assert.ok(!conditionUnchanged(list, input, 5));
    assert.ok(!conditionUnchanged(list, { ...input, message: 'other' }, 4));
  });
});
