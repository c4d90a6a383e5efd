import { strict as assert } from 'node:assert';
import { readManifestDocuments, ManifestError } from './documents';
import { apiObjectLocator, buildZone, validateZoneDocument } from './zone-manifest';
import { RRType } from '../dns/constants';
import { rdataToText } from '../dns/rdata/registry';
import { Name } from '../dns/name';

const NOW = 1_800_000_000;

function load(yaml: string, previous?: Parameters<typeof buildZone>[2], now = NOW) {
  const [doc] = readManifestDocuments(yaml, 'zones.yaml');
  return buildZone(doc!, validateZoneDocument(doc!), previous, now);
}

function failure(yaml: string): ManifestError {
  try {
    load(yaml);
  } catch (err) {
    assert.ok(err instanceof ManifestError, `expected a ManifestError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the manifest to be rejected');
}

const ZONE = `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata:
  name: example-com
spec:
  zoneName: example.com
  rrsets:
    - name: "@"
      type: NS
      records: [ns1.example.com., ns2.example.net.]
    - { name: www, type: A, ttl: 60, records: [192.0.2.1] }
    - { name: "@", type: MX, records: ["10 mail"] }
`;

describe('Zone manifests', () => {
  it('builds the zone from rrsets with a managed SOA', () => {
    const { zone, managedSerial } = load(ZONE);
    assert.equal(zone.origin.toString(), 'example.com.');
    assert.equal(zone.serial, NOW);
    assert.equal(managedSerial?.serial, NOW);
    const soa = rdataToText(RRType.SOA, zone.soa.rdata[0]!);
    assert.equal(soa, `ns1.example.com. hostmaster.example.com. ${NOW} 3600 600 1209600 3600`, 'MNAME is the first apex NS');
    assert.equal(zone.node(Name.fromText('www.example.com.'))!.rrsets.get(RRType.A)!.ttl, 60);
    assert.equal(zone.node(Name.fromText('example.com.'))!.rrsets.get(RRType.MX)!.ttl, 3600, 'default TTL');
  });

  it('keeps the serial while the spec is unchanged, and raises it when it changes (RFC 1982)', () => {
    const first = load(ZONE);
    const same = load(ZONE, first.managedSerial, NOW + 100);
    assert.equal(same.zone.serial, NOW);
    const changed = load(ZONE.replace('192.0.2.1', '192.0.2.2'), first.managedSerial, NOW + 100);
    assert.equal(changed.zone.serial, NOW + 100);
    const clockBehind = load(ZONE.replace('192.0.2.1', '192.0.2.3'), changed.managedSerial, NOW);
    assert.equal(clockBehind.zone.serial, NOW + 101, 'previous + 1 when the clock is not ahead');
  });

  it('keeps a SOA given in the zone data, serial and all', () => {
    const { zone, managedSerial, warnings } = load(`apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: x }
spec:
  zoneName: example.org.
  soa: { rname: ignored.example.org. }
  zoneFile: |
    $TTL 300
    @ SOA ns hostmaster 42 1 2 3 4
    @ NS ns
`);
    assert.equal(zone.serial, 42);
    assert.equal(managedSerial, undefined);
    assert.match(warnings.join('\n'), /spec.soa is ignored/);
  });

  it('merges rrsets and zoneFile into one zone', () => {
    const { zone } = load(ZONE.replace('  rrsets:', '  zoneFile: |\n    txt 300 TXT "from the zone file"\n  rrsets:'));
    assert.ok(zone.node(Name.fromText('txt.example.com.'))!.rrsets.has(RRType.TXT));
  });

  const errors: Array<[string, string, RegExp]> = [
    ['a record that does not parse', ZONE.replace('"10 mail"', '"mail"'), /^zones\.yaml:12: spec\.rrsets\[2\]\.records\[0\]: MX "mail": MX: preference: expected a number/],
    ['an unknown type', ZONE.replace('type: A,', 'type: AX,'), /^zones\.yaml:11: spec\.rrsets\[1\]\.type: unknown record type "AX": write it as TYPE<number> .*RFC 3597 §5/],
    ['a bad owner', ZONE.replace('name: www', 'name: "a..b"'), /^zones\.yaml:11: spec\.rrsets\[1\]\.name: .*empty label/],
    ['a TTL out of range', ZONE.replace('ttl: 60', 'ttl: -1'), /^zones\.yaml:11: spec\.rrsets\[1\]\.ttl: must be an integer from 0 to 2147483647/],
    ['an unknown field', ZONE.replace('  zoneName:', '  zonename: x\n  zoneName:'), /^zones\.yaml:6: spec\.zonename: unknown field/],
    ['a wrong apiVersion', ZONE.replace('v1alpha1', 'v1'), /^zones\.yaml:1: apiVersion: must be dnsfleet\.io\/v1alpha1/],
    ['an empty records list', ZONE.replace('records: [192.0.2.1]', 'records: []'), /^zones\.yaml:11: spec\.rrsets\[1\]\.records: must be a non-empty list/],
    // The CRD schema's checks (crd-schema.ts), at the field they refuse.
    ['a TTL written as a string', ZONE.replace('ttl: 60', 'ttl: "60"'), /^zones\.yaml:11: spec\.rrsets\[1\]\.ttl: must be an integer, got "60"$/],
    ['a missing zone name', ZONE.replace(/  zoneName: .*\n/, ''), /^zones\.yaml:\d+: spec\.zoneName: is required$/],
    ['a zone name that is no domain name', ZONE.replace(/zoneName: .*/, 'zoneName: "exa mple"'), /^zones\.yaml:6: spec\.zoneName: "exa mple" does not match /],
    ['a spec that is not an object', ZONE.replace(/spec:\n[\s\S]*/, 'spec: []\n'), /^zones\.yaml:5: spec: must be an object, got \[\]$/],
    ['an unknown field at the top', `${ZONE}extra: 1\n`, /^zones\.yaml:\d+: extra: unknown field \(expected one of apiVersion, kind, metadata, spec, status\)$/],
    // What the schema says in CEL, checked by hand.
    ['a secondary that is no address', `${ZONE}  secondaries: [{ address: ns.example.net }]\n`, /spec\.secondaries\[0\]\.address: "ns\.example\.net" is not an IPv4 or IPv6 address$/],
    ['a secondary listed twice', `${ZONE}  secondaries: [{ address: 192.0.2.7 }, { address: 192.0.2.7, port: 53 }]\n`, /spec\.secondaries\[1\]: must not repeat an address and port$/],
    // Structural errors point at the record that caused them, the later one.
    [
      'a CNAME beside other data',
      ZONE.replace('type: A, ttl: 60, records: [192.0.2.1] }', 'type: A, records: [192.0.2.1] }\n    - { name: www, type: CNAME, records: [x.example.net.] }'),
      /^zones\.yaml:12: spec\.rrsets\[2\]\.records\[0\]: www\.example\.com\. has a CNAME beside other data \(A\)$/,
    ],
    [
      'other data after a CNAME',
      ZONE.replace('type: A, ttl: 60, records: [192.0.2.1] }', 'type: CNAME, records: [x.example.net.] }\n    - { name: www, type: TXT, records: [a] }\n    - { name: www, type: A, records: [192.0.2.1] }'),
      /^zones\.yaml:12: spec\.rrsets\[2\]\.records\[0\]: www\.example\.com\. has a CNAME beside other data \(TXT, A\)$/,
    ],
    [
      'a second CNAME in the zone file',
      ZONE.replace('  rrsets:', '  zoneFile: |\n    $TTL 300\n    c CNAME a\n    c A 192.0.2.1\n    c CNAME b\n  rrsets:'),
      /^zones\.yaml:11: spec\.zoneFile line 4: c\.example\.com\. has 2 CNAME records; only one is allowed \(RFC 2181 §10\.1\); spec\.zoneFile line 3: c\.example\.com\. has a CNAME beside other data \(A\)$/,
    ],
    ['out-of-zone data', ZONE.replace('name: www', 'name: www.example.net.'), /www\.example\.net\. is out of zone example\.com\./],
    [
      'two SOA records',
      ZONE.replace('  rrsets:', '  zoneFile: |\n    @ 300 SOA a b 1 2 3 4 5\n    ; a comment\n\n    @ 300 SOA c d 1 2 3 4 5\n  rrsets:'),
      /^zones\.yaml:11: spec\.zoneFile line 4: zone example\.com\. has 2 SOA records; exactly one is allowed$/,
    ],
    ['an $INCLUDE where no files can be read', ZONE.replace('  rrsets:', '  zoneFile: |\n    $INCLUDE other.db\n  rrsets:'), /^zones\.yaml:8: spec\.zoneFile line 1: \$INCLUDE is not available here/],
    ['a broken zone file', ZONE.replace('  rrsets:', '  zoneFile: |\n    ok 300 A 192.0.2.9\n    bad 300 A 999.1.1.1\n  rrsets:'), /^zones\.yaml:9: spec\.zoneFile line 2: A: "999\.1\.1\.1" is not an IPv4 address/],
    [
      'a broken record on line 9 of a zone file that starts on line 8',
      ZONE.replace('  rrsets:', `  zoneFile: |-\n    $TTL 300\n${'    ok A 192.0.2.9\n'.repeat(4)}    (\n    )\n\n    multi ( 300\n      A 999.1.1.1 )\n  rrsets:`),
      /^zones\.yaml:16: spec\.zoneFile line 9: A: "999\.1\.1\.1" is not an IPv4 address/,
    ],
    [
      'a broken record in a zone file written as a quoted string (at the field, with the zone-file line)',
      ZONE.replace('  rrsets:', '  zoneFile: "ok 300 A 192.0.2.9\\nbad 300 A 999.1.1.1\\n"\n  rrsets:'),
      /^zones\.yaml:7: spec\.zoneFile line 2: A: "999\.1\.1\.1" is not an IPv4 address/,
    ],
  ];
  for (const [what, yaml, message] of errors) {
    it(`rejects ${what}, naming file, line and field`, () => {
      const err = failure(yaml);
      assert.match(err.message, message);
    });
  }

  it('names an API object once in front of the zone checks\' problems, not again before each', () => {
    const resource = validateZoneDocument(readManifestDocuments(ZONE.replace('type: A, ttl: 60, records: [192.0.2.1] }', 'type: A, records: [192.0.2.1] }\n    - { name: www, type: CNAME, records: [x.example.net.] }'), 'x.yaml')[0]!);
    const one = (() => {
      try {
        buildZone(apiObjectLocator('Zone', 'default', 'x'), resource, undefined, NOW);
      } catch (err) {
        return (err as Error).message;
      }
      return assert.fail('expected a rejection');
    })();
    assert.equal(one, 'Zone default/x: spec.rrsets[2].records[0]: www.example.com. has a CNAME beside other data (A)');
    const two = failure(ZONE.replace('  rrsets:', '  zoneFile: |\n    www 300 CNAME x.example.net.\n    mail 300 CNAME y.example.net.\n    mail 300 TXT "t"\n  rrsets:'));
    assert.equal(two.message.match(/zones\.yaml/g)?.length, 1, two.message);
    // Placed at the later record of the first conflict (the rrsets' A after the zone file's CNAME).
    assert.match(two.message, /^zones\.yaml:15: spec\.rrsets\[1\]\.records\[0\]: www\.example\.com\. has a CNAME beside other data \(A\); spec\.zoneFile line 3: mail\.example\.com\. has a CNAME beside other data \(TXT\)$/);
  });

  it('warns when the managed SOA has to make up its MNAME (no apex NS, no spec.soa.mname)', () => {
    const noNs = ZONE.replace(/    - name: "@"\n      type: NS\n      records: \[ns1\.example\.com\., ns2\.example\.net\.\]\n/, '');
    const { zone, warnings } = load(noNs);
    assert.match(rdataToText(RRType.SOA, zone.soa.rdata[0]!), /^ns1\.example\.com\. /);
    assert.match(warnings.join('\n'), /spec\.soa\.mname: not set and no NS record at the apex, so the SOA's MNAME is the made-up ns1\.example\.com\./);
    assert.doesNotMatch(load(noNs.replace('  rrsets:', '  soa: { mname: primary.example.net. }\n  rrsets:')).warnings.join('\n'), /made-up/);
    assert.doesNotMatch(load(ZONE).warnings.join('\n'), /made-up/);
  });

  it('reports YAML syntax errors with their line', () => {
    assert.throws(() => readManifestDocuments('kind: Zone\nspec:\n  rrsets: [\n', 'broken.yaml'), /^ManifestError: broken\.yaml:\d+: invalid YAML/);
  });

  it('reports an alias without its anchor at the alias, not as a ReferenceError (found by fuzzing)', () => {
    // The fuzzer's input: the yaml package parses it without errors, then throws when it resolves `*:`.
    assert.throws(() => readManifestDocuments(':\n<: *:', 'alias.yaml'), /^ManifestError: alias\.yaml:2: invalid YAML: Unresolved alias/);
    assert.throws(() => readManifestDocuments('kind: Zone\nspec:\n  rrsets: *missing\n', 'alias.yaml'), /^ManifestError: alias\.yaml:3: invalid YAML: Unresolved alias/);
  });

  it('refuses a document of too many aliases (a billion laughs) as invalid YAML', () => {
    const laughs = `a: &a [x, x]\nb: &b [${'*a, '.repeat(9)}*a]\nc: &c [${'*b, '.repeat(9)}*b]\nd: [${'*c, '.repeat(11)}*c]\n`;
    assert.throws(() => readManifestDocuments(laughs, 'laughs.yaml'), /^ManifestError: laughs\.yaml:1: invalid YAML: Excessive alias count/);
  });
});
