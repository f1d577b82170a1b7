import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTargets, type ClusterInfo } from '../targeting/targets.js';
import { BundleError } from './bundle-error.js';
import { scanBundles } from './bundle-scan.js';
import { parseFleetYaml } from './fleet-yaml.js';
import { chartReadsFleetGlobals, helmReleaseName, mergeValues, plainHttpRegistries, resolveHelmVariant, selectKubeVersion, templateValues, usesPlainHttp } from './helm.js';
import { renderBundle, variantKey, type RenderedObject } from './render.js';
import { hubFixtures, needsSharedFixtures, sharedFixtures } from './test-fixtures.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test access to nested fields

const fleetExamples = () => path.join(sharedFixtures(), 'fleet-examples');
const find = (objs: RenderedObject[], kind: string, name: string): Obj | undefined =>
  objs.find((o) => o.object.kind === kind && (o.object.metadata as Obj).name === name)?.object;
const names = (objs: RenderedObject[], kind: string) => objs.filter((o) => o.object.kind === kind).map((o) => (o.object.metadata as Obj).name as string).sort();

/** scan → resolveTargets → render, one entry per cluster. */
async function renderPerCluster(checkout: string, dir: string, clusters: ClusterInfo[]): Promise<Map<string, RenderedObject[]>> {
  const [bundle] = await scanBundles(checkout, dir);
  assert.ok(bundle && !bundle.error, String(bundle?.error));
  const out = new Map<string, RenderedObject[]>();
  for (const t of resolveTargets(bundle.spec, clusters, [])) out.set(t.cluster, await renderBundle(checkout, dir, t.variant));
  return out;
}

describe('helm: fleet-examples/multi-cluster/helm per env', needsSharedFixtures(), () => {
  const dir = 'multi-cluster/helm';
  const clusters: ClusterInfo[] = [
    { name: 'dev-1', labels: { env: 'dev' } },
    { name: 'test-1', labels: { env: 'test' } },
    { name: 'prod-1', labels: { env: 'prod' } },
    { name: 'lab-1', labels: { env: 'lab' } },
  ];
  const table: Array<[string, { slave: boolean; replicas: number; type: string }]> = [
    ['dev-1', { slave: false, replicas: 1, type: 'NodePort' }],
    ['test-1', { slave: true, replicas: 3, type: 'NodePort' }],
    ['prod-1', { slave: true, replicas: 3, type: 'LoadBalancer' }],
    ['lab-1', { slave: true, replicas: 1, type: 'NodePort' }],
  ];
  let renders: Map<string, RenderedObject[]>;
  before(async () => {
    renders = await renderPerCluster(fleetExamples(), dir, clusters);
  });
  for (const [cluster, want] of table) {
    it(`${cluster}: replication ${want.slave}, ${want.replicas} frontend replicas, Service ${want.type}`, () => {
      const objs = renders.get(cluster)!;
      const deployments = names(objs, 'Deployment');
      assert.deepEqual(deployments, want.slave ? ['frontend', 'redis-master', 'redis-slave'] : ['frontend', 'redis-master']);
      assert.equal(find(objs, 'Deployment', 'frontend')?.spec.replicas, want.replicas);
      assert.equal(find(objs, 'Service', 'frontend')?.spec.type, want.type);
      assert.equal(find(objs, 'Deployment', 'frontend') !== undefined, true);
      assert.equal(objs.find((o) => o.object.kind === 'Deployment' && (o.object.metadata as Obj).name === 'frontend')?.file, `${dir}/templates/frontend-deployment.yaml`);
    });
  }

  it('scan makes the Chart.yaml dir a chart bundle; the fleet.yaml warns about nothing', async () => {
    const [bundle] = await scanBundles(fleetExamples(), dir);
    assert.equal(bundle?.spec.helm?.chart, '.');
    assert.deepEqual(bundle?.warnings, []);
  });

  it('targets namespace fleet-mc-helm-example; equal values share a variant key, different ones do not', async () => {
    const [bundle] = await scanBundles(fleetExamples(), dir);
    const more = [...clusters, { name: 'prod-2', labels: { env: 'prod' } }];
    const byCluster = new Map(resolveTargets(bundle!.spec, more, []).map((t) => [t.cluster, t]));
    assert.equal(byCluster.get('prod-1')?.variant.helm?.namespace, 'fleet-mc-helm-example');
    assert.equal(variantKey(byCluster.get('prod-1')!.variant), variantKey(byCluster.get('prod-2')!.variant));
    assert.notEqual(variantKey(byCluster.get('prod-1')!.variant), variantKey(byCluster.get('test-1')!.variant));
  });
});

