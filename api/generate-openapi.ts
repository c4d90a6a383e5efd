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
    ...phase2(),
    '/api/v2/quota': {
      get: { operationId: 'getQuota', summary: 'The tenant\'s limits and usage', responses: { '200': ok(ref('Quota'), 'Limits (null: none) and usage'), ...COMMON } },
    },
  };
}

const ID_PARAM = (description: string): Schema => ({ name: 'id', in: 'path', required: true, description, schema: { type: 'string' } });
const DOMAIN_PARAM = { name: 'domain', in: 'path', required: true, description: 'The zone name (`example.com`); ScaiDNS\'s domain_id', schema: { type: 'string' } };

/** Issue #16 phase 2 (api/lifecycle.ts). */
function phase2(): Schema {
  const zoneAction = (operationId: string, summary: string, conflict: string): Schema => ({
    parameters: [ZONE_PARAM],
    post: { operationId, summary, responses: { '200': ok(ref('StatusResponse'), 'Done; the operator acts on it'), '400': failed('Invalid zone name'), '404': failed('No such zone for this tenant'), '409': failed(conflict), '422': failed('The API server refused the change'), ...COMMON } },
  });
  const scai = (operationId: string, summary: string, extra: Record<string, Schema>, requestBody?: Schema): Schema => ({
    parameters: [DOMAIN_PARAM],
    post: {
      operationId,
      summary,
      ...(requestBody ? { requestBody: { required: false, content: { 'application/json': { schema: requestBody } } } } : {}),
      responses: { '200': ok(ref('ScaiActionResponse'), 'Done; the operator acts on it'), '400': failed('Invalid domain or body'), '404': failed('No such zone for this tenant'), '413': failed('Body too large'), '422': failed('The API server refused the change'), ...extra, ...COMMON },
    },
  });
  return {
    '/api/v2/zones/{zone}/sign': zoneAction('signZone', 'Sign the zone: names the tenant\'s DNSSECPolicy api-ecdsap256sha256 (made when missing)', 'Signed already'),
    '/api/v2/zones/{zone}/unsign': zoneAction('unsignZone', 'Unsign the zone: removes spec.dnssecPolicy (the operator waits for the DS to go)', 'Not signed'),
    '/api/v2/zones/{zone}/keyrollover': zoneAction('keyRollover', 'Start a KSK (or CSK) rollover (annotation dnsfleet.io/rotate-ksk)', 'Not signed, or a KSK rollover is under way'),
    '/api/v2/zones/{zone}/dsupdate': zoneAction('dsUpdate', 'Confirm the DS at the parent (annotation dnsfleet.io/ds-published: the DS records, or none while unsigning); acknowledges the DSUPDATE messages', 'No DS change awaited, or the policy confirms the DS by asking the parent'),
    '/api/v2/zones/{zone}/retrieve': {
      parameters: [ZONE_PARAM],
      put: { operationId: 'retrieveZone', summary: 'Transfer a slave zone from its masters now, whatever the serial (annotation dnsfleet.io/retrieve)', responses: { '200': ok(ref('StatusResponse'), 'Requested'), '400': failed('Invalid zone name, or a master zone'), '404': failed('No such zone for this tenant'), '409': failed('Changed concurrently too often'), ...COMMON } },
    },
    '/api/v2/messages': {
      get: { operationId: 'oldestMessage', summary: 'The oldest unacknowledged DNSSEC message (DSUPDATE, DSSEEN, DSREMOVED)', responses: { '200': ok(ref('ApiMessage'), 'The message'), '404': failed('No unacknowledged message'), ...COMMON } },
    },
    '/api/v2/messages/list': {
      get: { operationId: 'listMessages', summary: 'Every unacknowledged message, oldest first', parameters: PAGE_PARAMS, responses: { '200': ok(ref('MessageList'), 'One page of messages'), '400': failed('Bad page or page_size'), ...COMMON } },
    },
    '/api/v2/messages/{id}': {
      parameters: [ID_PARAM('The message id')],
      delete: { operationId: 'acknowledgeMessage', summary: 'Acknowledge a message', responses: { '200': ok(ref('StatusResponse'), 'Acknowledged'), '404': failed('No such message, or acknowledged already'), '409': failed('Changed concurrently too often'), ...COMMON } },
    },
    '/api/v2/reports/problematiczones': {
      get: { operationId: 'problematicZones', summary: 'Zones whose Ready condition is not True, with its reason and message', parameters: PAGE_PARAMS, responses: { '200': ok(ref('ProblematicZoneList'), 'One page of zones'), '400': failed('Bad page or page_size'), ...COMMON } },
    },
    '/api/v2/secondaryzones': {
      get: {
        operationId: 'listSecondaryZones',
        summary: 'The tenant\'s secondary zones in IONOS Cloud DNS\'s shape',
        parameters: [
          { name: 'offset', in: 'query', description: 'Items to skip', schema: { type: 'integer', minimum: 0, default: 0 } },
          { name: 'limit', in: 'query', description: 'Items per page', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        ],
        responses: { '200': ok(ref('IonosSecondaryZoneList'), 'One page of secondary zones'), '400': failed('Bad offset or limit'), ...COMMON },
      },
    },
    '/api/v2/secondaryzones/{id}': {
      parameters: [ID_PARAM('The SecondaryZone\'s name')],
      get: { operationId: 'getSecondaryZone', summary: 'One secondary zone', responses: { '200': ok(ref('IonosSecondaryZone'), 'The zone'), '404': failed('No such secondary zone for this tenant'), ...COMMON } },
    },
    '/api/v2/secondaryzones/{id}/axfr': {
      parameters: [ID_PARAM('The SecondaryZone\'s name')],
      get: { operationId: 'getAxfrStatus', summary: 'The last SOA query or transfer per primary', responses: { '200': ok(ref('IonosAxfrStatus'), 'Per primary'), '404': failed('No such secondary zone for this tenant'), ...COMMON } },
      put: { operationId: 'startAxfr', summary: 'Transfer the zone now (as retrieve)', responses: { '202': ok(ref('StatusResponse'), 'Requested'), '404': failed('No such secondary zone for this tenant'), '409': failed('Changed concurrently too often'), ...COMMON } },
    },
    '/api/v1/domains/{domain}/dnssec': {
      parameters: [DOMAIN_PARAM],
      get: { operationId: 'scaiDnssecState', summary: 'ScaiDNS: the DNSSEC state, keys and DS records', responses: { '200': ok(ref('ScaiDnssecState'), 'The state'), '400': failed('Invalid domain'), '404': failed('No such zone for this tenant'), ...COMMON } },
    },
    '/api/v1/domains/{domain}/dnssec/enable': scai('scaiEnable', 'ScaiDNS: sign with algorithm 8, 10, 13 (default), 14 or 15', { '409': failed('DNSSEC already enabled') }, ref('ScaiEnableRequest')),
    '/api/v1/domains/{domain}/dnssec/disable': scai('scaiDisable', 'ScaiDNS: unsign (remove the DS at the registrar first)', { '409': failed('Not enabled') }),
    '/api/v1/domains/{domain}/dnssec/rotate-ksk': scai('scaiRotateKsk', 'ScaiDNS: start a KSK rollover', { '409': failed('Not signed') }),
    '/api/v1/domains/{domain}/dnssec/rotate-zsk': scai('scaiRotateZsk', 'ScaiDNS: start a ZSK rollover', { '409': failed('Not signed, or signed with a CSK') }),
    '/api/v1/domains/{domain}/dnssec/confirm-ds-published': scai('scaiConfirmDs', 'ScaiDNS: confirm the DS at the registrar; 400 when a DS does not match the current KSK', { '409': failed('No DS awaited') }, ref('ScaiConfirmRequest')),
    '/api/v1/domains/{domain}/dnssec/sync': scai('scaiSync', 'ScaiDNS: sync; no counterpart in dnsfleet', { '501': failed('Not implemented: nothing to sync') }),
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
