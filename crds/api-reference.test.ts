import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { API_DOC, REFERENCE_MARKER, apiDocWithReference, fieldReference } from './api-reference';

describe('docs/api.md: the field reference generated from the CRDs', () => {
  it('is what `npm run crds` writes (run it after changing crds/v1alpha1)', () => {
    const page = readFileSync(API_DOC, 'utf8');
    assert.equal(page, apiDocWithReference(page));
  });

  it('lists nested fields with their type, constraints and doc comment', () => {
    const text = fieldReference();
    assert.match(text, /^\| `spec\.zoneName` \| string[^|]*, \*\*required\*\* \| \S/m);
    assert.match(text, /^\| `spec\.primaries\[\]\.address` \| string/m);
    assert.match(text, /^\| `status\.conditions\[\]\.type` \|/m);
    for (const kind of ['Zone', 'SecondaryZone', 'DNSSECPolicy', 'NameserverCloud']) assert.match(text, new RegExp(`^### ${kind} fields$`, 'm'));
  });

  it('keeps the hand-written part before the marker, and replaces only what follows it', () => {
    const once = apiDocWithReference('# Title\n\nprose\n', 'GENERATED');
    assert.equal(once, '# Title\n\nprose\n\nGENERATED');
    assert.equal(apiDocWithReference(`# Title\n\n${REFERENCE_MARKER}\nold`, 'new'), '# Title\n\nnew');
  });
});
