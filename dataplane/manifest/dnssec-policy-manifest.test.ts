import { strict as assert } from 'node:assert';
import { readManifestDocuments } from './documents';
import { ManifestError } from './documents';
import { readDnssecPolicy, signingAnnotationsOf } from './dnssec-policy-manifest';

// A DNSSECPolicy manifest as `dnsfleet serve` reads it: the API server's checks (schema and CEL
// rules) with file, line and field in every error, and the API server's defaults.

const policy = (spec: string, head = 'apiVersion: dnsfleet.io/v1alpha1\nkind: DNSSECPolicy\nmetadata:\n  name: p\n'): string => `${head}spec:\n${spec}`;
const read = (text: string) => readDnssecPolicy(readManifestDocuments(text, 'policy.yaml')[0]!);

function refuses(text: string, message: string): void {
  assert.throws(
    () => read(text),
    (err: unknown) => {
      assert.ok(err instanceof ManifestError, String(err));
      assert.equal(err.message, message);
      return true;
    },
  );
}

describe('readDnssecPolicy', () => {
  it('reads a policy with the API server defaults: spec {} is complete', () => {
    const { name, policy: p } = read(policy('  {}\n'));
    assert.equal(name, 'p');
    assert.equal(p.lifecycle.algorithm, 13);
    assert.equal(p.lifecycle.strategy, 'KSK+ZSK');
    assert.deepEqual(p.signatures, { validity: 336 * 3600, refresh: 120 * 3600, jitter: 12 * 3600 });
    assert.deepEqual(p.denial, { type: 'NSEC' });
    assert.deepEqual(p.dsConfirmation, { mode: 'Manual', checkInterval: 3600 });
  });

  it('reads mode Parent with its nameservers', () => {
    const { policy: p } = read(policy('  dsConfirmation:\n    mode: Parent\n    checkInterval: 5m\n    parentNameservers:\n      - { address: 127.0.0.1, port: 5353 }\n      - { address: "::1" }\n'));
    assert.deepEqual(p.dsConfirmation, { mode: 'Parent', checkInterval: 300, parentNameservers: [{ address: '127.0.0.1', port: 5353 }, { address: '::1', port: 53 }] });
  });

  it('refuses what the schema refuses, naming file, line and field', () => {
    refuses(policy('  algorithm: RSASHA1\n'), 'policy.yaml:6: spec.algorithm: must be one of "ECDSAP256SHA256", "ECDSAP384SHA384", "ED25519", "RSASHA256", "RSASHA512", got "RSASHA1"');
    refuses(policy('  dnskeyTTL: 300\n  denail: { type: NSEC3 }\n'), 'policy.yaml:7: spec.denail: unknown field (expected one of algorithm, keys, dnskeyTTL, signatures, denial, propagationDelay, parentPropagationDelay, parentDSTTL, dsDigestTypes, publishCDS, dsConfirmation)');
    refuses(policy('  keys: { zskLifetime: 30d }\n'), 'policy.yaml:6: spec.keys.zskLifetime: "30d" does not match ^([0-9]{1,6}h)?([0-9]{1,6}m)?([0-9]{1,8}s)?$');
    refuses(policy('  {}\n', 'apiVersion: v1\nkind: DNSSECPolicy\nmetadata:\n  name: p\n'), 'policy.yaml:1: apiVersion: must be dnsfleet.io/v1alpha1, got "v1"');
    refuses(policy('  {}\n', 'apiVersion: dnsfleet.io/v1alpha1\nkind: DNSSECPolicy\nmetadata: {}\n'), 'policy.yaml:3: metadata.name: must be a non-empty string');
  });

  it('refuses what the CEL rules refuse, with the defaults filled in first', () => {
    refuses(policy('  signatures: { refresh: 400h }\n'), 'policy.yaml:6: spec.signatures: refresh must be less than validity');
    refuses(policy('  signatures: { validity: 336h, refresh: 300h, jitter: 48h }\n'), 'policy.yaml:6: spec.signatures: jitter must be less than validity minus refresh');
    refuses(policy('  keys: { strategy: CSK, kskLifetime: 8760h }\n'), 'policy.yaml:6: spec.keys: kskLifetime and zskLifetime need strategy KSK+ZSK');
    refuses(policy('  denial: { nsec3: { iterations: 0 } }\n'), 'policy.yaml:6: spec.denial.nsec3: nsec3 parameters need type NSEC3');
    refuses(policy('  dsConfirmation: { checkInterval: 1h }\n'), 'policy.yaml:6: spec.dsConfirmation.checkInterval: checkInterval needs mode Parent');
    refuses(policy('  dsConfirmation: { mode: Parent }\n'), 'policy.yaml:6: spec.dsConfirmation.parentNameservers: mode Parent needs parentNameservers');
    refuses(policy('  dsConfirmation: { parentNameservers: [{ address: 127.0.0.1 }] }\n'), 'policy.yaml:6: spec.dsConfirmation.parentNameservers: parentNameservers needs mode Parent');
    refuses(policy('  dsConfirmation:\n    mode: Parent\n    parentNameservers:\n      - { address: a.nic.example }\n'), 'policy.yaml:9: spec.dsConfirmation.parentNameservers[0].address: "a.nic.example" is not an IPv4 or IPv6 address');
    refuses(policy('  dsConfirmation:\n    mode: Parent\n    parentNameservers:\n      - { address: 192.0.2.53 }\n      - { address: 192.0.2.53, port: 53 }\n'), 'policy.yaml:10: spec.dsConfirmation.parentNameservers[1]: must not repeat an address and port');
  });
});

describe('signingAnnotationsOf', () => {
  it('reads the three annotations of the lifecycle by their Kubernetes names, and nothing else', () => {
    assert.deepEqual(signingAnnotationsOf({ 'dnsfleet.io/ds-published': '12345', 'dnsfleet.io/rotate-ksk': '2026-12-07', 'dnsfleet.io/rotate-zsk': 'x', other: 'y' }), { dsPublished: '12345', rotateKsk: '2026-12-07', rotateZsk: 'x' });
    assert.deepEqual(signingAnnotationsOf(undefined), {});
    assert.deepEqual(signingAnnotationsOf({ 'dnsfleet.io/ds-published': 5 }), {}, 'a number is not an annotation value');
  });
});
