/**
 * The deployment pipeline run, a straight line of named steps (as the agent's `reconcileApply`,
 * agent/src/reconcile/reconcile.ts):
 *
 *   run     loadFleet → withdrawDeleted (targets of deleted sources and clusters)
 *           → deploySource, for each source in scope
 *   source  check out (label with the commit checked out) → commit-signature check
 *           → scanAndIdentify → deploy each bundle (BundleDeployer) → goneFromGit (plan their
 *           withdrawal) → passesGuard (mass deletion) → withdrawPlanned (signed tombstones)
 *           → forget gone bundles
 *   bundle  (bundle-deployer.service.ts) resolve targets → render each distinct variant
 *           (render cache) → record the bundle → publish changed targets → plan withdrawal of
 *           targets no longer resolved
 *
 * Pure decisions live in withdrawal.ts (identity, what is gone, what to withdraw, the guard) and
 * desired-state.ts (what a target publishes); the writes of targets in DesiredStatePublisher; the
 * commit-signature gate in CommitSignaturePolicyService; manual sync in ManualSyncService, which
 * takes turns with runs on TargetWriteLock.
 */
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Pipeline, PipelineResult } from '../pipeline.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import type { ScannedBundle } from '../rendering/index.js';
import type { ClusterGroupInfo, ClusterInfo } from '../targeting/index.js';
import { ClusterGroupsRepository } from '../clusters/cluster-groups.repository.js';
import { ClustersRepository } from '../clusters/clusters.repository.js';
import { GitRepository } from '../sources/git.repository.js';
import type { SourceEntity } from '../sources/source.entity.js';
import { SourcesRepository } from '../sources/sources.repository.js';
import type { TargetEntity } from '../targets/target.entity.js';
import { TargetsRepository } from '../targets/targets.repository.js';
import type { BundleEntity } from '../bundles/bundle.entity.js';
import { BundlesRepository } from '../bundles/bundles.repository.js';
import { BundleDeployer, type SourcePass } from './bundle-deployer.service.js';
import { BUNDLE_TOOLKIT, type BundleToolkit } from './bundle-toolkit.js';
import { CommitSignaturePolicyService } from './commit-signature-policy.service.js';
import { DesiredStatePublisher } from './desired-state-publisher.service.js';
import { TargetWriteLock } from './target-write-lock.js';
import {
  type BundleIdentity,
  DEFAULT_WITHDRAWAL_GUARD,
  goneBundles,
  goneWithdrawals,
  guardVerdict,
  identifyBundles,
  type PlannedWithdrawal,
  type WithdrawalGuard,
} from './withdrawal.js';

/** Scope of a run: every source, or the listed ones. */
type Scope = { all: true } | { all: false; sources: Set<string> };

/** Everything a run decides from, read once at its start. */
interface Fleet {
  sources: SourceEntity[];
  clusters: ClusterInfo[];
  clusterNames: Set<string>;
  groups: ClusterGroupInfo[];
  bundles: BundleEntity[];
  targets: TargetEntity[];
}

/**
 * Runs the pipeline, one run at a time. `trigger()` queues a run; triggers that arrive while a
 * run is going are coalesced into the next one. Terminal bundle errors (BundleError) mark the
 * bundle Failed and leave its targets alone (DESIGN.md "Failure behaviour": clusters keep the
 * last good revision); other errors are logged and the run ends (the next trigger retries).
 */
