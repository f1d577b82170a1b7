/**
 * The rollout controller: a new desired content of a bundle reaches its clusters stage by stage
 * (Fleet's rolloutStrategy partitions), each stage only after the previous one reported the new
 * digest applied and stayed Healthy (targeting/rollout-gate.ts decideRollout); a failure rolls
 * the clusters that got it back to their last healthy revision and stops the rollout.
 *
 *   deliver   (a pipeline run, per bundle) store the bundle objects → same content as the
 *             bundle's latest rollout? nothing new → else start a rollout (the active one is
 *             Superseded) → evaluate it at once
 *   evaluate  (deliver, every GITFLEET_ROLLOUT_INTERVAL_SECONDS, resume) read reports, staleness,
 *             holds → decideRollout → publish the clusters it releases | roll back | finish
 *
 * Supersession: a newer content (a newer commit that changes what any cluster gets) starts a
 * new rollout from its first stage; the active one ends Superseded. Clusters that already got
 * the superseded revision keep it until the new rollout's gate reaches them (a superseded
 * revision is never rolled back by the new rollout). A commit that changes nothing for the
 * bundle leaves its rollout alone.
 *
 * A bundle whose fleet.yaml sets neither `rolloutStrategy` nor `gitfleet.rollout` is not gated
 * (Fleet's default): every cluster gets it in the run that rendered it, health gates nothing,
 * nothing is rolled back; holds, maintenance windows, dependsOn and pins still apply.
 *
 * Held clusters (ClusterHoldsService: a spoke-side hold, or outside the maintenance windows that
 * match it; then an unready dependency) wait for new revisions; what they run is left alone, so
 * drift correction and health go on. A held cluster keeps its stage open.
 *
 * Every write goes through the TargetWriteLock, so runs, manual syncs and ticks take turns;
 * state lives in PostgreSQL (rollouts, rollout_clusters), so a hub restarted mid-rollout resumes
 * where it was: a cluster is marked published only after its KV write and targets row, and a
 * publish of what is already published writes nothing.
 */
import { createHash } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { canonicalJson } from '@gitfleet/proto';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { PeriodicTask } from '../periodic-task.js';
import type { DependsOnSpec, RolloutSettingsSpec, RolloutStrategySpec } from '../rendering/fleet-yaml.js';
import {
  type ClusterGroupInfo,
  type ClusterInfo,
  type ClusterProgress,
  decideRollout,
  DEFAULT_ROLLOUT_SETTINGS,
  dependencyHold,
  type GateDecision,
  planStages,
  type RolloutPlan,
  type RolloutSettings,
} from '../targeting/index.js';
import { BundlesRepository } from '../bundles/bundles.repository.js';
import { ClustersRepository } from '../clusters/clusters.repository.js';
import { ClusterGroupsRepository } from '../clusters/cluster-groups.repository.js';
import { ClusterHoldsService } from '../clusters/cluster-holds.service.js';
import type { BundlePinEntity } from '../rollouts/bundle-pin.entity.js';
import type { RolloutClusterEntity, RolloutDraftJson } from '../rollouts/rollout-cluster.entity.js';
import type { RolloutCommitJson, RolloutEntity } from '../rollouts/rollout.entity.js';
import { RolloutsRepository } from '../rollouts/rollouts.repository.js';
import type { TargetDraft, TargetEntity } from '../targets/target.entity.js';
import { StatusRepository } from '../targets/status.repository.js';
import type { TargetStatusEntity } from '../targets/target-status.entity.js';
import { TargetsRepository } from '../targets/targets.repository.js';
import { DesiredStatePublisher } from './desired-state-publisher.service.js';
import { type RenderedManifest, samePublication } from './desired-state.js';
import { TargetWriteLock } from './target-write-lock.js';

/** Default period of the gate evaluation (GITFLEET_ROLLOUT_INTERVAL_SECONDS). */
export const DEFAULT_ROLLOUT_INTERVAL_MS = 5_000;
/** Default silence after which a cluster is stale (GITFLEET_STALE_AFTER_SECONDS). */
export const DEFAULT_STALE_AFTER_MS = 30_000;
/** progressDeadline of an ungated rollout: never. */
const NEVER_MS = Number.MAX_SAFE_INTEGER;

