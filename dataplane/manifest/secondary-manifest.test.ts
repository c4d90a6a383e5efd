import { strict as assert } from 'node:assert';
import { readManifestDocuments, ManifestError } from './documents';
import { readSecondaryZone } from './secondary-manifest';

const SECONDARY = `apiVersion: dnsfleet.io/v1alpha1
kind: SecondaryZone
metadata:
  name: example-org
spec:
  zoneName: Example.org
  primaries: [{ address: 192.0.2.1 }, { address: "2001:db8::1", port: 5353 }]
  tsigKeySecretRef: { name: transfer-key }
  refresh: { refresh: 3600, expire: 86400 }
`;

function read(yaml: string) {
  return readSecondaryZone(readManifestDocuments(yaml, 's.yaml')[0]!);
}

describe('SecondaryZone manifests', () => {
  it('reads the zone, its primaries (port 53 unless given), the key Secret and the refresh overrides', () => {
    assert.deepEqual(read(SECONDARY), {
      origin: 'example.org.',
      primaries: [
        { address: '192.0.2.1', port: 53 },
        { address: '2001:db8::1', port: 5353 },
      ],
      tsigSecret: 'transfer-key',
      refresh: { refresh: 3600, expire: 86400 },
    });
  });

  const errors: Array<[string, string, RegExp]> = [
    ['a wrong apiVersion', SECONDARY.replace('v1alpha1', 'v1'), /^s\.yaml:1: apiVersion: must be dnsfleet\.io\/v1alpha1, got "dnsfleet\.io\/v1"$/],
    ['no primaries', SECONDARY.replace(/primaries: .*/, 'primaries: []'), /^s\.yaml:7: spec\.primaries: must be a non-empty list$/],
    ['a port out of range', SECONDARY.replace('5353', '65536'), /^s\.yaml:7: spec\.primaries\[1\]\.port: must be an integer from 1 to 65535, got 65536$/],
    ['a Secret reference without a name', SECONDARY.replace('{ name: transfer-key }', '{}'), /^s\.yaml:8: spec\.tsigKeySecretRef\.name: is required$/],
    ['a misspelt field', SECONDARY.replace('tsigKeySecretRef', 'tsigKeySecret'), /^s\.yaml:8: spec\.tsigKeySecret: unknown field \(expected one of zoneName, description, primaries, /],
    ['a refresh of 0', SECONDARY.replace('refresh: 3600', 'refresh: 0'), /^s\.yaml:9: spec\.refresh\.refresh: must be an integer from 1 to 2147483647, got 0$/],
    // What the schema says in CEL, checked by hand.
    ['a primary that is no address', SECONDARY.replace('192.0.2.1', 'ns.example.net'), /^s\.yaml:7: spec\.primaries\[0\]\.address: "ns\.example\.net" is not an IPv4 or IPv6 address$/],
    ['a primary listed twice', SECONDARY.replace('port: 5353', 'port: 53').replace('2001:db8::1', '192.0.2.1'), /^s\.yaml:7: spec\.primaries\[1\]: must not repeat an address and port$/],
    ['an expire before the refresh', SECONDARY.replace('expire: 86400', 'expire: 60'), /^s\.yaml:9: spec\.refresh: expire must be greater than refresh$/],
  ];
  for (const [what, yaml, message] of errors) {
    it(`rejects ${what}, naming file, line and field`, () => {
      assert.throws(() => read(yaml), (err: unknown) => err instanceof ManifestError && message.test(err.message));
    });
  }
});
