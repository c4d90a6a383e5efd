import { strict as assert } from 'node:assert';
import { Agent } from 'node:https';
import { describeKubeError, keepAliveAuthentication } from './client';

describe('describeKubeError', () => {
  it('gives the API server\'s message with the code, not the whole response', () => {
    const err = Object.assign(new Error('HTTP-Code: 422\nMessage: Unsuccessful HTTP Request\nBody: …\nHeaders: {…}'), {
      code: 422,
      body: JSON.stringify({ kind: 'Status', message: 'Service "x" is invalid: spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster' }),
    });
    assert.equal(describeKubeError(err), '422: Service "x" is invalid: spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster');
  });
  it('falls back to the message line of errors without a Status body', () => {
    assert.equal(describeKubeError(Object.assign(new Error('HTTP-Code: 500\nMessage: boom\nBody: x'), { code: 500, body: 'x' })), '500: boom');
    assert.equal(describeKubeError(new Error('connect ECONNREFUSED 127.0.0.1:1')), 'Error: connect ECONNREFUSED 127.0.0.1:1');
  });
});

describe('keepAliveAuthentication', () => {
  // Guards the one place that depends on client-node's internals: if an upgrade stops handing
  // out an https.Agent from KubeConfig.applySecurityAuthentication, this fails instead of the
  // operator silently going back to a TLS handshake per request.
  const kubeconfig = (ca: string) => ({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from(ca).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });

  it('gives every request one shared keep-alive https.Agent with the kubeconfig\'s TLS options', async () => {
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions(kubeconfig('CA ONE'));
    const auth = keepAliveAuthentication(kc);
    const first = new k8s.RequestContext('https://127.0.0.1:6443/api', k8s.HttpMethod.GET);
    const second = new k8s.RequestContext('https://127.0.0.1:6443/api', k8s.HttpMethod.GET);
    await auth.applySecurityAuthentication(first);
    await auth.applySecurityAuthentication(second);
    const agent = first.getAgent();
    assert.ok(agent instanceof Agent, 'client-node still makes an https.Agent for a TLS cluster');
    assert.equal(second.getAgent(), agent, 'the same agent for both requests');
    assert.equal((agent as Agent & { keepAlive?: boolean }).keepAlive, true);
    assert.equal(String(agent.options.ca), 'CA ONE');
    assert.equal(first.getHeaders().Authorization, 'Bearer t', 'the KubeConfig still authenticates the request');
  });

  it('makes a new agent when the TLS options change (rotated credentials)', async () => {
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions(kubeconfig('CA ONE'));
    const auth = keepAliveAuthentication(kc);
    const before = new k8s.RequestContext('https://127.0.0.1:6443/api', k8s.HttpMethod.GET);
    await auth.applySecurityAuthentication(before);
    kc.loadFromOptions(kubeconfig('CA TWO'));
    const after = new k8s.RequestContext('https://127.0.0.1:6443/api', k8s.HttpMethod.GET);
    await auth.applySecurityAuthentication(after);
    assert.notEqual(after.getAgent(), before.getAgent());
    assert.equal(String((after.getAgent() as Agent).options.ca), 'CA TWO');
  });
});
