import { strict as assert } from 'node:assert';
import { FakeKubeClient } from './testkit/fake-kube-client';
import { TsigSecrets, tsigSecretOf } from './tsig-secrets';

const KEY = { name: 'k1.', algorithm: 'hmac-sha256', secret: 'MwlAlxma+WB9V/BmAtcLQdnehWiM1Qm6hx0NEWUMY3Q=' };

describe('TsigSecrets', () => {
  it('reads a key, or says which Secret and field are wrong', () => {
    assert.deepEqual(tsigSecretOf('default/k1', KEY), { ok: true, key: KEY });
    assert.deepEqual(tsigSecretOf('default/k1', undefined), { ok: false, problem: 'Secret default/k1 not found' });
    const bad = tsigSecretOf('default/k1', { ...KEY, name: undefined as unknown as string });
    assert.deepEqual(bad, { ok: false, problem: 'Secret default/k1: name: missing' });
  });

  it('keeps a read for its maximum age unless asked to read afresh', async () => {
    const kube = new FakeKubeClient();
    const clock = { ms: 0 };
    const secrets = new TsigSecrets(kube, { maxAgeMs: 1000, now: () => clock.ms });
    assert.equal((await secrets.read('default', 'k1')).ok, false);
    kube.setSecret('default', 'k1', KEY);
    assert.equal((await secrets.read('default', 'k1')).ok, false, 'the kept read');
    assert.equal(kube.callsOf('readSecret').length, 1);
    assert.deepEqual(await secrets.read('default', 'k1', true), { ok: true, key: KEY });
    kube.setSecret('default', 'k1', undefined);
    clock.ms += 1000;
    assert.equal((await secrets.read('default', 'k1')).ok, false, 'expired: read again');
    assert.equal(kube.callsOf('readSecret').length, 3);
  });

  it('fails with the step named when the API server does', async () => {
    const kube = new FakeKubeClient();
    kube.failNext('readSecret');
    await assert.rejects(new TsigSecrets(kube).read('default', 'k1'), /^ReconcileStepError: read Secret default\/k1: 500: /);
  });
});
