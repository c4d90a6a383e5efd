import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Name } from '../dns/name';
import { memoryLogger } from '../testkit/memory-logger';
import { ZoneCatalog } from './catalog';

const zone = (name: string, address: string): string => `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: ${name.replace(/\./g, '-')} }
spec:
  zoneName: ${name}
  rrsets:
    - { name: "@", type: NS, records: [ns1.${name}.] }
    - { name: www, type: A, records: [${address}] }
`;

describe('ZoneCatalog', () => {
  let dir: string;
  let clock = 1_800_000_000;
  const log = memoryLogger();
  const catalog = (): ZoneCatalog => new ZoneCatalog([dir], log, () => clock);
  const wwwOf = (c: ZoneCatalog, origin: string): string | undefined => {
    const z = c.zones.get(Name.fromText(origin));
    const rd = z?.node(Name.fromText(`www.${origin}`))?.rrsets.get(1)?.rdata[0];
    return rd ? [...rd].join('.') : undefined;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsfleet-catalog-'));
    log.lines.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads every zone of every manifest file in a directory, multi-document files included', () => {
    writeFileSync(join(dir, 'a.yaml'), zone('a.test', '192.0.2.1') + '---\n' + zone('b.test', '192.0.2.2'));
    writeFileSync(join(dir, 'c.yml'), zone('c.test', '192.0.2.3'));
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
    const c = catalog();
    const report = c.reload();
    assert.equal(report.zones, 3);
    assert.deepEqual(report.errors, []);
    assert.equal(wwwOf(c, 'b.test.'), '192.0.2.2');
  });

  it('keeps serving the last good version of a zone whose new version fails its checks', () => {
    writeFileSync(join(dir, 'a.yaml'), zone('a.test', '192.0.2.1'));
    const c = catalog();
    c.reload();
    const serial = c.zones.get(Name.fromText('a.test.'))!.serial;
    writeFileSync(join(dir, 'a.yaml'), zone('a.test', '192.0.2.999'));
    clock += 10;
    const report = c.reload();
    assert.equal(report.errors.length, 1);
    assert.match(report.errors[0]!, /a\.yaml:8: spec\.rrsets\[1\]\.records\[0\]: A "192\.0\.2\.999".*\(still serving serial \d+\)/);
    assert.equal(wwwOf(c, 'a.test.'), '192.0.2.1');
    assert.equal(c.zones.get(Name.fromText('a.test.'))!.serial, serial);
    assert.ok(log.lines.some((l) => l.level === 'error' && /still serving/.test(String(l.fields?.error))));
  });

  it('keeps every zone of a file that is no longer valid YAML', () => {
    writeFileSync(join(dir, 'a.yaml'), zone('a.test', '192.0.2.1') + '---\n' + zone('b.test', '192.0.2.2'));
    const c = catalog();
    c.reload();
    writeFileSync(join(dir, 'a.yaml'), 'kind: Zone\nspec: [unclosed\n');
    const report = c.reload();
    assert.equal(report.zones, 2);
    assert.match(report.errors[0]!, /a\.yaml:\d+: invalid YAML.*keeping 2 zone\(s\)/);
  });

  it('raises the serial when a zone changes and drops zones removed from the files', () => {
    writeFileSync(join(dir, 'a.yaml'), zone('a.test', '192.0.2.1'));
    writeFileSync(join(dir, 'b.yaml'), zone('b.test', '192.0.2.2'));
    const c = catalog();
    c.reload();
    writeFileSync(join(dir, 'a.yaml'), zone('a.test', '192.0.2.5'));
    unlinkSync(join(dir, 'b.yaml'));
    clock += 60;
    const report = c.reload();
    assert.deepEqual([...report.changed].sort(), ['a.test.', 'b.test.']);
    assert.equal(c.zones.get(Name.fromText('a.test.'))!.serial, clock);
    assert.equal(c.zones.get(Name.fromText('b.test.')), undefined);
  });

  it('serves the first of two definitions of the same zone and reports the second', () => {
    writeFileSync(join(dir, 'a.yaml'), zone('a.test', '192.0.2.1'));
    writeFileSync(join(dir, 'b.yaml'), zone('a.test', '192.0.2.2'));
    const c = catalog();
    const report = c.reload();
    assert.equal(wwwOf(c, 'a.test.'), '192.0.2.1');
    assert.equal(report.errors.length, 1);
    assert.match(report.errors[0]!, /b\.yaml:1: zone a\.test\. is defined more than once \(first at .*a\.yaml:1\); the first definition is served/);
  });

  it('refuses a second definition of a zone in the same file, however its name is written, naming both documents', () => {
    for (const second of ['a.test', 'A.Test', 'a.test.', 'A.TEST.', '\\097.test']) {
      writeFileSync(join(dir, 'a.yaml'), zone('a.test', '192.0.2.1') + '---\n' + zone('b.test', '192.0.2.9') + '---\n' + zone(second, '192.0.2.2'));
      const c = catalog();
      const report = c.reload();
      assert.equal(wwwOf(c, 'a.test.'), '192.0.2.1', second);
      assert.equal(report.zones, 2);
      assert.equal(report.errors.length, 1, second);
      // The third document starts on line 19 (two documents of 8 lines and their `---`).
      assert.match(report.errors[0]!, /a\.yaml:19: zone a\.test\. is defined more than once in this file \(first at .*a\.yaml:1\); the first definition is served/, second);
    }
  });

  describe('$INCLUDE in spec.zoneFile', () => {
    const including = (file: string): string =>
      zone('a.test', '192.0.2.1') + `  zoneFile: |\n    $TTL 60\n    $INCLUDE ${file}\n`;

    it('reads a file relative to the manifest, subdirectories included', () => {
      mkdirSync(join(dir, 'db'));
      writeFileSync(join(dir, 'db', 'a.db'), 'inc A 192.0.2.7\n');
      writeFileSync(join(dir, 'a.yaml'), including('db/a.db'));
      const c = catalog();
      const report = c.reload();
      assert.deepEqual(report.errors, []);
      const rd = c.zones.get(Name.fromText('a.test.'))!.node(Name.fromText('inc.a.test.'))!.rrsets.get(1)!.rdata[0]!;
      assert.deepEqual([...rd], [192, 0, 2, 7]);
    });

    it('refuses files outside the manifest directory, by path or by link, with a clear message', () => {
      const outside = mkdtempSync(join(tmpdir(), 'dnsfleet-outside-'));
      try {
        writeFileSync(join(outside, 'secret.db'), 'x A 192.0.2.66\n');
        symlinkSync(join(outside, 'secret.db'), join(dir, 'link.db'));
        for (const [name, why] of [
          [`../${outside.split('/').pop()}/secret.db`, /refused: only files in the manifest's directory .* or below may be included$/],
          [join(outside, 'secret.db'), /refused: only files in the manifest's directory .* or below may be included$/],
          ['/etc/passwd', /refused: only files in the manifest's directory/],
          ['link.db', /refused: .*\(it is a link to .*secret\.db\)/],
          ['missing.db', /cannot read it: ENOENT/],
        ] as const) {
          writeFileSync(join(dir, 'a.yaml'), including(name));
          const report = catalog().reload();
          assert.equal(report.errors.length, 1, name);
          assert.match(report.errors[0]!, /a\.yaml:11: spec\.zoneFile line 2: \$INCLUDE /, name);
          assert.match(report.errors[0]!.replace(/ \(zone not loaded\)$/, ''), why, name);
        }
      } finally {
        rmSync(outside, { recursive: true, force: true });
      }
    });

    it('places a zone check problem of an included record at its $INCLUDE line and its own file and line', () => {
      writeFileSync(join(dir, 'inc.db'), '; aliases\nc CNAME www\n');
      writeFileSync(join(dir, 'a.yaml'), zone('a.test', '192.0.2.1') + '  zoneFile: |\n    $TTL 60\n    c A 192.0.2.5\n    $INCLUDE inc.db\n');
      const report = catalog().reload();
      assert.equal(report.errors.length, 1);
      assert.match(report.errors[0]!, /a\.yaml:12: spec\.zoneFile line 3: .*inc\.db:2: c\.a\.test\. has a CNAME beside other data \(A\) \(zone not loaded\)$/);
    });

    it('refuses include loops, and names the line inside the included file', () => {
      writeFileSync(join(dir, 'l1.db'), '$INCLUDE l2.db\n');
      writeFileSync(join(dir, 'l2.db'), '\n$INCLUDE l1.db\n');
      writeFileSync(join(dir, 'a.yaml'), including('l1.db'));
      let report = catalog().reload();
      assert.match(report.errors[0]!, /\$INCLUDE loop: spec\.zoneFile -> .*l1\.db -> .*l2\.db -> .*l1\.db/);
      writeFileSync(join(dir, 'bad.db'), 'ok A 192.0.2.1\nbad A 192.0.2.300\n');
      writeFileSync(join(dir, 'a.yaml'), including('bad.db'));
      report = catalog().reload();
      assert.match(report.errors[0]!, /a\.yaml:11: spec\.zoneFile line 2: \$INCLUDE .*bad\.db: .*bad\.db:2: A: "192\.0\.2\.300" is not an IPv4 address/);
    });
  });

  it('skips kinds it does not serve, with a warning', () => {
    writeFileSync(join(dir, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n---\n' + zone('a.test', '192.0.2.1'));
    const report = catalog().reload();
    assert.equal(report.zones, 1);
    assert.match(report.warnings.join('\n'), /kind "ConfigMap" is not served/);
  });

  describe('secondaries and their TSIG Secrets', () => {
    const SECRET = Buffer.alloc(32, 9).toString('base64');
    const withSecondaries = (secondaries: string): string =>
      zone('s.test', '192.0.2.1') + `  secondaries:\n${secondaries}`;
    const secret = (name: string, fields: string): string => `---\napiVersion: v1\nkind: Secret\nmetadata: { name: ${name} }\n${fields}`;

    it('resolves a stringData and a base64 data Secret, and lists the keys by key name', () => {
      const b64 = (t: string): string => Buffer.from(t).toString('base64');
      writeFileSync(
        join(dir, 's.yaml'),
        withSecondaries(
          '    - { address: 192.0.2.53 }\n' +
            '    - { address: 192.0.2.54, port: 5353, tsigKeySecretRef: { name: plain } }\n' +
            '    - { address: "2001:db8::53", tsigKeySecretRef: { name: encoded } }\n',
        ) +
          secret('plain', `stringData: { name: xfr-a, algorithm: hmac-sha256, secret: "${SECRET}" }\n`) +
          secret('encoded', `data: { name: ${b64('xfr-b.')}, algorithm: ${b64('hmac-sha512')}, secret: ${b64(SECRET)} }\n`),
      );
      const c = catalog();
      const report = c.reload();
      assert.deepEqual(report.errors, []);
      const list = c.secondaries.get('s.test.')!;
      assert.deepEqual(list.map((s) => [s.address, s.port, s.key?.name, s.key?.algorithm]), [
        ['192.0.2.53', 53, undefined, undefined],
        ['192.0.2.54', 5353, 'xfr-a.', 'hmac-sha256'],
        ['2001:db8::53', 53, 'xfr-b.', 'hmac-sha512'],
      ]);
      assert.deepEqual([...c.keys.keys()].sort(), ['xfr-a.', 'xfr-b.']);
    });

    it('leaves out a secondary whose Secret is missing or broken, and says why', () => {
      writeFileSync(
        join(dir, 's.yaml'),
        withSecondaries('    - { address: 192.0.2.53, tsigKeySecretRef: { name: gone } }\n    - { address: 192.0.2.54, tsigKeySecretRef: { name: bad } }\n') +
          secret('bad', `stringData: { name: k, algorithm: hmac-sha256-128, secret: "${SECRET}" }\n`),
      );
      const c = catalog();
      const report = c.reload();
      assert.equal(c.secondaries.get('s.test.'), undefined);
      assert.match(report.errors[0]!, /spec\.secondaries\[0\] \(192\.0\.2\.53\): Secret gone not found/);
      assert.match(report.errors[1]!, /s\.yaml:\d+: stringData\.algorithm: Secret bad: algorithm: "hmac-sha256-128" is not one of/);
    });

    it('rejects a secondary that is not an address, with file, line and field', () => {
      writeFileSync(join(dir, 's.yaml'), withSecondaries('    - { address: ns.example.net }\n'));
      const report = catalog().reload();
      assert.match(report.errors[0]!, /s\.yaml:10: spec\.secondaries\[0\]\.address: "ns\.example\.net" is not an IPv4 or IPv6 address/);
    });
  });

  describe('DNSSEC policies', () => {
    const policy = (name: string, spec: string): string => `apiVersion: dnsfleet.io/v1alpha1\nkind: DNSSECPolicy\nmetadata: { name: ${name} }\nspec: ${spec}\n`;
    const signedZone = (name: string, policyName: string, annotations = ''): string =>
      zone(name, '192.0.2.1').replace('spec:\n', `${annotations ? `  annotations: { ${annotations} }\n` : ''}spec:\n  dnssecPolicy: ${policyName}\n`).replace(/metadata: \{ name: ([^ ]+) \}\n/, 'metadata:\n  name: $1\n');

    it('gives each zone its policy and the lifecycle annotations', () => {
      writeFileSync(join(dir, 'p.yaml'), policy('fast', '{ algorithm: ED25519 }'));
      writeFileSync(join(dir, 'z.yaml'), signedZone('s.test', 'fast', '"dnsfleet.io/ds-published": "12345", "dnsfleet.io/rotate-zsk": "a", other: x') + '---\n' + zone('plain.test', '192.0.2.2'));
      const c = catalog();
      assert.deepEqual(c.reload().errors, []);
      const s = c.signing.get('s.test.')!;
      assert.equal(s.policyName, 'fast');
      assert.equal(s.policy?.lifecycle.algorithm, 15);
      assert.deepEqual(s.annotations, { dsPublished: '12345', rotateZsk: 'a' });
      assert.deepEqual(c.signing.get('plain.test.'), { annotations: {} });
    });

    it('says when a zone names a policy the files do not define', () => {
      writeFileSync(join(dir, 'z.yaml'), signedZone('s.test', 'nowhere'));
      const c = catalog();
      const report = c.reload();
      assert.match(report.errors[0]!, /zone s\.test\.: DNSSECPolicy nowhere not found in the manifests; its signing is held as it is/);
      assert.deepEqual(c.signing.get('s.test.'), { policyName: 'nowhere', annotations: {} });
    });

    it('keeps the last good definition of a policy that breaks, and says where', () => {
      writeFileSync(join(dir, 'p.yaml'), policy('fast', '{ algorithm: ED25519 }'));
      writeFileSync(join(dir, 'z.yaml'), signedZone('s.test', 'fast'));
      const c = catalog();
      c.reload();
      writeFileSync(join(dir, 'p.yaml'), policy('fast', '{ algorithm: RSASHA1 }'));
      const report = c.reload();
      assert.match(report.errors[0]!, /p\.yaml:4: spec\.algorithm: must be one of .*, got "RSASHA1" \(keeping its previous definition\)/);
      assert.equal(c.signing.get('s.test.')?.policy?.lifecycle.algorithm, 15);
    });
  });
});
