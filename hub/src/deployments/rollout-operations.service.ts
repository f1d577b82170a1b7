/**
 * Operator controls of rollouts (admin API, role operator, audited by the auth guard): pause,
 * resume, retry, pin (a bundle, or a bundle on one cluster, held at a revision whatever Git
 * says), unpin, roll back (a pin of the whole bundle at an earlier revision), and the rollout
 * status view. Every write takes the TargetWriteLock, as pipeline runs and ticks do.
 */
import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { BundlesRepository } from '../bundles/bundles.repository.js';
import type { BundlePinEntity } from '../rollouts/bundle-pin.entity.js';
import type { RolloutEntity } from '../rollouts/rollout.entity.js';
import type { PinBundleDto, PinView, RolloutStageView, RolloutStatusView, RolloutSummaryView, RolloutView } from '../rollouts/rollouts.dto.js';
import { RolloutsRepository } from '../rollouts/rollouts.repository.js';
import type { TargetDraft, TargetEntity } from '../targets/target.entity.js';
import { TargetsRepository } from '../targets/targets.repository.js';
import { DeploymentService } from './deployment.service.js';
import { DesiredStatePublisher } from './desired-state-publisher.service.js';
import { samePublication } from './desired-state.js';
import { draftOf, RolloutController } from './rollout-controller.service.js';
import { TargetWriteLock } from './target-write-lock.js';

/** The operator's controls over a bundle's rollouts. */
@Injectable()
export class RolloutOperationsService {
  private readonly logger = new Logger(RolloutOperationsService.name);

  constructor(
    private readonly rollouts: RolloutsRepository,
    private readonly controller: RolloutController,
    private readonly bundles: BundlesRepository,
    private readonly targets: TargetsRepository,
    private readonly publisher: DesiredStatePublisher,
    private readonly lock: TargetWriteLock,
    private readonly pipeline: DeploymentService,
  ) {}

  /**
   * The bundle's current (newest) rollout stage by stage, its pins and its history.
   * @throws NotFoundError for an unknown bundle.
   */
  async status(bundleId: string): Promise<RolloutStatusView> {
    await this.requireBundle(bundleId);
    const [history, pins] = await Promise.all([this.rollouts.history(bundleId), this.rollouts.pins(bundleId)]);
    const view: RolloutStatusView = { bundleId, pins: pins.map(pinView), history: history.map(summaryOf) };
    if (history[0]) view.current = await this.rolloutView(history[0]);
    return view;
  }

  /**
   * Pauses the bundle's progressing rollout: nothing more is published until resumed (clusters
   * that got it keep it; drift correction goes on).
   * @throws NotFoundError for an unknown bundle; ConflictError when no rollout is progressing.
   */
  pause(bundleId: string, actor: string): Promise<RolloutStatusView> {
    return this.act(bundleId, async () => {
      const r = await this.rollouts.latest(bundleId);
      if (!r || r.phase !== 'Progressing') throw new ConflictError(`bundle ${bundleId} has no progressing rollout to pause${r ? ` (its latest is ${r.phase})` : ''}`);
      await this.rollouts.update(r.id, { phase: 'Paused', cause: `paused by ${actor}` });
      this.logger.log({ bundle: bundleId, rollout: r.id, actor }, 'rollout paused');
    });
  }

  /**
   * Resumes the bundle's paused rollout and evaluates its gate at once. A rollout that paused
   * because it failed (autoRollback false) fails again unless its clusters recovered: retry or
   * roll back instead.
   * @throws NotFoundError for an unknown bundle; ConflictError when its latest rollout is not paused.
   */
  resume(bundleId: string, actor: string): Promise<RolloutStatusView> {
    return this.act(bundleId, async () => {
      const r = await this.rollouts.latest(bundleId);
      if (!r || r.phase !== 'Paused') throw new ConflictError(`bundle ${bundleId} has no paused rollout to resume${r ? ` (its latest is ${r.phase})` : ''}`);
      await this.rollouts.update(r.id, { phase: 'Progressing', cause: null });
      this.logger.log({ bundle: bundleId, rollout: r.id, actor }, 'rollout resumed');
      await this.controller.evaluate({ ...r, phase: 'Progressing' });
    });
  }

