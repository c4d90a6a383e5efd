import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ICruiseOptions, ICruiseResult } from 'dependency-cruiser' with { 'resolution-mode': 'import' };

/**
 * ADR 0001 (docs/adr/0001-repository-layout.md) checked: the import rules of its table, in
 * `.dependency-cruiser.cjs`, run by dependency-cruiser over the TypeScript sources.
 */

/** The repository, from dist/docs/adr. */
const ROOT = resolve(__dirname, '../../..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const SOURCES = ['api', 'cli', 'crds', 'charts', 'dataplane', 'operator', 'e2e'];

interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

const show = (v: Violation): string => `${v.rule}: ${v.from} → ${v.to}`;

/** Cruises `sources` under `baseDir` with the ADR's rules; splits errors from pending (known) violations. */
async function cruiseLayers(baseDir: string, sources: readonly string[]): Promise<{ errors: Violation[]; pending: Violation[] }> {
  const { cruise } = await import('dependency-cruiser');
  const { default: extractOptions } = await import('dependency-cruiser/config-utl/extract-depcruise-options');
  const { default: extractTSConfig } = await import('dependency-cruiser/config-utl/extract-ts-config');
  const options: ICruiseOptions = { ...(await extractOptions(CONFIG)), baseDir, outputType: 'json' };
  const tsConfig = extractTSConfig(join(ROOT, 'tsconfig.json'));
  const { output } = await cruise([...sources], options, {}, { tsConfig });
  const result = (typeof output === 'string' ? JSON.parse(output) : output) as ICruiseResult;
  const errors: Violation[] = [];
  const pending: Violation[] = [];
  for (const v of result.summary.violations) {
    const found = { rule: v.rule.name, from: v.from, to: v.to };
    (v.rule.severity === 'ignore' ? pending : errors).push(found);
  }
  return { errors, pending };
}

describe('ADR 0001: the layers', function () {
  this.timeout(120_000);

  let repository: { errors: Violation[]; pending: Violation[] };
  before(async () => {
    repository = await cruiseLayers(ROOT, SOURCES);
  });

  it('no source file imports what its layer may not', () => {
    const { errors } = repository;
    assert.deepEqual(errors.map(show), [], `imports that break ADR 0001 (rule: importing file → imported file):\n${errors.map(show).join('\n')}`);
  });

  it('every pending violation still occurs (remove the ones that were fixed from pendingViolations)', async () => {
    const { pending } = repository;
    const { default: extractOptions } = await import('dependency-cruiser/config-utl/extract-depcruise-options');
    const listed = ((await extractOptions(CONFIG)).knownViolations ?? []).map((k) => ({ rule: k.rule.name, from: k.from, to: k.to }));
    const gone = listed.filter((k) => !pending.some((p) => p.rule === k.rule && ((p.from === k.from && p.to === k.to) || (k.rule === 'no-circular' && p.from === k.to && p.to === k.from))));
    assert.deepEqual(gone.map(show), [], `fixed, so no longer pending:\n${gone.map(show).join('\n')}`);
  });

  describe('the check fails on a forbidden import', () => {
    let dir: string;
    const write = (path: string, text: string): void => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'dnsfleet-layers-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('names the importing file, the imported file and the rule', async () => {
      write('dataplane/dns/name.ts', "import { listen } from '../server/listener';\nexport const name = listen;\n");
      write('dataplane/server/listener.ts', 'export const listen = 1;\n');
      const { errors } = await cruiseLayers(dir, ['dataplane']);
      assert.deepEqual(errors.map(show), ['layer:dataplane/dns: dataplane/dns/name.ts → dataplane/server/listener.ts']);
    });

    it('refuses a folder that is not in the table', async () => {
      write('dataplane/startup/start.ts', "import { name } from '../dns/name';\nexport const start = name;\n");
      write('dataplane/dns/name.ts', 'export const name = 1;\n');
      const { errors } = await cruiseLayers(dir, ['dataplane']);
      assert.deepEqual(errors.map(show), ['layer-unlisted: dataplane/startup/start.ts → dataplane/dns/name.ts']);
    });

    it('refuses I/O in the DNS core, production code importing tests or the testkit, and cycles', async () => {
      write('dataplane/zone/zone.ts', "import { readFileSync } from 'node:fs';\nimport { a } from './a';\nexport const z = [readFileSync, a];\n");
      write('dataplane/zone/a.ts', "import { z } from './zone';\nexport const a = () => z;\n");
      write('dataplane/store/store.ts', "import { fixture } from './store.fixtures';\nimport { freePort } from '../testkit/processes';\nexport const s = [fixture, freePort];\n");
      write('dataplane/store/store.fixtures.ts', 'export const fixture = 1;\n');
      write('dataplane/testkit/processes.ts', 'export const freePort = 1;\n');
      // Tests may import anything.
      write('dataplane/store/store.test.ts', "import { listen } from '../server/listener';\nexport const t = listen;\n");
      write('dataplane/server/listener.ts', 'export const listen = 1;\n');
      const { errors } = await cruiseLayers(dir, ['dataplane']);
      assert.deepEqual(errors.map(show).sort(), [
        'core-no-io: dataplane/zone/zone.ts → fs',
        'layer:dataplane/store: dataplane/store/store.ts → dataplane/testkit/processes.ts',
        'no-circular: dataplane/zone/a.ts → dataplane/zone/zone.ts',
        'production-no-tests: dataplane/store/store.ts → dataplane/store/store.fixtures.ts',
        'production-no-tests: dataplane/store/store.ts → dataplane/testkit/processes.ts',
      ]);
    });
  });
});