describe('helm: argocd-example-apps/helm-guestbook with valuesFiles for env=prod', needsSharedFixtures(), () => {
  let checkout: string;
  before(async () => {
    checkout = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-helm-spec-'));
    await cp(path.join(sharedFixtures(), 'argocd-example-apps', 'helm-guestbook'), path.join(checkout, 'guestbook'), { recursive: true });
    await cp(path.join(hubFixtures(), 'helm-guestbook-prod', 'fleet.yaml'), path.join(checkout, 'guestbook', 'fleet.yaml'));
  });
  after(() => rm(checkout, { recursive: true, force: true }));

  const table: Array<[string, string]> = [['dev-1', 'ClusterIP'], ['prod-1', 'LoadBalancer']];
  for (const [cluster, type] of table) {
    it(`${cluster}: Service ${type}`, async () => {
      const renders = await renderPerCluster(checkout, 'guestbook', [
        { name: 'dev-1', labels: { env: 'dev' } },
        { name: 'prod-1', labels: { env: 'prod' } },
      ]);
      const objs = renders.get(cluster)!;
      assert.deepEqual(objs.map((o) => `${o.file} ${o.object.kind as string}`), [
        'guestbook/templates/service.yaml Service',
        'guestbook/templates/deployment.yaml Deployment',
      ]);
      const svc = objs.find((o) => o.object.kind === 'Service')!.object as Obj;
      assert.equal(svc.spec.type, type);
      assert.equal(svc.metadata.name, 'guestbook-helm-guestbook'); // release "guestbook" (no bundle id outside the pipeline)
    });
  }

  it('a missing values file fails the bundle at scan time', async () => {
    await writeFile(path.join(checkout, 'guestbook', 'fleet.yaml'), 'helm:\n  valuesFiles: [nope.yaml]\n');
    const [bundle] = await scanBundles(checkout, 'guestbook');
    assert.ok(bundle?.error instanceof BundleError);
    assert.equal(bundle.error.file, 'guestbook/nope.yaml');
    assert.match(bundle.error.reason, /values file not found/);
    await cp(path.join(hubFixtures(), 'helm-guestbook-prod', 'fleet.yaml'), path.join(checkout, 'guestbook', 'fleet.yaml'));
  });
});