/** One cluster's part of a delivery: what to publish there and what is published now. */
export interface DeliveryTarget {
  draft: TargetDraft;
  manifest: RenderedManifest;
  /** The targets row in force on that cluster (undefined: a new target). */
  prev: TargetEntity | undefined;
  /** The cluster's resolved `gitfleet.rollout` (bundle's merged with its customization's). */
  rollout?: RolloutSettingsSpec;
}

/** A bundle's new desired content, from one pipeline run. */
export interface Delivery {
  bundleId: string;
  source: string;
  /** Bundle path, for the DesiredState. */
  path: string;
  revision: string;
  commit: RolloutCommitJson | null;
  strategy?: RolloutStrategySpec;
  /** fleet.yaml's top-level `gitfleet.rollout`. */
  rollout?: RolloutSettingsSpec;
  dependsOn: DependsOnSpec[];
  targets: DeliveryTarget[];
  clusters: ClusterInfo[];
  groups: ClusterGroupInfo[];
}

/** What a delivery did, for the run's counters. */
export interface DeliveryOutcome {
  /** Targets published now. */
  published: number;
  /** Bundle objects written now. */
  stored: number;
  /** Targets whose publication was already what the delivery asks for. */
  unchanged: number;
  /** Targets that wait for a later stage, a hold or a pin. */
  waiting: number;
}

/** One cluster in the view of a rollout. */
export interface ClusterRolloutView {
  cluster: string;
  stage: string;
  /** The gate's state (Pending, Held, Updating, Done, Failed, Stale), or Pinned, Unchanged, RolledBack. */
  state: string;
  reason?: string;
  publishedAt?: string;
  healthySince?: string;
  rollback?: { revision?: string; digest?: string; reason: string };
}

/** A rollout as the gate sees it now (read-only), for the API. */
export interface RolloutEvaluation {
  rollout: RolloutEntity;
  decision: GateDecision;
  clusters: ClusterRolloutView[];
  /** The revisions the clusters ran before this rollout, most clusters first. */
  previousRevisions: string[];
}

