// Issue #2, tests 1, 2, 3 and 7: a push deploys the multi-cluster fixture with each cluster's
// overlay; a changed manifest reaches every targeted cluster while an unchanged cluster sees no
// write; relabelling a cluster moves the bundle; identical renders share one stored object.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { eventually } from '@gitfleet/testing';
import { Fleet, NatsStore, fixturePath, needsSharedFixtures, writeStamp, type KubeObject } from '../support/index.js';

const NS = 'fleet-mc-manifest-example';
const BUNDLE = 'fleet-examples-multi-cluster-manifests';
// The GitRepo targets from the fixture's README, as a Fleet user would register them.
const TARGETS = ['dev', 'test', 'prod'].map((env) => ({ name: env, clusterSelector: { matchLabels: { env } } }));

/**
 * The write stamp (writeStamp: uid, generation, the agent's apply) of every object gitfleet
 * manages in the namespace, by kind/name. Not resourceVersions: kube-controller-manager on the
 * spoke writes Deployment status while it rolls out.
 */
async function versions(fleet: Fleet, spoke: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const kind of ['deployments', 'services']) {
    for (const o of await fleet.kubectl(spoke).list(kind, NS, 'app.kubernetes.io/managed-by=gitfleet', { managedFields: true })) {
      out[`${o.kind}/${o.metadata.name}`] = writeStamp(o);
    }
  }
  return out;
}

const replicas = (o: KubeObject | undefined) => (o?.spec as { replicas?: number } | undefined)?.replicas;
const serviceType = (o: KubeObject | undefined) => (o?.spec as { type?: string } | undefined)?.type;