  /**
   * Retries the bundle's rolled-back or paused rollout: a new rollout of the same content from
   * its first stage (failed clusters go through the gate again).
   * @throws NotFoundError for an unknown bundle; ConflictError when its latest rollout is neither RolledBack nor Paused.
   */
  retry(bundleId: string, actor: string): Promise<RolloutStatusView> {
    return this.act(bundleId, async () => {
      const r = await this.rollouts.latest(bundleId);
      if (!r || (r.phase !== 'RolledBack' && r.phase !== 'Paused')) throw new ConflictError(`bundle ${bundleId} has no rolled-back or paused rollout to retry${r ? ` (its latest is ${r.phase})` : ''}`);
      const rows = await this.rollouts.clustersOf(r.id);
      const now = new Date();
      const current = await this.targets.list({ bundleId });
      const next = await this.rollouts.start(
        { ...withoutId(r), phase: 'Progressing', cause: null, stages: r.plan.stages.map((s) => ({ name: s.name })), createdAt: now, updatedAt: now, finishedAt: null },
        rows.map((row) => {
          const prev = current.find((t) => t.cluster === row.cluster);
          const { overrides: _o, ...draft } = row.draft;
          const unchanged = !!prev && samePublication(prev, draft);
          return {
            cluster: row.cluster, stage: row.stage, draft: row.draft, path: row.path, previous: prev ?? null, unchanged,
            publishedAt: unchanged ? prev!.publishedAt : null, publishedGeneration: unchanged ? prev!.generation : null,
            healthySince: null, rolledBackAt: null, rollback: null,
          };
        }),
        `retried by ${actor}`,
      );
      this.logger.log({ bundle: bundleId, rollout: next.id, retried: r.id, actor }, 'rollout retried');
      await this.controller.evaluate(next);
    });
  }

  /**
   * Pins the bundle (or its target on `dto.cluster`) at `dto.revision`: each affected cluster
   * gets that revision's content at once (no stages: an operator's explicit act) and stays there
   * whatever Git says until unpinned. A pin of the whole bundle supersedes its active rollout.
   * The revision must be one each affected cluster applied (kept in target_revisions, or its
   * current one) and whose bundle object is still stored.
   * @throws NotFoundError for an unknown bundle or a cluster it does not target;
   *   InvalidInputError when a cluster never applied that revision or its object is gone.
   */
  pin(bundleId: string, dto: PinBundleDto, actor: string, why = 'pinned'): Promise<RolloutStatusView> {
    return this.act(bundleId, async () => {
      const all = await this.targets.list({ bundleId });
      const affected = dto.cluster ? all.filter((t) => t.cluster === dto.cluster) : all;
      if (dto.cluster && affected.length === 0) throw new NotFoundError('target', `${dto.cluster}/${bundleId}`);
      if (affected.length === 0) throw new InvalidInputError(`bundle ${bundleId} has no targets to pin`);
      const drafts: Array<{ t: TargetEntity; draft: TargetDraft }> = [];
      for (const t of affected) drafts.push({ t, draft: { ...draftOf(t), revision: dto.revision, digest: await this.digestAt(t, dto.revision) } });
      const now = new Date();
      const reason = dto.reason ?? `${why} by ${actor}`;
      await this.rollouts.putPin({ bundleId, cluster: dto.cluster ?? '', revision: dto.revision, reason, createdBy: actor });
      if (!dto.cluster) await this.rollouts.supersede(bundleId, `${why} at ${dto.revision} by ${actor}`, now);
      const path = (await this.bundles.getWithTargetCount(bundleId))?.path ?? '';
      for (const { t, draft } of drafts) await this.publisher.publishStored(draft, t, path);
      this.logger.warn({ bundle: bundleId, cluster: dto.cluster ?? '(all)', revision: dto.revision, actor, targets: drafts.length }, `bundle ${why}`);
    });
  }

  /**
   * Rolls the whole bundle back to `revision`: a pin of every cluster at that revision (Git's
   * later revisions wait until the pin is removed, as Argo CD turns auto-sync off on rollback).
   * @throws as pin.
   */
  rollback(bundleId: string, revision: string, actor: string): Promise<RolloutStatusView> {
    return this.pin(bundleId, { revision }, actor, 'rolled back');
  }

