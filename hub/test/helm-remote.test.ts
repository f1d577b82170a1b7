// Remote Helm charts for real: the test bed's loopback chart repository (static HTTP, index.yaml)
// and its OCI registry (CNCF Distribution, plain HTTP), charts published with the Helm CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BundleError } from '../src/rendering/bundle-error.js';
import { PLAIN_HTTP_REGISTRIES_ENV, type HelmVariant } from '../src/rendering/helm.js';
import { renderBundle, type RenderedObject } from '../src/rendering/render.js';
import { encodeManifest } from '../src/deployments/desired-state.js';
import { loadTestbed, type Testbed } from './support/testbed.js';

const run = promisify(execFile);
const CHART = 'gitfleet-remote-demo';
const VERSIONS = ['0.1.0', '0.2.0'];

describe('helm: remote charts (loopback chart repository and OCI registry)', () => {
  let tb: Testbed;
  let helm: string;
  let work: string;
  let checkout: string;
  let repoDir: string;
  let repoUrl: string;
  let ociRepo: string;
  const id = `gitfleet-test-${process.pid}-${Date.now()}`;
  const savedPlainHttp = process.env[PLAIN_HTTP_REGISTRIES_ENV];

  const render = (helmVariant: Omit<HelmVariant, 'namespace' | 'values'>): Promise<RenderedObject[]> =>
    renderBundle(checkout, 'remote', { overlays: [], helm: { namespace: 'web', values: { color: 'blue' }, ...helmVariant } });
  const configMap = (objs: RenderedObject[]) => objs.find((o) => o.object.kind === 'ConfigMap')!;
  const digest = (objs: RenderedObject[]) => encodeManifest('src-remote', objs).digest;

  before(async () => {
    tb = await loadTestbed();
    if (!tb.chartRepoUrl || !tb.chartRepoDir || !tb.ociRegistry) {
      throw new Error('test bed env lacks GITFLEET_CHART_REPO_URL / GITFLEET_CHART_REPO_DIR / GITFLEET_OCI_REGISTRY; start it with `bash tools/testbed/up.sh charts registry`');
    }
    helm = join(tb.binDir, 'helm');
    work = mkdtempSync(join(tmpdir(), 'gitfleet-helm-remote-'));
    checkout = join(work, 'checkout');
    mkdirSync(join(checkout, 'remote'), { recursive: true });
    // Helm's own config and caches private to the test (registry logins, repo caches)
    const env = { ...process.env, HELM_CONFIG_HOME: join(work, 'helm-config'), HELM_CACHE_HOME: join(work, 'helm-cache'), HELM_DATA_HOME: join(work, 'helm-data') };
    const helmRun = (...args: string[]) => run(helm, args, { cwd: work, env });

    // one chart at two versions whose objects differ (the version is rendered into the data)
    const src = join(work, 'src', CHART);
    mkdirSync(join(src, 'templates'), { recursive: true });
    writeFileSync(join(src, 'values.yaml'), 'color: red\n');
    writeFileSync(
      join(src, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  chartVersion: {{ .Chart.Version | quote }}\n  color: {{ .Values.color | quote }}\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n',
    );
    repoDir = join(tb.chartRepoDir, id);
    repoUrl = `${tb.chartRepoUrl}/${id}`;
    mkdirSync(repoDir, { recursive: true });
    ociRepo = `oci://${tb.ociRegistry}/${id}`;
    for (const version of VERSIONS) {
      writeFileSync(join(src, 'Chart.yaml'), `apiVersion: v2\nname: ${CHART}\nversion: ${version}\nappVersion: "${version}"\n`);
      await helmRun('package', src, '--destination', repoDir);
      await helmRun('push', join(repoDir, `${CHART}-${version}.tgz`), ociRepo, '--plain-http');
    }
    await helmRun('repo', 'index', repoDir, '--url', repoUrl);
    process.env[PLAIN_HTTP_REGISTRIES_ENV] = tb.ociRegistry;
  });

  after(async () => {
    if (savedPlainHttp === undefined) delete process.env[PLAIN_HTTP_REGISTRIES_ENV];
    else process.env[PLAIN_HTTP_REGISTRIES_ENV] = savedPlainHttp;
    if (repoDir) rmSync(repoDir, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
    // best effort: delete the pushed manifests (the registry allows deletes; blobs stay until GC)
    for (const version of tb?.ociRegistry ? VERSIONS : []) {
      const url = `http://${tb.ociRegistry}/v2/${id}/${CHART}/manifests/${version}`;
      const head = await fetch(url, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } }).catch(() => undefined);
      const d = head?.headers.get('docker-content-digest');
      if (d) await fetch(`http://${tb.ociRegistry}/v2/${id}/${CHART}/manifests/${d}`, { method: 'DELETE' }).catch(() => undefined);
    }
  });

  it('renders a chart from an HTTP repository pinned to 0.1.0, then to 0.2.0: objects and digest differ', async () => {
    const v1 = await render({ chart: CHART, repo: repoUrl, version: '0.1.0', releaseName: 'web' });
    const v2 = await render({ chart: CHART, repo: repoUrl, version: '0.2.0', releaseName: 'web' });
    assert.equal(configMap(v1).file, `${CHART}@0.1.0/templates/cm.yaml`);
    assert.equal(configMap(v2).file, `${CHART}@0.2.0/templates/cm.yaml`);
    assert.deepEqual((configMap(v1).object as { data: unknown }).data, { chartVersion: '0.1.0', color: 'blue', kube: (configMap(v1).object as { data: { kube: string } }).data.kube });
    assert.equal((configMap(v2).object as { data: { chartVersion: string } }).data.chartVersion, '0.2.0');
    assert.notEqual(digest(v1), digest(v2));
    // the same pin again renders the same bytes
    assert.equal(digest(await render({ chart: CHART, repo: repoUrl, version: '0.1.0', releaseName: 'web' })), digest(v1));
  });

  // Issue #11: a chart given as a `.tgz` URL failed with "helm pull: expected one chart, found 2"
  // (Helm leaves an empty dir named after the archive beside the chart's dir).
  it('renders a chart given as a .tgz URL, once per values variant (two targetCustomizations)', async () => {
    const url = `${repoUrl}/${CHART}-0.1.0.tgz`;
    const variant = (color: string): Promise<RenderedObject[]> =>
      renderBundle(checkout, 'remote', { overlays: [], helm: { chart: url, namespace: 'web', values: { color }, releaseName: 'web' } });
    const [dev, prod] = await Promise.all([variant('green'), variant('red')]);
    assert.equal(configMap(dev).file, `${CHART}@0.1.0/templates/cm.yaml`);
    assert.deepEqual([dev, prod].map((objs) => (configMap(objs).object as { data: { color: string; chartVersion: string } }).data.color), ['green', 'red']);
    assert.equal((configMap(dev).object as { data: { chartVersion: string } }).data.chartVersion, '0.1.0');
    assert.notEqual(digest(dev), digest(prod), 'two variants, two renders');
    // the same archive through the repository index renders the same objects
    assert.equal(digest(await render({ chart: url, releaseName: 'web' })), digest(await render({ chart: CHART, repo: repoUrl, version: '0.1.0', releaseName: 'web' })));
  });

  it('a version range resolves to the newest match, named in the file', async () => {
    const objs = await render({ chart: CHART, repo: repoUrl, version: '^0.1.0 || ^0.2.0', releaseName: 'web' });
    assert.equal(configMap(objs).file, `${CHART}@0.2.0/templates/cm.yaml`);
  });

  it('renders the same chart from the OCI registry (plain HTTP from GITFLEET_HELM_PLAIN_HTTP_REGISTRIES), also as repo + chart', async () => {
    const v1 = await render({ chart: `${ociRepo}/${CHART}`, version: '0.1.0', releaseName: 'web' });
    const v2 = await render({ chart: `${ociRepo}/${CHART}`, version: '0.2.0', releaseName: 'web', kubeVersion: 'v1.33.1' });
    assert.equal(configMap(v1).file, `${CHART}@0.1.0/templates/cm.yaml`);
    assert.equal(configMap(v2).file, `${CHART}@0.2.0/templates/cm.yaml`);
    assert.equal((configMap(v2).object as { data: { chartVersion: string; kube: string } }).data.kube, 'v1.33.1');
    assert.notEqual(digest(v1), digest(v2));
    // the OCI render of 0.1.0 equals the HTTP repository's: same chart, same objects
    assert.equal(digest(v1), digest(await render({ chart: CHART, repo: repoUrl, version: '0.1.0', releaseName: 'web' })));
    const viaRepo = await render({ chart: CHART, repo: ociRepo, version: '0.2.0', releaseName: 'web', kubeVersion: 'v1.33.1' });
    assert.equal(digest(viaRepo), digest(v2));
  });

  const missing: Array<[string, () => Omit<HelmVariant, 'namespace' | 'values'>, RegExp]> = [
    ['a version the HTTP repository lacks', () => ({ chart: CHART, repo: repoUrl, version: '9.9.9' }), /^helm pull failed: .*9\.9\.9.*not found/],
    ['a version the OCI registry lacks', () => ({ chart: `${ociRepo}/${CHART}`, version: '9.9.9' }), /^helm pull failed: .*9\.9\.9.*not found/],
    ['a chart the HTTP repository lacks', () => ({ chart: 'no-such-chart', repo: repoUrl }), /^helm pull failed: .*no-such-chart.*not found/],
  ];
  for (const [name, variant, want] of missing) {
    it(`${name} → BundleError with Helm's message`, async () => {
      await assert.rejects(render(variant()), (err: unknown) => {
        assert.ok(err instanceof BundleError, String(err));
        assert.match(err.reason, want);
        assert.ok(!err.reason.includes(tmpdir() + '/gitfleet-helm-'), err.reason);
        return true;
      });
    });
  }

  it('without the plain-HTTP setting Helm speaks HTTPS to the registry and fails', async () => {
    process.env[PLAIN_HTTP_REGISTRIES_ENV] = '';
    try {
      await assert.rejects(render({ chart: `${ociRepo}/${CHART}`, version: '0.1.0' }), (err: unknown) => {
        assert.ok(err instanceof BundleError, String(err));
        assert.match(err.reason, /^helm pull failed: .*HTTP response to HTTPS client/);
        return true;
      });
    } finally {
      process.env[PLAIN_HTTP_REGISTRIES_ENV] = tb.ociRegistry;
    }
  });
});