/** Starts, advances, rolls back and finishes rollouts (see the file comment). */
@Injectable()
export class RolloutController implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RolloutController.name);
  private readonly staleAfterMs: number;
  private readonly periodic: PeriodicTask;

  constructor(
    private readonly rollouts: RolloutsRepository,
    private readonly targets: TargetsRepository,
    private readonly status: StatusRepository,
    private readonly clusters: ClustersRepository,
    private readonly groups: ClusterGroupsRepository,
    private readonly bundles: BundlesRepository,
    private readonly publisher: DesiredStatePublisher,
    private readonly lock: TargetWriteLock,
    private readonly holds: ClusterHoldsService,
    @Optional() @Inject(HUB_CONFIG) config?: Pick<HubConfig, 'rolloutIntervalMs' | 'staleAfterMs'>,
  ) {
    this.staleAfterMs = config?.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.periodic = new PeriodicTask(
      config?.rolloutIntervalMs ?? DEFAULT_ROLLOUT_INTERVAL_MS,
      () => this.tick(),
      (err) => this.logger.warn({ err: String(err) }, 'rollout evaluation failed; next one in one period'),
      () => this.lock.closing,
    );
  }

  /** Starts the periodic evaluation of every progressing rollout (the first one period after start). */
  onApplicationBootstrap(): void {
    this.periodic.start();
  }

  /** Stops the periodic evaluation and waits for one in progress. */
  beforeApplicationShutdown(): Promise<void> {
    return this.periodic.stop();
  }

  /**
   * Evaluates every Progressing rollout once, under the target write lock.
   * @throws on database or NATS failure (the next tick tries again).
   */
  tick(): Promise<void> {
    return this.lock.exclusive(async () => {
      for (const r of await this.rollouts.inPhase(['Progressing'])) await this.evaluate(r);
    });
  }

  /**
   * Delivers a bundle's new desired content (called by a pipeline run, which holds the target
   * write lock). Pinned clusters are left out (they stay on their pin). When the content (every
   * cluster's draft without the revision) is the same as the bundle's latest rollout's, nothing
   * new starts: a progressing one goes on, a stopped one (rolled back, paused) stays so — only a
   * different content or an operator's retry starts again; a succeeded one starts again only
   * when a cluster no longer runs it (an unpinned cluster), a superseded one (by a pin) always. When nothing would
   * change on any cluster, an active rollout is superseded and none starts. Otherwise a new
   * rollout starts (the active one Superseded) and is evaluated at once.
   * @throws on database or NATS failure.
   */
  async deliver(d: Delivery): Promise<DeliveryOutcome> {
    const out: DeliveryOutcome = { published: 0, stored: 0, unchanged: 0, waiting: 0 };
    const pins = await this.rollouts.pins(d.bundleId);
    const targets = d.targets.filter((t) => !pinOf(pins, t.draft.cluster));
    out.waiting += d.targets.length - targets.length;
    const changed = targets.filter((t) => !t.prev || !samePublication(t.prev, t.draft));
    const key = contentKey(targets.map((t) => t.draft));
    const latest = await this.rollouts.latest(d.bundleId);
    const now = new Date();

    // the same content as the latest rollout: a progressing one goes on; a stopped one stays stopped
    if (latest && latest.contentKey === key && (latest.phase !== 'Superseded' && (latest.phase !== 'Succeeded' || changed.length === 0))) {
      out.unchanged += targets.length - changed.length;
      if (latest.phase === 'Progressing') {
        const before = await this.publishedCount(latest.id);
        await this.evaluate(latest);
        out.published += (await this.publishedCount(latest.id)) - before;
      }
      out.waiting += changed.length - out.published;
      return out;
    }
    if (changed.length === 0) {
      out.unchanged += targets.length;
      if (latest && (latest.phase === 'Progressing' || latest.phase === 'Paused')) {
        await this.rollouts.supersede(d.bundleId, `superseded by revision ${d.revision}, whose content every cluster already runs`, now);
      }
      return out;
    }

    // store every object the rollout will publish before anything refers to it
    const digests = new Map(changed.map((t) => [t.manifest.digest, t.manifest] as const));
    for (const m of digests.values()) if (await this.publisher.storeBundle(m)) out.stored++;

    const gated = d.strategy !== undefined || d.rollout !== undefined || targets.some((t) => t.rollout !== undefined);
    const settings: RolloutSettings = gated
      ? { ...DEFAULT_ROLLOUT_SETTINGS, ...d.rollout }
      : { minHealthyDurationMs: 0, progressDeadlineMs: NEVER_MS, maxFailures: '100%', autoRollback: false, onStale: 'skip' };
    const clusterInfos = d.clusters.filter((c) => targets.some((t) => t.draft.cluster === c.name));
    const plan = planStages(d.strategy, clusterInfos, d.groups);
    const stageOf = new Map(plan.stages.flatMap((s) => s.clusters.map((c) => [c, s.name] as const)));
    const rollout = await this.rollouts.start(
      {
        bundleId: d.bundleId, source: d.source, revision: d.revision, contentKey: key, phase: 'Progressing', gated, cause: null,
        settings, dependsOn: d.dependsOn, plan, stages: plan.stages.map((s) => ({ name: s.name })), commit: d.commit,
        createdAt: now, updatedAt: now, finishedAt: null,
      },
      targets.map((t) => {
        const unchanged = !!t.prev && samePublication(t.prev, t.draft);
        return {
          cluster: t.draft.cluster, stage: stageOf.get(t.draft.cluster)!, draft: { ...t.draft, ...(gated && t.rollout ? { overrides: overridesOf(t.rollout) } : {}) },
          path: d.path, previous: t.prev ?? null, unchanged,
          publishedAt: unchanged ? t.prev!.publishedAt : null, publishedGeneration: unchanged ? t.prev!.generation : null,
          healthySince: null, rolledBackAt: null, rollback: null,
        };
      }),
      `superseded by revision ${d.revision}`,
    );
    this.logger.log({ bundle: d.bundleId, revision: d.revision, rollout: rollout.id, gated, stages: plan.stages.map((s) => `${s.name}:${s.clusters.length}`) }, 'rollout started');
    out.unchanged += targets.length - changed.length;
    await this.evaluate(rollout);
    out.published += await this.publishedCount(rollout.id, true);
    out.waiting += changed.length - out.published;
    return out;
  }

  /**
   * One step of rollout `r` (Progressing only; the caller holds the write lock): the gate's
   * decision from the clusters' reports, staleness, holds and dependencies, then its actions —
   * publish the released clusters in stage order; on failure roll back (or pause when
   * autoRollback is false); record stage times and the outcome. An ungated rollout is stepped
   * until nothing more is released (every cluster in one call, unless held).
   * @throws on database or NATS failure (what was written stays consistent; the next tick goes on).
   */
  async evaluate(r: RolloutEntity): Promise<void> {
    for (let step = 0; step < 1000; step++) {
      const current = await this.rollouts.get(r.id);
      if (!current || current.phase !== 'Progressing') return;
      const rows = await this.rollouts.clustersOf(current.id);
      const now = Date.now();
      const { decision } = await this.decide(current, rows, now, true);
      if (decision.phase === 'Failed') return this.fail(current, rows, decision);
      for (const name of decision.publish) await this.publishOne(current, rows.find((x) => x.cluster === name)!);
      await this.recordStages(current, decision, now);
      if (decision.phase === 'Succeeded') {
        await this.rollouts.update(current.id, { phase: 'Succeeded', finishedAt: new Date(now) });
        this.logger.log({ bundle: current.bundleId, revision: current.revision, rollout: current.id }, 'rollout succeeded');
        return;
      }
      if (current.gated || decision.publish.length === 0) return;
    }
  }

  /**
   * The gate's view of rollout `r` now, without acting (for the API).
   * @throws on database failure.
   */
  async view(r: RolloutEntity): Promise<RolloutEvaluation> {
    const rows = await this.rollouts.clustersOf(r.id);
    const { decision, pins, known } = await this.decide(r, rows, Date.now(), false);
    const states = new Map(decision.stages.flatMap((s) => s.clusters.map((c) => [c.cluster, c] as const)));
    const clusters: ClusterRolloutView[] = rows.map((row) => {
      const d = states.get(row.cluster);
      const pin = pinOf(pins, row.cluster);
      const state = row.rolledBackAt ? 'RolledBack' : pin ? 'Pinned' : row.unchanged ? 'Unchanged' : !known.has(row.cluster) ? 'Removed' : (d?.state ?? 'Pending');
      const reason = row.rollback?.reason ?? (pin ? `pinned to ${pin.revision} by ${pin.createdBy}` : d?.reason);
      return {
        cluster: row.cluster, stage: row.stage, state,
        ...(reason ? { reason } : {}),
        ...(row.publishedAt && !row.unchanged ? { publishedAt: row.publishedAt.toISOString() } : {}),
        ...(row.healthySince ? { healthySince: row.healthySince.toISOString() } : {}),
        ...(row.rollback ? { rollback: row.rollback } : {}),
      };
    });
    const counts = new Map<string, number>();
    for (const row of rows) if (row.previous && row.previous.revision !== r.revision) counts.set(row.previous.revision, (counts.get(row.previous.revision) ?? 0) + 1);
    const previousRevisions = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([rev]) => rev);
    return { rollout: r, decision, clusters, previousRevisions };
  }

  // ---- the steps ---------------------------------------------------------------------------------

  /** The gate's decision for `r` at `now`, the pins and the clusters that exist; with `persist`, records healthy_since changes first. */
  private async decide(r: RolloutEntity, rows: RolloutClusterEntity[], now: number, persist: boolean): Promise<{ decision: GateDecision; pins: BundlePinEntity[]; known: Set<string> }> {
    const names = rows.map((x) => x.cluster);
    const [statuses, clusterRows, pins, dependencyHolds, clusterHolds] = await Promise.all([
      this.status.getStatuses(names.map((cluster) => ({ cluster, bundleId: r.bundleId }))),
      this.clusters.list(),
      this.rollouts.pins(r.bundleId),
      this.dependencyHolds(r, names),
      this.holds.heldAt(names, new Date(now)),
    ]);
    const lastSeen = new Map(clusterRows.map((c) => [c.name, c.lastSeenAt?.getTime()] as const));
    const progress: ClusterProgress[] = [];
    for (const row of rows) {
      // a cluster deleted since the rollout started is never published to (its targets were withdrawn)
      const removed = !lastSeen.has(row.cluster);
      const done = row.unchanged || !!pinOf(pins, row.cluster) || !!row.rolledBackAt || removed;
      const seen = lastSeen.get(row.cluster);
      // an ungated rollout waits for nobody: a silent cluster gets it when it comes back
      const stale = r.gated && !done && (seen === undefined || now - seen > this.staleAfterMs);
      if (done) {
        progress.push({ cluster: row.cluster, publishedAt: 0, healthySince: 0, stale: false });
        continue;
      }
      const s = statuses.get(`${row.cluster}.${r.bundleId}`);
      let healthySince = row.healthySince?.getTime();
      if (row.publishedAt) {
        const healthy = r.gated ? reportsHealthy(s, row) : true;
        if (healthy && healthySince === undefined) {
          healthySince = r.gated ? now : row.publishedAt.getTime();
          if (persist) await this.rollouts.updateCluster(r.id, row.cluster, { healthySince: new Date(healthySince) });
        } else if (!healthy && healthySince !== undefined) {
          healthySince = undefined;
          if (persist) await this.rollouts.updateCluster(r.id, row.cluster, { healthySince: null });
        }
      }
      const p: ClusterProgress = { cluster: row.cluster, stale };
      if (row.publishedAt) p.publishedAt = row.publishedAt.getTime();
      if (healthySince !== undefined) p.healthySince = healthySince;
      if (s) p.lastReport = describeReport(s);
      // a spoke-side hold or a closed maintenance window first, then dependsOn
      const held = clusterHolds.get(row.cluster) ?? dependencyHolds.get(row.cluster);
      if (held) p.held = held;
      if (row.draft.overrides) p.overrides = row.draft.overrides;
      progress.push(p);
    }
    return { decision: decideRollout(r.plan as RolloutPlan, progress, r.settings, now), pins, known: new Set(lastSeen.keys()) };
  }

  /** Why each of `clusters` waits for `r`'s dependsOn (absent: it may proceed). */
  private async dependencyHolds(r: RolloutEntity, clusters: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!r.dependsOn || r.dependsOn.length === 0) return out;
    const [bundles, targets] = await Promise.all([this.bundles.listAll(), this.targets.list()]);
    const statuses = await this.status.getStatuses(targets.filter((t) => clusters.includes(t.cluster)));
    const candidates = bundles.map((b) => ({ id: b.id, name: b.name, labels: b.labels ?? {} }));
    for (const cluster of clusters) {
      const hold = dependencyHold(r.bundleId, r.dependsOn, candidates, (bundleId) => {
        const t = targets.find((x) => x.cluster === cluster && x.bundleId === bundleId);
        if (!t) return undefined;
        const s = statuses.get(`${cluster}.${bundleId}`);
        return {
          generation: t.generation, digest: t.digest,
          ...(s ? { report: { generation: s.generation, digest: s.digest, state: s.state, syncStatus: s.syncStatus, health: s.health, applied: s.appliedAt !== null } } : {}),
        };
      });
      if (hold) out.set(cluster, hold);
    }
    return out;
  }

  /** Publishes `row`'s draft on its cluster and marks it published (after the KV write and the targets row). */
  private async publishOne(r: RolloutEntity, row: RolloutClusterEntity): Promise<void> {
    const prev = (await this.targets.get({ cluster: row.cluster, bundleId: r.bundleId })) ?? undefined;
    const { overrides: _overrides, ...draft } = row.draft;
    const now = await this.publisher.publishStored(draft, prev, row.path);
    await this.rollouts.updateCluster(r.id, row.cluster, { publishedAt: now.publishedAt, publishedGeneration: now.generation, healthySince: null });
    this.logger.log({ bundle: r.bundleId, cluster: row.cluster, revision: r.revision, stage: row.stage, generation: now.generation }, 'rollout published to cluster');
  }

  /**
   * The rollout failed: with autoRollback, every cluster that got its content goes back to its
   * last healthy revision (rollbackTarget) and the rollout ends RolledBack; without, it pauses.
   */
  private async fail(r: RolloutEntity, rows: RolloutClusterEntity[], decision: GateDecision): Promise<void> {
    const now = new Date();
    if (!r.settings.autoRollback) {
      await this.rollouts.update(r.id, { phase: 'Paused', cause: `${decision.cause} (autoRollback false: paused, nothing rolled back)` });
      this.logger.warn({ bundle: r.bundleId, revision: r.revision, cause: decision.cause }, 'rollout failed; paused (autoRollback false)');
      return;
    }
    for (const name of decision.rollback) {
      const row = rows.find((x) => x.cluster === name)!;
      if (row.unchanged || row.rolledBackAt) continue;
      const current = (await this.targets.get({ cluster: name, bundleId: r.bundleId })) ?? undefined;
      const back = await this.rollbackTarget(r, row, current);
      if (back.draft) {
        const published = await this.publisher.publishStored(back.draft, current, row.path);
        this.logger.warn({ bundle: r.bundleId, cluster: name, from: r.revision, to: back.draft.revision, generation: published.generation }, 'rolled back');
      } else {
        this.logger.warn({ bundle: r.bundleId, cluster: name, revision: r.revision, reason: back.reason }, 'not rolled back; kept');
      }
      await this.rollouts.updateCluster(r.id, name, {
        rolledBackAt: now,
        rollback: { ...(back.draft ? { revision: back.draft.revision, digest: back.draft.digest } : {}), reason: back.reason },
      });
    }
    await this.recordStages(r, decision, now.getTime());
    await this.rollouts.update(r.id, { phase: 'RolledBack', cause: decision.cause ?? 'failed', finishedAt: now });
    this.logger.warn({ bundle: r.bundleId, revision: r.revision, cause: decision.cause, rolledBack: decision.rollback }, 'rollout failed; rolled back');
  }

  /**
   * Where a cluster of a failed rollout goes back to: the newest revision it reported Healthy
   * (target_revisions.healthy_at) other than the failed content, whose bundle object is still
   * stored — with the options of the publication before the rollout when that was the same
   * digest, else of the current one; else the publication before the rollout (never reported
   * Healthy, but what ran before). A new target (nothing before) is kept on the failed revision:
   * going back would mean withdrawing it, which deletes, and a failed health gate is no explicit
   * change in Git or the API.
   */
  private async rollbackTarget(r: RolloutEntity, row: RolloutClusterEntity, current: TargetEntity | undefined): Promise<{ draft?: TargetDraft; reason: string }> {
    const base = row.previous ?? current;
    const kept = 'no earlier revision on this cluster: kept on the failed revision (a rollback never withdraws)';
    if (!base) return { reason: kept };
    for (const h of await this.rollouts.healthyRevisions(row.cluster, r.bundleId)) {
      if (h.digest === row.draft.digest) continue;
      if (!(await this.publisher.hasBundle(h.digest))) continue;
      const from = row.previous && row.previous.digest === h.digest ? row.previous : base;
      return { draft: { ...draftOf(from), revision: h.revision, digest: h.digest }, reason: `rolled back to ${h.revision}, last Healthy here at ${h.healthyAt.toISOString()}` };
    }
    if (row.previous && row.previous.digest !== row.draft.digest && (await this.publisher.hasBundle(row.previous.digest))) {
      return { draft: draftOf(row.previous), reason: `rolled back to ${row.previous.revision}, the revision before this rollout (never reported Healthy here)` };
    }
    if (!row.previous) return { reason: kept };
    return { reason: 'no earlier revision whose bundle is still stored: kept on the failed revision' };
  }

  /** Records when each stage started (first cluster released or working) and finished. */
  private async recordStages(r: RolloutEntity, decision: GateDecision, now: number): Promise<void> {
    const at = new Date(now).toISOString();
    let changed = false;
    const stages = decision.stages.map((s) => {
      const t = { ...(r.stages.find((x) => x.name === s.name) ?? { name: s.name }) };
      if (s.phase !== 'Pending' && !t.startedAt) { t.startedAt = at; changed = true; }
      if (s.phase === 'Succeeded' && !t.finishedAt) { t.finishedAt = at; changed = true; }
      return t;
    });
    if (changed) {
      r.stages = stages;
      await this.rollouts.update(r.id, { stages });
    }
  }

  private async publishedCount(id: string, excludeUnchanged = false): Promise<number> {
    return (await this.rollouts.clustersOf(id)).filter((c) => c.publishedAt && !(excludeUnchanged && c.unchanged)).length;
  }
}

