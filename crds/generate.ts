import { writeFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGenerator, type Config } from 'ts-json-schema-generator';
import { stringify } from 'yaml';
import { API_GROUP } from './v1alpha1/meta';

/**
 * Writes crds/*.yaml from the TypeScript types in crds/v1alpha1: structural OpenAPI v3 schemas
 * (descriptions from the doc comments, patterns and ranges from their @tags), the status
 * subresource, short names and printer columns. `npm run crds` runs it; a test fails when the
 * checked-in files differ from what it would write.
 */

type Schema = Record<string, unknown>;

const VALIDATIONS = 'x-kubernetes-validations';

interface KindSpec {
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly specType: string;
  readonly statusType: string;
  readonly description: string;
  readonly printerColumns: ReadonlyArray<Record<string, string | number>>;
}

const READY_COLUMN = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' };
const AGE_COLUMN = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const KINDS: readonly KindSpec[] = [
  {
    kind: 'Zone',
    plural: 'zones',
    shortNames: ['dnszone'],
    specType: 'ZoneSpec',
    statusType: 'ZoneStatus',
    description: 'A primary DNS zone hosted by dnsfleet and served by its nameserver clouds.',
    printerColumns: [
      { name: 'Zone', type: 'string', jsonPath: '.spec.zoneName' },
      { name: 'Serial', type: 'integer', jsonPath: '.status.serial' },
      { name: 'DNSSEC', type: 'string', jsonPath: '.status.dnssec.state' },
      READY_COLUMN,
      AGE_COLUMN,
    ],
  },
  {
    kind: 'SecondaryZone',
    plural: 'secondaryzones',
    shortNames: ['szone'],
    specType: 'SecondaryZoneSpec',
    statusType: 'SecondaryZoneStatus',
    description: 'A DNS zone transferred from the customer\'s primaries and served by dnsfleet\'s nameserver clouds.',
    printerColumns: [
      { name: 'Zone', type: 'string', jsonPath: '.spec.zoneName' },
      { name: 'Serial', type: 'integer', jsonPath: '.status.serial' },
      { name: 'Problem', type: 'string', jsonPath: '.status.problem' },
      READY_COLUMN,
      AGE_COLUMN,
      // A column shows the first value a path yields: the first failing primary.
      { name: 'Failing', type: 'string', jsonPath: '.status.primaries[?(@.status=="FAILED")].address', priority: 1 },
      { name: 'Transferred', type: 'date', jsonPath: '.status.lastTransfer', priority: 1 },
      // Signed on dnsfleet's side when the SecondaryZone names a policy (issue #11).
      { name: 'DNSSEC', type: 'string', jsonPath: '.status.dnssec.state', priority: 1 },
    ],
  },
  {
    kind: 'DNSSECPolicy',
    plural: 'dnssecpolicies',
    shortNames: ['dnssec'],
    specType: 'DNSSECPolicySpec',
    statusType: 'DNSSECPolicyStatus',
    description: 'How dnsfleet signs the zones that name it: algorithm, keys and rollovers, signatures, NSEC or NSEC3, DS confirmation.',
    printerColumns: [
      { name: 'Algorithm', type: 'string', jsonPath: '.spec.algorithm' },
      { name: 'Keys', type: 'string', jsonPath: '.spec.keys.strategy' },
      { name: 'Denial', type: 'string', jsonPath: '.spec.denial.type' },
      { name: 'Zones', type: 'integer', jsonPath: '.status.zones' },
      READY_COLUMN,
      AGE_COLUMN,
    ],
  },
  {
    kind: 'NameserverCloud',
    plural: 'nameserverclouds',
    shortNames: ['nscloud'],
    specType: 'NameserverCloudSpec',
    statusType: 'NameserverCloudStatus',
    description: 'A set of dnsfleet dataplane pods behind one service address, answering for its zones.',
    printerColumns: [
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Available', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Nameservers', type: 'string', jsonPath: '.spec.nameservers' },
      READY_COLUMN,
      AGE_COLUMN,
    ],
  },
];

/** Repository root, from dist/crds or from crds. */
export const ROOT = resolve(__dirname, __dirname.includes(`${'dist'}`) ? '../..' : '..');

let generatorCache: ReturnType<typeof createGenerator> | undefined;

