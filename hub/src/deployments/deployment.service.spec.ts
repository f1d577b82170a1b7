import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { fromBinary, BundleManifestSchema } from '@gitfleet/proto';
import { BundleError, parseFleetYaml, variantKey, type RenderVariant, type ScannedBundle } from '../rendering/index.js';
import { resolveTargets } from '../targeting/index.js';
import type { ClusterGroupsRepository } from '../clusters/cluster-groups.repository.js';
import type { ClusterEntity } from '../clusters/cluster.entity.js';
import type { ClustersRepository } from '../clusters/clusters.repository.js';
import type { PublishingRepository } from '../publishing/publishing.repository.js';
import * as openpgp from 'openpgp';
import { parseTrustedKeys, type CommitSignatureReport, type SignedCommitInput } from '../sources/commit-signature.js';
import type { GitRepository } from '../sources/git.repository.js';
import type { SourceEntity } from '../sources/source.entity.js';
import type { SourcesRepository } from '../sources/sources.repository.js';
import type { TargetEntity } from '../targets/target.entity.js';
import type { TargetsRepository } from '../targets/targets.repository.js';
import { strictMock } from '../testing/strict-mock.js';
import type { BundleEntity } from '../bundles/bundle.entity.js';
import type { BundleToolkit } from './bundle-toolkit.js';
import type { BundlesRepository } from '../bundles/bundles.repository.js';
import { specRolloutController } from './memory-rollouts.spec-helper.js';
import { BundleDeployer } from './bundle-deployer.service.js';
import { BundleRenderer } from './bundle-renderer.service.js';
import { CommitSignaturePolicyService } from './commit-signature-policy.service.js';
import { DeploymentService } from './deployment.service.js';
import { DesiredStatePublisher } from './desired-state-publisher.service.js';
import { encodeManifest } from './desired-state.js';
import { ManualSyncService } from './manual-sync.service.js';
import { TargetWriteLock } from './target-write-lock.js';
import { type WithdrawalGuard, withdrawalKey } from './withdrawal.js';

Logger.overrideLogger(false);

const REV1 = 'a'.repeat(40);
const REV2 = 'b'.repeat(40);
const POLICY = { automated: true, prune: true, selfHeal: true };

function source(revision = REV1): SourceEntity {
  return { name: 'src', url: 'http://git/x.git', branch: 'main', path: '', pollIntervalSeconds: 15, targets: null, lastRevision: revision, lastFetchedAt: null, lastError: null, credentialsEnc: null, webhookSecretEnc: null, commitSignatures: null, commitSignature: null, kustomizeRemoteBases: false, withdrawalHold: null, withdrawalConfirmation: null, scanWarnings: [], createdAt: new Date(0) };
}

function cluster(name: string, labels: Record<string, string> = { app: 'yes' }): ClusterEntity {
  return { name, labels, createdAt: new Date(0), lastSeenAt: null, agentVersion: null, kubernetesVersion: null };
}

function scanned(path: string, extra: Partial<ScannedBundle> = {}): ScannedBundle {
  return { path, spec: { labels: {}, targetCustomizations: [] }, warnings: [], ...extra };
}

const REPLICAS_RULE = { group: 'apps', kind: 'Deployment', namespace: '', name: '', jsonPointers: ['/spec/replicas'], managers: [] };

/**
 * Fake bundle toolkit: every cluster labelled app=yes is a target; a cluster labelled
 * variant=<x> renders overlay x; the render is one ConfigMap whose data comes from `content`.
 * A cluster labelled selfheal=no gets selfHeal false; ignore=replicas gets REPLICAS_RULE.
 */
function toolkit(bundles: ScannedBundle[], content: Record<string, string> = {}, renderError?: BundleError): BundleToolkit {
  return {
    scanBundles: async () => bundles,
    bundleId: (s, b) => `${s}-${b.path}`,
    variantKey: (v) => JSON.stringify(v),
    resolveTargets: (_spec, clusters) =>
      clusters
        .filter((c) => c.labels.app === 'yes')
        .map((c) => ({
          cluster: c.name,
          variant: { overlays: c.labels.variant ? [c.labels.variant] : [] },
          syncPolicy: { ...POLICY, selfHeal: c.labels.selfheal !== 'no' },
          ignoreDifferences: c.labels.ignore === 'replicas' ? [REPLICAS_RULE] : [],
          defaultNamespace: 'apps',
        })),
    renderBundle: async (_dir, path, variant) => {
      if (renderError) throw renderError;
      return [{ file: `${path}/cm.yaml`, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: path }, data: { v: content[path] ?? 'one', overlay: variant.overlays.join(',') } } }];
    },
  };
}

/** A published target row equal to what the fake toolkit renders for `cluster` at `revision`. */
function publishedRow(cluster: string, bundleId: string, path: string, revision: string, generation: number, value = 'one'): TargetEntity {
  const m = encodeManifest(bundleId, [{ file: `${path}/cm.yaml`, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: path }, data: { v: value, overlay: '' } } }]);
  return {
    cluster, bundleId, source: 'src', revision, digest: m.digest, generation, targetNamespace: '', defaultNamespace: 'apps', syncPolicy: POLICY,
    publishedAt: new Date(0), ignoreDifferences: [], syncRequest: 0,
  };
}

