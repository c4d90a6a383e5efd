import { parseTsigKey, TsigKeyError, type TsigKey } from '../dns/tsig';
import { base64ToBytes } from '../dns/rdata/text';
import { ManifestError, type ManifestDocument } from './documents';

/**
 * A `kind: Secret` manifest holding a TSIG key, as `dnsfleet serve` reads it next to the Zones
 * that name it in `tsigKeySecretRef`: the keys `name`, `algorithm` and `secret`, in `stringData`
 * (plain) or `data` (base64, as `kubectl get secret -o yaml` prints it). `stringData` wins for a
 * key given in both, as the API server merges them.
 */

export function isSecretDocument(doc: ManifestDocument): boolean {
  const v = doc.value as { kind?: unknown; apiVersion?: unknown } | null;
  return typeof v === 'object' && v !== null && v.kind === 'Secret';
}

/** The Secret's `metadata.name`, or undefined when it has none (reported by `readTsigSecret`). */
export function secretNameOf(doc: ManifestDocument): string | undefined {
  const name = (doc.value as { metadata?: { name?: unknown } }).metadata?.name;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}

/** The TSIG key of a Secret manifest; throws ManifestError naming file, line and field. */
export function readTsigSecret(doc: ManifestDocument): TsigKey {
  const v = doc.value as { apiVersion?: unknown; metadata?: unknown; data?: unknown; stringData?: unknown };
  const fail = (path: Array<string>, detail: string): never => {
    throw new ManifestError(doc.source, doc.lineOf(path), path.join('.') || undefined, detail);
  };
  if (v.apiVersion !== 'v1') fail(['apiVersion'], `must be v1, got ${JSON.stringify(v.apiVersion)}`);
  const name = secretNameOf(doc) ?? fail(['metadata', 'name'], 'must be a non-empty string');
  const fields: Record<string, unknown> = {};
  for (const section of ['data', 'stringData'] as const) {
    const map = v[section];
    if (map === undefined) continue;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) fail([section], 'must be an object');
    for (const [field, value] of Object.entries(map as Record<string, unknown>)) {
      if (section === 'stringData') {
        fields[field] = value;
        continue;
      }
      if (typeof value !== 'string') fail([section, field], 'must be a base64 string');
      const octets: number[] = [];
      base64ToBytes(value as string, octets, field, (message) => fail([section, field], `not base64: ${message}`));
      fields[field] = new TextDecoder().decode(Uint8Array.from(octets));
    }
  }
  try {
    return parseTsigKey(fields, `Secret ${name}`);
  } catch (err) {
    if (err instanceof TsigKeyError) {
      const section = (v.stringData as Record<string, unknown> | undefined)?.[err.field] !== undefined ? 'stringData' : 'data';
      return fail([section, err.field], err.message);
    }
    throw err;
  }
}
