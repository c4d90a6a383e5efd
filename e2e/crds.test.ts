import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { stopAll } from '../dataplane/test/support/processes';

/**
 * The generated CRDs on a real kube-apiserver: they install, a valid Zone is accepted, an invalid
 * one is refused by the API server's schema with a message that names the field, and
 * `kubectl get zones` shows the printer columns.
 */

const ROOT = resolve(__dirname, '../..');

const zone = (name: string, spec: string): string => `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata:
  name: ${name}
spec:
${spec}`;

describe('CRDs on a real API server @integration', function () {
  this.timeout(300_000);
  let cp: ControlPlane;

  before(async () => {
    cp = await startControlPlane();
  });
  after(async () => {
    await cp?.stop();
    await stopAll();
  });

  it('installs the CRDs and they become established', async () => {
    const apply = await cp.kubectl(['apply', '-f', join(ROOT, 'crds')]);
    assert.equal(apply.code, 0, apply.stderr);
    const wait = await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/zones.dnsfleet.io', 'crd/nameserverclouds.dnsfleet.io']);
    assert.equal(wait.code, 0, wait.stderr);
  });

  it('accepts a valid Zone and reads it back', async () => {
    const apply = await cp.kubectl(['apply', '-f', '-'], zone('example-com', `  zoneName: example.com
  defaultTTL: 300
  rrsets:
    - { name: www, type: A, records: [192.0.2.1] }
    - { name: alias, type: TYPE65401, records: ['\\# 3 010203'] }
`));
    assert.equal(apply.code, 0, apply.stderr);
    const get = await cp.kubectl(['get', 'zones']);
    assert.match(get.stdout, /^NAME\s+ZONE\s+SERIAL\s+READY\s+AGE$/m);
    assert.match(get.stdout, /^example-com\s+example\.com\s+/m);
    const short = await cp.kubectl(['get', 'dnszone', 'example-com', '-o', 'jsonpath={.spec.rrsets[1].type}']);
    assert.equal(short.stdout, 'TYPE65401');
  });

  const invalid: Array<[string, string, RegExp]> = [
    ['a negative TTL', '  zoneName: bad.example\n  defaultTTL: -1\n', /spec\.defaultTTL: Invalid value: -1: spec\.defaultTTL in body should be greater than or equal to 0/],
    ['a zone name with a space', '  zoneName: "bad example"\n', /spec\.zoneName: Invalid value: "bad example": spec\.zoneName in body should match/],
    ['an RRset without records', '  zoneName: bad.example\n  rrsets:\n    - { name: www, type: A, records: [] }\n', /spec\.rrsets\[0\]\.records: Invalid value: 0: spec\.rrsets\[0\]\.records in body should have at least 1 items/],
    ['a lower-case type', '  zoneName: bad.example\n  rrsets:\n    - { name: www, type: a, records: [192.0.2.1] }\n', /spec\.rrsets\[0\]\.type: Invalid value: "a": spec\.rrsets\[0\]\.type in body should match/],
    ['no zone name', '  defaultTTL: 60\n', /spec\.zoneName: Required value/],
  ];
  for (const [what, spec, message] of invalid) {
    it(`refuses ${what} with a message that names the field`, async () => {
      const apply = await cp.kubectl(['apply', '-f', '-'], zone('bad', spec));
      assert.notEqual(apply.code, 0);
      assert.match(apply.stderr, message);
    });
  }

  it('accepts a NameserverCloud with placement and service settings, and refuses one without nameservers', async () => {
    const cloud = `apiVersion: dnsfleet.io/v1alpha1
kind: NameserverCloud
metadata: { name: cloud-a }
spec:
  replicas: 3
  nameservers: [a.ns.example.net.]
  addresses: { ipv4: [192.0.2.53], ipv6: ["2001:db8::53"] }
  service: { type: LoadBalancer, externalTrafficPolicy: Local, annotations: { metallb.universe.tf/address-pool: anycast } }
  placement:
    nodeSelector: { dnsfleet.io/cloud: a }
    tolerations: [{ key: dns, operator: Exists, effect: NoSchedule }]
    affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } }
  resources: { requests: { cpu: 500m, memory: 256Mi } }
`;
    const ok = await cp.kubectl(['apply', '-f', '-'], cloud);
    assert.equal(ok.code, 0, ok.stderr);
    const back = await cp.kubectl(['get', 'nscloud', 'cloud-a', '-o', 'jsonpath={.spec.placement.tolerations[0].key} {.spec.placement.affinity.podAntiAffinity}']);
    assert.match(back.stdout, /^dns \{/, 'free-form placement fields are kept as written');
    const bad = await cp.kubectl(['apply', '-f', '-'], 'apiVersion: dnsfleet.io/v1alpha1\nkind: NameserverCloud\nmetadata: { name: bad }\nspec: { replicas: 0 }\n');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec\.nameservers: Required value/);
    assert.match(bad.stderr, /spec\.replicas: Invalid value: 0: spec\.replicas in body should be greater than or equal to 1/);
  });
});
