// The deployment pipeline on a real PostgreSQL and a real nats-server (KV + object store), with
// the real bundle scan/render/targeting over a checkout written to disk.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BundleManifestSchema, desiredStateKey, DesiredStateSchema, fromBinary } from '@gitfleet/proto';
import { ClusterGroupsRepository } from '../src/clusters/cluster-groups.repository.js';
import { ClustersRepository } from '../src/clusters/clusters.repository.js';
import { dataSourceOptions } from '../src/data-source.js';
import { defaultBundleToolkit } from '../src/deployments/bundle-toolkit.js';
import { BundlesRepository } from '../src/bundles/bundles.repository.js';
import { BundleDeployer } from '../src/deployments/bundle-deployer.service.js';
import { BundleRenderer } from '../src/deployments/bundle-renderer.service.js';
import { CommitSignaturePolicyService } from '../src/deployments/commit-signature-policy.service.js';
import { DeploymentService } from '../src/deployments/deployment.service.js';
import { DesiredStatePublisher } from '../src/deployments/desired-state-publisher.service.js';
import { TargetWriteLock } from '../src/deployments/target-write-lock.js';
import { RolloutController } from '../src/deployments/rollout-controller.service.js';
import { RolloutsRepository } from '../src/rollouts/rollouts.repository.js';
import { ClusterHoldsService } from '../src/clusters/cluster-holds.service.js';
import { MaintenanceWindowsRepository } from '../src/clusters/maintenance-windows.repository.js';
import { StatusRepository } from '../src/targets/status.repository.js';
import { connectAndEnsure, type NatsResources } from '../src/nats/nats.service.js';
import { PublishingRepository } from '../src/publishing/publishing.repository.js';
import { GitRepository } from '../src/sources/git.repository.js';
import { SourcesRepository } from '../src/sources/sources.repository.js';
import { TargetsRepository } from '../src/targets/targets.repository.js';
import { createTempDatabase, NatsServer, type TestDatabase } from '@gitfleet/testing';
import { loadTestbed } from './support/testbed.js';

Logger.overrideLogger(false);

