/**
 * One bundle of a source's pass, a straight line of steps: resolve targets → render each
 * distinct variant (BundleRenderer, render cache) → record the bundle → deliver the new content
 * (RolloutController: stages, gates, holds, pins) → plan the withdrawal of targets no longer resolved. Terminal bundle
 * errors (BundleError) are recorded on the bundle (Failed) and leave its targets alone.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PipelineResult } from '../pipeline.js';
import { BundleError, helmReleaseName, type ScannedBundle } from '../rendering/index.js';
import type { ClusterGroupInfo, ClusterInfo, ResolvedTarget } from '../targeting/index.js';
import type { SourceEntity } from '../sources/source.entity.js';
import type { TargetEntity } from '../targets/target.entity.js';
import type { BundleEntity, BundleProblem } from '../bundles/bundle.entity.js';
import { BundlesRepository } from '../bundles/bundles.repository.js';
import { BUNDLE_TOOLKIT, type BundleToolkit } from './bundle-toolkit.js';
import { BundleRenderer } from './bundle-renderer.service.js';
import { targetDraftOf } from './desired-state.js';
import { RolloutController } from './rollout-controller.service.js';
import { type IdentifiedBundle, type PlannedWithdrawal, untargetedWithdrawals } from './withdrawal.js';

/** One source's pass of a pipeline run, at the commit checked out: what its bundles are deployed from. */
export interface SourcePass {
  source: SourceEntity;
  /** the checkout directory */
  dir: string;
  /** the commit checked out in `dir`: what everything of this pass is labelled with */
  revision: string;
  /** its message's first line and author, for the rollout history (null when unreadable) */
  commit: { message: string; author: string } | null;
  clusters: ClusterInfo[];
  groups: ClusterGroupInfo[];
  /** the bundles stored for this source (the last scan's) */
  knownBundles: BundleEntity[];
  /** the source's published targets on clusters that still exist */
  liveTargets: TargetEntity[];
  /** the run's counters (this service counts published, stored, unchanged and failed bundles) */
  result: PipelineResult;
}

/** Deploys one identified bundle of a source's pass, or records why it cannot be. */
@Injectable()
export class BundleDeployer {
  private readonly logger = new Logger(BundleDeployer.name);

  constructor(
    private readonly bundles: BundlesRepository,
    @Inject(BUNDLE_TOOLKIT) private readonly toolkit: BundleToolkit,
    private readonly renderer: BundleRenderer,
    private readonly rollouts: RolloutController,
  ) {}

  /**
   * One bundle: resolve its targets, render each distinct variant once, record the bundle row,
   * then deliver the new content to the rollout controller. Returns the withdrawals planned for its targets no longer
   * resolved (withdrawn by the caller after the mass-deletion guard). A BundleError in the scan,
   * targeting or any variant marks the bundle Failed and changes none of its targets (nothing
   * planned); a paused bundle is recorded but not published.
   * @throws on I/O failure other than a BundleError (database, NATS, checkout).
   */
  async deploy(pass: SourcePass, { scanned: sb, id }: IdentifiedBundle): Promise<PlannedWithdrawal[]> {
    const row = bundleRowOf(pass, sb, id);
    const existing = pass.liveTargets.filter((t) => t.bundleId === id);

    // a fleet.yaml that does not parse says nothing of the bundle's name or labels: keep the known ones
    if (sb.error) {
      const known = pass.knownBundles.find((b) => b.id === id);
      await this.recordFailed(pass, known ? { ...row, name: known.name, labels: known.labels } : row, [problemOf(sb.error, sb.path)]);
      return [];
    }

    // resolve targets
    let resolved: ResolvedTarget[];
    try {
      resolved = this.resolveTargets(pass, sb, id);
    } catch (err) {
      await this.recordFailed(pass, row, [problemOf(err, sb.path)]);
      return [];
    }

    // render each distinct variant once (render cache)
    const { manifests, errors } = await this.renderer.renderVariants({ dir: pass.dir, source: pass.source.name, revision: pass.revision, path: sb.path, id }, resolved);
    if (errors.length > 0) {
      await this.recordFailed(pass, row, dedupeProblems(errors.map((e) => problemOf(e, sb.path))));
      return [];
    }

    // record the bundle Ready
    await this.bundles.upsert([row]);
    if (sb.spec.paused) return []; // Fleet: a paused bundle is targeted but not deployed

    // deliver the new content through the rollout controller (stages, gates, holds, pins)
    const out = await this.rollouts.deliver({
      bundleId: id,
      source: pass.source.name,
      path: sb.path,
      revision: pass.revision,
      commit: pass.commit,
      ...(sb.spec.rolloutStrategy ? { strategy: sb.spec.rolloutStrategy } : {}),
      ...(sb.spec.rollout ? { rollout: sb.spec.rollout } : {}),
      dependsOn: sb.spec.dependsOn ?? [],
      targets: resolved.map((t) => ({
        draft: targetDraftOf(pass.source.name, id, pass.revision, t, manifests.get(this.toolkit.variantKey(t.variant))!.digest),
        manifest: manifests.get(this.toolkit.variantKey(t.variant))!,
        prev: existing.find((e) => e.cluster === t.cluster),
        ...(t.rollout ? { rollout: t.rollout } : {}),
      })),
      clusters: pass.clusters,
      groups: pass.groups,
    });
    pass.result.published += out.published;
    pass.result.stored += out.stored;
    pass.result.unchanged += out.unchanged + out.waiting;

    // targets no longer resolved (cluster relabelled, customization doNotDeploy, ...): planned for withdrawal
    return untargetedWithdrawals(id, pass.revision, existing, new Set(resolved.map((t) => t.cluster)));
  }

