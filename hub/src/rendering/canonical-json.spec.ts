// proto's canonicalJson against RFC 8785 (the `canonicalize` package) over every object the
// hub's render code produces from the fixture repositories: every bundle, with its base variant
// and the variant of each targetCustomization. The result decides whether canonicalJson can be
// the library (see the doc comment of canonicalJson in proto/src/digest.ts, and
// proto/src/canonical-json.spec.ts for generated values).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import { canonicalJson } from '@gitfleet/proto';
import { resolveTargets } from '../targeting/targets.js';
import { BundleError } from './bundle-error.js';
import { scanBundles } from './bundle-scan.js';
import { renderBundle, variantKey, type RenderVariant } from './render.js';
import { hubFixtures, needsSharedFixtures, sharedFixtures } from './test-fixtures.js';

/**
 * Every distinct variant of every bundle under `repo`, scanned as a source with path '' and as one
 * source per top-level folder (as a source's `paths` would name them): the base variant, and one
 * per targetCustomization.
 */
async function variantsOf(repo: string): Promise<Array<{ path: string; variant: RenderVariant }>> {
  const out = new Map<string, { path: string; variant: RenderVariant }>();
  const cluster = { name: 'canonical-json-spec', labels: {} };
  const folders = readdirSync(repo, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  const bundles = [];
  for (const sub of ['', ...folders]) bundles.push(...(await scanBundles(repo, sub)));
  for (const bundle of bundles) {
    if (bundle.error) continue;
    // the base variant, then each customization made to match the one cluster
    const specs = [
      { ...bundle.spec, targetCustomizations: [] },
      ...bundle.spec.targetCustomizations.map((tc) => ({
        ...bundle.spec,
        targetCustomizations: [{ ...tc, clusterName: cluster.name, clusterSelector: undefined, clusterGroup: undefined, clusterGroupSelector: undefined, doNotDeploy: false }],
      })),
    ];
    for (const spec of specs) {
      let targets;
      try {
        targets = resolveTargets(spec, [cluster], []);
      } catch {
        continue; // Helm values templated from a cluster label the one cluster has not
      }
      for (const t of targets) out.set(`${bundle.path} ${variantKey(t.variant)}`, { path: bundle.path, variant: t.variant });
    }
  }
  return [...out.values()];
}

/** Renders every variant under `repo` and compares the two encodings of every object. */
async function compareRepo(repo: string): Promise<{ objects: number; rendered: number; failed: number; differing: string[] }> {
  const result = { objects: 0, rendered: 0, failed: 0, differing: [] as string[] };
  for (const { path: bundlePath, variant } of await variantsOf(repo)) {
    let objects;
    try {
      objects = await renderBundle(repo, bundlePath, variant);
    } catch (err) {
      if (!(err instanceof BundleError)) throw err;
      result.failed++; // a bundle the fixture means to fail (or a remote chart out of reach)
      continue;
    }
    result.rendered++;
    for (const o of objects) {
      result.objects++;
      if (canonicalJson(o.object) !== canonicalize(o.object)) result.differing.push(`${bundlePath} ${variantKey(variant)} ${o.file}`);
    }
  }
  return result;
}

describe('canonicalJson is byte-identical to RFC 8785 canonicalize on every rendered fixture object', () => {
  it('gitfleet fixtures (hub/test/fixtures)', async (t) => {
    const r = await compareRepo(hubFixtures());
    t.diagnostic(`${r.objects} objects of ${r.rendered} rendered variants compared (${r.failed} variants fail to render, as those fixtures mean to)`);
    assert.ok(r.objects >= 10, `only ${r.objects} objects rendered`);
    assert.deepEqual(r.differing, []);
  });

  // at least: fleet-examples 10 variants / 58 objects, argocd-example-apps 3 / 6 (the counts when written)
  for (const [repo, variants] of [['fleet-examples', 10], ['argocd-example-apps', 3]] as const) {
    it(`shared fixtures: ${repo}`, needsSharedFixtures(), async (t) => {
      const r = await compareRepo(path.join(sharedFixtures(), repo));
      t.diagnostic(`${r.objects} objects of ${r.rendered} rendered variants compared (${r.failed} variants fail to render)`);
      assert.ok(r.rendered >= variants, `only ${r.rendered} variants rendered`);
      assert.deepEqual(r.differing, []);
    });
  }
});