describe('helm: per-cluster values templating', () => {
  const dir = 'helm-templating';
  const edge: ClusterInfo = {
    name: 'edge-1',
    labels: { region: 'eu', replicas: '3', env: 'prod', 'gitfleet.io/tier': 'gold', 'gitfleet.io/kubernetes-version': 'v1.31.2' },
  };

  it('renders ${ .ClusterName }, ${ .ClusterLabels.x }, index, global.fleet.clusterLabels.x, kube version; keeps hooks but not tests', async () => {
    const objs = (await renderPerCluster(hubFixtures(), dir, [edge])).get('edge-1')!;
    const cm = find(objs, 'ConfigMap', 'tmpl-values');
    assert.ok(cm, objs.map((o) => o.file).join('\n'));
    assert.equal(cm.metadata.namespace, 'tmpl');
    assert.deepEqual(JSON.parse(cm.data['values.json'] as string), {
      site: 'edge-1-eu',
      replicas: 3,
      env: 'prod',
      tier: 'gold',
      keep: 'from-chart',
      nested: { list: [{ region: 'eu' }] },
    });
    assert.equal(cm.data.kubeVersion, 'v1.31.2');
    assert.equal(objs.find((o) => o.object === cm)?.file, 'helm-templating/templates/configmap.yaml');
    assert.ok(find(objs, 'Job', 'tmpl-migrate'), 'pre-install hook kept');
    assert.equal(find(objs, 'Pod', 'tmpl-test'), undefined, 'test hook dropped');
  });

  it('a missing label fails resolution with the expression and the cluster', async () => {
    const [bundle] = await scanBundles(hubFixtures(), dir);
    assert.throws(() => resolveTargets(bundle!.spec, [{ name: 'bare', labels: { env: 'x' } }], []), /\$\{ \.ClusterLabels\.region \}: cluster "bare" has no label "region"/);
  });

  const spec = parseFleetYaml('helm:\n  chart: .\n  values: {region: "${ .ClusterLabels.region }"}\n', 'f/fleet.yaml').spec;
  const key = (c: ClusterInfo) => variantKey(resolveTargets(spec, [c], [])[0]!.variant);
  it('clusters with equal resolved values share a render; a label change re-keys only that cluster', () => {
    const a = key({ name: 'a', labels: { region: 'eu', other: '1' } });
    const b = key({ name: 'b', labels: { region: 'eu', other: '2' } });
    const c = key({ name: 'c', labels: { region: 'us' } });
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.equal(key({ name: 'c', labels: { region: 'eu' } }), a);
  });

  const exprs: Array<[string, unknown, unknown]> = [
    ['plain string untouched', 'x', 'x'],
    ['cluster name', '${ .ClusterName }', 'c1'],
    ['label inside text', 'v-${.ClusterLabels.n}-w', 'v-7-w'],
    ['whole number becomes a number', '${ .ClusterLabels.n }', 7],
    ['boolean', '${ .ClusterLabels.flag }', true],
    ['index with a dotted key', '${ index .ClusterLabels "a.b/c" }', 'dotted'],
    ['nested in lists and maps', { l: ['${ .ClusterName }', { k: '${ .ClusterLabels.n }' }] }, { l: ['c1', { k: 7 }] }],
  ];
  for (const [name, input, want] of exprs) {
    it(`templateValues: ${name}`, () => {
      assert.deepEqual(templateValues(input, { clusterName: 'c1', clusterLabels: { n: '7', flag: 'true', 'a.b/c': 'dotted' } }), want);
    });
  }
  it('templateValues refuses unsupported expressions', () => {
    assert.throws(() => templateValues('${ .ClusterLabels.n | quote }', { clusterName: 'c', clusterLabels: { n: '1' } }), /unsupported expression/);
    assert.throws(() => templateValues('${ .ClusterNamespace }', { clusterName: 'c', clusterLabels: {} }), /unsupported expression/);
  });
  it('disablePreProcess leaves values alone', () => {
    const s = parseFleetYaml('helm:\n  chart: .\n  disablePreProcess: true\n  values: {a: "${ .ClusterName }", b: global.fleet.clusterLabels.x}\n', 'f/fleet.yaml').spec;
    assert.deepEqual(resolveHelmVariant(s, undefined, { name: 'c', labels: { x: '1' } }, 'default')?.values, { a: '${ .ClusterName }', b: 'global.fleet.clusterLabels.x' });
  });
});

