import { strict as assert } from 'node:assert';
import { cloudReadyCondition } from './cloud-status';

describe('cloudReadyCondition', () => {
  it('is Ready when every pod asked for reports serving', () => {
    assert.deepEqual(cloudReadyCondition({ replicas: 2, podsServing: 2, sameName: [] }), { type: 'Ready', status: 'True', reason: 'Serving', message: "the 2 pods asked for serve the cloud's zones" });
  });

  it('counts a rolling update surge as ready, with the message it had (the pods in status.podsServing)', () => {
    assert.deepEqual(cloudReadyCondition({ replicas: 2, podsServing: 3, sameName: [] }), cloudReadyCondition({ replicas: 2, podsServing: 2, sameName: [] }));
  });

  it('says how many pods are missing', () => {
    const c = cloudReadyCondition({ replicas: 3, podsServing: 1, sameName: [] });
    assert.equal(c.reason, 'PodsStarting');
    assert.equal(c.message, "1/3 pods serve the cloud's zones");
  });

  it('refuses a name another namespace already uses, before anything else', () => {
    const c = cloudReadyCondition({ replicas: 1, podsServing: 1, sameName: ['other/cloud-a'] });
    assert.equal(c.reason, 'DuplicateName');
    assert.match(c.message, /other\/cloud-a/);
  });
});