interface Setup {
  sources?: SourceEntity[];
  clusters?: ClusterEntity[];
  bundles?: BundleEntity[];
  targets?: TargetEntity[];
  toolkit: BundleToolkit;
  /** the head commit GitRepository.readCommit returns (absent: readCommit is not expected) */
  commit?: SignedCommitInput;
}

function build(s: Setup) {
  const repos = {
    sources: strictMock<SourcesRepository>('sources', { list: async () => s.sources ?? [source()], saveCommitSignature: async () => undefined, saveWithdrawalHold: async () => undefined }),
    clusters: strictMock<ClustersRepository>('clusters', { list: async () => s.clusters ?? [cluster('c1'), cluster('c2')] }),
    groups: strictMock<ClusterGroupsRepository>('groups', { list: async () => [] }),
    bundles: strictMock<BundlesRepository>('bundles', { listAll: async () => s.bundles ?? [], upsert: async () => undefined, delete: async () => undefined }),
    targets: strictMock<TargetsRepository>('targets', {
      list: async () => s.targets ?? [],
      get: async (key) => (s.targets ?? []).find((t) => t.cluster === key.cluster && t.bundleId === key.bundleId) ?? null,
      upsert: async () => undefined,
      delete: async () => undefined,
      lastGeneration: async () => 0,
    }),
    publishing: strictMock<PublishingRepository>('publishing', {
      putBundleIfAbsent: async () => true,
      lastPublishedGeneration: async () => 0,
      putDesiredState: async () => 1,
    }),
    git: strictMock<GitRepository>('git', {
      withCheckout: async <T>(name: string, fn: (dir: string, head: string | undefined) => Promise<T>) => fn(`/checkouts/${name}`, undefined),
      ...(s.commit ? { readCommit: async () => s.commit! } : {}),
      commitSummary: async () => ({ message: 'a commit', author: 'A <a@example.com>' }),
    }),
  };
  const { service, sync } = wire(repos, s.toolkit);
  return { service, sync, toolkit: s.toolkit, ...repos };
}

interface Repos {
  sources: SourcesRepository;
  clusters: ClustersRepository;
  groups: ClusterGroupsRepository;
  bundles: BundlesRepository;
  targets: TargetsRepository;
  publishing: PublishingRepository;
  git: GitRepository;
}

/** The pipeline run and manual sync over `r`, wired as DeploymentsModule does (one lock, one publisher, one render cache). */
function wire(r: Repos, kit: BundleToolkit, config?: { withdrawalGuard: WithdrawalGuard }) {
  const lock = new TargetWriteLock();
  const publisher = new DesiredStatePublisher(r.publishing, r.targets);
  const signatures = new CommitSignaturePolicyService(r.sources, r.git);
  const rollouts = specRolloutController({ targets: r.targets, clusters: r.clusters, groups: r.groups, bundles: r.bundles, publisher, lock });
  const deployer = new BundleDeployer(r.bundles, kit, new BundleRenderer(kit), rollouts);
  const service = new DeploymentService(r.sources, r.clusters, r.groups, r.bundles, r.targets, r.git, kit, signatures, deployer, publisher, lock, config);
  return { service, sync: new ManualSyncService(r.targets, publisher, lock) };
}

/** The tombstones written (KV key, generation, reason), in order. */
function tombstones(t: ReturnType<typeof build>): Array<{ key: string; generation: bigint; reason: string }> {
  return t.publishing.putDesiredState.mock.calls
    .filter((c) => c.arguments[1].withdrawn)
    .map((c) => ({ key: c.arguments[0], generation: c.arguments[1].generation, reason: c.arguments[1].withdrawalReason }));
}

function bundleRow(id: string, path: string): BundleEntity {
  return { id, source: 'src', path, name: path, labels: {}, revision: REV1, state: 'Ready', errors: [], warnings: [], updatedAt: new Date(0) };
}