describe('helm: values merge order and chart overrides', () => {
  it("bundle valuesFiles < bundle values < customization valuesFiles < customization values", () => {
    const { spec } = parseFleetYaml(
      'helm:\n  chart: ./c\n  repo: https://r\n  version: "1.0.0"\n  values: {a: values, m: {x: 1}}\n  valuesFiles: [f1.yaml, f2.yaml]\n' +
        'targetCustomizations:\n- clusterName: c1\n  helm: {version: "2.0.0", values: {d: values, m: {z: 3}}, valuesFiles: [t.yaml]}\n',
      'f/fleet.yaml',
    );
    spec.helm!.loadedValuesFiles = [
      { file: 'f/f1.yaml', values: { a: 'f1', b: 'f1', c: 'f1', l: [1, 2] } },
      { file: 'f/f2.yaml', values: { b: 'f2', l: [3] } },
    ];
    spec.targetCustomizations[0]!.helm!.loadedValuesFiles = [{ file: 'f/t.yaml', values: { c: 't', d: 't', m: { y: 2 } } }];
    const v = resolveHelmVariant(spec, spec.targetCustomizations[0], { name: 'c1', labels: {} }, 'ns');
    assert.deepEqual(v, {
      chart: './c', repo: 'https://r', version: '2.0.0', namespace: 'ns',
      // a chart from `repo` also gets global.fleet (remote charts always do)
      values: { a: 'values', b: 'f2', c: 't', d: 'values', l: [3], m: { x: 1, y: 2, z: 3 }, global: { fleet: { clusterLabels: {}, clusterName: 'c1' } } },
    });
  });

  const merges: Array<[string, Obj, Obj, Obj]> = [
    ['maps merge recursively', { a: { x: 1, y: 1 } }, { a: { y: 2 } }, { a: { x: 1, y: 2 } }],
    ['lists replace', { a: [1, 2] }, { a: [3] }, { a: [3] }],
    ['a scalar replaces a map', { a: { x: 1 } }, { a: 'flat' }, { a: 'flat' }],
    ['null is kept (Helm then deletes the chart default)', { a: 1 }, { a: null }, { a: null }],
  ];
  for (const [name, dest, src, want] of merges) it(`mergeValues: ${name}`, () => assert.deepEqual(mergeValues(dest, src), want));

  it('helmReleaseName keeps ids up to 53 characters and shortens longer ones', () => {
    assert.equal(helmReleaseName('src-apps-web'), 'src-apps-web');
    const long = helmReleaseName('a'.repeat(63));
    assert.equal(long.length, 53);
    assert.match(long, /^a{44}-[0-9a-f]{8}$/);
  });
});

describe('helm: dependencies and failures', () => {
  it('builds a local file:// dependency in a temp copy and renders the subchart', async () => {
    const objs = await renderBundle(hubFixtures(), 'helm-deps/app', { overlays: [], helm: { chart: '.', namespace: 'default', values: {} } });
    assert.deepEqual(objs.map((o) => `${o.file} ${(o.object.metadata as Obj).name as string}`).sort(), [
      'helm-deps/app/charts/lib/templates/cm.yaml lib',
      'helm-deps/app/templates/cm.yaml app',
    ]);
    assert.equal(find(objs, 'ConfigMap', 'app')?.data.greeting, 'hello from lib');
  });

  it('a broken template → BundleError naming the template, with Helm\'s message', async () => {
    await assert.rejects(renderBundle(hubFixtures(), 'helm-broken', { overlays: [], helm: { chart: '.', namespace: 'default', values: {} } }), (err: unknown) => {
      assert.ok(err instanceof BundleError, String(err));
      assert.equal(err.file, 'helm-broken/templates/configmap.yaml');
      assert.match(err.reason, /^helm template failed: .*noSuchFunction/);
      assert.ok(!err.reason.includes(os.tmpdir() + path.sep + 'gitfleet-helm-'), err.reason);
      return true;
    });
  });

  const refusals: Array<[string, string, RegExp]> = [
    ['a chart path leaving the repository', '../../outside', /helm\.chart path leaves the repository/],
    ['a chart that does not exist', './nope', /chart not found/],
  ];
  for (const [name, chart, want] of refusals) {
    it(`refuses ${name}`, async () => {
      await assert.rejects(renderBundle(hubFixtures(), 'helm-broken', { overlays: [], helm: { chart, namespace: 'default', values: {} } }), (err: unknown) => {
        assert.ok(err instanceof BundleError, String(err));
        assert.match(err.reason, want);
        return true;
      });
    });
  }

  it('refuses overlays together with helm', async () => {
    await assert.rejects(renderBundle(hubFixtures(), 'helm-broken', { overlays: ['x'], helm: { chart: '.', namespace: 'default', values: {} } }), /together with helm is not supported yet/);
  });
});

