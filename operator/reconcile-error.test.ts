import { strict as assert } from 'node:assert';
import { statusCode } from './kube/client';
import { conflictError } from './testkit/fake-kube-client';
import { causeOf, ReconcileStepError, step } from './reconcile-error';

describe('ReconcileStepError', () => {
  it('names the failed step and keeps the API server\'s message and the original error', async () => {
    const cause = conflictError('zones.dnsfleet.io "z"');
    const err = await step('set finalizers', () => Promise.reject(cause)).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ReconcileStepError);
    assert.equal(err.step, 'set finalizers');
    assert.equal(err.cause, cause);
    assert.match(err.message, /^set finalizers: 409: Operation cannot be fulfilled on zones\.dnsfleet\.io "z"/);
    assert.equal(statusCode(causeOf(err)), 409);
  });
  it('does not wrap an error twice: the innermost step is the one that failed', async () => {
    const err = await step('outer', () => step('inner', () => Promise.reject(new Error('boom')))).catch((e: unknown) => e);
    assert.ok(err instanceof ReconcileStepError);
    assert.equal(err.step, 'inner');
    assert.equal((causeOf(err) as Error).message, 'boom');
  });
  it('passes a result through', async () => {
    assert.equal(await step('read', async () => 7), 7);
  });
});
