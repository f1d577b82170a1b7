/**
 * The module boundary of `testing` (eslint.config.js, @nx/enforce-module-boundaries by tag):
 * hub and agent source refuse an import of `@gitfleet/testing`; their tests and e2e accept it.
 * Lints a one-line file at each place through ESLint's API with the workspace's own config.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const code = "import { freePort } from '@gitfleet/testing';\nexport const port = freePort;\n";
const RULE = '@nx/enforce-module-boundaries';

async function boundaryErrors(file: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('only tests may import @gitfleet/testing', () => {
  for (const file of ['hub/src/boundary-probe.ts', 'agent/src/boundary-probe.ts', 'agent/src/reconcile/boundary-probe.ts']) {
    it(`refuses the import in ${file}`, async () => {
      const errors = await boundaryErrors(file);
      assert.equal(errors.length, 1, `expected one ${RULE} error, got ${JSON.stringify(errors)}`);
      assert.match(errors[0]!, /can only depend on libs tagged with "scope:shared"$/);
    });
  }
  for (const file of ['hub/test/boundary-probe.test.ts', 'hub/test/support/boundary-probe.ts', 'agent/test/boundary-probe.test.ts', 'agent/src/boundary-probe.spec.ts', 'e2e/src/suites/boundary-probe.e2e.ts']) {
    it(`accepts the import in ${file}`, async () => {
      assert.deepEqual(await boundaryErrors(file), []);
    });
  }
});