describe('helm: Kubernetes version and plain-HTTP registries', () => {
  const cases: Array<[string, Record<string, string>, string | null | undefined, string | undefined]> = [
    ['the label wins over the reported version', { 'gitfleet.io/kubernetes-version': 'v1.30.0' }, 'v1.36.3', 'v1.30.0'],
    ['the label is passed as written', { 'gitfleet.io/kubernetes-version': '1.29' }, undefined, '1.29'],
    ['an empty label falls back to the reported version', { 'gitfleet.io/kubernetes-version': ' ' }, 'v1.36.3', 'v1.36.3'],
    ['no label: the reported version', {}, 'v1.36.3', 'v1.36.3'],
    ['a vendor suffix is cut (Helm would read it as a pre-release)', {}, 'v1.30.4-eks-a737599', 'v1.30.4'],
    ['build metadata is cut', {}, 'v1.31.2+k3s1', 'v1.31.2'],
    ['a version without v or patch is completed', {}, '1.32', 'v1.32.0'],
    ['no label, nothing reported: no flag', {}, null, undefined],
    ['a reported value that is no version is ignored', {}, 'unknown', undefined],
  ];
  for (const [name, labels, reported, want] of cases) {
    it(`selectKubeVersion: ${name}`, () => assert.equal(selectKubeVersion({ labels, kubernetesVersion: reported }), want));
  }

  it('resolveHelmVariant carries the selected version; targeting re-keys only Helm variants when it changes', () => {
    const helmSpec = parseFleetYaml('helm:\n  chart: ./c\n', 'h/fleet.yaml').spec;
    const plainSpec = parseFleetYaml('defaultNamespace: web\n', 'p/fleet.yaml').spec;
    assert.equal(resolveHelmVariant(helmSpec, undefined, { name: 'c1', labels: {}, kubernetesVersion: 'v1.36.3' }, 'ns')?.kubeVersion, 'v1.36.3');
    const key = (spec: typeof helmSpec, kubernetesVersion: string | null) =>
      variantKey(resolveTargets(spec, [{ name: 'c1', labels: {}, kubernetesVersion }], [])[0]!.variant);
    assert.notEqual(key(helmSpec, 'v1.36.3'), key(helmSpec, 'v1.37.0'));
    assert.equal(key(helmSpec, 'v1.36.3'), key(helmSpec, 'v1.36.3'));
    assert.equal(key(plainSpec, 'v1.36.3'), key(plainSpec, 'v1.37.0'));
    assert.equal(key(plainSpec, null), key(plainSpec, 'v1.37.0'));
  });

  it('plainHttpRegistries reads the comma list; usesPlainHttp matches oci:// hosts with or without port', () => {
    const hosts = plainHttpRegistries({ GITFLEET_HELM_PLAIN_HTTP_REGISTRIES: ' 127.0.0.1:15000, ,Registry.local ' });
    assert.deepEqual(hosts, ['127.0.0.1:15000', 'registry.local']);
    assert.deepEqual(plainHttpRegistries({}), []);
    assert.equal(usesPlainHttp('oci://127.0.0.1:15000/charts/web', hosts), true);
    assert.equal(usesPlainHttp('oci://127.0.0.1:15001/charts/web', hosts), false);
    assert.equal(usesPlainHttp('oci://registry.local:5000/web', hosts), true);
    assert.equal(usesPlainHttp('oci://REGISTRY.local/web', hosts), true);
    assert.equal(usesPlainHttp('oci://ghcr.io/x/web', hosts), false);
    assert.equal(usesPlainHttp('http://127.0.0.1:15000/charts/web-1.0.0.tgz', hosts), false, 'only OCI references');
  });
});

