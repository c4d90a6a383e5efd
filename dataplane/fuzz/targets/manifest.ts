import { ManifestError, readManifestDocuments, type ManifestDocument } from '../../manifest/documents';
import { buildZone, isZoneDocument, validateZoneDocument } from '../../manifest/zone-manifest';
import { isSecondaryZoneDocument, readSecondaryZone } from '../../manifest/secondary-manifest';
import { isDnssecPolicyDocument, policyNameOf, readDnssecPolicy, signingAnnotationsOf } from '../../manifest/dnssec-policy-manifest';
import { isSecretDocument, readTsigSecret, secretNameOf } from '../../manifest/secret-manifest';
import type { IncludeReader } from '../../dns/zonefile/reader';
import { check, dataplaneScope, words, type FuzzTarget } from '../target';

/**
 * The manifest loader (dataplane/manifest/) on arbitrary YAML, each document handed to its
 * reader as `dnsfleet serve` does (standalone/catalog.ts): Zone (validated, then built, zone file
 * and `$INCLUDE` included), SecondaryZone, DNSSECPolicy, Secret. Property: what is wrong with the
 * text throws ManifestError naming the file and, when it gives one, a line of the text; nothing
 * else is thrown.
 */

const SOURCE = 'fuzz.yaml';
const NOW = 1_800_000_000;

const include: IncludeReader = (name) => {
  if (name !== 'part.zone') throw new Error(`no such file ${name}`);
  return { text: 'www 300 A 192.0.2.1\n', source: name };
};

export function createManifestTarget(): FuzzTarget {
  const decoder = new TextDecoder();
  return {
    name: 'manifest',
    description: 'readManifestDocuments and the Zone, SecondaryZone, DNSSECPolicy and Secret readers on YAML',
    // The YAML parser's own branches guide too: they are how the fuzzer learns to write YAML.
    scope: (url) => dataplaneScope('manifest/', 'dns/', 'zone/')(url) || url.includes('/node_modules/yaml/'),
    dictionary: words(
      'apiVersion: dnsfleet.io/v1alpha1\n', 'apiVersion: v1\n', 'kind: Zone\n', 'kind: SecondaryZone\n', 'kind: DNSSECPolicy\n', 'kind: Secret\n',
      'metadata:\n  name: x\n', 'spec:\n', '  zoneName: example.com\n', '  zoneFile: |\n', '  rrsets:\n', '  - name: www\n', '    type: A\n',
      '    records: ["192.0.2.1"]\n', '  soa:\n', '  defaultTTL: 300\n', '  secondaries:\n', '  primaries:\n', '  - address: 192.0.2.1\n', '    port: 53\n',
      '  refresh:\n', '  tsigKeySecretRef:\n', '    name: k\n', '  dnssecPolicy: p\n', '  keys:\n', '    strategy: CSK\n', '  signatures:\n',
      '    validity: 336h\n', '  denial:\n', '    type: NSEC3\n', '  dsConfirmation:\n', '    mode: Parent\n', 'stringData:\n', 'data:\n',
      '  algorithm: hmac-sha256\n', '  secret: AAAA\n', '---\n', '- ', ': ', '&a ', '*a', '!!str ', '!!binary ', '|', '>', '"', "'", '{', '}', '[', ']',
      '#', '\n', '  ', '$INCLUDE part.zone\n', '$ORIGIN ', '$TTL ', ' SOA ', ' NS ', ' TXT ', '<<: *a\n', '~', 'null', 'true', '0x10', '1e400',
    ),
    maxLength: 8192,
    run(data) {
      const text = decoder.decode(data);
      const lines = text.split('\n').length;
      const placed = (err: ManifestError): void => {
        check(err.source === SOURCE, () => `a ManifestError naming ${err.source}: ${err.message}`);
        check(err.line === undefined || (err.line >= 1 && err.line <= lines), () => `a ManifestError at line ${err.line} of ${lines}: ${err.message}`);
      };
      let docs: ManifestDocument[];
      try {
        docs = readManifestDocuments(text, SOURCE);
      } catch (err) {
        if (!(err instanceof ManifestError)) throw err;
        return placed(err);
      }
      for (const doc of docs) {
        try {
          readDocument(doc);
        } catch (err) {
          if (!(err instanceof ManifestError)) throw err;
          placed(err);
        }
      }
    },
  };
}

function readDocument(doc: ManifestDocument): void {
  if (isSecondaryZoneDocument(doc)) {
    signingAnnotationsOf(readSecondaryZone(doc).annotations);
  } else if (isDnssecPolicyDocument(doc)) {
    policyNameOf(doc);
    readDnssecPolicy(doc);
  } else if (isSecretDocument(doc)) {
    secretNameOf(doc);
    readTsigSecret(doc);
  } else if (isZoneDocument(doc)) {
    const resource = validateZoneDocument(doc);
    signingAnnotationsOf(resource.metadata?.annotations);
    const built = buildZone(doc, resource, undefined, NOW, { include });
    // A second build from the managed serial: the path of a reload.
    if (built.managedSerial) buildZone(doc, resource, built.managedSerial, NOW + 1, { include });
  }
}