describe('deploy: Git → hub → NATS → agents → clusters', needsSharedFixtures(), () => {
  let fleet: Fleet;
  let store: NatsStore;

  before(async () => {
    fleet = await Fleet.start({
      name: 'deploy',
      clusters: { spoke1: { env: 'dev' }, spoke2: { env: 'test' }, spoke3: { env: 'prod' } },
      namespaces: [NS],
    });
    store = await NatsStore.open(fleet.nats.url);
  });
  after(async () => {
    await store?.close();
    await fleet?.stop();
  });

  it('a push deploys the multi-cluster fixture with each cluster\'s overlay', async () => {
    fleet.repo.copy(fixturePath('fleet-examples/multi-cluster/manifests'), 'multi-cluster/manifests');
    const revision = await fleet.repo.commitAndPush('multi-cluster manifests');
    await fleet.api.createSource({ name: 'fleet-examples', url: fleet.repo.url, pollIntervalSeconds: 3600, targets: TARGETS });
    await fleet.waitForRevision(BUNDLE, revision, ['spoke1', 'spoke2', 'spoke3']);

    const dev = fleet.kubectl('spoke1');
    assert.equal(await dev.get('deployment', 'redis-slave', NS), undefined, 'dev has no redis replicas (overlay empties the file)');
    assert.ok(await dev.get('deployment', 'redis-master', NS), 'dev has the redis master');
    const devSlaveSvc = await dev.get('service', 'redis-slave', NS);
    assert.equal((devSlaveSvc?.spec as { selector: Record<string, string> }).selector['role'], 'master', 'dev redis-slave service patched to the master');
    assert.equal(replicas(await dev.get('deployment', 'frontend', NS)), 1);
    assert.equal(serviceType(await dev.get('service', 'frontend', NS)), 'NodePort', 'dev keeps the base NodePort service');

    const test = fleet.kubectl('spoke2');
    assert.equal(replicas(await test.get('deployment', 'frontend', NS)), 3, 'test is scaled to 3');
    assert.ok(await test.get('deployment', 'redis-slave', NS), 'test keeps redis replicas');
    assert.equal(serviceType(await test.get('service', 'frontend', NS)), 'NodePort', 'test keeps the base NodePort service');

    const prod = fleet.kubectl('spoke3');
    assert.equal(replicas(await prod.get('deployment', 'frontend', NS)), 3, 'prod is scaled to 3');
    assert.equal(serviceType(await prod.get('service', 'frontend', NS)), 'LoadBalancer', 'prod has the servicelb patch');
  });

  it('a changed manifest reaches every targeted cluster', async () => {
    const file = `${fleet.repo.workdir}/multi-cluster/manifests/redis-master-deployment.yaml`;
    const before = readFileSync(file, 'utf8');
    const image = /image:\s*(\S+)/.exec(before)?.[1];
    assert.ok(image, 'fixture has an image');
    writeFileSync(file, before.replace(/image:\s*\S+/, `image: ${image.split(':')[0]}:e2e-changed`));
    const revision = await fleet.repo.commitAndPush('change the redis master image');
    await fleet.api.pushWebhook('fleet-examples', revision);
    await fleet.waitForRevision(BUNDLE, revision, ['spoke1', 'spoke2', 'spoke3']);
    for (const spoke of ['spoke1', 'spoke2', 'spoke3']) {
      const d = await fleet.kubectl(spoke).get('deployment', 'redis-master', NS);
      const images = JSON.stringify(d?.spec);
      assert.match(images, /:e2e-changed"/, `${spoke} runs the new image`);
    }
  });

  it('an unchanged cluster sees no write', async () => {
    const devVersions = await versions(fleet, 'spoke1');
    const devKv = await store.desiredRevision('spoke1', BUNDLE);
    const devBefore = (await fleet.api.targets({ cluster: 'spoke1', bundle: BUNDLE }))[0];
    assert.ok(devKv !== undefined && devBefore);

    // scale3 is the overlay of test and prod only: dev renders the same as before.
    fleet.repo.write('multi-cluster/manifests/overlays/scale3/frontend-deployment_patch.yaml', 'spec:\n  replicas: 4\n');
    const revision = await fleet.repo.commitAndPush('scale test and prod to 4');
    await fleet.api.pushWebhook('fleet-examples', revision);
    await fleet.waitForRevision(BUNDLE, revision, ['spoke2', 'spoke3'], { exact: false });
    for (const spoke of ['spoke2', 'spoke3']) {
      assert.equal(replicas(await fleet.kubectl(spoke).get('deployment', 'frontend', NS)), 4, `${spoke} scaled to 4`);
    }
    assert.equal(await store.desiredRevision('spoke1', BUNDLE), devKv, 'dev desired state was not rewritten');
    assert.deepEqual(await versions(fleet, 'spoke1'), devVersions, 'no object on dev was written');
    const devAfter = (await fleet.api.targets({ cluster: 'spoke1', bundle: BUNDLE }))[0];
    assert.equal(devAfter?.desired.generation, devBefore.desired.generation);
  });

  it('relabelling a cluster moves the bundle, and identical renders share one stored bundle', async () => {
    const objectsBefore = await store.bundleObjects();
    await fleet.api.relabelCluster('spoke1', { env: 'test' });
    const head = await fleet.repo.git('rev-parse', 'HEAD');
    const targets = await fleet.waitForRevision(BUNDLE, head, ['spoke1', 'spoke2', 'spoke3']);
    const dev = fleet.kubectl('spoke1');
    assert.ok(await dev.get('deployment', 'redis-slave', NS), 'redis replicas applied after moving to test');
    assert.equal(replicas(await dev.get('deployment', 'frontend', NS)), 4, 'scale3 overlay now applies');

    const digest = (c: string) => targets.find((t) => t.cluster === c)?.desired.digest;
    assert.equal(digest('spoke1'), digest('spoke2'), 'spoke1 and spoke2 now have the same render');
    assert.deepEqual(await store.bundleObjects(), objectsBefore, 'no new object stored for an existing render');
    assert.ok(objectsBefore.includes(digest('spoke2')!), 'the shared render is one object named by its digest');

    await fleet.api.relabelCluster('spoke2', { env: 'staging' });
    const test = fleet.kubectl('spoke2');
    await eventually('objects pruned from spoke2', async () => {
      const left = await test.list('deployments', NS, 'app.kubernetes.io/managed-by=gitfleet');
      const svcs = await test.list('services', NS, 'app.kubernetes.io/managed-by=gitfleet');
      if (left.length + svcs.length > 0) throw new Error(`${left.length} deployments and ${svcs.length} services left`);
    });
    const remaining = await fleet.api.targets({ bundle: BUNDLE });
    assert.deepEqual(remaining.map((t) => t.cluster).sort(), ['spoke1', 'spoke3']);
  });
});