@Injectable()
export class DeploymentService implements Pipeline, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeploymentService.name);
  private pending: Scope | null = null;
  private waiters: Array<{ resolve: (r: PipelineResult) => void; reject: (e: unknown) => void }> = [];
  private loop: Promise<void> | null = null;
  /** The mass-deletion guard in force. */
  private readonly guard: WithdrawalGuard;

  constructor(
    private readonly sources: SourcesRepository,
    private readonly clusters: ClustersRepository,
    private readonly groups: ClusterGroupsRepository,
    private readonly bundles: BundlesRepository,
    private readonly targets: TargetsRepository,
    private readonly git: GitRepository,
    @Inject(BUNDLE_TOOLKIT) private readonly toolkit: BundleToolkit,
    private readonly signatures: CommitSignaturePolicyService,
    private readonly deployer: BundleDeployer,
    private readonly publisher: DesiredStatePublisher,
    private readonly lock: TargetWriteLock,
    @Optional() @Inject(HUB_CONFIG) config?: Pick<HubConfig, 'withdrawalGuard'>,
  ) {
    this.guard = config?.withdrawalGuard ?? DEFAULT_WITHDRAWAL_GUARD;
  }

  /**
   * Queues a run for `source` (or every source when omitted) and resolves with the result of
   * the run that covered it. Never runs two at once; repeated triggers share one run.
   * @throws the run's error when it failed outside a bundle (database or NATS down), or when
   *   the hub is shutting down.
   */
  trigger(source?: string): Promise<PipelineResult> {
    if (this.lock.closing) return Promise.reject(new Error('hub is shutting down'));
    if (source === undefined || this.pending?.all) this.pending = { all: true };
    else if (this.pending) this.pending.sources.add(source);
    else this.pending = { all: false, sources: new Set([source]) };
    const done = new Promise<PipelineResult>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.loop) this.loop = this.drain().finally(() => (this.loop = null));
    return done;
  }

  /** Refuses new triggers and manual syncs, and waits for the running (and queued) runs before the DB closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.lock.close();
    await this.loop;
  }

  /** Runs the queued scopes one after the other (each under the target write lock) until none is left. */
  private async drain(): Promise<void> {
    while (this.pending) {
      const scope = this.pending;
      const waiters = this.waiters;
      this.pending = null;
      this.waiters = [];
      try {
        const result = await this.lock.exclusive(() => this.runOnce(scope));
        for (const w of waiters) w.resolve(result);
      } catch (err) {
        this.logger.error({ err }, 'deployment pipeline run failed');
        for (const w of waiters) w.reject(err);
      }
    }
  }

  // ---- the run ---------------------------------------------------------------------------------

  /** One run: the sources in `scope`, after clean-up of targets whose source or cluster was deleted. */
  private async runOnce(scope: Scope): Promise<PipelineResult> {
    const started = performance.now();
    const result: PipelineResult = { published: 0, stored: 0, deleted: 0, unchanged: 0, failedBundles: 0 };

    // load everything the run decides from, once
    const fleet = await this.loadFleet();

    // targets of clusters or sources deleted through the API go first, whatever their bundle's state
    await this.withdrawDeleted(fleet, result);

    // each source in scope
    for (const source of fleet.sources) {
      if (!scope.all && !scope.sources.has(source.name)) continue;
      await this.deploySource(source, fleet, result);
    }
    this.logger.log({ ...result, ms: Math.round(performance.now() - started) }, 'deployment pipeline run');
    return result;
  }

  /** Reads sources, clusters (labels, Kubernetes version), cluster groups, bundles and targets. */
  private async loadFleet(): Promise<Fleet> {
    const [sources, clusterRows, groupRows, bundles, targets] = await Promise.all([
      this.sources.list(),
      this.clusters.list(),
      this.groups.list(),
      this.bundles.listAll(),
      this.targets.list(),
    ]);
    const clusters: ClusterInfo[] = clusterRows.map((c) => ({ name: c.name, labels: c.labels ?? {}, kubernetesVersion: c.kubernetesVersion ?? null }));
    const groups: ClusterGroupInfo[] = groupRows.map((g) => ({ name: g.name, selector: g.selector }));
    return { sources, clusters, clusterNames: new Set(clusters.map((c) => c.name)), groups, bundles, targets };
  }

  /** Withdraws every target whose source or cluster no longer exists, then forgets the bundles of deleted sources. */
  private async withdrawDeleted(fleet: Fleet, result: PipelineResult): Promise<void> {
    const sourceNames = new Set(fleet.sources.map((s) => s.name));
    const pathOf = (id: string) => fleet.bundles.find((b) => b.id === id)?.path ?? '';
    for (const t of fleet.targets) {
      if (!sourceNames.has(t.source)) await this.withdraw(t, pathOf(t.bundleId), `source ${t.source} was deleted`, result);
      else if (!fleet.clusterNames.has(t.cluster)) await this.withdraw(t, pathOf(t.bundleId), `cluster ${t.cluster} was deleted`, result);
    }
    const orphanBundles = fleet.bundles.filter((b) => !sourceNames.has(b.source)).map((b) => b.id);
    await this.bundles.delete(orphanBundles);
  }

  // ---- one source ------------------------------------------------------------------------------

  /**
   * One source at the commit checked out: deploys each bundle, then withdraws what the commit
   * removed: targets no longer resolved, and the targets of bundles missing from a scan that
   * identified every bundle. The mass-deletion guard holds a plan that withdraws too large a
   * share of the source's targets until an operator confirms it. An untrusted head commit, a
   * scan error, or any doubt about a bundle's identity withdraws nothing.
   */
  private async deploySource(source: SourceEntity, fleet: Fleet, result: PipelineResult): Promise<void> {
    if (!source.lastRevision) return; // never fetched: nothing to scan, keep whatever is published
    const knownBundles = fleet.bundles.filter((b) => b.source === source.name);
    const liveTargets = fleet.targets.filter((t) => t.source === source.name && fleet.clusterNames.has(t.cluster));
    await this.git.withCheckout(source.name, async (dir, head) => {
      // check out: label what is read with the commit actually checked out (a webhook or poll may
      // have moved the checkout since this run loaded the source row, which is updated after it)
      const revision = head ?? source.lastRevision!;
      const commit = await this.git.commitSummary(dir, revision).catch((err: unknown) => {
        this.logger.warn({ source: source.name, revision, err: errMessage(err) }, 'commit message unreadable; the rollout history shows none');
        return null;
      });
      const pass: SourcePass = { source, dir, revision, commit, clusters: fleet.clusters, groups: fleet.groups, knownBundles, liveTargets, result };

      // commit-signature check: a source with a policy deploys only a head signed by a trusted key
      if (!(await this.signatures.headCommitTrusted(source, dir, pass.revision))) return;

      // scan and identify bundles (a failed scan keeps every target)
      const identity = await this.scanAndIdentify(pass);
      if (!identity) return;

      // deploy each bundle; its targets no longer resolved are planned for withdrawal, not withdrawn yet
      const planned: PlannedWithdrawal[] = [];
      for (const bundle of identity.bundles) planned.push(...(await this.deployer.deploy(pass, bundle)));

      // bundles gone from Git: their targets are planned for withdrawal too
      const gone = this.goneFromGit(pass, identity);
      planned.push(...goneWithdrawals(gone, liveTargets, pass.revision));

      // mass-deletion guard, then the signed tombstones, then the gone bundles are forgotten
      if (!(await this.passesGuard(pass, planned))) return;
      await this.withdrawPlanned(pass, identity, planned);
      await this.bundles.delete(gone.map((b) => b.id));
    });
  }

  /**
   * Scans the checkout for bundles and gives each its id (withdrawal.ts `identifyBundles`: ids
   * never depend on whether a file parses). Bundles without an id are logged and skipped; an id
   * claimed by several directories is recorded Failed. Returns undefined, with a warning, when
   * the scan itself fails (the source sub-path is unusable): every bundle keeps its targets.
   * The scan's source-level warnings (content gitfleet does not render) replace the source's
   * stored `scanWarnings` when they differ, and are logged then.
   * @throws on database failure.
   */
  private async scanAndIdentify(pass: SourcePass): Promise<BundleIdentity | undefined> {
    const { source } = pass;
    let scanned: ScannedBundle[];
    const warnings: string[] = [];
    try {
      scanned = await this.toolkit.scanBundles(pass.dir, source.path, warnings);
    } catch (err) {
      this.logger.warn({ source: source.name, err: errMessage(err) }, 'bundle scan failed; targets kept');
      return undefined;
    }
    if (JSON.stringify(warnings) !== JSON.stringify(source.scanWarnings ?? [])) {
      await this.sources.saveScanWarnings(source.name, warnings);
      for (const w of warnings) this.logger.warn({ source: source.name, revision: pass.revision, warning: w }, 'source scan warning');
    }
    const identity = identifyBundles(source.name, scanned, pass.knownBundles, (name, sb) => this.toolkit.bundleId(name, sb));
    for (const u of identity.unidentified) this.logger.warn({ source: source.name, path: u.path, err: u.reason }, 'no bundle id; bundle skipped, nothing of the source withdrawn');
    for (const d of identity.duplicates) await this.deployer.recordDuplicate(pass, d);
    return identity;
  }

  /**
   * The known bundles the scan proves removed from Git (withdrawal.ts `goneBundles`: none unless
   * every bundle was identified). Warns when a known bundle is missing but the scan is in doubt.
   */
  private goneFromGit(pass: SourcePass, identity: BundleIdentity): BundleEntity[] {
    const gone = goneBundles(identity, pass.knownBundles);
    const missing = pass.knownBundles.some((b) => !identity.bundles.some((i) => i.id === b.id) && !identity.duplicates.some((d) => d.id === b.id));
    if (!identity.certain && missing) {
      this.logger.warn({ source: pass.source.name, revision: pass.revision }, 'a bundle could not be identified in this commit; bundles missing from it keep their targets');
    }
    return gone;
  }

  /**
   * The mass-deletion guard (withdrawal.ts `guardVerdict`): true when `planned` may be withdrawn
   * now. Otherwise records the hold on the source (shown in its view) and returns false. Clears
   * a hold (and its confirmation) that no longer applies.
   * @throws on database failure.
   */
  private async passesGuard(pass: SourcePass, planned: PlannedWithdrawal[]): Promise<boolean> {
    const { source, revision } = pass;
    const total = pass.liveTargets.length;
    const verdict = guardVerdict({
      source: source.name, revision, planned, total, hold: source.withdrawalHold, confirmation: source.withdrawalConfirmation, guard: this.guard, now: new Date(),
    });
    if (verdict.withdraw) {
      if (verdict.clearHold) await this.sources.saveWithdrawalHold(source.name, null, null);
      if (verdict.confirmed) this.logger.warn({ source: source.name, revision, withdrawals: planned.length, confirmedAt: source.withdrawalConfirmation?.confirmedAt }, 'withdrawing the confirmed targets');
      return true;
    }
    if (verdict.hold) {
      await this.sources.saveWithdrawalHold(source.name, verdict.hold, null);
      this.logger.warn({ source: source.name, revision, withdrawals: planned.length, total }, 'mass withdrawal held: nothing withdrawn until an operator confirms');
    }
    return false;
  }

  /** Withdraws every planned target with a signed tombstone at the pass's revision (bundle path as of this scan, else as stored). */
  private async withdrawPlanned(pass: SourcePass, identity: BundleIdentity, planned: PlannedWithdrawal[]): Promise<void> {
    const paths = new Map<string, string>(pass.knownBundles.map((b) => [b.id, b.path]));
    for (const { scanned, id } of identity.bundles) paths.set(id, scanned.path);
    for (const w of planned) {
      const t = pass.liveTargets.find((l) => l.cluster === w.cluster && l.bundleId === w.bundleId)!;
      await this.withdraw(t, paths.get(t.bundleId) ?? '', w.reason, pass.result, pass.revision);
    }
  }

  /** Withdraws target `t` (DesiredStatePublisher.withdraw: signed tombstone, then the row goes) and counts it. */
  private async withdraw(t: TargetEntity, path: string, reason: string, result: PipelineResult, revision?: string): Promise<void> {
    await this.publisher.withdraw(t, path, reason, revision);
    result.deleted++;
  }
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
