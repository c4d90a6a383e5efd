import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { KINDS, crdPath, renderCrd, crdFor } from './generate';

/** The parts of a generated schema node the tests look at. */
interface Node {
  type?: string;
  description?: string;
  pattern?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  required?: string[];
  properties?: Record<string, Node>;
  items?: Node;
  'x-kubernetes-validations'?: Array<{ rule: string; message?: string; fieldPath?: string }>;
}

interface Version {
  additionalPrinterColumns: Array<{ name: string; jsonPath: string; priority?: number }>;
  schema: { openAPIV3Schema: Node };
}

function version(kind: string): Version {
  const k = KINDS.find((x) => x.kind === kind);
  assert.ok(k, `no kind ${kind}`);
  return (crdFor(k) as { spec: { versions: Version[] } }).spec.versions[0]!;
}

/** The schema node at a dotted path below the root (`spec.primaries[].address`). */
function at(kind: string, path: string): Node {
  let node = version(kind).schema.openAPIV3Schema;
  for (const part of path.split('.')) {
    const name = part.replace(/\[\]$/, '');
    const next = node.properties?.[name];
    assert.ok(next, `${kind}: no ${path} (at ${part})`);
    node = part.endsWith('[]') ? next.items! : next;
  }
  return node;
}

const rules = (node: Node): string[] => (node['x-kubernetes-validations'] ?? []).map((v) => v.rule);

function everyNode(node: Node, visit: (n: Node, path: string) => void, path = ''): void {
  visit(node, path);
  for (const [name, child] of Object.entries(node.properties ?? {})) everyNode(child, visit, `${path}.${name}`);
  if (node.items) everyNode(node.items, visit, `${path}[]`);
}

