import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTargets } from '../targeting/targets.js';
import { BundleError } from './bundle-error.js';
import { scanBundles } from './bundle-scan.js';
import { renderBundle, variantKey, type RenderedObject, type RenderVariant } from './render.js';
import { hubFixtures, needsSharedFixtures, sharedFixtures } from './test-fixtures.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test access to nested fields

const fleetExamples = () => path.join(sharedFixtures(), 'fleet-examples');
const argoApps = () => path.join(sharedFixtures(), 'argocd-example-apps');
const plain = (...overlays: string[]): RenderVariant => ({ overlays });
const ids = (objs: RenderedObject[]) => objs.map((o) => `${o.file} ${o.object.kind as string}/${(o.object.metadata as Obj).name as string}`);
const find = (objs: RenderedObject[], kind: string, name: string): Obj | undefined =>
  objs.find((o) => o.object.kind === kind && (o.object.metadata as Obj).name === name)?.object;

describe('renderBundle: fleet-examples/multi-cluster/manifests', needsSharedFixtures(), () => {
  const dir = 'multi-cluster/manifests';
  const all = ['frontend', 'redis-master', 'redis-slave'];
  const table: Array<[string, string[], { deployments: string[]; frontendReplicas: number; frontendType: string; slaveSelectorRole?: string }]> = [
    ['base (no overlay)', [], { deployments: all, frontendReplicas: 1, frontendType: 'NodePort', slaveSelectorRole: 'slave' }],
    ['dev: noreplication', ['noreplication'], { deployments: ['frontend', 'redis-master'], frontendReplicas: 1, frontendType: 'NodePort', slaveSelectorRole: 'master' }],
    ['test: scale3', ['scale3'], { deployments: all, frontendReplicas: 3, frontendType: 'NodePort', slaveSelectorRole: 'slave' }],
    ['prod: servicelb + scale3', ['servicelb', 'scale3'], { deployments: all, frontendReplicas: 3, frontendType: 'LoadBalancer', slaveSelectorRole: 'slave' }],
  ];
  for (const [name, overlays, want] of table) {
    it(name, async () => {
      const objs = await renderBundle(fleetExamples(), dir, plain(...overlays));
      const deployments = objs.filter((o) => o.object.kind === 'Deployment').map((o) => (o.object.metadata as Obj).name as string);
      assert.deepEqual(deployments, want.deployments);
      assert.equal(objs.filter((o) => o.object.kind === 'Service').length, 3);
      assert.equal(find(objs, 'Deployment', 'frontend')?.spec.replicas, want.frontendReplicas);
      assert.equal(find(objs, 'Service', 'frontend')?.spec.type, want.frontendType);
      // the patch merges into the selector map: the other keys stay
      assert.deepEqual(find(objs, 'Service', 'redis-slave')?.spec.selector, { app: 'redis', role: want.slaveSelectorRole, tier: 'backend' });
      assert.ok(objs.every((o) => o.file.startsWith(`${dir}/`) && !o.file.includes('overlays/')), ids(objs).join('\n'));
    });
  }

  it('reports patched objects under their base file, sorted by file', async () => {
    const objs = await renderBundle(fleetExamples(), dir, plain('servicelb', 'scale3'));
    assert.deepEqual(ids(objs), [
      `${dir}/frontend-deployment.yaml Deployment/frontend`,
      `${dir}/frontend-service.yaml Service/frontend`,
      `${dir}/redis-master-deployment.yaml Deployment/redis-master`,
      `${dir}/redis-master-service.yaml Service/redis-master`,
      `${dir}/redis-slave-deployment.yaml Deployment/redis-slave`,
      `${dir}/redis-slave-service.yaml Service/redis-slave`,
    ]);
  });

  it('end to end: scan → resolveTargets → render per env', async () => {
    const [bundle] = await scanBundles(fleetExamples(), dir);
    const clusters = [
      { name: 'prod-1', labels: { env: 'prod' } },
      { name: 'dev-1', labels: { env: 'dev' } },
      { name: 'test-1', labels: { env: 'test' } },
      { name: 'lab-1', labels: { env: 'lab' } },
    ];
    const targets = resolveTargets(bundle!.spec, clusters, []);
    assert.deepEqual(targets.map((t) => [t.cluster, t.customization, t.variant.overlays, t.targetNamespace]), [
      ['dev-1', 'dev', ['noreplication'], 'fleet-mc-manifest-example'],
      ['lab-1', undefined, [], 'fleet-mc-manifest-example'],
      ['prod-1', 'prod', ['servicelb', 'scale3'], 'fleet-mc-manifest-example'],
      ['test-1', 'test', ['scale3'], 'fleet-mc-manifest-example'],
    ]);
    const replicas: Record<string, unknown> = {};
    for (const t of targets) {
      const objs = await renderBundle(fleetExamples(), bundle!.path, t.variant);
      replicas[t.cluster] = find(objs, 'Deployment', 'frontend')?.spec.replicas;
    }
    assert.deepEqual(replicas, { 'dev-1': 1, 'lab-1': 1, 'prod-1': 3, 'test-1': 3 });
  });
});

