import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { stopAll } from '../dataplane/testkit/processes';

/**
 * The generated CRDs on a real kube-apiserver: all four install; the manifests in
 * examples/cluster are accepted (so the examples stay valid); defaults are applied; `kubectl get`
 * shows the printer columns; invalid objects are refused by the schema and its CEL rules with
 * messages that name the field.
 */

const ROOT = resolve(__dirname, '../..');
const CRDS = ['zones', 'secondaryzones', 'dnssecpolicies', 'nameserverclouds'].map((p) => `crd/${p}.dnsfleet.io`);

const manifest = (kind: string, name: string, spec: string): string => `apiVersion: dnsfleet.io/v1alpha1
kind: ${kind}
metadata:
  name: ${name}
spec:
${spec}`;
const zone = (name: string, spec: string): string => manifest('Zone', name, spec);

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

  it('installs the four CRDs and they become established', async () => {
    const apply = await cp.kubectl(['apply', '-f', join(ROOT, 'crds')]);
    assert.equal(apply.code, 0, apply.stderr);
    const wait = await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS]);
    assert.equal(wait.code, 0, wait.stderr);
  });

  it('accepts a valid Zone and reads it back', async () => {
    const apply = await cp.kubectl(['apply', '-f', '-'], zone('plain-example', `  zoneName: plain.example
  defaultTTL: 300
  rrsets:
    - { name: www, type: A, records: [192.0.2.1] }
    - { name: alias, type: TYPE65401, records: ['\\# 3 010203'] }
`));
    assert.equal(apply.code, 0, apply.stderr);
    const short = await cp.kubectl(['get', 'dnszone', 'plain-example', '-o', 'jsonpath={.spec.rrsets[1].type}']);
    assert.equal(short.stdout, 'TYPE65401');
  });

  it('accepts every manifest in examples/cluster', async () => {
    const apply = await cp.kubectl(['apply', '-f', join(ROOT, 'examples/cluster')]);
    assert.equal(apply.code, 0, apply.stderr);
    for (const created of ['nameservercloud.dnsfleet.io/cloud-a', 'nameservercloud.dnsfleet.io/cloud-b', 'zone.dnsfleet.io/example-com', 'secondaryzone.dnsfleet.io/example-org', 'dnssecpolicy.dnsfleet.io/default-ecdsa']) {
      assert.ok(apply.stdout.includes(`${created} created`), `${created} in:\n${apply.stdout}`);
    }
  });

  it('accepts the example of each kind in docs/api.md', async () => {
    const examples = [...readFileSync(join(ROOT, 'docs/api.md'), 'utf8').matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    assert.deepEqual(examples.map((e) => /^kind: (\w+)$/m.exec(e)?.[1]).sort(), ['DNSSECPolicy', 'NameserverCloud', 'SecondaryZone', 'Zone']);
    for (const example of examples) {
      const apply = await cp.kubectl(['apply', '-f', '-'], example);
      assert.equal(apply.code, 0, `${apply.stderr}\n${example}`);
    }
  });

  it('applies the defaults of the schema: a primary port of 53, a complete DNSSECPolicy from spec: {}', async () => {
    const port = await cp.kubectl(['get', 'szone', 'example-org', '-o', 'jsonpath={.spec.primaries[0].port} {.spec.primaries[1].port}']);
    assert.equal(port.stdout, '53 5353');
    const apply = await cp.kubectl(['apply', '-f', '-'], manifest('DNSSECPolicy', 'all-defaults', '  {}\n'));
    assert.equal(apply.code, 0, apply.stderr);
    const get = await cp.kubectl(['get', 'dnssecpolicy', 'all-defaults', '-o', 'jsonpath={.spec}']);
    assert.deepEqual(JSON.parse(get.stdout), {
      algorithm: 'ECDSAP256SHA256',
      keys: { strategy: 'KSK+ZSK' },
      dnskeyTTL: 3600,
      signatures: { validity: '336h', refresh: '120h', jitter: '12h' },
      denial: { type: 'NSEC' },
      propagationDelay: '5m',
      parentPropagationDelay: '1h',
      parentDSTTL: 86400,
      dsDigestTypes: ['SHA-256'],
      publishCDS: true,
      dsConfirmation: { mode: 'Manual' },
    });
  });

  it('shows NAME, ZONE, SERIAL, DNSSEC, READY, AGE for zones, with the DNSSEC state from the status', async () => {
    const patch = await cp.kubectl(['patch', 'zone', 'example-com', '--subresource=status', '--type=merge', '-p',
      JSON.stringify({ status: { serial: 2026112401, dnssec: {
        state: 'pending_ds',
        dsRecords: ['example.com. 3600 IN DS 12345 13 2 0123456789ABCDEF'],
        keys: [{ keyTag: 12345, algorithm: 'ECDSAP256SHA256', role: 'KSK', state: 'active', ds: 'submitted', created: '2026-12-07T00:00:00Z', nextAction: 'wait for the DS at the parent' }],
      } } })]);
    assert.equal(patch.code, 0, patch.stderr);
    // Kept, not pruned: the status schema has the keys (issue #11).
    const keys = await cp.kubectl(['get', 'zone', 'example-com', '-o', 'jsonpath={.status.dnssec.keys[0].keyTag} {.status.dnssec.keys[0].ds} {.status.dnssec.dsRecords[0]}']);
    assert.equal(keys.stdout, '12345 submitted example.com. 3600 IN DS 12345 13 2 0123456789ABCDEF');
    const get = await cp.kubectl(['get', 'zones']);
    assert.match(get.stdout, /^NAME\s+ZONE\s+SERIAL\s+DNSSEC\s+READY\s+AGE$/m);
    assert.match(get.stdout, /^example-com\s+example\.com\s+2026112401\s+pending_ds\s+/m);
    assert.match(get.stdout, /^plain-example\s+plain\.example\s+/m);
  });

  it('shows the serial and the problem of secondary zones, and the primaries with -o wide', async () => {
    const patch = await cp.kubectl(['patch', 'szone', 'example-org', '--subresource=status', '--type=merge', '-p', JSON.stringify({
      status: {
        serial: 7,
        problem: '2001:db8::1: REFUSED',
        primaries: [
          { address: '192.0.2.1', port: 53, status: 'OK', lastAttempt: '2026-11-24T09:00:00Z' },
          { address: '2001:db8::1', port: 5353, status: 'FAILED', errorMessage: 'REFUSED', lastAttempt: '2026-11-24T09:00:00Z' },
        ],
        lastTransfer: '2026-11-24T09:00:00Z',
      },
    })]);
    assert.equal(patch.code, 0, patch.stderr);
    const get = await cp.kubectl(['get', 'secondaryzones']);
    assert.match(get.stdout, /^NAME\s+ZONE\s+SERIAL\s+PROBLEM\s+READY\s+AGE$/m);
    assert.match(get.stdout, /^example-org\s+example\.org\s+7\s+2001:db8::1: REFUSED\s+/m);
    const wide = await cp.kubectl(['get', 'szone', '-o', 'wide']);
    assert.match(wide.stdout, /^NAME\s+ZONE\s+SERIAL\s+PROBLEM\s+READY\s+AGE\s+FAILING\s+TRANSFERRED\s+DNSSEC$/m);
    assert.match(wide.stdout, /^example-org\s.*\s2001:db8::1\s+\d+[smhd]/m);
    const policies = await cp.kubectl(['get', 'dnssec']);
    assert.match(policies.stdout, /^NAME\s+ALGORITHM\s+KEYS\s+DENIAL\s+ZONES\s+READY\s+AGE$/m);
    assert.match(policies.stdout, /^default-ecdsa\s+ECDSAP256SHA256\s+KSK\+ZSK\s+NSEC3\s+/m);
  });

  const secondary = (spec: string): string => manifest('SecondaryZone', 'bad', spec);
  const policy = (spec: string): string => manifest('DNSSECPolicy', 'bad', spec);
  const cloud = (spec: string): string => manifest('NameserverCloud', 'bad', spec);
  const invalid: Array<[string, string, RegExp]> = [
    ['a negative TTL', zone('bad', '  zoneName: bad.example\n  defaultTTL: -1\n'), /spec\.defaultTTL: Invalid value: -1: spec\.defaultTTL in body should be greater than or equal to 0/],
    ['a zone name with a space', zone('bad', '  zoneName: "bad example"\n'), /spec\.zoneName: Invalid value: "bad example": spec\.zoneName in body should match/],
    ['an RRset without records', zone('bad', '  zoneName: bad.example\n  rrsets:\n    - { name: www, type: A, records: [] }\n'), /spec\.rrsets\[0\]\.records: Invalid value: 0: spec\.rrsets\[0\]\.records in body should have at least 1 items/],
    ['a lower-case type', zone('bad', '  zoneName: bad.example\n  rrsets:\n    - { name: www, type: a, records: [192.0.2.1] }\n'), /spec\.rrsets\[0\]\.type: Invalid value: "a": spec\.rrsets\[0\]\.type in body should match/],
    ['no zone name', zone('bad', '  defaultTTL: 60\n'), /spec\.zoneName: Required value/],
    ['a Zone secondary that is a host name', zone('bad', '  zoneName: bad.example\n  secondaries: [{ address: ns.example.net }]\n'), /spec\.secondaries\[0\]\.address: Invalid value: "string": must be an IPv4 or IPv6 address/],
    ['a SecondaryZone primary that is not an IP address', secondary('  zoneName: bad.example\n  primaries: [{ address: 192.0.2.300 }]\n'), /spec\.primaries\[0\]\.address: Invalid value: "string": must be an IPv4 or IPv6 address/],
    ['a SecondaryZone without primaries', secondary('  zoneName: bad.example\n  primaries: []\n'), /spec\.primaries: Invalid value: 0: spec\.primaries in body should have at least 1 items/],
    ['the same primary twice, written differently', secondary('  zoneName: bad.example\n  primaries: [{ address: "2001:db8::1" }, { address: "2001:DB8:0::1", port: 53 }]\n'), /spec\.primaries: Invalid value: "array": must not repeat an address and port/],
    ['a primary port of 0', secondary('  zoneName: bad.example\n  primaries: [{ address: 192.0.2.1, port: 0 }]\n'), /spec\.primaries\[0\]\.port: Invalid value: 0: spec\.primaries\[0\]\.port in body should be greater than or equal to 1/],
    ['an expire below the refresh', secondary('  zoneName: bad.example\n  primaries: [{ address: 192.0.2.1 }]\n  refresh: { refresh: 86400, expire: 3600 }\n'), /spec\.refresh: Invalid value: "object": expire must be greater than refresh/],
    ['a signature refresh not below the validity', policy('  signatures: { validity: 72h, refresh: 72h }\n'), /spec\.signatures: Invalid value: "object": refresh must be less than validity/],
    ['a jitter that would leave signatures due at once', policy('  signatures: { validity: 336h, refresh: 300h, jitter: 48h }\n'), /spec\.signatures: Invalid value: "object": jitter must be less than validity minus refresh/],
    ['a DS check interval in mode Manual', policy('  dsConfirmation: { mode: Manual, checkInterval: 1h }\n'), /spec\.dsConfirmation\.checkInterval: Invalid value: "object": checkInterval needs mode Parent/],
    ['mode Parent without parent nameservers', policy('  dsConfirmation: { mode: Parent }\n'), /spec\.dsConfirmation\.parentNameservers: Invalid value: "object": mode Parent needs parentNameservers/],
    ['a parent nameserver that is a host name', policy('  dsConfirmation: { mode: Parent, parentNameservers: [{ address: a.nic.example }] }\n'), /spec\.dsConfirmation\.parentNameservers\[0\]\.address: Invalid value: "string": must be an IPv4 or IPv6 address/],
    ['parent nameservers in mode Manual', policy('  dsConfirmation: { parentNameservers: [{ address: 192.0.2.53 }] }\n'), /spec\.dsConfirmation\.parentNameservers: Invalid value: "object": parentNameservers needs mode Parent/],
    ['NSEC3 parameters with NSEC', policy('  denial: { type: NSEC, nsec3: { iterations: 0 } }\n'), /spec\.denial\.nsec3: Invalid value: "object": nsec3 parameters need type NSEC3/],
    ['a KSK lifetime with a CSK', policy('  keys: { strategy: CSK, kskLifetime: 8760h }\n'), /spec\.keys: Invalid value: "object": kskLifetime and zskLifetime need strategy KSK\+ZSK/],
    ['a lifetime in days', policy('  keys: { zskLifetime: 30d }\n'), /spec\.keys\.zskLifetime: Invalid value: "30d": spec\.keys\.zskLifetime in body should match/],
    ['100 NSEC3 iterations', policy('  denial: { type: NSEC3, nsec3: { iterations: 100 } }\n'), /spec\.denial\.nsec3\.iterations: Invalid value: 100: spec\.denial\.nsec3\.iterations in body should be less than or equal to 50/],
    ['an unknown algorithm', policy('  algorithm: RSASHA1\n'), /spec\.algorithm: Unsupported value: "RSASHA1": supported values: "ECDSAP256SHA256", "ECDSAP384SHA384", "ED25519", "RSASHA256"/],
    ['a ClusterIP cloud without addresses', cloud('  nameservers: [a.ns.example.net.]\n  service: { type: ClusterIP }\n'), /spec\.addresses: Invalid value: "object": service type ClusterIP needs at least one address/],
    ['an IPv6 address among the IPv4 ones', cloud('  nameservers: [a.ns.example.net.]\n  addresses: { ipv4: ["2001:db8::53"] }\n'), /spec\.addresses\.ipv4\[0\]: Invalid value: "string": must be an IPv4 address/],
  ];
  for (const [what, text, message] of invalid) {
    it(`refuses ${what} with a message that names the field`, async () => {
      const apply = await cp.kubectl(['apply', '-f', '-'], text);
      assert.notEqual(apply.code, 0, `accepted:\n${text}`);
      assert.match(apply.stderr, message);
    });
  }

  it('accepts a NameserverCloud with placement and service settings, and refuses one without nameservers', async () => {
    const cloudA = `apiVersion: dnsfleet.io/v1alpha1
kind: NameserverCloud
metadata: { name: cloud-placed }
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
    const ok = await cp.kubectl(['apply', '-f', '-'], cloudA);
    assert.equal(ok.code, 0, ok.stderr);
    const back = await cp.kubectl(['get', 'nscloud', 'cloud-placed', '-o', 'jsonpath={.spec.placement.tolerations[0].key} {.spec.placement.affinity.podAntiAffinity}']);
    assert.match(back.stdout, /^dns \{/, 'free-form placement fields are kept as written');
    const bad = await cp.kubectl(['apply', '-f', '-'], 'apiVersion: dnsfleet.io/v1alpha1\nkind: NameserverCloud\nmetadata: { name: bad }\nspec: { replicas: 0 }\n');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec\.nameservers: Required value/);
    assert.match(bad.stderr, /spec\.replicas: Invalid value: 0: spec\.replicas in body should be greater than or equal to 1/);
  });
});
