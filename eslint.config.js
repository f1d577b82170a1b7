// Lint for every project: typescript-eslint's recommended rules plus Nx module boundaries
// (hub and agent import only proto; proto imports nothing of ours; e2e imports only proto;
// the test helpers of `testing` are for tests only: hub/agent test/ folders and *.spec.ts, and e2e,
// may import them, hub and agent source may not; testing itself imports only proto).
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Module boundaries by project tag for source files (`type:testing` is for tests only). */
const sourceDepConstraints = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:hub', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:agent', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared', 'scope:testing'] },
];
/** The same for tests (hub/agent `test/` and `*.spec.ts`): they may also import `testing`. */
const testDepConstraints = sourceDepConstraints.map((c) =>
  c.sourceTag === 'scope:hub' || c.sourceTag === 'scope:agent' ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'scope:testing'] } : c);

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/src/gen/**', '.tools/**', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: testDepConstraints,
        },
      ],
    },
  },
  {
    // hub and agent source (not their tests): the `testing` project is out of bounds
    files: ['hub/src/**/*.ts', 'agent/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], depConstraints: sourceDepConstraints }],
    },
  },
];
