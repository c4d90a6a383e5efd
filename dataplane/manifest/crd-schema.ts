import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { ManifestError, formatPath, type ManifestDocument, type PathSegment } from './documents';

/**
 * Manifests checked against the CRD schemas that `npm run crds` generates from crds/v1alpha1 (the
 * ones the API server checks the same resources with), so `dnsfleet serve` and the operator agree
 * on what a valid Zone is. What the schema says in CEL (`x-kubernetes-validations`: addresses,
 * duplicates) is not run here: the callers check it, along with the DNS-level checks.
 */

/** The generated CRDs, from dist/dataplane/manifest (the image has them at the same place). */
const CRD_DIR = join(__dirname, '../../../crds');
const CRD_FILES = { Zone: 'dnsfleet.io_zones.yaml', SecondaryZone: 'dnsfleet.io_secondaryzones.yaml', DNSSECPolicy: 'dnsfleet.io_dnssecpolicies.yaml' } as const;
export type CrdKind = keyof typeof CRD_FILES;

type Schema = { [key: string]: unknown };

let ajv: Ajv | undefined;
const validators = new Map<CrdKind, ValidateFunction>();

function validatorOf(kind: CrdKind): ValidateFunction {
  let validate = validators.get(kind);
  if (validate) return validate;
  if (!ajv) {
    // verbose: errors carry their schema, for messages in the words of the field's limits.
    // Formats (date-time) appear only in status, which serve ignores: not checked.
    ajv = new Ajv({ allErrors: false, verbose: true, strict: true, strictTypes: false, validateFormats: false });
    // Kubernetes' own keywords: CEL rules and pruning hints, which JSON Schema does not know.
    ajv.addVocabulary(['x-kubernetes-validations', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type']);
  }
  const crd = parse(readFileSync(join(CRD_DIR, CRD_FILES[kind]), 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: Schema } }> } };
  validate = ajv.compile(closed(crd.spec.versions[0]!.schema.openAPIV3Schema));
  validators.set(kind, validate);
  return validate;
}

/**
 * The schema with unknown fields refused: the API server prunes them (or refuses them under
 * `kubectl --validate=strict`); a file served as it is must not keep a misspelt field silently.
 */
function closed(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, closed(v)]));
    else if (key === 'items' && typeof value === 'object' && value !== null) out[key] = closed(value as Schema);
    else out[key] = value;
  }
  if (schema.properties !== undefined && schema.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/** Throws a ManifestError naming file, line and field for the first thing the schema refuses. */
export function checkAgainstCrd(doc: ManifestDocument, kind: CrdKind): void {
  const validate = validatorOf(kind);
  if (validate(doc.value)) return;
  const error = validate.errors![0]!;
  const path = pathOf(error, doc.value);
  throw new ManifestError(doc.source, doc.lineOf(path), formatPath(path) || undefined, describe(error));
}

/** The JSON pointer of the error as path segments, array indexes as numbers; an unknown or missing field appended. */
function pathOf(error: ErrorObject, root: unknown): PathSegment[] {
  const path: PathSegment[] = [];
  let at: unknown = root;
  for (const raw of error.instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const index = Array.isArray(at) ? Number(seg) : NaN;
    path.push(Number.isInteger(index) ? index : seg);
    at = (at as Record<string, unknown>)[seg];
  }
  if (error.keyword === 'additionalProperties') path.push((error.params as { additionalProperty: string }).additionalProperty);
  if (error.keyword === 'required') path.push((error.params as { missingProperty: string }).missingProperty);
  return path;
}

const TYPE_NAMES: Readonly<Record<string, string>> = { object: 'an object', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false' };

/** The words of the hand-written checks this replaced, so messages read as before. */
function describe(error: ErrorObject): string {
  const schema = (error.parentSchema ?? {}) as Schema;
  const got = `, got ${JSON.stringify(error.data)}`;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return `unknown field (expected one of ${Object.keys((schema.properties as Schema | undefined) ?? {}).join(', ')})`;
    case 'type':
      return `must be ${TYPE_NAMES[String((error.params as { type: string }).type)] ?? String((error.params as { type: string }).type)}${got}`;
    case 'minimum':
    case 'maximum':
      if (typeof schema.minimum === 'number' && typeof schema.maximum === 'number') return `must be ${schema.type === 'integer' ? 'an integer' : 'a number'} from ${schema.minimum} to ${schema.maximum}${got}`;
      return `must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(schema[error.keyword])}${got}`;
    case 'minItems':
      return schema.minItems === 1 ? 'must be a non-empty list' : `must list at least ${String(schema.minItems)}`;
    case 'maxItems':
      return `must list at most ${String(schema.maxItems)}`;
    case 'minLength':
      return schema.minLength === 1 ? 'must be a non-empty string' : `must be at least ${String(schema.minLength)} characters`;
    case 'maxLength':
      return `must be at most ${String(schema.maxLength)} characters`;
    case 'pattern':
      return `${JSON.stringify(error.data)} does not match ${String(schema.pattern)}`;
    case 'enum':
      return `must be one of ${(schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`;
    default:
      return `${error.message ?? 'is not valid'}${got}`;
  }
}