describe('DeploymentService', () => {
  it('labels a render with the commit checked out, not the revision the source row had when the run began', async () => {
    // a webhook sync moved the checkout after this run loaded the source row (row still at REV1)
    const t = build({ toolkit: toolkit([scanned('web')]) });
    const moved = 'f'.repeat(40);
    t.git.withCheckout.mock.mockImplementation((async <T>(name: string, fn: (dir: string, head: string | undefined) => Promise<T>) => fn(`/checkouts/${name}`, moved)) as never);
    await t.service.trigger();
    const revisions = t.publishing.putDesiredState.mock.calls.map((c) => (c.arguments[1] as { revision: string }).revision);
    assert.deepEqual(revisions, [moved, moved]);
  });

  it('publishes new targets: one stored object per render, one KV put per target', async () => {
    const t = build({ toolkit: toolkit([scanned('web')]) });
    const result = await t.service.trigger();

    // both clusters share one render: its object is offered to the store once (the rollout stores each distinct digest once)
    assert.deepEqual(result, { published: 2, stored: 1, deleted: 0, unchanged: 0, failedBundles: 0 });
    const puts = t.publishing.putDesiredState.mock.calls.map((c) => c.arguments[0]);
    assert.deepEqual(puts.sort(), ['c1.src-web', 'c2.src-web']);
    assert.equal(t.publishing.putBundleIfAbsent.mock.callCount(), 1);
    const ds = t.publishing.putDesiredState.mock.calls[0]!.arguments[1];
    assert.equal(ds.generation, 1n);
    assert.equal(ds.revision, REV1);
    assert.equal(ds.defaultNamespace, 'apps');
    assert.equal(ds.source, 'src');
    assert.equal(ds.path, 'web');
    assert.deepEqual([ds.syncPolicy?.automated, ds.syncPolicy?.prune, ds.syncPolicy?.selfHeal], [true, true, true]);
    assert.equal(ds.digest, t.publishing.putBundleIfAbsent.mock.calls[0]!.arguments[0]);
    const manifest = fromBinary(BundleManifestSchema, t.publishing.putBundleIfAbsent.mock.calls[0]!.arguments[1]);
    assert.equal(manifest.bundleId, 'src-web');
    assert.equal(manifest.objects.length, 1);
    assert.equal(t.targets.upsert.mock.callCount(), 2);
    assert.equal(t.bundles.upsert.mock.calls[0]!.arguments[0][0]!.state, 'Ready');
  });

  it('writes nothing for targets whose content and options are unchanged, even at a new revision', async () => {
    const t = build({
      sources: [source(REV2)],
      bundles: [bundleRow('src-web', 'web')],
      targets: [publishedRow('c1', 'src-web', 'web', REV1, 3), publishedRow('c2', 'src-web', 'web', REV1, 1)],
      toolkit: toolkit([scanned('web')]),
    });
    const result = await t.service.trigger();

    assert.deepEqual(result, { published: 0, stored: 0, deleted: 0, unchanged: 2, failedBundles: 0 });
    assert.equal(t.publishing.putDesiredState.mock.callCount(), 0);
    assert.equal(t.publishing.putBundleIfAbsent.mock.callCount(), 0);
    assert.equal(t.targets.upsert.mock.callCount(), 0);
    // the bundle row records the new revision
    assert.equal(t.bundles.upsert.mock.calls[0]!.arguments[0][0]!.revision, REV2);
  });

  it('republishes a changed render with generation + 1', async () => {
    const t = build({
      sources: [source(REV2)],
      bundles: [bundleRow('src-web', 'web')],
      targets: [publishedRow('c1', 'src-web', 'web', REV1, 3), publishedRow('c2', 'src-web', 'web', REV1, 1)],
      toolkit: toolkit([scanned('web')], { web: 'two' }),
    });
    const result = await t.service.trigger();

    assert.equal(result.published, 2);
    const gens = t.publishing.putDesiredState.mock.calls.map((c) => [c.arguments[0], c.arguments[1].generation]);
    assert.deepEqual(gens.sort(), [['c1.src-web', 4n], ['c2.src-web', 2n]]);
    const rows = t.targets.upsert.mock.calls.map((c) => c.arguments[0]);
    assert.ok(rows.every((r) => r.revision === REV2));
  });

  it('publishes only the cluster whose options changed (an unchanged cluster sees no write)', async () => {
    const t = build({
      clusters: [cluster('c1'), cluster('c2', { app: 'yes', variant: 'prod' })],
      bundles: [bundleRow('src-web', 'web')],
      targets: [publishedRow('c1', 'src-web', 'web', REV1, 1), publishedRow('c2', 'src-web', 'web', REV1, 1)],
      toolkit: toolkit([scanned('web')]),
    });
    await t.service.trigger();

    assert.deepEqual(t.publishing.putDesiredState.mock.calls.map((c) => c.arguments[0]), ['c2.src-web']);
  });

  it('withdraws a target that is no longer resolved with a signed tombstone (generation + 1), never a KV delete', async () => {
    const t = build({
      clusters: [cluster('c1'), cluster('c2', { app: 'no' })],
      bundles: [bundleRow('src-web', 'web')],
      targets: [publishedRow('c1', 'src-web', 'web', REV1, 1), publishedRow('c2', 'src-web', 'web', REV1, 1)],
      toolkit: toolkit([scanned('web')]),
    });
    const result = await t.service.trigger();

    assert.equal(result.deleted, 1);
    assert.deepEqual(tombstones(t), [{ key: 'c2.src-web', generation: 2n, reason: `cluster c2 is no longer targeted by bundle src-web at ${REV1.slice(0, 7)}` }]);
    assert.deepEqual(t.targets.delete.mock.calls.map((c) => c.arguments[0]), [{ cluster: 'c2', bundleId: 'src-web' }]);
    assert.equal(t.publishing.putDesiredState.mock.callCount(), 1, 'only the tombstone is written');
  });

  it('withdraws every target of a bundle whose directory is gone and forgets the bundle', async () => {
    const t = build({
      bundles: [bundleRow('src-web', 'web'), bundleRow('src-db', 'db')],
      targets: [publishedRow('c1', 'src-web', 'web', REV1, 1), publishedRow('c1', 'src-db', 'db', REV1, 1)],
      toolkit: toolkit([scanned('web')]),
    });
    await t.service.trigger();

    assert.deepEqual(tombstones(t), [{ key: 'c1.src-db', generation: 2n, reason: `bundle directory db left Git at ${REV1.slice(0, 7)}` }]);
    const ds = t.publishing.putDesiredState.mock.calls.find((c) => c.arguments[1].withdrawn)!.arguments[1];
    assert.equal(ds.digest, '', 'a tombstone names no bundle');
    assert.equal(ds.path, 'db');
    assert.deepEqual(t.bundles.delete.mock.calls.map((c) => c.arguments[0]).flat(), ['src-db']);
  });

  it('a fleet.yaml error fails the bundle and leaves every target as it is', async () => {
    const error = new BundleError('web/fleet.yaml', 'bad indentation');
    const t = build({
      clusters: [cluster('c1'), cluster('c2', { app: 'no' }), cluster('c3')],
      bundles: [bundleRow('src-web', 'web')],
      targets: [publishedRow('c1', 'src-web', 'web', REV1, 1), publishedRow('c2', 'src-web', 'web', REV1, 1)],
      toolkit: toolkit([scanned('web', { error })]),
    });
    const result = await t.service.trigger();

    assert.equal(result.failedBundles, 1);
    const row = t.bundles.upsert.mock.calls[0]!.arguments[0][0]!;
    assert.equal(row.state, 'Failed');
    assert.deepEqual(row.errors, [{ file: 'web/fleet.yaml', message: 'bad indentation' }]);
    assert.equal(t.publishing.putDesiredState.mock.callCount(), 0);
    assert.equal(t.targets.upsert.mock.callCount(), 0);
    assert.equal(t.targets.delete.mock.callCount(), 0);
  });

  it('a render error fails the bundle and leaves every target as it is', async () => {
    const t = build({
      sources: [source(REV2)],
      bundles: [bundleRow('src-web', 'web')],
      targets: [publishedRow('c1', 'src-web', 'web', REV1, 1)],
      toolkit: toolkit([scanned('web')], {}, new BundleError('web/kustomization.yaml', 'missing resource base.yaml')),
    });
    await t.service.trigger();

    const row = t.bundles.upsert.mock.calls[0]!.arguments[0][0]!;
    assert.equal(row.state, 'Failed');
    assert.deepEqual(row.errors, [{ file: 'web/kustomization.yaml', message: 'missing resource base.yaml' }]);
    assert.equal(t.publishing.putDesiredState.mock.callCount(), 0);
  });

  it('removes the targets of a deleted cluster even when their bundle is failed', async () => {
    const t = build({
      clusters: [cluster('c1')],
      bundles: [bundleRow('src-web', 'web')],
      targets: [publishedRow('c1', 'src-web', 'web', REV1, 1), publishedRow('gone', 'src-web', 'web', REV1, 1)],
      toolkit: toolkit([scanned('web', { error: new BundleError('web/fleet.yaml', 'bad') })]),
    });
    await t.service.trigger();

    assert.deepEqual(tombstones(t), [{ key: 'gone.src-web', generation: 2n, reason: 'cluster gone was deleted' }]);
  });

  it('does not publish a paused bundle', async () => {
    const t = build({ toolkit: toolkit([scanned('web', { spec: { labels: {}, targetCustomizations: [], paused: true } })]) });
    await t.service.trigger();

    assert.equal(t.publishing.putDesiredState.mock.callCount(), 0);
    assert.equal(t.bundles.upsert.mock.calls[0]!.arguments[0][0]!.state, 'Ready');
  });

  it('continues the generation of a re-created target above the last one used', async () => {
    const t = build({ clusters: [cluster('c1')], toolkit: toolkit([scanned('web')]) });
    t.targets.lastGeneration.mock.mockImplementation(async () => 7);
    t.publishing.lastPublishedGeneration.mock.mockImplementation(async () => 9);
    await t.service.trigger();

    const ds = t.publishing.putDesiredState.mock.calls[0]!.arguments[1];
    assert.equal(ds.generation, 10n);
  });

  it('republishes with generation + 1 and the same digest when only the sync policy or ignore rules changed', async () => {
    const withRequests = { ...publishedRow('c2', 'src-web', 'web', REV1, 5), syncRequest: 2 };
    const t = build({
      clusters: [cluster('c1', { app: 'yes', selfheal: 'no' }), cluster('c2', { app: 'yes', ignore: 'replicas' }), cluster('c3')],
      bundles: [bundleRow('src-web', 'web')],
      targets: [publishedRow('c1', 'src-web', 'web', REV1, 3), withRequests, publishedRow('c3', 'src-web', 'web', REV1, 1)],
      toolkit: toolkit([scanned('web')]),
    });
    const result = await t.service.trigger();

    assert.deepEqual([result.published, result.unchanged], [2, 1]);
    const byKey = new Map(t.publishing.putDesiredState.mock.calls.map((c) => [c.arguments[0], c.arguments[1]]));
    const c1 = byKey.get('c1.src-web')!;
    assert.equal(c1.generation, 4n);
    assert.equal(c1.digest, withRequests.digest);
    assert.equal(c1.syncPolicy?.selfHeal, false);
    const c2 = byKey.get('c2.src-web')!;
    assert.equal(c2.generation, 6n);
    assert.equal(c2.syncRequest, 2n); // the manual sync counter carries over
    assert.deepEqual(c2.ignoreDifferences.map((r) => [r.group, r.kind, r.jsonPointers]), [['apps', 'Deployment', ['/spec/replicas']]]);
    const row = t.targets.upsert.mock.calls.map((c) => c.arguments[0]).find((r) => r.cluster === 'c2')!;
    assert.deepEqual([row.generation, row.syncRequest, row.ignoreDifferences], [6, 2, [REPLICAS_RULE]]);
  });

  it('a manual sync republishes every target of the bundle with sync_request + 1 and generation + 1', async () => {
    const rows = [publishedRow('c1', 'src-web', 'web', REV1, 3), { ...publishedRow('c2', 'src-web', 'web', REV1, 7), syncRequest: 4 }];
    const t = build({ targets: rows, toolkit: toolkit([]) });
    t.targets.list.mock.mockImplementation(async (filter?: { cluster?: string; bundleId?: string }) => rows.filter((r) => !filter?.cluster || r.cluster === filter.cluster));
    const out = await t.sync.requestSync({ id: 'src-web', path: 'web' });

    assert.deepEqual(out, [
      { cluster: 'c1', bundleId: 'src-web', syncRequest: 1, generation: 4 },
      { cluster: 'c2', bundleId: 'src-web', syncRequest: 5, generation: 8 },
    ]);
    const ds = t.publishing.putDesiredState.mock.calls[1]!.arguments[1];
    assert.deepEqual([ds.cluster, ds.generation, ds.syncRequest, ds.digest, ds.revision, ds.path], ['c2', 8n, 5n, rows[1]!.digest, REV1, 'web']);
    assert.deepEqual(t.targets.upsert.mock.calls.map((c) => [c.arguments[0].generation, c.arguments[0].syncRequest]), [[4, 1], [8, 5]]);

    const one = await t.sync.requestSync({ id: 'src-web', path: 'web' }, 'c1');
    assert.deepEqual(one.map((x) => x.cluster), ['c1']);
    await assert.rejects(t.sync.requestSync({ id: 'src-web', path: 'web' }, 'c9'), /target "c9\/src-web" not found/);
  });

  it('helm bundles: release name defaults to the bundle id; clusters with equal resolved values share one render', async () => {
    const { spec } = parseFleetYaml('helm:\n  chart: .\n  values: {region: "${ .ClusterLabels.region }"}\n', 'web/fleet.yaml');
    const rendered: RenderVariant[] = [];
    const kit: BundleToolkit = {
      scanBundles: async () => [{ path: 'web', spec, warnings: [] }],
      bundleId: (s, b) => `${s}-${b.path}`,
      variantKey,
      resolveTargets,
      renderBundle: async (_dir, path, variant) => {
        rendered.push(variant);
        return [{ file: `${path}/templates/cm.yaml`, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: variant.helm!.values as Record<string, string> } }];
      },
    };
    const t = build({ clusters: [cluster('c1', { region: 'eu' }), cluster('c2', { region: 'eu' }), cluster('c3', { region: 'us' })], toolkit: kit });
    const result = await t.service.trigger();

    assert.equal(result.published, 3);
    assert.deepEqual(rendered.map((v) => [v.helm?.releaseName, v.helm?.values]), [['src-web', { region: 'eu' }], ['src-web', { region: 'us' }]]);
    assert.equal(new Set(t.publishing.putBundleIfAbsent.mock.calls.map((c) => c.arguments[0])).size, 2);
  });

  it('coalesces triggers that arrive during a run into one more run', async () => {
    const t = build({ clusters: [], toolkit: toolkit([]) });
    const first = t.service.trigger('src');
    const queued = [t.service.trigger('src'), t.service.trigger(), t.service.trigger('other')];
    await Promise.all([first, ...queued]);

    assert.equal(t.sources.list.mock.callCount(), 2);
  });
});

