import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { OPENAPI_FILE, renderOpenApi } from './generate-openapi';

describe('api/openapi.json', function () {
  this.timeout(60_000);
  it('is what `npm run api:openapi` writes from api/types.ts (run it after changing the types)', () => {
    assert.equal(readFileSync(OPENAPI_FILE, 'utf8'), renderOpenApi());
  });
});
