import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGenerator, type Config } from 'ts-json-schema-generator';

/**
 * Writes api/openapi.json, the OpenAPI 3.1 document of the REST API: the component schemas are
 * generated from the TypeScript types in api/types.ts (as crds/generate.ts makes the CRDs from
 * crds/v1alpha1), the paths are the table below. `npm run api:openapi` runs it; a test fails when
 * the checked-in file differs from what it would write, and the API's tests check every response
 * against the file.
 */

type Schema = Record<string, unknown>;

/** Repository root, from dist/api or from api. */
const ROOT = resolve(__dirname, __dirname.includes(`${'dist'}`) ? '../..' : '..');
export const OPENAPI_FILE = join(ROOT, 'api/openapi.json');

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string): Schema => ({ description, content: { 'application/json': { schema } } });
const failed = (description: string): Schema => json(ref('StatusResponse'), description);

/** The answers every /api/v2 call may give besides its own. */
const COMMON = {
  '401': failed('No token, or a token no tenant has'),
  '429': { ...failed('Rate limit exceeded (X-RateLimit-Reset says until when), or the address is locked out after failed authentications'), headers: { 'X-RateLimit-Reset': { schema: { type: 'integer' }, description: 'Unix time the limit is reset' } } },
  '503': failed('The Kubernetes API server could not be reached'),
};
const RATE_HEADERS = {
  'X-RateLimit-Limit': { schema: { type: 'integer' }, description: 'Requests per minute allowed to this token' },
  'X-RateLimit-Remaining': { schema: { type: 'integer' }, description: 'Requests left in the current minute' },
};
const ok = (schema: Schema, description: string): Schema => ({ ...json(schema, description), headers: RATE_HEADERS });

const ZONE_PARAM = { name: 'zone', in: 'path', required: true, description: 'The zone name (`example.com`)', schema: { type: 'string' } };
const PAGE_PARAMS = [
  { name: 'page', in: 'query', description: 'Page, from 1', schema: { type: 'integer', minimum: 1, default: 1 } },
  { name: 'page_size', in: 'query', description: 'Items per page', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
];

function paths(): Schema {
  return {
    '/api/v2/zones': {
      get: { operationId: 'listZones', summary: 'The tenant\'s zones, master and slave', parameters: PAGE_PARAMS, responses: { '200': ok(ref('ZoneList'), 'One page of zones'), '400': failed('Bad page or page_size'), ...COMMON } },
      post: {
        operationId: 'addZone',
        summary: 'Add a master zone (a Zone) or a slave zone with its masters (a SecondaryZone)',
        requestBody: { required: true, content: { 'application/json': { schema: ref('ZoneCreateRequest') } } },
        responses: {
          '201': ok(ref('StatusResponse'), 'Added'),
          '400': failed('Invalid zone name, type or masters'),
          '403': failed('Quota exceeded; nothing was created'),
          '409': failed('The zone exists already'),
          '413': failed('Body too large'),
          '422': failed('The API server refused the object'),
          ...COMMON,
        },
      },
    },
    '/api/v2/zones/{zone}': {
      parameters: [ZONE_PARAM],
      get: { operationId: 'getZone', summary: 'One zone', responses: { '200': ok(ref('ApiZone'), 'The zone'), '400': failed('Invalid zone name'), '404': failed('No such zone for this tenant'), ...COMMON } },
      put: {
        operationId: 'updateZone',
        summary: 'Change a slave zone\'s masters',
        requestBody: { required: true, content: { 'application/json': { schema: ref('ZoneUpdateRequest') } } },
        responses: { '200': ok(ref('StatusResponse'), 'Updated'), '400': failed('Invalid masters, or a master zone'), '404': failed('No such zone for this tenant'), '409': failed('Changed concurrently too often'), '413': failed('Body too large'), '422': failed('The API server refused the change'), ...COMMON },
      },
      delete: { operationId: 'deleteZone', summary: 'Delete a zone', responses: { '200': ok(ref('StatusResponse'), 'Deleted'), '400': failed('Invalid zone name'), '404': failed('No such zone for this tenant'), ...COMMON } },
    },
    '/api/v2/zones/{zone}/rrsets': {
      parameters: [ZONE_PARAM],
      get: { operationId: 'listRRsets', summary: 'A master zone\'s RRsets, disabled records included', parameters: PAGE_PARAMS, responses: { '200': ok(ref('RRsetList'), 'One page of RRsets'), '400': failed('Invalid zone name or page, or a slave zone'), '404': failed('No such zone for this tenant'), ...COMMON } },
      patch: {
        operationId: 'patchRRsets',
        summary: 'Add, replace or delete whole RRsets, all or none',
        requestBody: { required: true, content: { 'application/json': { schema: ref('RRsetPatch') } } },
        responses: {
          '200': ok(ref('StatusResponse'), 'Applied'),
          '400': failed('A change that cannot be read (unknown changetype, a name outside the zone, …), or a slave zone'),
          '403': failed('Quota exceeded; nothing was changed'),
          '404': failed('No such zone for this tenant'),
          '409': failed('add of an RRset that exists, a zone written as a zone file, or changed concurrently too often'),
          '413': failed('Body too large'),
          '422': failed('The zone model refuses the result (bad rdata, CNAME beside other data, …), or delete of an RRset that does not exist'),
          ...COMMON,
        },
      },
    },
    '/api/v2/quota': {
      get: { operationId: 'getQuota', summary: 'The tenant\'s limits and usage', responses: { '200': ok(ref('Quota'), 'Limits (null: none) and usage'), ...COMMON } },
    },
  };
}

/** The component schemas, from api/types.ts. */
function schemas(): Record<string, Schema> {
  const config: Config = {
    path: join(ROOT, 'api/types.ts'),
    tsconfig: join(ROOT, 'tsconfig.json'),
    type: '*',
    expose: 'export',
    // With `*` every exported type is a definition.
    topRef: true,
    jsDoc: 'extended',
    skipTypeCheck: true,
    additionalProperties: false,
  };
  const { definitions = {} } = createGenerator(config).createSchema('*') as Schema & { definitions?: Record<string, Schema> };
  const out: Record<string, Schema> = {};
  for (const name of Object.keys(definitions).sort()) out[name] = clean(definitions[name]) as Schema;
  return out;
}

/** `$ref`s to components; `markdownDescription` dropped. */
function clean(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(clean);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) {
    if (k === 'markdownDescription') continue;
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace('#/definitions/', '#/components/schemas/');
    else out[k] = clean(v);
  }
  return out;
}

export function openApi(): Schema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'dnsfleet provisioning API',
      version: 'v2',
      description: 'Zones and RRsets in RcodeZero\'s API v2 shapes over dnsfleet\'s Zone and SecondaryZone objects (docs/rest-api.md). Authentication: Authorization: Bearer <token>.',
    },
    components: { schemas: schemas(), securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: paths(),
  };
}

export function renderOpenApi(): string {
  return `${JSON.stringify(openApi(), null, 2)}\n`;
}

if (require.main === module) {
  const text = renderOpenApi();
  let old = '';
  try {
    old = readFileSync(OPENAPI_FILE, 'utf8');
  } catch {
    // new file
  }
  if (old !== text) writeFileSync(OPENAPI_FILE, text);
  console.log(`${old === text ? 'unchanged' : 'wrote'} ${OPENAPI_FILE}`);
}