describe('helm: global.fleet.clusterLabels / clusterName as values', () => {
  const clusters: ClusterInfo[] = [
    { name: 'dev-1', labels: { env: 'dev', team: 'a' } },
    { name: 'prod-1', labels: { env: 'prod', team: 'b' } },
  ];
  const targetsOf = async (dir: string) => {
    const [bundle] = await scanBundles(hubFixtures(), dir);
    assert.ok(bundle && !bundle.error, String(bundle?.error));
    return resolveTargets(bundle.spec, clusters, []);
  };

  it('a local chart that reads .Values.global.fleet gets them: one render per cluster, printing its label', async () => {
    const dir = 'helm-fleet-globals/reads';
    const targets = await targetsOf(dir);
    assert.deepEqual(targets[0]!.variant.helm?.values, { global: { fleet: { clusterLabels: { env: 'dev', team: 'a' }, clusterName: 'dev-1' } } });
    assert.notEqual(variantKey(targets[0]!.variant), variantKey(targets[1]!.variant));
    const renders = await renderPerCluster(hubFixtures(), dir, clusters);
    assert.deepEqual(find(renders.get('dev-1')!, 'ConfigMap', 'reads')?.data, { env: 'dev', cluster: 'dev-1' });
    assert.deepEqual(find(renders.get('prod-1')!, 'ConfigMap', 'reads')?.data, { env: 'prod', cluster: 'prod-1' });
  });

  it('a local chart that does not read them gets none: clusters with different labels share one render', async () => {
    const targets = await targetsOf('helm-fleet-globals/plain');
    assert.deepEqual(targets.map((t) => t.variant.helm?.values), [{}, {}]);
    assert.equal(variantKey(targets[0]!.variant), variantKey(targets[1]!.variant));
    const renders = await renderPerCluster(hubFixtures(), 'helm-fleet-globals/plain', clusters);
    assert.deepEqual(find(renders.get('dev-1')!, 'ConfigMap', 'plain')?.data, { greeting: 'hello' });
  });

  it('remote charts (repo, oci://) always get them, keeping other global values', () => {
    for (const yaml of ['helm: {chart: web, repo: "https://charts.example/"}', 'helm: {chart: "oci://registry.example/charts/web"}']) {
      const s = parseFleetYaml(`${yaml}\n`, 'r/fleet.yaml').spec;
      s.helm!.values = { global: { image: 'r', fleet: { clusterName: 'spoofed', extra: 1 } } };
      assert.deepEqual(resolveHelmVariant(s, undefined, clusters[0]!, 'default')?.values, {
        global: { image: 'r', fleet: { clusterName: 'dev-1', extra: 1, clusterLabels: { env: 'dev', team: 'a' } } },
      }, yaml);
      const keys = resolveTargets(s, clusters, []).map((t) => variantKey(t.variant));
      assert.notEqual(keys[0], keys[1], yaml);
    }
  });

  describe('chartReadsFleetGlobals', () => {
    let tmp: string;
    const put = async (rel: string, text: string) => {
      await mkdir(path.dirname(path.join(tmp, rel)), { recursive: true });
      await writeFile(path.join(tmp, rel), text);
    };
    const chart = (name: string, deps = '') => `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n${deps}`;
    before(async () => {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-fleet-globals-'));
      await put('nested/Chart.yaml', chart('nested'));
      await put('nested/templates/sub/_helpers.tpl', '{{ define "x" }}{{ $.Values.global.fleet.clusterName }}{{ end }}');
      await put('subchart/Chart.yaml', chart('subchart'));
      await put('subchart/templates/cm.yaml', 'kind: ConfigMap');
      await put('subchart/charts/child/Chart.yaml', chart('child'));
      await put('subchart/charts/child/templates/cm.yaml', '{{ .Values.global.fleet.clusterLabels.env }}');
      await put('packaged-sub/Chart.yaml', chart('packaged-sub'));
      await put('packaged-sub/charts/child-0.1.0.tgz', 'not inspected');
      await put('lib-reads/Chart.yaml', chart('lib-reads'));
      await put('lib-reads/templates/cm.yaml', '{{ .Values.global.fleet.clusterLabels.env }}');
      await put('lib-plain/Chart.yaml', chart('lib-plain'));
      await put('lib-plain/templates/cm.yaml', '{{ .Values.other }}');
      await put('file-dep-reads/Chart.yaml', chart('a', 'dependencies:\n- {name: lib-reads, version: 0.1.0, repository: "file://../lib-reads"}\n'));
      await put('file-dep-plain/Chart.yaml', chart('a', 'dependencies:\n- {name: lib-plain, version: 0.1.0, repository: "file://../lib-plain"}\n'));
      await put('http-dep/Chart.yaml', chart('a', 'dependencies:\n- {name: redis, version: 1.0.0, repository: "https://charts.example/"}\n'));
      await put('packaged.tgz', 'not inspected');
      await put('plain/Chart.yaml', chart('plain'));
      await put('plain/templates/cm.yaml', '{{ .Values.global.other }} {{ toJson .Values }}');
    });
    after(() => rm(tmp, { recursive: true, force: true }));
    const cases: Array<[string, string, boolean]> = [
      ['a helper nested under templates/', 'nested', true],
      ['a subchart dir under charts/', 'subchart', true],
      ['a packaged subchart (not inspected)', 'packaged-sub', true],
      ['a file:// dependency that reads them', 'file-dep-reads', true],
      ['a file:// dependency that does not', 'file-dep-plain', false],
      ['a dependency from a repository (not inspected)', 'http-dep', true],
      ['a packaged chart (not inspected)', 'packaged.tgz', true],
      ['.Values.global.other and toJson .Values only', 'plain', false],
      ['a missing path', 'nope', false],
      ['a path leaving the checkout', '../elsewhere', false],
    ];
    for (const [name, rel, want] of cases) it(`${name}: ${want}`, async () => assert.equal(await chartReadsFleetGlobals(tmp, rel), want));
  });
});

