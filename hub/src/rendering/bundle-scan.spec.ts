import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isValidName } from '@gitfleet/proto';
import { BundleError } from './bundle-error.js';
import { bundleId, scanBundles } from './bundle-scan.js';
import { defaultBundleSpec } from './fleet-yaml.js';
import { hubFixtures, needsSharedFixtures, sharedFixtures } from './test-fixtures.js';

describe('scanBundles', () => {
  const fleetExamples = () => path.join(sharedFixtures(), 'fleet-examples');
  const scanRepo = () => path.join(hubFixtures(), 'scan-repo');

  const table: Array<[string, () => string, string | undefined, Array<[string, string | undefined, boolean]>]> = [
    // [case, checkout, subPath, [[path, spec.name, failed]]]
    ['fleet-examples: root bundle (loose simple/*.yaml) + two fleet.yaml dirs', fleetExamples, undefined, [
      ['', undefined, false], ['multi-cluster/helm', undefined, false], ['multi-cluster/manifests', undefined, false],
    ]],
    ['fleet-examples/simple: dir without fleet.yaml is a default bundle', fleetExamples, 'simple', [['simple', undefined, false]]],
    ['fleet-examples/multi-cluster/manifests: overlays/ is not a bundle', fleetExamples, 'multi-cluster/manifests', [['multi-cluster/manifests', undefined, false]]],
    ['scan-repo: hidden dirs skipped, nested dirs belong to their bundle, bad fleet.yml fails its bundle only', scanRepo, '', [
      ['', undefined, false], ['apps/a', 'Alpha App', false], ['apps/b', undefined, true],
    ]],
    ['scan-repo/apps: no loose manifests → no root bundle', scanRepo, 'apps', [['apps/a', 'Alpha App', false], ['apps/b', undefined, true]]],
    ['scan-repo/docs: no manifests at all → no bundle', scanRepo, 'docs', []],
    ['scan-repo/plain/: trailing slash normalized', scanRepo, 'plain/', [['plain', undefined, false]]],
  ];
  for (const [name, checkout, subPath, want] of table) {
    it(name, checkout === fleetExamples ? needsSharedFixtures() : {}, async () => {
      const got = await scanBundles(checkout(), subPath);
      assert.deepEqual(got.map((b) => [b.path, b.spec.name, b.error !== undefined]), want);
    });
  }

  it('keeps the parsed spec and the failure of each bundle', async () => {
    const got = await scanBundles(scanRepo());
    const a = got.find((b) => b.path === 'apps/a')!;
    assert.deepEqual(a.spec.labels, { tier: 'web' });
    const b = got.find((x) => x.path === 'apps/b')!;
    assert.ok(b.error instanceof BundleError);
    assert.equal(b.error.file, 'apps/b/fleet.yml');
    assert.match(b.error.reason, /field "namespace": expected a string, got a list/);
    assert.deepEqual(b.spec, defaultBundleSpec());
  });

  it('returns fleet.yaml warnings with the bundle', async () => {
    const [bundle] = await scanBundles(hubFixtures(), 'unknown-fields');
    assert.equal(bundle?.path, 'unknown-fields');
    assert.ok(bundle.warnings.includes('unknown-fields/fleet.yaml: unknown field "foo"'), bundle.warnings.join('\n'));
    assert.ok(bundle.warnings.includes('unknown-fields/fleet.yaml: unknown field "kustomize.extra"'), bundle.warnings.join('\n'));
    assert.ok(!bundle.warnings.some((w) => w.includes('"helm"')), 'helm is supported now');
  });

  const badPaths: Array<[string, RegExp]> = [['../outside', /path leaves the repository/], ['does-not-exist', /no such directory/]];
  for (const [subPath, want] of badPaths) {
    it(`refuses subPath ${subPath}`, async () => {
      await assert.rejects(scanBundles(scanRepo(), subPath), (err: unknown) => err instanceof BundleError && want.test(err.message));
    });
  }
});

describe('bundleId', () => {
  const spec = defaultBundleSpec();
  const long = `${'very-long-directory-name/'.repeat(4)}app`;
  const table: Array<[string, string, string | undefined, string]> = [
    // [source, path, spec.name, id]
    ['demo', 'multi-cluster/manifests', undefined, 'demo-multi-cluster-manifests'],
    ['demo', '', undefined, 'demo'],
    ['demo', 'apps/a', 'Alpha App', 'demo-alpha-app'],
    ['demo', '', 'web', 'demo-web'],
    ['Demo_Repo', 'apps/Web--UI/', undefined, 'demo-repo-apps-web-ui'],
    ['demo', '.hidden/x', undefined, 'demo-hidden-x'],
    ['demo', long, undefined, 'demo-very-long-directory-name-very-long-directory-name-d87035e1'],
  ];
  for (const [source, p, name, want] of table) {
    it(`${source} + ${name ?? JSON.stringify(p)} → ${want}`, () => {
      const id = bundleId(source, { path: p, spec: name === undefined ? spec : { ...spec, name } });
      assert.equal(id, want);
      assert.ok(isValidName(id), `${id} is not a DNS-1123 label`);
    });
  }

  it('hashes long ids to exactly 63 characters and keeps distinct paths distinct', () => {
    const a = bundleId('demo', { path: `${long}-one`, spec });
    const b = bundleId('demo', { path: `${long}-two`, spec });
    assert.equal(a.length, 63);
    assert.equal(b.length, 63);
    assert.notEqual(a, b);
  });

  it('refuses a name with nothing usable', () => {
    assert.throws(() => bundleId('__', { path: '', spec }), /cannot make a bundle id/);
  });
});
