// The rollout gate: given the stages of a bundle's rollout and what each cluster reported, which
// clusters get the new revision now, and whether the rollout succeeded or failed. Pure.
import type { IntOrPercent } from '../rendering/fleet-yaml.js';
import { countOf, type RolloutPlan } from './rollout-stages.js';

/** gitfleet's own rollout settings (fleet.yaml `gitfleet.rollout`), resolved. Durations in ms. */
export interface RolloutSettings {
  /** How long a cluster must stay Healthy on the new revision before it counts as done. */
  minHealthyDurationMs: number;
  /** How long after a cluster got the new revision it may take to be done; past it, it failed. */
  progressDeadlineMs: number;
  /** Failed clusters tolerated over the whole rollout: a count, or a percentage of all targets (rounded down). */
  maxFailures: IntOrPercent;
  /** On failure, roll the clusters that got the new revision back (true) or pause the rollout (false). */
  autoRollback: boolean;
  /** A cluster whose agent stopped reporting: `block` the gate (default), or `skip` it and report it. */
  onStale: 'block' | 'skip';
}

/** The defaults of `gitfleet.rollout`: 30 s healthy, 10 min deadline (Kubernetes' progressDeadlineSeconds default), no failure tolerated, roll back, block on stale. */
export const DEFAULT_ROLLOUT_SETTINGS: Readonly<RolloutSettings> = {
  minHealthyDurationMs: 30_000,
  progressDeadlineMs: 600_000,
  maxFailures: 0,
  autoRollback: true,
  onStale: 'block',
};

/** What the hub knows of one targeted cluster during the rollout of one revision of one bundle. */
export interface ClusterProgress {
  cluster: string;
  /** When the new revision was published to it (ms since the epoch); absent: not yet. */
  publishedAt?: number;
  /**
   * Since when (ms since the epoch) its agent has reported the NEW revision's digest and
   * generation applied and Healthy, without a break; absent when it has not (a published desired
   * state, or a Healthy report of an older revision, never counts).
   */
  healthySince?: number;
  /** Its agent's latest word on this target, for the cause of a failure ("Degraded: …", "Failed: …"). */
  lastReport?: string;
  /** Its agent has not reported within the staleness window. */
  stale: boolean;
  /** Why it may not be updated now (a closed maintenance window, a spoke-side hold, a dependency not ready, a pin). */
  held?: string;
  /** This cluster's own settings (its targetCustomization's `gitfleet.rollout`); absent fields: the rollout's. */
  overrides?: Partial<Pick<RolloutSettings, 'minHealthyDurationMs' | 'progressDeadlineMs' | 'onStale'>>;
}

/** Where one cluster stands in the rollout. */
export type ClusterRolloutState =
  /** waits for its turn */
  | 'Pending'
  /** its turn, but held (maintenance window, spoke-side hold) */
  | 'Held'
  /** got the new revision, not done yet, within the deadline */
  | 'Updating'
  /** Healthy on the new revision for minHealthyDuration */
  | 'Done'
  /** not done by the deadline */
  | 'Failed'
  /** its agent stopped reporting (blocks, or is skipped with onStale: skip) */
  | 'Stale';

/** One cluster in the decision. */
export interface ClusterDecision {
  cluster: string;
  state: ClusterRolloutState;
  /** Why it is Held, Failed or Stale. */
  reason?: string;
}

/** One stage in the decision. */
export interface StageDecision {
  name: string;
  /** Pending: not started; Progressing: its clusters are being updated; Succeeded: every cluster done (or skipped, or a tolerated failure). */
  phase: 'Pending' | 'Progressing' | 'Succeeded';
  clusters: ClusterDecision[];
}

/** The gate's answer for one evaluation. */
export interface GateDecision {
  /** Failed: stop; roll `rollback` back (or pause when autoRollback is false). */
  phase: 'Progressing' | 'Succeeded' | 'Failed';
  /** Clusters to publish the new revision to now, in stage order. */
  publish: string[];
  stages: StageDecision[];
  /** Why the rollout failed, naming the clusters and their last reports. */
  cause?: string;
  /** When Failed: every cluster that got the new revision (they go back to their last healthy revision). */
  rollback: string[];
  /** When Failed with autoRollback false: the rollout pauses instead of rolling back. */
  paused: boolean;
  /** Stale clusters the gate went past (onStale: skip), to report. */
  skippedStale: string[];
}

/** Tolerated failures out of `total` targets: a count as it is; a percentage rounded down (so "10%" of 5 tolerates none). @throws Error for an invalid value. */
export function failureBudget(total: number, maxFailures: IntOrPercent): number {
  return countOf(total, maxFailures, 'maxFailures');
}

/**
 * Decides one step of a rollout at time `now` (ms since the epoch).
 *
 * Each cluster's state: Stale when its agent stopped reporting (whatever else; a stale cluster
 * never counts as failed, nothing is known of it); Done when Healthy on the new revision for
 * `minHealthyDurationMs`; Failed when it got the new revision more than `progressDeadlineMs`
 * ago and is not Done; Updating when it got it and is neither; Held or Pending when it did not.
 *
 * More Failed clusters than `maxFailures` (of all targets): the rollout is Failed; every
 * cluster that got the new revision is listed in `rollback`, nothing more is published.
 *
 * Otherwise stages go in order, with Fleet's limits (partition.go UpdatePartitions): a stage is
 * worked on only while at most `maxUnavailablePartitions` earlier stages are unfinished; in it,
 * Pending clusters get the new revision in order while fewer than the stage's `maxUnavailable`
 * of its clusters, and fewer than the plan's `maxUnavailable` of all, are unavailable
 * (Updating, Failed, or Stale with onStale block; a tolerated failure still counts, as a
 * not-ready target does in Fleet, so with maxUnavailable 1 its stage waits until it recovers or
 * an operator acts). A stage is Succeeded when each of its
 * clusters is Done, a tolerated Failed, or Stale with onStale skip; Held and Stale (block)
 * clusters keep it open. The rollout Succeeded when every stage did. A Stale cluster with
 * onStale skip is published to when its stage is worked on (it applies the revision when its
 * agent returns) without counting as unavailable.
 * `progress` must hold every cluster of the plan; clusters not in the plan are ignored.
 * @throws Error for an invalid maxFailures (see failureBudget), or a plan cluster missing from `progress`.
 */
