// Issue #11, "the rest of fleet.yaml", on the real test bed, checked with kubectl:
// - a Helm chart with kustomize.dir is post-rendered by that kustomization (per cluster: the
//   targetCustomization picks another dir), fixture hub/test/fixtures/helm-kustomize;
// - a defaultNamespace that does not exist is created (before: every object failed with
//   `namespaces "…" not found`);
// - namespaceLabels / namespaceAnnotations (merged with a targetCustomization's) land on it; a key
//   dropped from fleet.yaml leaves the namespace, a label set by hand stays; nothing deletes it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet, repoRoot, type KubeObject } from '../support/index.js';

const SOURCE = 'fleet-yaml-e2e';
const RUN = randomBytes(3).toString('hex');
// fresh names per run: the test bed's spokes 1 and 2 have no namespace controller, so a deleted
// namespace stays Terminating and could not be created again
const SHOP_NS = `e2e-fy-shop-${RUN}`;
const TEAM_NS = `e2e-fy-team-${RUN}`;
const CLUSTERS = { spoke1: { env: 'dev' }, spoke2: { env: 'prod' } };
const SPOKES = Object.keys(CLUSTERS);

const spec = <T>(o: KubeObject | undefined) => o?.spec as T | undefined;
const teamFleetYaml = (labels: string) => `defaultNamespace: ${TEAM_NS}
namespaceLabels: {${labels}}
namespaceAnnotations: {example.com/owner: "payments <pay@example.com>"}
targetCustomizations:
- name: prod
  clusterSelector: {matchLabels: {env: prod}}
  namespaceLabels: {tier: gold}
`;