describe('helm: kustomize.dir post-renders the chart (Fleet), fixture helm-kustomize', () => {
  const dir = 'helm-kustomize';
  const clusters: ClusterInfo[] = [
    { name: 'dev-1', labels: { env: 'dev' } },
    { name: 'prod-1', labels: { env: 'prod' } },
  ];
  let renders: Map<string, RenderedObject[]>;
  before(async () => {
    renders = await renderPerCluster(hubFixtures(), dir, clusters);
  });

  it('dev: the chart output is patched by overlays/dev and every object carries its annotation', () => {
    const objs = renders.get('dev-1')!;
    assert.deepEqual(objs.map((o) => `${o.object.kind}/${(o.object.metadata as Obj).name}`).sort(), ['ConfigMap/shop-config', 'Deployment/shop-web']);
    assert.equal(find(objs, 'Deployment', 'shop-web')?.spec.replicas, 2, 'patched from the chart value 1');
    for (const o of objs) assert.equal((o.object.metadata as Obj).annotations?.['example.com/stage'], 'dev');
    for (const o of objs) assert.equal(o.file, `${dir}/overlays/dev/kustomization.yaml`);
    assert.equal(find(objs, 'ConfigMap', 'shop-config')?.data.release, 'shop', 'rendered by Helm with the release name');
  });

  it('prod (targetCustomization kustomize.dir): patch, image tag and a base outside the kustomize dir', () => {
    const objs = renders.get('prod-1')!;
    assert.deepEqual(names(objs, 'ConfigMap'), ['shop-config', 'shop-extra']);
    const web = find(objs, 'Deployment', 'shop-web');
    assert.equal(web?.spec.replicas, 3);
    assert.equal(web?.spec.template.spec.containers[0].image, 'registry.invalid/shop:1.1');
    for (const o of objs) assert.equal((o.object.metadata as Obj).annotations?.['example.com/stage'], 'prod');
  });

  it('dev and prod are different variants (the kustomize dir is in the render key)', async () => {
    const [bundle] = await scanBundles(hubFixtures(), dir);
    const keys = resolveTargets(bundle!.spec, clusters, []).map((t) => variantKey(t.variant));
    assert.notEqual(keys[0], keys[1]);
  });

  describe('variations in a scratch checkout', () => {
    let checkout: string;
    before(async () => {
      checkout = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-helm-kustomize-'));
    });
    after(() => rm(checkout, { recursive: true, force: true }));
    /** A fresh copy of the fixture under `name`, with `files` written over it. */
    const variant = async (name: string, files: Record<string, string>) => {
      await cp(path.join(hubFixtures(), dir), path.join(checkout, name), { recursive: true });
      for (const [f, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(checkout, name, f)), { recursive: true });
        await writeFile(path.join(checkout, name, f), text);
      }
      const helm = { chart: './chart', releaseName: 'shop', namespace: 'default', values: { replicas: 1 } };
      return (kustomizeDir: string) => renderBundle(checkout, name, { overlays: [], kustomizeDir, helm });
    };

    it('a kustomization that lists fleet-manifests.yaml itself gets it once; the checkout is not written', async () => {
      const render = await variant('listed', { 'overlays/dev/kustomization.yaml': 'resources:\n- fleet-manifests.yaml\n' });
      const objs = await render('overlays/dev');
      assert.deepEqual(names(objs, 'Deployment'), ['shop-web']);
      assert.equal(find(objs, 'Deployment', 'shop-web')?.spec.replicas, 1);
      assert.deepEqual((await readdir(path.join(checkout, 'listed', 'overlays', 'dev'))).sort(), ['kustomization.yaml', 'replicas.yaml']);
    });

    it('without kustomize.dir, a kustomization.yaml in the bundle dir post-renders the chart (Fleet dir "."); kustomization.yml there does not', async () => {
      const render = await variant('root', { 'kustomization.yaml': 'namePrefix: root-\n' });
      const helm = { chart: './chart', releaseName: 'shop', namespace: 'default', values: { replicas: 1 } };
      const objs = await renderBundle(checkout, 'root', { overlays: [], helm });
      assert.deepEqual(names(objs, 'Deployment'), ['root-shop-web']);
      assert.equal(objs[0]?.file, 'root/kustomization.yaml');
      assert.deepEqual(names(await render('overlays/dev'), 'Deployment'), ['shop-web'], 'kustomize.dir wins over the root one');
      await variant('root-yml', { 'kustomization.yml': 'namePrefix: root-\n' });
      assert.deepEqual(names(await renderBundle(checkout, 'root-yml', { overlays: [], helm }), 'Deployment'), ['shop-web']);
      assert.deepEqual(names(await renderBundle(hubFixtures(), 'helm-kustomize', { overlays: [], helm }), 'Deployment'), ['shop-web'], 'no kustomization in the bundle dir: the chart output as rendered');
    });

    it('Kustomization / kustomization.yml names are post-rendered too', async () => {
      const render = await variant('other-name', { 'overlays/k/Kustomization': 'namePrefix: x-\n' });
      assert.deepEqual(names(await render('overlays/k'), 'Deployment'), ['x-shop-web']);
    });

    const refusals: Array<[string, Record<string, string>, string, string, RegExp]> = [
      ['a kustomize dir without a kustomization', { 'overlays/empty/README.md': 'nothing\n' }, 'overlays/empty', 'r1/overlays/empty', /^kustomize\.dir holds no kustomization\.yaml$/],
      ['a kustomize dir that does not exist', {}, 'overlays/nope', 'r2/overlays/nope', /no such directory/],
      ['a patch of an object the chart does not render', { 'overlays/dev/replicas.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nope}\nspec: {replicas: 2}\n' },
        'overlays/dev', 'r3/overlays/dev/kustomization.yaml', /^kubectl kustomize failed \(post-rendering the chart\): .*nope/],
      ['resources that is not a list', { 'overlays/dev/kustomization.yaml': 'resources: x.yaml\n' }, 'overlays/dev', 'r4/overlays/dev/kustomization.yaml', /^resources: expected a list/],
      ['a base outside the repository', { 'overlays/dev/kustomization.yaml': 'resources:\n- ../../../../../../etc\n' }, 'overlays/dev', 'r5/overlays/dev/kustomization.yaml', /leaves the repository/],
    ];
    for (const [name, files, kdir, file, reason] of refusals) {
      it(`refuses ${name}`, async () => {
        const id = file.split('/')[0]!;
        const render = await variant(id, files);
        await assert.rejects(render(kdir), (err: unknown) => {
          assert.ok(err instanceof BundleError, String(err));
          assert.equal(err.file, file);
          assert.match(err.reason, reason);
          assert.ok(!err.reason.includes(os.tmpdir()), `no temp path in the message: ${err.reason}`);
          return true;
        });
      });
    }
  });
});
