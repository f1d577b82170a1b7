// Property-based tests (fast-check): fleet.yaml and manifest parsing fail only with BundleError, and finish.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { BundleError } from './bundle-error.js';
import { parseFleetYaml } from './fleet-yaml.js';
import { scanBundles } from './bundle-scan.js';
import { parseManifests, renderBundle } from './render.js';

const RUNS = 300;
/** Each property must finish well inside this (node:test fails the test on timeout: a hang is a failure). */
const TIME_LIMIT_MS = 30_000;

/** Calls `f`; passes when it returns or throws a BundleError, fails on any other throw. */
function onlyBundleErrors(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    if (err instanceof BundleError) {
      assert.ok(err.file !== '' && err.reason !== '', 'a BundleError names a file and a reason');
      return;
    }
    throw new Error(`threw ${(err as Error)?.name ?? typeof err}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

/** Garbled YAML: fragments of YAML syntax, fleet.yaml keys and Kubernetes fields strung together. */
const yamlish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '\n', '  ', '- ', ': ', ':', '---\n', '...\n', '{', '}', '[', ']', ',', '"', "'", '#', '&a ', '*a', '&b ', '*b', '<<: ', '? ', '|', '>', '!!str ', '!!binary ', '!custom ',
        '%YAML 1.2\n', '\t', 'null', '~', 'true', '1e400', '0x1F', '-.inf', '\\u0000', '\u0000', '\uFEFF', '\uD800',
        'name', 'labels', 'namespace', 'helm', 'chart', 'values', 'valuesFiles', 'targetCustomizations', 'clusterSelector', 'matchLabels', 'matchExpressions',
        'operator', 'In', 'kustomize', 'dir', 'yaml', 'overlays', 'gitfleet', 'syncPolicy', 'ignoreDifferences', 'diff', 'comparePatches', 'dependsOn', 'paused',
        'apiVersion', 'kind', 'metadata', 'v1', 'ConfigMap', 'List', 'items', 'generateName', '__proto__', 'constructor',
      ),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

/** Deeply nested flow collections and long alias chains: parser stress, not syntax. */
const nested = fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('[', '{a: ', '- ')).map(([n, open]) => {
  const close = open === '[' ? ']' : open === '{a: ' ? '}' : '';
  return open === '- ' ? Array.from({ length: n }, (_, i) => `${' '.repeat(Math.min(i, 200))}- `).join('\n') : `${open.repeat(n)}x${close.repeat(n)}`;
});

const TOP_KEYS = ['name', 'labels', 'namespace', 'defaultNamespace', 'kustomize', 'yaml', 'helm', 'targetCustomizations', 'dependsOn', 'paused', 'gitfleet', 'correctDrift', 'keepResources', 'diff', 'rolloutStrategy', 'x'];
const TARGET_KEYS = ['name', 'clusterSelector', 'clusterGroup', 'clusterGroupSelector', 'clusterName', 'doNotDeploy', 'helm', 'kustomize', 'yaml', 'gitfleet', 'diff', 'y'];

/** fleet.yaml-shaped mappings with arbitrary JSON values in every field. */
const fleetish = fc.record({
  top: fc.dictionary(fc.constantFrom(...TOP_KEYS), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 }),
  targets: fc.option(fc.array(fc.dictionary(fc.constantFrom(...TARGET_KEYS), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 }), { maxLength: 4 })),
  helm: fc.option(fc.dictionary(fc.constantFrom('chart', 'repo', 'version', 'values', 'valuesFiles', 'valuesFrom', 'takeOwnership', 'atomic'), fc.jsonValue({ maxDepth: 3 }))),
});

/** Kubernetes-object-shaped mappings with arbitrary values. */
const objectish = fc.record(
  {
    apiVersion: fc.oneof(fc.constantFrom('v1', 'apps/v1', 'rbac.authorization.k8s.io/v1', ''), fc.jsonValue({ maxDepth: 1 })),
    kind: fc.oneof(fc.constantFrom('ConfigMap', 'Service', 'Namespace', 'List', 'ClusterRole', 'FooList'), fc.jsonValue({ maxDepth: 1 })),
    metadata: fc.oneof(
      fc.record({ name: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 1 })), namespace: fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    items: fc.jsonValue({ maxDepth: 3 }),
  },
  { requiredKeys: [] },
);

describe('property: fleet.yaml parsing throws only BundleError', () => {
  it('garbled YAML text', { timeout: TIME_LIMIT_MS }, () => {
    fc.assert(fc.property(yamlish, (text) => onlyBundleErrors(() => parseFleetYaml(text, 'app/fleet.yaml'))), { numRuns: RUNS });
  });
  it('arbitrary unicode text', { timeout: TIME_LIMIT_MS }, () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => onlyBundleErrors(() => parseFleetYaml(text, 'app/fleet.yaml'))), { numRuns: RUNS });
  });
  it('deep nesting', { timeout: TIME_LIMIT_MS }, () => {
    fc.assert(fc.property(nested, (text) => onlyBundleErrors(() => parseFleetYaml(`name: a\nlabels: ${text}\n`, 'app/fleet.yaml'))), { numRuns: 20 });
  });
  it('fleet.yaml-shaped mappings with arbitrary values', { timeout: TIME_LIMIT_MS }, () => {
    fc.assert(
      fc.property(fleetish, ({ top, targets, helm }) => {
        const doc: Record<string, unknown> = { ...top };
        if (targets) doc.targetCustomizations = targets;
        if (helm) doc.helm = helm;
        onlyBundleErrors(() => parseFleetYaml(stringify(doc), 'app/fleet.yaml'));
      }),
      { numRuns: RUNS },
    );
  });
  it('arbitrary JSON documents', { timeout: TIME_LIMIT_MS }, () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => onlyBundleErrors(() => parseFleetYaml(JSON.stringify(v), 'app/fleet.yaml'))), { numRuns: RUNS });
  });
});

describe('property: manifest parsing throws only BundleError', () => {
  it('garbled YAML text', { timeout: TIME_LIMIT_MS }, () => {
    fc.assert(fc.property(yamlish, (text) => onlyBundleErrors(() => parseManifests(text, 'app/x.yaml'))), { numRuns: RUNS });
  });
  it('arbitrary unicode text', { timeout: TIME_LIMIT_MS }, () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => onlyBundleErrors(() => parseManifests(text, 'app/x.yaml'))), { numRuns: RUNS });
  });
  it('deep nesting', { timeout: TIME_LIMIT_MS }, () => {
    fc.assert(fc.property(nested, (text) => onlyBundleErrors(() => parseManifests(text, 'app/x.yaml'))), { numRuns: 20 });
  });
  it('object-shaped documents with arbitrary values, several per file', { timeout: TIME_LIMIT_MS }, () => {
    fc.assert(
      fc.property(fc.array(objectish, { maxLength: 5 }), (objs) => {
        const text = objs.map((o) => stringify(o)).join('---\n');
        onlyBundleErrors(() => {
          const out = parseManifests(text, 'app/x.yaml');
          // what passes is a valid object: apiVersion, kind and a name
          for (const { object } of out) {
            assert.equal(typeof object.apiVersion, 'string');
            assert.equal(typeof object.kind, 'string');
            assert.equal(typeof (object.metadata as Record<string, unknown>).name, 'string');
          }
        });
      }),
      { numRuns: RUNS },
    );
  });
  it('arbitrary JSON documents', { timeout: TIME_LIMIT_MS }, () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => onlyBundleErrors(() => parseManifests(JSON.stringify(v), 'app/x.yaml'))), { numRuns: RUNS });
  });
});

describe('property: scan and render of a checkout with arbitrary files throw only BundleError', () => {
  /** Bytes of a file: garbled YAML, raw bytes, or a valid-looking object. */
  const content = fc.oneof(
    yamlish.map((t) => Buffer.from(t)),
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    objectish.map((o) => Buffer.from(stringify(o))),
  );
  const files = fc.dictionary(fc.constantFrom('a.yaml', 'b.yml', 'c.json', 'sub/d.yaml', 'fleet.yaml', 'overlays/x/a.yaml', 'overlays/x/a_patch.yaml'), content, { minKeys: 1, maxKeys: 5 });

  it('real temp checkouts', { timeout: 60_000 }, async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-prop-'));
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(files, fc.boolean(), async (tree, withOverlay) => {
          const repo = path.join(base, String(n++));
          for (const [rel, bytes] of Object.entries(tree)) {
            await mkdir(path.dirname(path.join(repo, 'app', rel)), { recursive: true });
            await writeFile(path.join(repo, 'app', rel), bytes);
          }
          try {
            const [bundle] = await scanBundles(repo, 'app');
            if (bundle && !bundle.error) await renderBundle(repo, 'app', { overlays: withOverlay && tree['overlays/x/a.yaml'] ? ['x'] : [] });
          } catch (err) {
            if (!(err instanceof BundleError)) throw new Error(`threw ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
          }
        }),
        { numRuns: 60 },
      );
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