describe('fleet.yaml: helm + kustomize.dir, defaultNamespace created, namespaceLabels/Annotations', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await Fleet.start({ name: SOURCE, clusters: CLUSTERS, namespaces: [SHOP_NS, TEAM_NS] });
    for (const spoke of SPOKES) {
      for (const ns of [SHOP_NS, TEAM_NS]) assert.equal(await fleet.kubectl(spoke).get('namespace', ns), undefined, `${ns} does not exist on ${spoke} beforehand`);
    }
    fleet.repo.copy(path.join(repoRoot(), 'hub/test/fixtures/helm-kustomize'), 'shop');
    fleet.repo.write('shop/fleet.yaml', `defaultNamespace: ${SHOP_NS}
helm:
  chart: ./chart
  releaseName: shop
  values: {replicas: 1}
kustomize: {dir: overlays/dev}
targetCustomizations:
- name: prod
  clusterSelector: {matchLabels: {env: prod}}
  kustomize: {dir: overlays/prod}
`);
    fleet.repo.write('team/settings.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-settings\ndata:\n  v: "1"\n');
    fleet.repo.write('team/fleet.yaml', teamFleetYaml('team: payments, pod-security.kubernetes.io/enforce: baseline'));
    const revision = await fleet.repo.commitAndPush('helm + kustomize, namespace labels');
    await fleet.api.createSource({ name: SOURCE, url: fleet.repo.url, pollIntervalSeconds: 3600 });
    await fleet.waitForRevision(`${SOURCE}-shop`, revision, SPOKES);
    await fleet.waitForRevision(`${SOURCE}-team`, revision, SPOKES);
  });
  after(async () => {
    await fleet?.stop();
    for (const spoke of SPOKES) await fleet?.kubectl(spoke).run('delete', 'namespace', SHOP_NS, TEAM_NS, '--ignore-not-found', '--wait=false');
  });

  it('the chart output is post-rendered by each cluster\'s kustomize.dir', async () => {
    const dev = fleet.kubectl('spoke1');
    const prod = fleet.kubectl('spoke2');
    const devWeb = await dev.get('deployment', 'shop-web', SHOP_NS);
    assert.equal(spec<{ replicas: number }>(devWeb)?.replicas, 2, 'dev: overlays/dev patched the chart\'s 1 replica');
    assert.equal(devWeb?.metadata.annotations?.['example.com/stage'], 'dev');
    assert.equal(await dev.get('configmap', 'shop-extra', SHOP_NS), undefined, 'dev has no prod-only resource');
    const prodWeb = await prod.get('deployment', 'shop-web', SHOP_NS);
    assert.equal(spec<{ replicas: number }>(prodWeb)?.replicas, 3);
    assert.equal(spec<{ template: { spec: { containers: Array<{ image: string }> } } }>(prodWeb)?.template.spec.containers[0]?.image, 'registry.invalid/shop:1.1', 'prod: kustomize images');
    assert.equal((await prod.get('configmap', 'shop-config', SHOP_NS))?.metadata.annotations?.['example.com/stage'], 'prod', 'the chart\'s ConfigMap went through the kustomization too');
    assert.ok(await prod.get('configmap', 'shop-extra', SHOP_NS), 'prod: the kustomization\'s own base resource');
  });

  it('a missing defaultNamespace is created on every cluster and the objects are in it', async () => {
    for (const spoke of SPOKES) {
      for (const ns of [SHOP_NS, TEAM_NS]) {
        const o = await fleet.kubectl(spoke).get('namespace', ns);
        assert.equal(o?.metadata.labels?.['app.kubernetes.io/managed-by'], 'gitfleet', `${ns} on ${spoke} created by the agent`);
      }
      assert.deepEqual((await fleet.kubectl(spoke).get('configmap', 'team-settings', TEAM_NS))?.['data'], { v: '1' });
    }
  });

  it('namespaceLabels/Annotations are on the namespace, with the targetCustomization\'s keys merged in', async () => {
    const want: Record<string, Record<string, string>> = {
      spoke1: { team: 'payments', 'pod-security.kubernetes.io/enforce': 'baseline' },
      spoke2: { team: 'payments', 'pod-security.kubernetes.io/enforce': 'baseline', tier: 'gold' },
    };
    for (const spoke of SPOKES) {
      const o = await fleet.kubectl(spoke).get('namespace', TEAM_NS);
      for (const [k, v] of Object.entries(want[spoke]!)) assert.equal(o?.metadata.labels?.[k], v, `${spoke} label ${k}`);
      assert.equal(o?.metadata.labels?.['tier'], want[spoke]!['tier'], `${spoke}: tier only where the customization matched`);
      assert.equal(o?.metadata.annotations?.['example.com/owner'], 'payments <pay@example.com>');
    }
  });

  it('a label dropped from fleet.yaml leaves the namespace; one set by hand stays; the namespace is never deleted', async () => {
    for (const spoke of SPOKES) await fleet.kubectl(spoke).run('label', 'namespace', TEAM_NS, 'by-hand=yes');
    fleet.repo.write('team/fleet.yaml', teamFleetYaml('team: billing'));
    const revision = await fleet.repo.commitAndPush('drop the pod-security label, rename the team');
    await fleet.api.pushWebhook(SOURCE, revision);
    await fleet.waitForRevision(`${SOURCE}-team`, revision, SPOKES);
    for (const spoke of SPOKES) {
      await eventually(`${TEAM_NS} labels on ${spoke}`, async () => {
        const labels = (await fleet.kubectl(spoke).get('namespace', TEAM_NS))?.metadata.labels ?? {};
        assert.equal(labels['team'], 'billing');
        assert.equal(labels['pod-security.kubernetes.io/enforce'], undefined, 'dropped from fleet.yaml');
        assert.equal(labels['by-hand'], 'yes', 'kubectl\'s label kept');
      }, 10_000);
    }
    assert.equal((await fleet.kubectl('spoke2').get('namespace', TEAM_NS))?.metadata.labels?.['tier'], 'gold');
    for (const spoke of SPOKES) {
      const o = await fleet.kubectl(spoke).get('namespace', TEAM_NS);
      assert.equal((o?.metadata as { deletionTimestamp?: string }).deletionTimestamp, undefined, `${TEAM_NS} on ${spoke} not being deleted`);
    }
  });
});