  /**
   * Records a bundle id claimed by several directories (`d.paths`) Failed, naming every path;
   * its targets are kept. Counts it as a failed bundle.
   * @throws on database failure.
   */
  async recordDuplicate(pass: SourcePass, d: { id: string; paths: string[] }): Promise<void> {
    const known = pass.knownBundles.find((b) => b.id === d.id);
    const problems: BundleProblem[] = d.paths.map((p) => ({
      file: p || '.',
      message: `bundle id "${d.id}" is also the id of ${d.paths.filter((o) => o !== p).map((o) => o || '.').join(', ')}; give each bundle its own fleet.yaml name (nothing is published or withdrawn under this id meanwhile)`,
    }));
    const row: BundleEntity = {
      id: d.id, source: pass.source.name, path: known?.path ?? d.paths[0]!, name: known?.name ?? d.id, labels: known?.labels ?? {},
      revision: pass.revision, state: 'Failed', errors: [], warnings: [], updatedAt: new Date(),
    };
    await this.recordFailed(pass, row, problems);
  }

  /**
   * The targets of bundle `id` (targeting/, through the toolkit), with the variant settings the
   * pipeline adds: a Helm release name defaulting to the bundle id (Fleet: the bundle name), and
   * the source's kustomizeRemoteBases (part of the render key).
   * @throws BundleError (or any error of targeting) when the bundle's targeting is unusable.
   */
  private resolveTargets(pass: SourcePass, sb: ScannedBundle, id: string): ResolvedTarget[] {
    const resolved = this.toolkit.resolveTargets(sb.spec, pass.clusters, pass.groups, pass.source.targets ?? undefined);
    for (const t of resolved) if (t.variant.helm && !t.variant.helm.releaseName) t.variant.helm.releaseName = helmReleaseName(id);
    if (pass.source.kustomizeRemoteBases) for (const t of resolved) t.variant.kustomizeRemoteBases = true;
    return resolved;
  }

  /** Records bundle `row` Failed with `problems` (its targets keep their last good revision) and counts it. */
  private async recordFailed(pass: SourcePass, row: BundleEntity, problems: BundleProblem[]): Promise<void> {
    pass.result.failedBundles++;
    this.logger.warn({ bundle: row.id, revision: row.revision, errors: problems }, 'bundle failed; targets keep their last good revision');
    await this.bundles.upsert([{ ...row, state: 'Failed', errors: problems }]);
  }
}

/** The Ready bundle row of scanned bundle `sb` under `id` at the pass's revision (name: fleet.yaml's, else the path, else the source). */
function bundleRowOf(pass: SourcePass, sb: ScannedBundle, id: string): BundleEntity {
  return {
    id,
    source: pass.source.name,
    path: sb.path,
    name: sb.spec.name ?? (sb.path || pass.source.name),
    labels: sb.spec.labels ?? {},
    revision: pass.revision,
    state: 'Ready',
    errors: [],
    warnings: sb.warnings,
    updatedAt: new Date(),
  };
}

/** A bundle problem of `err`: a BundleError names its file; anything else is put on the bundle directory. */
function problemOf(err: unknown, bundlePath: string): BundleProblem {
  if (err instanceof BundleError) return { file: err.file, message: err.reason };
  return { file: bundlePath || '.', message: err instanceof Error ? err.message : String(err) };
}

/** `problems` without repeats (same file and message), first occurrence kept. */
function dedupeProblems(problems: BundleProblem[]): BundleProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.file}\n${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