/** The pin in force for `cluster`: its own, else the bundle's ('' cluster). */
export function pinOf(pins: readonly BundlePinEntity[], cluster: string): BundlePinEntity | undefined {
  return pins.find((p) => p.cluster === cluster) ?? pins.find((p) => p.cluster === '');
}

/** Identity of a delivery's content: sha256 of the canonical JSON of its drafts without the revision, by cluster. */
export function contentKey(drafts: readonly TargetDraft[]): string {
  const sorted = [...drafts].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0)).map(({ revision: _r, ...rest }) => rest);
  return createHash('sha256').update(canonicalJson(sorted)).digest('hex');
}

/** The draft fields of a targets row (what republishing it would ask for). */
export function draftOf(t: TargetEntity): TargetDraft {
  return {
    cluster: t.cluster, bundleId: t.bundleId, source: t.source, revision: t.revision, digest: t.digest,
    targetNamespace: t.targetNamespace, defaultNamespace: t.defaultNamespace, syncPolicy: t.syncPolicy,
    ignoreDifferences: t.ignoreDifferences ?? [], takeOwnership: t.takeOwnership ?? true,
    namespaceLabels: t.namespaceLabels ?? {}, namespaceAnnotations: t.namespaceAnnotations ?? {},
  };
}

/** The per-cluster settings of a resolved `gitfleet.rollout`. */
function overridesOf(s: RolloutSettingsSpec): RolloutDraftJson['overrides'] {
  const o: NonNullable<RolloutDraftJson['overrides']> = {};
  if (s.minHealthyDurationMs !== undefined) o.minHealthyDurationMs = s.minHealthyDurationMs;
  if (s.progressDeadlineMs !== undefined) o.progressDeadlineMs = s.progressDeadlineMs;
  if (s.onStale !== undefined) o.onStale = s.onStale;
  return o;
}

/**
 * True when the agent's latest report says the rollout's content is applied and Healthy: the
 * generation it was published with (or later, with the same digest), applied, Synced, Healthy.
 * A published desired state, or a Healthy report of an older generation, never counts.
 */
function reportsHealthy(s: TargetStatusEntity | undefined, row: RolloutClusterEntity): boolean {
  if (!s || row.publishedGeneration === null) return false;
  return s.generation >= row.publishedGeneration && s.digest === row.draft.digest && s.appliedAt !== null && s.syncStatus === 'Synced' && s.health === 'Healthy';
}

/** "Failed, Degraded: message (first error)" of a report, for the cause of a failure. */
function describeReport(s: TargetStatusEntity): string {
  const msg = s.healthMessage || s.errors[0] || '';
  return `generation ${s.generation} ${s.state}, ${s.health}${msg ? `: ${msg.slice(0, 300)}` : ''}`;
}