export function decideRollout(plan: RolloutPlan, progress: readonly ClusterProgress[], settings: RolloutSettings, now: number): GateDecision {
  const byName = new Map(progress.map((p) => [p.cluster, p]));
  const all = plan.stages.flatMap((s) => s.clusters);
  const state = new Map<string, ClusterDecision>();
  for (const name of all) {
    const p = byName.get(name);
    if (!p) throw new Error(`rollout gate: no progress given for cluster "${name}"`);
    state.set(name, classify(p, { ...settings, ...p.overrides }, now));
  }
  const onStaleOf = (c: string) => byName.get(c)!.overrides?.onStale ?? settings.onStale;

  const failed = all.filter((c) => state.get(c)!.state === 'Failed');
  const budget = failureBudget(all.length, settings.maxFailures);
  const got = all.filter((c) => byName.get(c)!.publishedAt !== undefined);
  const skippedStale = all.filter((c) => state.get(c)!.state === 'Stale' && onStaleOf(c) === 'skip');
  if (failed.length > budget) {
    const causes = failed.map((c) => `${c}: ${state.get(c)!.reason}`).join('; ');
    return {
      phase: 'Failed',
      publish: [],
      stages: plan.stages.map((s) => ({ name: s.name, phase: stagePhase(s.clusters, state, onStaleOf), clusters: s.clusters.map((c) => state.get(c)!) })),
      cause: `${failed.length} cluster${failed.length === 1 ? '' : 's'} failed, more than maxFailures ${budget} allows: ${causes}`,
      rollback: got,
      paused: !settings.autoRollback,
      skippedStale,
    };
  }

  const unavailable = (c: string) => {
    const s = state.get(c)!.state;
    return s === 'Updating' || s === 'Failed' || (s === 'Stale' && onStaleOf(c) === 'block');
  };
  let globalUnavailable = all.filter(unavailable).length;
  const publish: string[] = [];
  const stages: StageDecision[] = [];
  let unfinishedBefore = 0;
  for (const s of plan.stages) {
    if (unfinishedBefore > plan.maxUnavailablePartitions) {
      stages.push({ name: s.name, phase: 'Pending', clusters: s.clusters.map((c) => state.get(c)!) });
      unfinishedBefore++;
      continue;
    }
    let stageUnavailable = s.clusters.filter(unavailable).length;
    for (const c of s.clusters) {
      // a stale cluster the gate goes past (onStale skip) still gets the revision, to apply when it returns
      if (state.get(c)!.state === 'Stale' && onStaleOf(c) === 'skip' && byName.get(c)!.publishedAt === undefined) {
        publish.push(c);
        continue;
      }
      if (state.get(c)!.state !== 'Pending') continue;
      if (stageUnavailable >= s.maxUnavailable || globalUnavailable >= plan.maxUnavailable) break;
      publish.push(c);
      state.set(c, { cluster: c, state: 'Updating' });
      stageUnavailable++;
      globalUnavailable++;
    }
    const phase = stagePhase(s.clusters, state, onStaleOf);
    stages.push({ name: s.name, phase, clusters: s.clusters.map((c) => state.get(c)!) });
    if (phase !== 'Succeeded') unfinishedBefore++;
  }
  return {
    phase: stages.every((s) => s.phase === 'Succeeded') ? 'Succeeded' : 'Progressing',
    publish,
    stages,
    rollback: [],
    paused: false,
    skippedStale,
  };
}

function classify(p: ClusterProgress, settings: RolloutSettings, now: number): ClusterDecision {
  const cluster = p.cluster;
  if (p.stale) return { cluster, state: 'Stale', reason: settings.onStale === 'skip' ? 'agent stopped reporting (skipped: onStale skip)' : 'agent stopped reporting (the gate waits: onStale block)' };
  if (p.healthySince !== undefined && now - p.healthySince >= settings.minHealthyDurationMs) return { cluster, state: 'Done' };
  if (p.publishedAt === undefined) return p.held ? { cluster, state: 'Held', reason: p.held } : { cluster, state: 'Pending' };
  if (now - p.publishedAt > settings.progressDeadlineMs) {
    const waited = Math.round((now - p.publishedAt) / 1000);
    return { cluster, state: 'Failed', reason: `not Healthy on the new revision ${waited} s after it was published (progressDeadline ${Math.round(settings.progressDeadlineMs / 1000)} s); last report: ${p.lastReport ?? 'none'}` };
  }
  return { cluster, state: 'Updating' };
}

/** Succeeded when each cluster is Done, a tolerated Failed, or Stale with onStale skip; Pending when every cluster still waits for its turn; else Progressing. */
function stagePhase(clusters: readonly string[], state: Map<string, ClusterDecision>, onStaleOf: (cluster: string) => 'block' | 'skip'): StageDecision['phase'] {
  const done = (c: string) => {
    const s = state.get(c)!.state;
    return s === 'Done' || s === 'Failed' || (s === 'Stale' && onStaleOf(c) === 'skip');
  };
  if (clusters.every(done)) return 'Succeeded';
  return clusters.every((c) => state.get(c)!.state === 'Pending') ? 'Pending' : 'Progressing';
}