describe('renderBundle: other real repos', needsSharedFixtures(), () => {
  it('fleet-examples/simple: 6 objects, plain YAML, no fleet.yaml', async () => {
    const objs = await renderBundle(fleetExamples(), 'simple', plain());
    assert.deepEqual(ids(objs), [
      'simple/frontend-deployment.yaml Deployment/frontend',
      'simple/frontend-service.yaml Service/frontend',
      'simple/redis-master-deployment.yaml Deployment/redis-master',
      'simple/redis-master-service.yaml Service/redis-master',
      'simple/redis-slave-deployment.yaml Deployment/redis-slave',
      'simple/redis-slave-service.yaml Service/redis-slave',
    ]);
  });

  it('argocd guestbook: plain YAML', async () => {
    const objs = await renderBundle(argoApps(), 'guestbook', plain());
    assert.deepEqual(ids(objs), ['guestbook/guestbook-ui-deployment.yaml Deployment/guestbook-ui', 'guestbook/guestbook-ui-svc.yaml Service/guestbook-ui']);
  });

  it('argocd kustomize-guestbook: built by kubectl kustomize (namePrefix applied)', async () => {
    const objs = await renderBundle(argoApps(), 'kustomize-guestbook', plain());
    assert.deepEqual(ids(objs).sort(), [
      'kustomize-guestbook/kustomization.yaml Deployment/kustomize-guestbook-ui',
      'kustomize-guestbook/kustomization.yaml Service/kustomize-guestbook-ui',
    ]);
  });

  it('kustomize.dir relative to the bundle dir', async () => {
    const objs = await renderBundle(argoApps(), '', { kustomizeDir: 'kustomize-guestbook', overlays: [] });
    assert.equal(objs.length, 2);
    assert.ok(objs.every((o) => o.file === 'kustomize-guestbook/kustomization.yaml'));
  });
});

describe('renderBundle: overlay semantics (hub/test/fixtures/overlays-extra)', () => {
  const dir = 'overlays-extra';
  it('base: subdirs, List, multi-doc, JSON; skips fleet.yaml, overlays/, nested bundles, hidden dirs, kustomization files', async () => {
    const objs = await renderBundle(hubFixtures(), dir, plain());
    assert.deepEqual(ids(objs), [
      `${dir}/cm.json ConfigMap/from-json`,
      `${dir}/deploy.yaml Deployment/web`,
      `${dir}/list.yaml ConfigMap/l1`,
      `${dir}/list.yaml ConfigMap/l2`,
      `${dir}/multi.yaml ConfigMap/m1`,
      `${dir}/multi.yaml ConfigMap/m2`,
      `${dir}/sub/svc.yaml Service/web`,
      `${dir}/widget.yaml Widget/w`,
    ]);
  });

  const table: Array<[string, string[], (objs: RenderedObject[]) => void]> = [
    ['a YAML list is an RFC 6902 JSON patch', ['jsonpatch'], (objs) => {
      const d = find(objs, 'Deployment', 'web')!;
      assert.equal(d.spec.replicas, 5);
      assert.deepEqual(d.metadata.labels, { patched: 'json' });
    }],
    ['a custom kind gets a JSON merge patch (null deletes, lists replaced)', ['crd'], (objs) => {
      assert.deepEqual(find(objs, 'Widget', 'w')!.spec, { size: 1, parts: ['z'] });
    }],
    ['a built-in kind gets a strategic merge patch (containers merged by name)', ['smp'], (objs) => {
      const containers = find(objs, 'Deployment', 'web')!.spec.template.spec.containers as Obj[];
      assert.deepEqual(containers.map((c) => [c.name, c.image]), [['a', 'a:1'], ['b', 'b:2']]);
    }],
    ['overlay files add new files and replace files in subdirs', ['add'], (objs) => {
      assert.ok(find(objs, 'ConfigMap', 'added'));
      assert.equal(objs.find((o) => o.object.kind === 'ConfigMap' && (o.object.metadata as Obj).name === 'added')?.file, `${dir}/extra.yaml`);
      assert.equal(find(objs, 'Service', 'web'), undefined);
      assert.equal(find(objs, 'Service', 'web-replaced')?.spec.ports[0].port, 8080);
    }],
    ['an empty overlay file removes the base file', ['remove'], (objs) => {
      assert.equal(find(objs, 'ConfigMap', 'l1'), undefined);
      assert.equal(find(objs, 'ConfigMap', 'l2'), undefined);
      assert.equal(objs.length, 6);
    }],
    ['overlays apply in order and compose', ['jsonpatch', 'smp'], (objs) => {
      const d = find(objs, 'Deployment', 'web')!;
      assert.equal(d.spec.replicas, 5);
      assert.equal((d.spec.template.spec.containers as Obj[])[1]!.image, 'b:2');
    }],
  ];
  for (const [name, overlays, check] of table) {
    it(name, async () => check(await renderBundle(hubFixtures(), dir, plain(...overlays))));
  }

  it('is deterministic', async () => {
    const a = await renderBundle(hubFixtures(), dir, plain('jsonpatch', 'smp', 'add'));
    const b = await renderBundle(hubFixtures(), dir, plain('jsonpatch', 'smp', 'add'));
    assert.deepEqual(a, b);
  });
});

