// Property (issue #9): whatever a commit looks like — bundles kept, renamed, moved, duplicated,
// removed, added, with fleet.yaml parse errors, render errors, or a scan that fails — the pipeline
// never withdraws a target whose bundle is still in Git, and never throws for bad input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { BundleError, type ScannedBundle } from '../rendering/index.js';
import type { ClusterGroupsRepository } from '../clusters/cluster-groups.repository.js';
import type { ClustersRepository } from '../clusters/clusters.repository.js';
import type { PublishingRepository } from '../publishing/publishing.repository.js';
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
import { TargetWriteLock } from './target-write-lock.js';

Logger.overrideLogger(false);

const REV = 'c'.repeat(40);
const CLUSTERS = ['c1', 'c2', 'c3'];
const PATHS = ['a', 'b', 'c', 'd', 'e', 'f'];
const NAMES = ['web', 'db', 'cache'];

/** A bundle directory of a commit as it really is (its true name even when its fleet.yaml does not parse). */
interface GitBundle {
  path: string;
  name: string | undefined;
  /** the fleet.yaml does not parse: the scan sees no name */
  brokenFleetYaml: boolean;
  /** a manifest does not render */
  brokenRender: boolean;
}

const trueId = (b: { path: string; name: string | undefined }) => `src-${b.name ?? b.path}`;

const gitBundle = fc.record({
  path: fc.constantFrom(...PATHS),
  name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
  brokenFleetYaml: fc.boolean(),
  brokenRender: fc.boolean(),
});
const commit = fc.uniqueArray(gitBundle, { selector: (b) => b.path, maxLength: 6 });
const cleanCommit = fc.uniqueArray(gitBundle.map((b) => ({ ...b, brokenFleetYaml: false, brokenRender: false })), { selector: (b) => b.path, maxLength: 6 });

