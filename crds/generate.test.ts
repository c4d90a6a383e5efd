import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { KINDS, crdPath, renderCrd, crdFor } from './generate';

describe('CRDs generated from the TypeScript types', function () {
  this.timeout(60_000);

  for (const k of KINDS) {
    it(`crds/${crdPath(k).split('/').pop()} is up to date (run \`npm run crds\` after changing crds/v1alpha1)`, () => {
      assert.equal(readFileSync(crdPath(k), 'utf8'), renderCrd(k));
    });
  }

  it('carries the validations of the types into the Zone schema', () => {
    const crd = crdFor(KINDS[0]!) as { spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } } }> } };
    const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec as {
      required: string[];
      properties: Record<string, { type?: string; pattern?: string; minimum?: number; maximum?: number; items?: { properties: Record<string, { type?: string; minItems?: number; pattern?: string }> } }>;
    };
    assert.deepEqual(spec.required, ['zoneName']);
    assert.equal(spec.properties.defaultTTL!.type, 'integer');
    assert.equal(spec.properties.defaultTTL!.maximum, 2147483647);
    assert.ok(new RegExp(spec.properties.zoneName!.pattern!).test('example.com'));
    assert.ok(!new RegExp(spec.properties.zoneName!.pattern!).test('exa mple.com'));
    const rrset = spec.properties.rrsets!.items!.properties;
    assert.equal(rrset.records!.minItems, 1);
    assert.ok(new RegExp(rrset.type!.pattern!).test('TYPE65401'));
  });

  it('renders YAML that parses back to the same CRD', () => {
    for (const k of KINDS) assert.deepEqual(parse(renderCrd(k)), crdFor(k));
  });
});