describe('DeploymentService commit signature policy (Flux verify mode HEAD)', () => {
  const PAYLOAD = `tree ${'e'.repeat(40)}\nauthor a <a@test.invalid> 1767225600 +0000\ncommitter a <a@test.invalid> 1767225600 +0000\n\nchange\n`;
  let signer: { privateKey: openpgp.PrivateKey; publicKey: openpgp.PublicKey };
  let policySource: (revision: string, report?: CommitSignatureReport) => Promise<SourceEntity>;
  const signed = async (oid: string): Promise<SignedCommitInput> => ({
    oid,
    payload: PAYLOAD,
    gpgsig: await openpgp.sign({ message: await openpgp.createMessage({ binary: new TextEncoder().encode(PAYLOAD) }), signingKeys: signer.privateKey, detached: true }),
  });

  before(async () => {
    signer = await openpgp.generateKey({ userIDs: [{ name: 'Release Bot', email: 'bot@test.invalid' }], format: 'object' });
    const trustedKeys = await parseTrustedKeys([signer.publicKey.armor()]);
    policySource = async (revision, report) => ({ ...source(revision), commitSignatures: { trustedKeys }, commitSignature: report ?? null });
  });

  it('a head commit signed by a trusted key deploys and is reported verified', async () => {
    const t = build({ sources: [await policySource(REV2)], toolkit: toolkit([scanned('web')]), commit: await signed(REV2) });
    const result = await t.service.trigger();
    assert.equal(result.published, 2);
    const [name, report] = t.sources.saveCommitSignature.mock.calls[0]!.arguments;
    assert.equal(name, 'src');
    assert.equal(report.verified, true);
    assert.equal(report.revision, REV2);
    assert.equal(report.keyFingerprint, signer.publicKey.getFingerprint().toUpperCase());
    assert.equal(report.signer, 'Release Bot <bot@test.invalid>');
  });

  it('an unsigned head commit is held: nothing published, pruned or re-recorded, the source reports why', async () => {
    const targets = [publishedRow('c1', 'src-web', 'web', REV1, 1), publishedRow('c2', 'src-web', 'web', REV1, 1)];
    const t = build({ sources: [await policySource(REV2)], toolkit: toolkit([scanned('other')]), targets, bundles: [bundleRow('src-web', 'web')], commit: { oid: REV2, payload: PAYLOAD } });
    const result = await t.service.trigger();
    assert.deepEqual(result, { published: 0, stored: 0, deleted: 0, unchanged: 0, failedBundles: 0 });
    assert.equal(t.publishing.putDesiredState.mock.callCount(), 0);
    // bundle 'web' left Git in that commit: not withdrawn either (no tombstone: no put at all)
    assert.equal(t.bundles.upsert.mock.callCount(), 0);
    const report = t.sources.saveCommitSignature.mock.calls[0]!.arguments[1];
    assert.deepEqual({ ...report, checkedAt: 'x' }, { revision: REV2, verified: false, reason: 'commit bbbbbbb is not signed', keyFingerprint: null, signer: null, checkedAt: 'x' });
  });

  it('the same outcome again is not written again', async () => {
    const stored: CommitSignatureReport = { revision: REV2, verified: false, reason: 'commit bbbbbbb is not signed', keyFingerprint: null, signer: null, checkedAt: new Date(0).toISOString() };
    const t = build({ sources: [await policySource(REV2, stored)], toolkit: toolkit([scanned('web')]), commit: { oid: REV2, payload: PAYLOAD } });
    await t.service.trigger();
    assert.equal(t.sources.saveCommitSignature.mock.callCount(), 0);
    assert.equal(t.publishing.putDesiredState.mock.callCount(), 0);
  });

  it('a source without a policy never reads the commit (any commit deploys)', async () => {
    const t = build({ toolkit: toolkit([scanned('web')]) }); // git.readCommit would throw: not expected
    assert.equal((await t.service.trigger()).published, 2);
    assert.equal(t.sources.saveCommitSignature.mock.callCount(), 0);
  });
  describe('withdrawals: only an unambiguous change in Git withdraws a target', () => {
    /** The toolkit, with bundle ids from fleet.yaml `name` like the real bundleId (else the path). */
    function named(bundles: ScannedBundle[]): BundleToolkit {
      return { ...toolkit(bundles), bundleId: (s, b) => `${s}-${b.spec.name ?? b.path}` };
    }
    const spec = (name: string) => ({ name, labels: {}, targetCustomizations: [] });

    it('a named bundle whose fleet.yaml breaks keeps its id, its name and every target (issue #9, failure 1)', async () => {
      const known = { ...bundleRow('src-web', 'apps/web'), name: 'web', labels: { tier: 'front' } };
      const t = build({
        bundles: [known],
        targets: [publishedRow('c1', 'src-web', 'apps/web', REV1, 4), publishedRow('c2', 'src-web', 'apps/web', REV1, 4)],
        toolkit: named([scanned('apps/web', { error: new BundleError('apps/web/fleet.yaml', 'line 7: missing }') })]),
      });
      const result = await t.service.trigger();
      assert.equal(result.failedBundles, 1);
      assert.equal(result.deleted, 0);
      assert.equal(t.publishing.putDesiredState.mock.callCount(), 0, 'no KV write of any kind');
      assert.equal(t.targets.delete.mock.callCount(), 0);
      assert.deepEqual(t.bundles.delete.mock.calls.map((c) => c.arguments[0]).flat(), []);
      const row = t.bundles.upsert.mock.calls[0]!.arguments[0][0]!;
      assert.deepEqual([row.id, row.state, row.name, row.labels], ['src-web', 'Failed', 'web', { tier: 'front' }]);
      assert.deepEqual(row.errors, [{ file: 'apps/web/fleet.yaml', message: 'line 7: missing }' }]);
    });

    it('a broken fleet.yaml anywhere in the source withdraws no bundle missing from that commit', async () => {
      const t = build({
        bundles: [bundleRow('src-web', 'web'), bundleRow('src-db', 'db')],
        targets: [publishedRow('c1', 'src-web', 'web', REV1, 1), publishedRow('c1', 'src-db', 'db', REV1, 1)],
        // db moved to "database" and its fleet.yaml broke in the same commit: its name is unknown
        toolkit: named([scanned('web', { spec: spec('web') }), scanned('database', { error: new BundleError('database/fleet.yaml', 'bad') })]),
      });
      await t.service.trigger();
      assert.deepEqual(tombstones(t), []);
      assert.equal(t.targets.delete.mock.callCount(), 0);
      assert.deepEqual(t.bundles.delete.mock.calls.map((c) => c.arguments[0]).flat(), []);
    });

    it('a bundle moved to another directory with the same name keeps its targets: nothing is withdrawn or re-published', async () => {
      const t = build({
        sources: [source(REV2)],
        bundles: [{ ...bundleRow('src-web', 'old/web'), name: 'web' }],
        targets: [publishedRow('c1', 'src-web', 'web', REV1, 2), publishedRow('c2', 'src-web', 'web', REV1, 2)],
        toolkit: named([scanned('web', { spec: spec('web') })]),
      });
      const result = await t.service.trigger();
      assert.deepEqual(result, { published: 0, stored: 0, deleted: 0, unchanged: 2, failedBundles: 0 });
      assert.equal(t.bundles.upsert.mock.calls[0]!.arguments[0][0]!.path, 'web');
    });

    it('two directories with one bundle id: both paths named, the id Failed, nothing published or withdrawn under it', async () => {
      const t = build({
        bundles: [bundleRow('src-web', 'a')],
        targets: [publishedRow('c1', 'src-web', 'a', REV1, 1)],
        toolkit: named([scanned('a', { spec: spec('web') }), scanned('b', { spec: spec('web') })]),
      });
      const result = await t.service.trigger();
      assert.equal(result.failedBundles, 1);
      assert.equal(t.publishing.putDesiredState.mock.callCount(), 0);
      assert.equal(t.targets.delete.mock.callCount(), 0);
      const row = t.bundles.upsert.mock.calls[0]!.arguments[0][0]!;
      assert.equal(row.state, 'Failed');
      assert.deepEqual(row.errors.map((e) => e.file), ['a', 'b']);
      assert.match(row.errors[0]!.message, /also the id of b/);
      assert.match(row.errors[1]!.message, /also the id of a/);
    });

    it('a bundle id that cannot be made withdraws nothing of the source', async () => {
      const tk = named([scanned('web', { spec: spec('web') }), scanned('x')]);
      const t = build({
        bundles: [bundleRow('src-web', 'web'), bundleRow('src-db', 'db')],
        targets: [publishedRow('c1', 'src-db', 'db', REV1, 1)],
        toolkit: { ...tk, bundleId: (s, b) => { if (b.path === 'x') throw new Error('no id'); return tk.bundleId(s, b); } },
      });
      await t.service.trigger();
      assert.deepEqual(tombstones(t), []);
    });

    const many = (n: number) => Array.from({ length: n }, (_, i) => cluster(`c${i}`));
    const rows = (n: number, bundleId: string, path: string) => Array.from({ length: n }, (_, i) => publishedRow(`c${i}`, bundleId, path, REV1, 1));

    it('mass-deletion guard: a commit that withdraws more than half of a source\'s targets (and at least 5) is held', async () => {
      const t = build({
        sources: [source(REV2)],
        clusters: many(6),
        bundles: [bundleRow('src-web', 'web'), bundleRow('src-db', 'db')],
        targets: [...rows(6, 'src-web', 'web'), ...rows(2, 'src-db', 'db').map((r) => ({ ...r, cluster: `c${Number(r.cluster.slice(1)) + 4}` }))],
        toolkit: toolkit([scanned('db')]),
      });
      const result = await t.service.trigger();
      assert.equal(result.deleted, 0);
      assert.deepEqual(tombstones(t), []);
      assert.equal(t.targets.delete.mock.callCount(), 0);
      assert.deepEqual(t.bundles.delete.mock.calls.map((c) => c.arguments[0]).flat(), [], 'the gone bundle is kept while held');
      const [name, hold, confirmation] = t.sources.saveWithdrawalHold.mock.calls[0]!.arguments;
      assert.equal(name, 'src');
      assert.equal(confirmation, null);
      assert.equal(hold!.revision, REV2);
      assert.equal(hold!.total, 8);
      assert.deepEqual(hold!.targets.map(withdrawalKey).sort(), ['c0/src-web', 'c1/src-web', 'c2/src-web', 'c3/src-web', 'c4/src-web', 'c5/src-web']);
      assert.match(hold!.reason, /would withdraw 6 of 8 targets/);
    });

    it('mass-deletion guard: a confirmed hold is withdrawn, and the hold is cleared', async () => {
      const planned = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'].map((c) => `${c}/src-web`);
      const src = { ...source(REV2), withdrawalHold: { revision: REV2, heldAt: '', total: 6, reason: '', targets: [] }, withdrawalConfirmation: { revision: REV2, targets: planned, confirmedAt: 'now' } };
      const t = build({ sources: [src], clusters: many(6), bundles: [bundleRow('src-web', 'web')], targets: rows(6, 'src-web', 'web'), toolkit: toolkit([]) });
      // an empty scan root is a clean scan of a repo whose bundles are all gone
      const result = await t.service.trigger();
      assert.equal(result.deleted, 6);
      assert.deepEqual(tombstones(t).map((w) => w.key).sort(), ['c0.src-web', 'c1.src-web', 'c2.src-web', 'c3.src-web', 'c4.src-web', 'c5.src-web']);
      assert.deepEqual(t.sources.saveWithdrawalHold.mock.calls[0]!.arguments, ['src', null, null]);
    });

    it('mass-deletion guard: a confirmation does not cover a larger plan (a new hold replaces it)', async () => {
      const src = { ...source(REV2), withdrawalConfirmation: { revision: REV1, targets: ['c0/src-web'], confirmedAt: 'now' } };
      const t = build({ sources: [src], clusters: many(6), bundles: [bundleRow('src-web', 'web')], targets: rows(6, 'src-web', 'web'), toolkit: toolkit([]) });
      await t.service.trigger();
      assert.deepEqual(tombstones(t), []);
      assert.equal(t.sources.saveWithdrawalHold.mock.calls[0]!.arguments[1]!.targets.length, 6);
    });

    it('mass-deletion guard: fewer than 5 withdrawals, or half or less, go through at once', async () => {
      for (const [total, gone] of [[4, 4], [10, 5]] as const) {
        const t = build({
          clusters: many(total),
          bundles: [bundleRow('src-web', 'web'), bundleRow('src-db', 'db')],
          targets: [...rows(gone, 'src-web', 'web'), ...rows(total - gone, 'src-db', 'db')],
          toolkit: toolkit([scanned('db')]),
        });
        const result = await t.service.trigger();
        assert.equal(result.deleted, gone, `${gone} of ${total}`);
      }
    });

    it('the guard share and minimum come from the configuration', async () => {
      const t = build({ clusters: many(3), bundles: [bundleRow('src-web', 'web')], targets: rows(3, 'src-web', 'web'), toolkit: toolkit([]) });
      const strict = wire(t, t.toolkit, { withdrawalGuard: { share: 0.1, min: 2 } }).service;
      assert.equal((await strict.trigger()).deleted, 0);
      assert.equal(t.sources.saveWithdrawalHold.mock.callCount(), 1);
    });
  });
});