  /**
   * Removes the pin of the bundle (or of its target on `cluster`) and runs the pipeline for its
   * source, so that Git's revision rolls out again through the stages.
   * @throws NotFoundError for an unknown bundle or when there is no such pin.
   */
  async unpin(bundleId: string, cluster: string | undefined, actor: string): Promise<RolloutStatusView> {
    const bundle = await this.requireBundle(bundleId);
    const removed = await this.lock.exclusive(() => this.rollouts.deletePin(bundleId, cluster ?? ''));
    if (!removed) throw new NotFoundError('pin', cluster ? `${bundleId} on ${cluster}` : bundleId);
    this.logger.log({ bundle: bundleId, cluster: cluster ?? '(all)', actor }, 'bundle unpinned');
    await this.pipeline.trigger(bundle.source);
    return this.status(bundleId);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private async act(bundleId: string, fn: () => Promise<void>): Promise<RolloutStatusView> {
    await this.requireBundle(bundleId);
    await this.lock.exclusive(fn);
    return this.status(bundleId);
  }

  private async requireBundle(bundleId: string): Promise<{ source: string }> {
    const b = await this.bundles.getWithTargetCount(bundleId);
    if (!b) throw new NotFoundError('bundle', bundleId);
    return b;
  }

  /** The digest target `t` applied at `revision` (its current one, or a kept applied revision) whose object is stored. */
  private async digestAt(t: TargetEntity, revision: string): Promise<string> {
    const candidates = t.revision === revision ? [t.digest] : await this.rollouts.appliedDigestsAt(t.cluster, t.bundleId, revision);
    for (const d of candidates) if (await this.publisher.hasBundle(d)) return d;
    throw new InvalidInputError(
      candidates.length === 0
        ? `cluster ${t.cluster} never applied revision ${revision} of bundle ${t.bundleId} (or it is older than the kept revisions)`
        : `the bundle object of revision ${revision} on cluster ${t.cluster} is no longer stored`,
    );
  }

  private async rolloutView(r: RolloutEntity): Promise<RolloutView> {
    const ev = await this.controller.view(r);
    const stageDetails: RolloutStageView[] = ev.decision.stages.map((s) => {
      const clusters = ev.clusters.filter((c) => c.stage === s.name);
      const count = (...states: string[]) => clusters.filter((c) => states.includes(c.state)).length;
      const times = r.stages.find((x) => x.name === s.name);
      return {
        name: s.name,
        phase: s.phase,
        maxUnavailable: r.plan.stages.find((p) => p.name === s.name)?.maxUnavailable ?? 0,
        ...(times?.startedAt ? { startedAt: times.startedAt } : {}),
        ...(times?.finishedAt ? { finishedAt: times.finishedAt } : {}),
        counts: {
          updated: clusters.filter((c) => c.publishedAt).length,
          healthy: count('Done', 'Unchanged', 'Pinned'),
          failed: count('Failed', 'RolledBack'),
          waiting: count('Pending', 'Updating'),
          held: count('Held'),
          stale: count('Stale'),
        },
        clusters,
      };
    });
    return { ...summaryOf(r), previousRevisions: ev.previousRevisions, stageDetails, skippedStale: ev.decision.skippedStale };
  }
}

function withoutId(r: RolloutEntity): Omit<RolloutEntity, 'id'> {
  const { id: _id, ...rest } = r;
  return rest;
}

function summaryOf(r: RolloutEntity): RolloutSummaryView {
  return {
    id: r.id, revision: r.revision, phase: r.phase, gated: r.gated,
    ...(r.cause ? { cause: r.cause } : {}),
    ...(r.commit ? { commitMessage: r.commit.message, commitAuthor: r.commit.author } : {}),
    createdAt: r.createdAt.toISOString(),
    ...(r.finishedAt ? { finishedAt: r.finishedAt.toISOString() } : {}),
    stages: r.stages,
  };
}

function pinView(p: BundlePinEntity): PinView {
  return { cluster: p.cluster, revision: p.revision, reason: p.reason, createdBy: p.createdBy, createdAt: p.createdAt.toISOString() };
}
