import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The OpenAPI document served at /openapi.json: api/openapi.json, generated at build time from
 * api/types.ts (generate-openapi.ts; the generator is a devDependency and is not in the image).
 * Read from dist/api, the file is two folders up; the image keeps it at the same place.
 */
const FILE = join(__dirname, '../../api/openapi.json');

let doc: unknown;

export function openApiDocument(): unknown {
  doc ??= JSON.parse(readFileSync(FILE, 'utf8'));
  return doc;
}