describe('renderBundle: failures are BundleErrors naming the file', () => {
  const table: Array<[string, () => string, string, RenderVariant, string, RegExp]> = [
    // [case, checkout, bundlePath, variant, error file, reason]
    ['malformed YAML', hubFixtures, 'bad-yaml', plain(), 'bad-yaml/deploy.yaml', /^line 7 col \d+: .+/],
    ['broken kustomization: kubectl message', hubFixtures, 'broken-kustomize', plain(), 'broken-kustomize/kustomization.yaml', /^kubectl kustomize failed: .*missing-deployment\.yaml/],
    ['object without metadata.name', hubFixtures, 'missing-name', plain(), 'missing-name/cm.yaml', /^document 2 \(line \d+\): ConfigMap is missing metadata\.name$/],
    ['patch without base file', hubFixtures, 'overlays-extra', plain('orphan'), 'overlays-extra/overlays/orphan/nothing_patch.yaml', /no base file overlays-extra\/nothing\.yaml to patch/],
    ['patch of a multi-document base', hubFixtures, 'overlays-extra', plain('multi'), 'overlays-extra/overlays/multi/multi_patch.yaml', /must hold exactly one document to be patched, it holds 2/],
    ['unknown overlay name', hubFixtures, 'overlays-extra', plain('nope'), 'overlays-extra/overlays/nope', /overlay "nope" not found/],
    ['kustomize.dir without kustomization', hubFixtures, 'overlays-extra', { kustomizeDir: 'sub/..', overlays: [] }, 'overlays-extra', /kustomize\.dir holds no kustomization\.yaml/],
    ['kustomize.dir leaving the checkout', hubFixtures, 'overlays-extra', { kustomizeDir: '../../..', overlays: [] }, '../..', /path leaves the repository/],
    ['overlays with kustomize', argoApps, 'kustomize-guestbook', plain('x'), 'kustomize-guestbook', /yaml\.overlays together with kustomize is not supported yet/],
    ['missing bundle dir', hubFixtures, 'no-such-bundle', plain(), 'no-such-bundle', /no such directory/],
  ];
  for (const [name, checkout, bundlePath, variant, file, reason] of table) {
    it(name, checkout === argoApps ? needsSharedFixtures() : {}, async () => {
      await assert.rejects(renderBundle(checkout(), bundlePath, variant), (err: unknown) => {
        assert.ok(err instanceof BundleError, `not a BundleError: ${String(err)}`);
        assert.equal(err.file, file);
        assert.match(err.reason, reason);
        assert.equal(err.message, `${err.file}: ${err.reason}`);
        return true;
      });
    });
  }
});

describe('renderBundle: kubectl messages', () => {
  it('makes checkout paths repo-relative and drops the klog prefix', async () => {
    await assert.rejects(renderBundle(hubFixtures(), 'broken-kustomize', plain()), (err: unknown) => {
      assert.ok(err instanceof BundleError);
      assert.ok(!err.reason.includes(hubFixtures()), err.reason);
      assert.doesNotMatch(err.reason, /command failed|run\.go/);
      assert.match(err.reason, /broken-kustomize\/missing-deployment\.yaml: no such file or directory/);
      return true;
    });
  });
});

describe('variantKey', () => {
  it('is stable and tells variants apart', () => {
    assert.equal(variantKey({ overlays: ['a', 'b'] }), variantKey({ overlays: ['a', 'b'] }));
    assert.equal(variantKey({ kustomizeDir: './k/', overlays: [] }), variantKey({ kustomizeDir: 'k', overlays: [] }));
    assert.notEqual(variantKey({ overlays: ['a', 'b'] }), variantKey({ overlays: ['b', 'a'] }));
    assert.notEqual(variantKey({ overlays: [] }), variantKey({ kustomizeDir: '', overlays: [] }));
    assert.notEqual(variantKey({ overlays: ['a,b'] }), variantKey({ overlays: ['a', 'b'] }));
  });
});