describe('publishing (real NATS + PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let nats: NatsServer;
  let res: NatsResources;
  let cacheDir: string;
  let service: DeploymentService;
  let clusters: ClustersRepository;
  let sources: SourcesRepository;

  const write = (file: string, text: string) => {
    const full = join(cacheDir, 'src', file);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  };
  const objectCount = async () => (await res.bundles.list()).filter((o) => !o.deleted).length;

  before(async () => {
    const tb = await loadTestbed();
    db = await createTempDatabase(tb.databaseUrl);
    ds = new DataSource({ ...dataSourceOptions(db.url), logging: false });
    await ds.initialize();
    nats = await NatsServer.start(tb.binDir, { name: 'hub-test' });
    res = await connectAndEnsure([nats.url], 'gitfleet-hub-test');
    cacheDir = mkdtempSync(join(tmpdir(), 'gitfleet-hub-cache-'));
    clusters = new ClustersRepository(ds);
    sources = new SourcesRepository(ds);
    const targets = new TargetsRepository(ds);
    const git = new GitRepository({ gitCacheDir: cacheDir });
    const bundles = new BundlesRepository(ds);
    const publisher = new DesiredStatePublisher(new PublishingRepository({ resources: res }), targets);
    const lock = new TargetWriteLock();
    const groups = new ClusterGroupsRepository(ds);
    service = new DeploymentService(
      sources,
      clusters,
      groups,
      bundles,
      targets,
      git,
      defaultBundleToolkit,
      new CommitSignaturePolicyService(sources, git),
      new BundleDeployer(bundles, defaultBundleToolkit, new BundleRenderer(defaultBundleToolkit), new RolloutController(new RolloutsRepository(ds), targets, new StatusRepository(ds), clusters, groups, bundles, publisher, lock, new ClusterHoldsService(clusters, new MaintenanceWindowsRepository(ds), groups))),
      publisher,
      lock,
    );
    // a checkout with one bundle; the pipeline reads the working tree only
    write('apps/web/fleet.yaml', 'defaultNamespace: web\n');
    write('apps/web/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  color: blue\n');
    await sources.create({ name: 'src', url: 'http://unused/x.git', branch: 'main', path: '', pollIntervalSeconds: 60, targets: [{ clusterSelector: { matchLabels: { env: 'prod' } } }] });
    await sources.saveFetchResult('src', { lastRevision: '1'.repeat(40), lastFetchedAt: new Date(), lastError: null });
    await clusters.create('c1', { env: 'prod' });
    await clusters.create('c2', { env: 'prod' });
  });

  after(async () => {
    await res?.nc.close();
    await nats?.dispose();
    await ds?.destroy();
    await db?.drop();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  it('publishes the same render for two clusters as ONE object store object and two KV keys', async () => {
    const r = await service.trigger();
    assert.equal(r.published, 2);
    assert.equal(r.stored, 1);
    assert.equal(await objectCount(), 1);
    const e1 = await res.desired.get(desiredStateKey('c1', 'src-apps-web'));
    const e2 = await res.desired.get(desiredStateKey('c2', 'src-apps-web'));
    const d1 = fromBinary(DesiredStateSchema, e1!.value);
    const d2 = fromBinary(DesiredStateSchema, e2!.value);
    assert.equal(d1.digest, d2.digest);
    assert.equal(d1.generation, 1n);
    assert.equal(d1.defaultNamespace, 'web');
    const blob = await res.bundles.getBlob(d1.digest);
    const manifest = fromBinary(BundleManifestSchema, blob!);
    assert.equal(manifest.objects.length, 1);
    assert.equal(JSON.parse(manifest.objects[0]!.json).data.color, 'blue');
  });

  it('writes nothing when nothing changed, even at a new revision', async () => {
    const before = (await res.desired.status()).values;
    await sources.saveFetchResult('src', { lastRevision: '2'.repeat(40), lastFetchedAt: new Date(), lastError: null });
    const r = await service.trigger();
    assert.deepEqual([r.published, r.stored, r.deleted, r.unchanged], [0, 0, 0, 2]);
    assert.equal((await res.desired.status()).values, before);
  });

  it('a broken manifest fails the bundle and keeps every published key', async () => {
    write('apps/web/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web\n  oops: [\n');
    await sources.saveFetchResult('src', { lastRevision: '3'.repeat(40), lastFetchedAt: new Date(), lastError: null });
    const before = (await res.desired.status()).values;
    const r = await service.trigger();
    assert.equal(r.failedBundles, 1);
    assert.equal((await res.desired.status()).values, before);
    const [bundle] = await ds.query(`SELECT state, errors FROM bundles WHERE id = 'src-apps-web'`);
    assert.equal(bundle.state, 'Failed');
    assert.equal(bundle.errors[0].file, 'apps/web/cm.yaml');
  });

  it('a fixed manifest republishes with generation 2; a relabelled cluster gets a tombstone (the key stays)', async () => {
    write('apps/web/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  color: green\n');
    await sources.saveFetchResult('src', { lastRevision: '4'.repeat(40), lastFetchedAt: new Date(), lastError: null });
    await clusters.setLabels('c2', { env: 'dev' });
    const r = await service.trigger();
    assert.deepEqual([r.published, r.deleted], [1, 1]);
    const d1 = fromBinary(DesiredStateSchema, (await res.desired.get(desiredStateKey('c1', 'src-apps-web')))!.value);
    assert.equal(d1.generation, 2n);
    assert.equal(d1.revision, '4'.repeat(40));
    const e2 = await res.desired.get(desiredStateKey('c2', 'src-apps-web'));
    assert.equal(e2?.operation, 'PUT', 'never a KV delete');
    const t2 = fromBinary(DesiredStateSchema, e2.value);
    assert.deepEqual([t2.withdrawn, t2.digest, t2.generation, t2.revision], [true, '', 2n, '4'.repeat(40)]);
    assert.match(t2.withdrawalReason, /cluster c2 is no longer targeted/);
    assert.equal(await objectCount(), 2);
  });
});