describe('CRDs generated from the TypeScript types', function () {
  this.timeout(60_000);

  for (const k of KINDS) {
    it(`crds/${crdPath(k).split('/').pop()} is up to date (run \`npm run crds\` after changing crds/v1alpha1)`, () => {
      assert.equal(readFileSync(crdPath(k), 'utf8'), renderCrd(k));
    });
  }

  it('covers the four kinds', () => {
    assert.deepEqual(KINDS.map((k) => k.kind).sort(), ['DNSSECPolicy', 'NameserverCloud', 'SecondaryZone', 'Zone']);
  });

  it('carries the validations of the types into the Zone schema', () => {
    const spec = at('Zone', 'spec');
    assert.deepEqual(spec.required, ['zoneName']);
    assert.equal(spec.properties!.defaultTTL!.type, 'integer');
    assert.equal(spec.properties!.defaultTTL!.maximum, 2147483647);
    assert.ok(new RegExp(spec.properties!.zoneName!.pattern!).test('example.com'));
    assert.ok(!new RegExp(spec.properties!.zoneName!.pattern!).test('exa mple.com'));
    const rrset = at('Zone', 'spec.rrsets[]').properties!;
    assert.equal(rrset.records!.minItems, 1);
    assert.ok(new RegExp(rrset.type!.pattern!).test('TYPE65401'));
  });

  it('keeps a property\'s doc comment when its type is inlined', () => {
    assert.match(at('Zone', 'spec.soa').description!, /^SOA fields/);
    assert.match(at('SecondaryZone', 'spec.tsigKeySecretRef.name').description!, /`algorithm`/);
  });

  it('adds the optional Zone fields dnssecPolicy, secondaries and status.dnssec, and the DNSSEC column', () => {
    assert.ok(!at('Zone', 'spec').required!.includes('dnssecPolicy'), 'dnsfleet serve reads Zones without it');
    assert.ok(new RegExp(at('Zone', 'spec.dnssecPolicy').pattern!).test('default-ecdsa'));
    assert.deepEqual(at('Zone', 'spec.secondaries[]').required, ['address']);
    assert.deepEqual(at('Zone', 'status.dnssec.state').enum, ['disabled', 'pending_ds', 'active', 'rotating_zsk', 'rotating_ksk', 'unsigning']);
    assert.equal(at('Zone', 'status.dnssec.dsRecords').type, 'array');
    assert.deepEqual(at('Zone', 'status.dnssec.keys[]').required, ['keyTag', 'algorithm', 'role', 'state', 'created']);
    assert.deepEqual(at('Zone', 'status.dnssec.keys[].role').enum, ['KSK', 'ZSK', 'CSK']);
    assert.equal(at('Zone', 'status.dnssec.keys[].keyTag').maximum, 65535);
    assert.deepEqual(version('Zone').additionalPrinterColumns.map((c) => c.name), ['Zone', 'Serial', 'DNSSEC', 'Ready', 'Age']);
  });

  it('describes SecondaryZone: primaries required, addresses checked as IPs, ports defaulted, unique', () => {
    assert.deepEqual(at('SecondaryZone', 'spec').required, ['zoneName', 'primaries']);
    assert.equal(at('SecondaryZone', 'spec.primaries').minItems, 1);
    assert.deepEqual(rules(at('SecondaryZone', 'spec.primaries[].address')), ['isIP(self)']);
    assert.equal(at('SecondaryZone', 'spec.primaries[].port').default, 53);
    assert.equal(at('SecondaryZone', 'spec.primaries[].port').maximum, 65535);
    assert.match(rules(at('SecondaryZone', 'spec.primaries'))[0]!, /exists_one/);
    assert.deepEqual(rules(at('SecondaryZone', 'spec.secondaries[].address')), ['isIP(self)']);
    assert.equal(rules(at('SecondaryZone', 'spec.refresh')).length, 2);
    assert.deepEqual(at('SecondaryZone', 'status.primaries[].status').enum, ['OK', 'FAILED']);
    assert.deepEqual(at('SecondaryZone', 'status.dnssec.state').enum, at('Zone', 'status.dnssec.state').enum);
    assert.deepEqual(at('SecondaryZone', 'status.nameservers[]').required, ['cloud', 'nameservers']);
    const columns = version('SecondaryZone').additionalPrinterColumns;
    assert.deepEqual(columns.filter((c) => !c.priority).map((c) => c.name), ['Zone', 'Serial', 'Problem', 'Ready', 'Age']);
    assert.equal(columns.find((c) => c.name === 'Problem')!.jsonPath, '.status.problem');
    assert.deepEqual(columns.find((c) => c.name === 'DNSSEC'), { name: 'DNSSEC', type: 'string', jsonPath: '.status.dnssec.state', priority: 1 });
  });

  it('describes DNSSECPolicy: enums with defaults, NSEC3 limits, and the cross-field CEL rules', () => {
    assert.deepEqual(at('DNSSECPolicy', 'spec.algorithm').enum, ['ECDSAP256SHA256', 'ECDSAP384SHA384', 'ED25519', 'RSASHA256', 'RSASHA512']);
    assert.deepEqual(at('DNSSECPolicy', 'spec.dsDigestTypes').default, ['SHA-256']);
    assert.deepEqual(at('DNSSECPolicy', 'spec.dsDigestTypes[]').enum, ['SHA-256', 'SHA-384']);
    assert.equal(at('DNSSECPolicy', 'spec.publishCDS').default, true);
    assert.equal(at('DNSSECPolicy', 'spec.parentDSTTL').default, 86400);
    assert.equal(at('DNSSECPolicy', 'spec.denial.nsec3.saltLength').default, 0);
    assert.equal(at('DNSSECPolicy', 'spec.denial.nsec3.optOut').default, false);
    assert.equal(at('DNSSECPolicy', 'spec.algorithm').default, 'ECDSAP256SHA256');
    assert.deepEqual(at('DNSSECPolicy', 'spec.keys.strategy').enum, ['KSK+ZSK', 'CSK']);
    assert.deepEqual(at('DNSSECPolicy', 'spec.denial.type').enum, ['NSEC', 'NSEC3']);
    assert.deepEqual(at('DNSSECPolicy', 'spec.dsConfirmation.mode').enum, ['Manual', 'Parent']);
    assert.equal(at('DNSSECPolicy', 'spec.denial.nsec3.iterations').default, 0);
    assert.equal(at('DNSSECPolicy', 'spec.denial.nsec3.iterations').maximum, 50);
    // Parents default to {} so that the defaults of their fields apply to `spec: {}` as well.
    for (const p of ['keys', 'signatures', 'denial', 'dsConfirmation']) assert.deepEqual(at('DNSSECPolicy', `spec.${p}`).default, {}, p);
    assert.match(rules(at('DNSSECPolicy', 'spec.signatures'))[0]!, /duration\(self\.refresh\) < duration\(self\.validity\)$/);
    assert.ok(rules(at('DNSSECPolicy', 'spec.denial')).includes("!has(self.nsec3) || self.type == 'NSEC3'"));
    assert.match(rules(at('DNSSECPolicy', 'spec.keys')).join(' '), /kskLifetime/);
    assert.equal(at('DNSSECPolicy', 'status.zones').type, 'integer');
  });

  it('checks NameserverCloud addresses as IPs and asks ClusterIP for one', () => {
    assert.match(rules(at('NameserverCloud', 'spec.addresses.ipv4[]'))[0]!, /family\(\) == 4/);
    assert.match(rules(at('NameserverCloud', 'spec.addresses.ipv6[]'))[0]!, /family\(\) == 6/);
    assert.match(rules(at('NameserverCloud', 'spec'))[0]!, /ClusterIP/);
  });

  it('accepts Go durations in whole hours, minutes and seconds only', () => {
    const pattern = new RegExp(at('DNSSECPolicy', 'spec.signatures.validity').pattern!);
    for (const ok of ['720h', '1h30m', '90s', '0s', '336h0m0s']) assert.ok(pattern.test(ok), ok);
    // `d` is not a Go duration unit: CEL's duration() would fail on it.
    for (const bad of ['30d', '1.5h', '10', 'h', '1m1h']) assert.ok(!pattern.test(bad), bad);
  });

  it('gives every CEL rule a message, and bounds the strings and lists CEL rules read', () => {
    for (const k of KINDS) {
      everyNode(version(k.kind).schema.openAPIV3Schema, (node, path) => {
        for (const v of node['x-kubernetes-validations'] ?? []) assert.ok(v.message, `${k.kind}${path}: ${v.rule}`);
        if (rules(node).some((r) => r.includes('.all('))) assert.ok(node.maxItems, `${k.kind}${path} needs maxItems for the CEL cost budget`);
      });
    }
  });

  it('renders YAML that parses back to the same CRD, the same each time', () => {
    for (const k of KINDS) {
      assert.deepEqual(parse(renderCrd(k)), crdFor(k));
      assert.equal(renderCrd(k), renderCrd(k));
    }
  });
});