function schemaOf(typeName: string): Schema {
  const config: Config = {
    path: join(ROOT, 'crds/v1alpha1/index.ts'),
    tsconfig: join(ROOT, 'tsconfig.json'),
    type: '*',
    expose: 'export',
    topRef: false,
    jsDoc: 'extended',
    skipTypeCheck: true,
    additionalProperties: false,
    // CEL rules, written as `@x-kubernetes-validations [{rule: "…", message: "…"}]` (JSON5).
    extraTags: [VALIDATIONS],
  };
  generatorCache ??= createGenerator(config);
  // With topRef off the type itself is the root, and the types it uses are `definitions`.
  const { definitions = {}, ...root } = generatorCache.createSchema(typeName) as Schema & { definitions?: Record<string, Schema> };
  return structural(inline(root, definitions), definitions);
}

/** Replaces `$ref`s with the definitions they name: CRD schemas cannot refer. */
function inline(node: unknown, definitions: Record<string, Schema>): Schema {
  if (Array.isArray(node)) return node.map((n) => inline(n, definitions)) as unknown as Schema;
  if (!node || typeof node !== 'object') return node as Schema;
  const obj = node as Schema;
  if (typeof obj.$ref === 'string') {
    // The property's own doc comment and tags sit next to the `$ref` and win over the type's;
    // CEL rules of both apply.
    const { $ref, ...own } = obj;
    const target = inline(definitions[decodeURIComponent($ref.replace('#/definitions/', ''))], definitions);
    const merged: Schema = { ...target, ...inline(own, definitions) };
    const rules = [...((target[VALIDATIONS] as unknown[] | undefined) ?? []), ...((own[VALIDATIONS] as unknown[] | undefined) ?? [])];
    if (rules.length > 0) merged[VALIDATIONS] = rules;
    return merged;
  }
  const out: Schema = {};
  for (const [k, v] of Object.entries(obj)) out[k] = inline(v, definitions);
  return out;
}

/**
 * Makes a JSON schema structural for Kubernetes: no `additionalProperties: false` (unknown fields
 * are pruned instead), string literal unions as enums, `markdownDescription` dropped.
 */
function structural(node: unknown, definitions: Record<string, Schema>): Schema {
  if (Array.isArray(node)) return node.map((n) => structural(n, definitions)) as unknown as Schema;
  if (!node || typeof node !== 'object') return node as Schema;
  const obj: Schema = { ...(node as Schema) };
  if (obj.additionalProperties === false) delete obj.additionalProperties;
  const extra = obj.additionalProperties;
  if (extra === true || (extra && typeof extra === 'object' && Object.keys(extra).length === 0)) {
    // A free-form object (affinity, tolerations): kept as written, as in core types.
    delete obj.additionalProperties;
    obj['x-kubernetes-preserve-unknown-fields'] = true;
  }
  delete obj.markdownDescription;
  delete obj.$schema;
  if (obj.const !== undefined) {
    obj.enum = [obj.const];
    delete obj.const;
  }
  const out: Schema = {};
  for (const [k, v] of Object.entries(obj)) out[k] = k === 'enum' || k === 'required' ? v : structural(v, definitions);
  return out;
}

export function crdFor(k: KindSpec): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      names: { kind: k.kind, listKind: `${k.kind}List`, plural: k.plural, singular: k.kind.toLowerCase(), shortNames: [...k.shortNames] },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: k.printerColumns,
          schema: {
            openAPIV3Schema: {
              description: k.description,
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: schemaOf(k.specType),
                status: schemaOf(k.statusType),
              },
            },
          },
        },
      ],
    },
  };
}

export function renderCrd(k: KindSpec): string {
  return `# Generated by \`npm run crds\` from crds/v1alpha1/*.ts. Do not edit.\n${stringify(crdFor(k), { lineWidth: 0 })}`;
}

export function crdPath(k: KindSpec): string {
  return join(ROOT, 'crds', `${API_GROUP}_${k.plural}.yaml`);
}

if (require.main === module) {
  for (const k of KINDS) {
    const text = renderCrd(k);
    const path = crdPath(k);
    let old = '';
    try {
      old = readFileSync(path, 'utf8');
    } catch {
      // new file
    }
    if (old !== text) writeFileSync(path, text);
    console.log(`${old === text ? 'unchanged' : 'wrote'} ${path}`);
  }
}
