import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isValidName } from '@gitfleet/proto';
import { BundleError } from './bundle-error.js';
import { bundleId, scanBundles, unrenderedContentWarning } from './bundle-scan.js';
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

describe('scanBundles: content gitfleet does not render is reported on the source', () => {
  const repo = () => path.join(hubFixtures(), 'unrendered');
  const J = 'jsonnet is not rendered by gitfleet';
  const table: Array<[string, string, string[]]> = [
    // [case, subPath, source warnings]
    ['the whole fixture: every dir of jsonnet or CUE outside a chart or Kustomize tree, hidden dirs skipped', '', [
      `app: *.jsonnet files: ${J}; skipped`,
      `dashboards: *.jsonnet files: ${J}; skipped`,
      `dashboards/lib: *.libsonnet files: ${J}; skipped`,
      `policies: *.libsonnet files: ${J}; *.cue files: CUE is not rendered by gitfleet; skipped`,
    ]],
    ['a dir of jsonnet only (no bundle renders it), scanned as the source path', 'dashboards', [
      `dashboards: *.jsonnet files: ${J}; skipped`,
      `dashboards/lib: *.libsonnet files: ${J}; skipped`,
    ]],
    ['a bundle dir with a manifest and a jsonnet file beside it', 'app', [`app: *.jsonnet files: ${J}; skipped`]],
    ['a Helm chart reads its files (.Files.Get): no warning', 'chart', []],
    ['a Kustomize tree reads its files (configMapGenerator): no warning', 'kustomized', []],
    ['no content at all: no warning', 'docs', []],
  ];
  for (const [name, subPath, want] of table) {
    it(name, async () => {
      const warnings: string[] = [];
      await scanBundles(repo(), subPath, warnings);
      assert.deepEqual(warnings, want);
    });
  }

  it('the bundles found are the same with or without unrendered content', async () => {
    const got = await scanBundles(repo());
    assert.deepEqual(got.map((b) => [b.path, b.error === undefined]), [['', true], ['app', true], ['chart', true]]);
  });

  const messages: Array<[string, string, string[], string | undefined]> = [
    // [case, dir, file names, warning]
    ['plain manifests', 'web', ['a.yaml', 'b.json', 'README.md'], undefined],
    ['jsonnet and libsonnet, named in table order', 'x', ['b.libsonnet', 'a.jsonnet'], `x: *.jsonnet, *.libsonnet files: ${J}; skipped`],
    ['upper-case extension', 'x', ['MAIN.JSONNET'], `x: *.jsonnet files: ${J}; skipped`],
    ['the repository root is shown as "."', '', ['policy.cue'], '.: *.cue files: CUE is not rendered by gitfleet; skipped'],
    ['a name that only contains the extension', 'x', ['jsonnet.yaml', 'cue'], undefined],
  ];
  for (const [name, dir, files, want] of messages) {
    it(`unrenderedContentWarning: ${name}`, () => assert.equal(unrenderedContentWarning(dir, files), want));
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