describe('pipeline runs and manual syncs take turns (TargetWriteLock)', () => {
  /** A promise and the function that resolves it. */
  function gate() {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  }
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  /** A toolkit whose scan signals `scanning` and then waits for `release`. */
  function slowScan(scanning: ReturnType<typeof gate>, release: ReturnType<typeof gate>): BundleToolkit {
    return {
      ...toolkit([]),
      scanBundles: async () => {
        scanning.open();
        await release.opened;
        return [scanned('web')];
      },
    };
  }

  it('a manual sync asked for during a run starts once the run is done', async () => {
    const scanning = gate();
    const release = gate();
    const t = build({ targets: [publishedRow('c1', 'src-web', 'web', REV1, 3)], toolkit: slowScan(scanning, release) });
    const run = t.service.trigger();
    await scanning.opened;
    const sync = t.sync.requestSync({ id: 'src-web', path: 'web' });
    await settle();
    assert.equal(t.targets.list.mock.callCount(), 1, 'only the run has read the targets: the sync waits');
    release.open();
    await Promise.all([run, sync]);
    // the run publishes c2 (new; c1 is unchanged), then the sync republishes c1 with sync_request 1
    assert.deepEqual(t.publishing.putDesiredState.mock.calls.map((c) => [c.arguments[0], c.arguments[1].syncRequest]), [['c2.src-web', 0n], ['c1.src-web', 1n]]);
  });

  it('a run triggered during a manual sync starts once the sync is done', async () => {
    const writing = gate();
    const release = gate();
    const t = build({ targets: [publishedRow('c1', 'src-web', 'web', REV1, 3)], toolkit: toolkit([scanned('web')]) });
    t.publishing.putDesiredState.mock.mockImplementation(async () => {
      writing.open();
      await release.opened;
      return 1;
    });
    const sync = t.sync.requestSync({ id: 'src-web', path: 'web' });
    await writing.opened;
    const run = t.service.trigger();
    await settle();
    assert.equal(t.sources.list.mock.callCount(), 0, 'the run waits for the sync');
    release.open();
    await Promise.all([sync, run]);
    assert.equal(t.sources.list.mock.callCount(), 1);
  });

  it('shutdown refuses new runs and manual syncs, and waits for the running run', async () => {
    const scanning = gate();
    const release = gate();
    const t = build({ toolkit: slowScan(scanning, release) });
    const run = t.service.trigger();
    await scanning.opened;
    let closed = false;
    const shutdown = t.service.beforeApplicationShutdown().then(() => (closed = true));
    await assert.rejects(t.service.trigger(), /hub is shutting down/);
    await assert.rejects(t.sync.requestSync({ id: 'src-web', path: 'web' }), /hub is shutting down/);
    await settle();
    assert.equal(closed, false, 'shutdown waits for the run');
    release.open();
    assert.equal((await run).published, 2);
    await shutdown;
    assert.equal(closed, true);
  });
});