/** Runs one pipeline pass over `next` with what `previous` published, and returns the withdrawn keys. */
async function withdrawnAfter(previous: GitBundle[], next: GitBundle[], scanFails: boolean): Promise<string[]> {
  // what the previous commit published: its bundles (unique ids only) on every cluster
  const ids = new Map<string, GitBundle[]>();
  for (const b of previous) ids.set(trueId(b), [...(ids.get(trueId(b)) ?? []), b]);
  const published = [...ids].filter(([, bs]) => bs.length === 1).map(([id, bs]) => ({ id, path: bs[0]!.path }));
  const bundles: BundleEntity[] = published.map((p) => ({ id: p.id, source: 'src', path: p.path, name: p.id, labels: {}, revision: REV, state: 'Ready', errors: [], warnings: [], updatedAt: new Date(0) }));
  const targets: TargetEntity[] = published.flatMap((p) => CLUSTERS.map((cluster) => ({
    cluster, bundleId: p.id, source: 'src', revision: REV, digest: encodeManifest(p.id, []).digest, generation: 1, targetNamespace: '', defaultNamespace: '',
    syncPolicy: { automated: true, prune: true, selfHeal: true }, publishedAt: new Date(0), ignoreDifferences: [], syncRequest: 0,
  })));
  const scanned: ScannedBundle[] = next.map((b) => ({
    path: b.path,
    spec: { labels: {}, targetCustomizations: [], ...(b.name && !b.brokenFleetYaml ? { name: b.name } : {}) },
    warnings: [],
    ...(b.brokenFleetYaml ? { error: new BundleError(`${b.path}/fleet.yaml`, 'line 3 col 1: bad') } : {}),
  }));
  const toolkit: BundleToolkit = {
    scanBundles: async () => {
      if (scanFails) throw new BundleError('.', 'no such directory in the repository');
      return scanned;
    },
    bundleId: (s, b) => `${s}-${b.spec.name ?? b.path}`,
    variantKey: (v) => JSON.stringify(v),
    resolveTargets: (_spec, clusters) => clusters.map((c) => ({ cluster: c.name, variant: { overlays: [] }, syncPolicy: { automated: true, prune: true, selfHeal: true }, ignoreDifferences: [] })),
    renderBundle: async (_dir, path) => {
      if (next.find((b) => b.path === path)?.brokenRender) throw new BundleError(`${path}/cm.yaml`, 'no kind');
      return [];
    },
  };
  const source: SourceEntity = {
    name: 'src', url: 'http://git/x.git', branch: 'main', path: '', pollIntervalSeconds: 15, targets: null, lastRevision: REV, lastFetchedAt: null, lastError: null,
    credentialsEnc: null, webhookSecretEnc: null, commitSignatures: null, commitSignature: null, kustomizeRemoteBases: false, withdrawalHold: null, withdrawalConfirmation: null, scanWarnings: [], createdAt: new Date(0),
  };
  const publishing = strictMock<PublishingRepository>('publishing', { putBundleIfAbsent: async () => true, lastPublishedGeneration: async () => 0, putDesiredState: async () => 1 });
  const sources = strictMock<SourcesRepository>('sources', { list: async () => [source], saveWithdrawalHold: async () => undefined });
  const targetsRepo = strictMock<TargetsRepository>('targets', { list: async () => targets, get: async (k) => targets.find((t) => t.cluster === k.cluster && t.bundleId === k.bundleId) ?? null, upsert: async () => undefined, delete: async () => undefined, lastGeneration: async () => 0 });
  const git = strictMock<GitRepository>('git', { withCheckout: async <T>(name: string, fn: (dir: string, head: string | undefined) => Promise<T>) => fn(`/checkouts/${name}`, REV), commitSummary: async () => ({ message: 'm', author: 'a' }) });
  const bundlesRepo = strictMock<BundlesRepository>('bundles', { listAll: async () => bundles, upsert: async () => undefined, delete: async () => undefined });
  const publisher = new DesiredStatePublisher(publishing, targetsRepo);
  const lock = new TargetWriteLock();
  const clustersRepo = strictMock<ClustersRepository>('clusters', { list: async () => CLUSTERS.map((name) => ({ name, labels: {}, createdAt: new Date(0), lastSeenAt: null, agentVersion: null, kubernetesVersion: null })) });
  const groupsRepo = strictMock<ClusterGroupsRepository>('groups', { list: async () => [] });
  const rollouts = specRolloutController({ targets: targetsRepo, clusters: clustersRepo, groups: groupsRepo, bundles: bundlesRepo, publisher, lock });
  const service = new DeploymentService(
    sources,
    clustersRepo,
    groupsRepo,
    bundlesRepo,
    targetsRepo,
    git,
    toolkit,
    new CommitSignaturePolicyService(sources, git),
    new BundleDeployer(bundlesRepo, toolkit, new BundleRenderer(toolkit), rollouts),
    publisher,
    lock,
    // no guard: the property is about which targets may be withdrawn at all
    { withdrawalGuard: { share: 1, min: 1 } },
  );
  await service.trigger();
  return publishing.putDesiredState.mock.calls.filter((c) => c.arguments[1].withdrawn).map((c) => c.arguments[0]);
}

describe('withdrawal property (fast-check)', () => {
  it('no commit ever withdraws a target whose bundle is still in Git', async () => {
    await fc.assert(
      fc.asyncProperty(commit, commit, fc.boolean(), async (previous, next, scanFails) => {
        const withdrawn = await withdrawnAfter(previous, next, scanFails);
        const stillInGit = new Set(next.map(trueId));
        for (const key of withdrawn) {
          const bundleId = key.split('.')[1]!;
          assert.ok(!stillInGit.has(bundleId), `${key} withdrawn although ${bundleId} is still in Git`);
        }
        if (scanFails) assert.deepEqual(withdrawn, [], 'a failed scan withdraws nothing');
        if (next.some((b) => b.brokenFleetYaml)) assert.deepEqual(withdrawn, [], 'a commit with an unparsable fleet.yaml withdraws nothing');
      }),
      { numRuns: 300 },
    );
  });

  it('a clean commit withdraws exactly the published bundles that left Git', async () => {
    await fc.assert(
      fc.asyncProperty(cleanCommit, cleanCommit, async (previous, next) => {
        const withdrawn = new Set((await withdrawnAfter(previous, next, false)).map((k) => k.split('.')[1]!));
        const prevIds = new Map<string, number>();
        for (const b of previous) prevIds.set(trueId(b), (prevIds.get(trueId(b)) ?? 0) + 1);
        const nextIds = new Set(next.map(trueId));
        const expected = [...prevIds].filter(([id, n]) => n === 1 && !nextIds.has(id)).map(([id]) => id);
        assert.deepEqual([...withdrawn].sort(), expected.sort());
      }),
      { numRuns: 300 },
    );
  });
});
