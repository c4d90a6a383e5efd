import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

/**
 * Checks a response against api/openapi.json: the path and method must be documented, the status
 * must be one of the operation's, and the body must match its schema (additional properties
 * refused, as the generated schemas say). The API's unit and integration tests run every
 * response they get through it.
 */

interface Operation {
  responses: Record<string, { content?: { 'application/json'?: { schema: unknown } } }>;
}
interface Document {
  paths: Record<string, Record<string, Operation | unknown>>;
  components: { schemas: Record<string, unknown> };
}

const doc = JSON.parse(readFileSync(join(__dirname, '../../api/openapi.json'), 'utf8')) as Document;
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'openapi', components: doc.components });
const validators = new Map<string, ValidateFunction>();

/** Rewrites `#/components/…` refs to the schema registered as `openapi`. */
function rebased(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/'));
}

function templateOf(path: string): string {
  const pathname = path.split('?')[0]!;
  for (const template of Object.keys(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(pathname)) return template;
  }
  throw new assert.AssertionError({ message: `${pathname} is not a path of api/openapi.json` });
}

/** Asserts that `body` (parsed JSON) is a documented answer of `method path` with `status`. */
export function checkResponse(method: string, path: string, status: number, body: unknown): void {
  if (path.split('?')[0] === '/openapi.json') return;
  // Unknown endpoints answer 404 in the error shape, which is documented on every operation.
  const template = templateOf(path);
  const op = doc.paths[template]![method.toLowerCase()] as Operation | undefined;
  assert.ok(op, `${method} ${template} is not in api/openapi.json`);
  const response = op.responses[String(status)];
  assert.ok(response, `${method} ${template} answered ${status}, which api/openapi.json does not list (${Object.keys(op.responses).join(', ')}): ${JSON.stringify(body)}`);
  const schema = response.content?.['application/json']?.schema;
  assert.ok(schema, `${method} ${template} ${status} has no JSON schema`);
  const key = `${method} ${template} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(rebased(schema) as object);
    validators.set(key, validate);
  }
  assert.ok(validate(body), `${key}: the body does not match api/openapi.json: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}
