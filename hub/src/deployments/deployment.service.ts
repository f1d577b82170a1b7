/**
 * The deployment pipeline: Git checkout → bundle scan → targeting → render (once per variant)
 * → publish (object store by digest, KV pointer per target) → prune targets that went away.
 */
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  BundleManifestSchema,
  bundleDigest,
  canonicalJson,
  CONTRACT_VERSION,
  create,
  desiredStateKey,
  DesiredStateSchema,
  IgnoreDifferenceSchema,
  SyncPolicySchema,
  toBinary,
  type DesiredState,
} from '@gitfleet/proto';
import { LRUCache } from 'lru-cache';
import type { PublicKey } from 'openpgp';
import { NotFoundError } from '../errors.js';
import type { Pipeline, PipelineResult, SyncedTarget } from '../pipeline.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { BundleError, helmReleaseName, type ScannedBundle } from '../rendering/index.js';
import type { ClusterGroupInfo, ClusterInfo, ResolvedTarget } from '../targeting/index.js';
import { ClusterGroupsRepository } from '../clusters/cluster-groups.repository.js';
import { ClustersRepository } from '../clusters/clusters.repository.js';
import { PublishingRepository } from '../publishing/publishing.repository.js';
import { readTrustedKeys, verifyCommitSignature, type CommitSignatureCheck, type CommitSignaturePolicy } from '../sources/commit-signature.js';
import { GitRepository } from '../sources/git.repository.js';
import type { SourceEntity, WithdrawalHold } from '../sources/source.entity.js';
import { SourcesRepository } from '../sources/sources.repository.js';
import type { IgnoreDifferenceJson, SyncPolicyJson, TargetEntity } from '../targets/target.entity.js';
import { TargetsRepository } from '../targets/targets.repository.js';
import type { BundleEntity, BundleProblem } from '../bundles/bundle.entity.js';
import { BundlesRepository } from '../bundles/bundles.repository.js';
import { BUNDLE_TOOLKIT, type BundleToolkit } from './bundle-toolkit.js';
import { coveredByConfirmation, crossesGuard, DEFAULT_WITHDRAWAL_GUARD, goneBundles, identifyBundles, type PlannedWithdrawal, type WithdrawalGuard, withdrawalKey } from './withdrawal.js';

/** One rendered variant of a bundle at a revision, ready to publish. */
export interface RenderedManifest {
  /** protobuf binary of the BundleManifest. */
  bytes: Uint8Array;
  /** `bundleDigest(bytes)`: the object name; equal content ⇒ equal digest. */
  digest: string;
}

/** Scope of a run: every source, or the listed ones. */
type Scope = { all: true } | { all: false; sources: Set<string> };

/**
 * Renders kept (lru-cache, least recently used dropped first), keyed by source, revision, path,
 * bundle id and variant key: a run that finds nothing changed renders nothing again.
 */
const RENDER_CACHE_ENTRIES = 1024;

/**
 * Runs the pipeline, one run at a time. `trigger()` queues a run; triggers that arrive while a
 * run is going are coalesced into the next one. Terminal bundle errors (BundleError) mark the
 * bundle Failed and leave its targets alone (DESIGN.md "Failure behaviour": clusters keep the
 * last good revision); other errors are logged and the run ends (the next trigger retries).
 */
@Injectable()
export class DeploymentService implements Pipeline, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeploymentService.name);
  private readonly renders = new LRUCache<string, RenderedManifest | BundleError>({ max: RENDER_CACHE_ENTRIES });
  private pending: Scope | null = null;
  private waiters: Array<{ resolve: (r: PipelineResult) => void; reject: (e: unknown) => void }> = [];
  private loop: Promise<void> | null = null;
  private closing = false;
  /** Tail of the chain that serialises every write of targets (pipeline runs, manual syncs). */
  private lock: Promise<unknown> = Promise.resolve();
  /** Parsed trusted keys per source, reused while the stored armored keys are the same. */
  private readonly keyrings = new Map<string, { armored: string; keys: Promise<PublicKey[]> }>();

  constructor(
    private readonly sources: SourcesRepository,
    private readonly clusters: ClustersRepository,
    private readonly groups: ClusterGroupsRepository,
    private readonly bundles: BundlesRepository,
    private readonly targets: TargetsRepository,
    private readonly publishing: PublishingRepository,
    private readonly git: GitRepository,
    @Inject(BUNDLE_TOOLKIT) private readonly toolkit: BundleToolkit,
    @Optional() @Inject(HUB_CONFIG) config?: Pick<HubConfig, 'withdrawalGuard'>,
  ) {
    this.guard = config?.withdrawalGuard ?? DEFAULT_WITHDRAWAL_GUARD;
  }

  /** The mass-deletion guard in force. */
  private readonly guard: WithdrawalGuard;

  /**
   * Queues a run for `source` (or every source when omitted) and resolves with the result of
   * the run that covered it. Never runs two at once; repeated triggers share one run.
   * @throws the run's error when it failed outside a bundle (database or NATS down).
   */
  trigger(source?: string): Promise<PipelineResult> {
    if (this.closing) return Promise.reject(new Error('hub is shutting down'));
    if (source === undefined || this.pending?.all) this.pending = { all: true };
    else if (this.pending) this.pending.sources.add(source);
    else this.pending = { all: false, sources: new Set([source]) };
    const done = new Promise<PipelineResult>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.loop) this.loop = this.drain().finally(() => (this.loop = null));
    return done;
  }

  /**
   * Manual sync of one bundle's targets (all of them, or the one on `cluster`): each gets
   * sync_request + 1 and generation + 1 and its DesiredState is written again (KV first, then
   * the row), with everything else as last published. Serialised with pipeline runs, so a run
   * never reuses a generation a sync just wrote. `bundle.path` is the bundle's directory (the
   * DesiredState's `path`).
   * @throws NotFoundError when `cluster` is given and the bundle has no target there.
   */
  requestSync(bundle: { id: string; path: string }, cluster?: string): Promise<SyncedTarget[]> {
    if (this.closing) return Promise.reject(new Error('hub is shutting down'));
    return this.exclusive(async () => {
      const rows = await this.targets.list({ bundleId: bundle.id, cluster });
      if (cluster !== undefined && rows.length === 0) throw new NotFoundError('target', `${cluster}/${bundle.id}`);
      const out: SyncedTarget[] = [];
      for (const row of rows) {
        const next: TargetEntity = { ...row, generation: row.generation + 1, syncRequest: (row.syncRequest ?? 0) + 1, publishedAt: new Date() };
        await this.publishing.putDesiredState(desiredStateKey(row.cluster, row.bundleId), desiredStateOf(next, bundle.path));
        await this.targets.upsert(next);
        out.push({ cluster: row.cluster, bundleId: row.bundleId, syncRequest: next.syncRequest, generation: next.generation });
      }
      this.logger.log({ bundle: bundle.id, cluster, targets: out.length }, 'manual sync requested');
      return out;
    });
  }

  /** Refuses new triggers and waits for the running (and queued) runs before the DB closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.loop;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const scope = this.pending;
      const waiters = this.waiters;
      this.pending = null;
      this.waiters = [];
      try {
        const result = await this.exclusive(() => this.runOnce(scope));
        for (const w of waiters) w.resolve(result);
      } catch (err) {
        this.logger.error({ err }, 'deployment pipeline run failed');
        for (const w of waiters) w.reject(err);
      }
    }
  }

  /** Runs `fn` after every earlier exclusive section has settled. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** One pass over the sources in `scope`, then clean-up of targets nothing resolves any more. */
  private async runOnce(scope: Scope): Promise<PipelineResult> {
    const started = performance.now();
    const result: PipelineResult = { published: 0, stored: 0, deleted: 0, unchanged: 0, failedBundles: 0 };
    const [sources, clusterRows, groupRows, bundleRows, targetRows] = await Promise.all([
      this.sources.list(),
      this.clusters.list(),
      this.groups.list(),
      this.bundles.listAll(),
      this.targets.list(),
    ]);
    const clusters: ClusterInfo[] = clusterRows.map((c) => ({ name: c.name, labels: c.labels ?? {}, kubernetesVersion: c.kubernetesVersion ?? null }));
    const groups: ClusterGroupInfo[] = groupRows.map((g) => ({ name: g.name, selector: g.selector }));
    const clusterNames = new Set(clusters.map((c) => c.name));
    const sourceNames = new Set(sources.map((s) => s.name));

    // targets of clusters or sources deleted through the API go first, whatever their bundle's state
    const pathOf = (id: string) => bundleRows.find((b) => b.id === id)?.path ?? '';
    for (const t of targetRows) {
      if (!sourceNames.has(t.source)) await this.unpublish(t, pathOf(t.bundleId), `source ${t.source} was deleted`, result);
      else if (!clusterNames.has(t.cluster)) await this.unpublish(t, pathOf(t.bundleId), `cluster ${t.cluster} was deleted`, result);
    }
    const orphanBundles = bundleRows.filter((b) => !sourceNames.has(b.source)).map((b) => b.id);
    await this.bundles.delete(orphanBundles);

    for (const source of sources) {
      if (!scope.all && !scope.sources.has(source.name)) continue;
      const live = targetRows.filter((t) => t.source === source.name && clusterNames.has(t.cluster));
      const known = bundleRows.filter((b) => b.source === source.name);
      await this.reconcileSource(source, clusters, groups, known, live, result);
    }
    this.logger.log({ ...result, ms: Math.round(performance.now() - started) }, 'deployment pipeline run');
    return result;
  }

  /**
   * Scans one source's checkout and reconciles each bundle, then withdraws what Git removed.
   * Steps: identify every bundle (a bundle whose fleet.yaml fails keeps the id known at its path;
   * two directories with one id are both Failed) → reconcile each (render, publish; targets that
   * no longer resolve are planned for withdrawal) → bundles missing from a scan that identified
   * every bundle are planned for withdrawal → the mass-deletion guard holds a plan that withdraws
   * too large a share of the source's targets until an operator confirms it → tombstones.
   * A scan error, or any doubt about a bundle's identity, withdraws nothing.
   */
  private async reconcileSource(
    source: SourceEntity,
    clusters: ClusterInfo[],
    groups: ClusterGroupInfo[],
    knownBundles: BundleEntity[],
    liveTargets: TargetEntity[],
    result: PipelineResult,
  ): Promise<void> {
    if (!source.lastRevision) return; // never fetched: nothing to scan, keep whatever is published
    await this.git.withCheckout(source.name, async (dir, head) => {
      // Label what is read with the commit actually checked out: a webhook or poll may have moved
      // the checkout since this run loaded the source row (the row is updated after the checkout).
      const revision = head ?? source.lastRevision!;
      // a source with a commit signature policy deploys only a head commit signed by a trusted key
      if (source.commitSignatures && !(await this.headCommitTrusted(source, source.commitSignatures, dir, revision))) return;
      let scanned: ScannedBundle[];
      try {
        scanned = await this.toolkit.scanBundles(dir, source.path);
      } catch (err) {
        // the source sub-path itself is unusable: every bundle keeps its targets
        this.logger.warn({ source: source.name, err: errMessage(err) }, 'bundle scan failed; targets kept');
        return;
      }

      // identify: ids never depend on whether a file parses; duplicates and unknowns are Failed
      const identity = identifyBundles(source.name, scanned, knownBundles, (name, sb) => this.toolkit.bundleId(name, sb));
      for (const u of identity.unidentified) this.logger.warn({ source: source.name, path: u.path, err: u.reason }, 'no bundle id; bundle skipped, nothing of the source withdrawn');
      for (const d of identity.duplicates) await this.markDuplicate(source, revision, d, knownBundles, result);

      // reconcile each bundle; targets that no longer resolve are planned, not yet withdrawn
      const planned: PlannedWithdrawal[] = [];
      const paths = new Map<string, string>(knownBundles.map((b) => [b.id, b.path]));
      for (const { scanned: sb, id } of identity.bundles) {
        paths.set(id, sb.path);
        const known = knownBundles.find((b) => b.id === id);
        const targetsOfBundle = liveTargets.filter((t) => t.bundleId === id);
        await this.reconcileBundle(dir, source, revision, sb, id, known, clusters, groups, targetsOfBundle, planned, result);
      }

      // bundle directories that are gone from a scan that identified every bundle
      const gone = goneBundles(identity, knownBundles);
      if (!identity.certain && knownBundles.some((b) => !identity.bundles.some((i) => i.id === b.id) && !identity.duplicates.some((d) => d.id === b.id))) {
        this.logger.warn({ source: source.name, revision }, 'a bundle could not be identified in this commit; bundles missing from it keep their targets');
      }
      for (const b of gone) {
        for (const t of liveTargets) {
          if (t.bundleId === b.id) planned.push({ cluster: t.cluster, bundleId: t.bundleId, reason: `bundle directory ${b.path || '.'} left Git at ${revision.slice(0, 7)}` });
        }
      }

      // mass-deletion guard, then tombstones
      if (!(await this.passesGuard(source, revision, planned, liveTargets.length))) return;
      for (const w of planned) {
        const t = liveTargets.find((l) => l.cluster === w.cluster && l.bundleId === w.bundleId)!;
        await this.unpublish(t, paths.get(t.bundleId) ?? '', w.reason, result, revision);
      }
      await this.bundles.delete(gone.map((b) => b.id));
    });
  }

  /**
   * The mass-deletion guard (withdrawal.ts): true when `planned` may be withdrawn now — nothing is
   * planned, the plan stays under the guard, or an operator confirmed every planned withdrawal.
   * Otherwise records the hold on the source (shown in its view) and returns false. Clears a
   * hold (and its confirmation) that no longer applies.
   */
  private async passesGuard(source: SourceEntity, revision: string, planned: PlannedWithdrawal[], total: number): Promise<boolean> {
    const confirmed = coveredByConfirmation(planned, source.withdrawalConfirmation?.targets);
    if (planned.length === 0 || confirmed || !crossesGuard(planned.length, total, this.guard)) {
      if (source.withdrawalHold || source.withdrawalConfirmation) await this.sources.saveWithdrawalHold(source.name, null, null);
      if (confirmed && planned.length > 0) this.logger.warn({ source: source.name, revision, withdrawals: planned.length, confirmedAt: source.withdrawalConfirmation?.confirmedAt }, 'withdrawing the confirmed targets');
      return true;
    }
    const keys = planned.map(withdrawalKey).sort();
    const prev = source.withdrawalHold;
    const same = prev && prev.revision === revision && JSON.stringify(prev.targets.map(withdrawalKey).sort()) === JSON.stringify(keys);
    if (!same) {
      const pct = Math.round(this.guard.share * 100);
      const hold: WithdrawalHold = {
        revision,
        heldAt: new Date().toISOString(),
        total,
        reason: `would withdraw ${planned.length} of ${total} targets (the guard holds more than ${pct} % and at least ${this.guard.min}); confirm with POST /api/v1/sources/${source.name}/confirm-withdrawal`,
        targets: planned,
      };
      // a confirmation of another set does not carry over
      await this.sources.saveWithdrawalHold(source.name, hold, null);
      this.logger.warn({ source: source.name, revision, withdrawals: planned.length, total }, 'mass withdrawal held: nothing withdrawn until an operator confirms');
    }
    return false;
  }

  /** Marks a bundle id claimed by several directories Failed, naming every path; its targets are kept. */
  private async markDuplicate(source: SourceEntity, revision: string, d: { id: string; paths: string[] }, knownBundles: BundleEntity[], result: PipelineResult): Promise<void> {
    const known = knownBundles.find((b) => b.id === d.id);
    const problems: BundleProblem[] = d.paths.map((p) => ({
      file: p || '.',
      message: `bundle id "${d.id}" is also the id of ${d.paths.filter((o) => o !== p).map((o) => o || '.').join(', ')}; give each bundle its own fleet.yaml name (nothing is published or withdrawn under this id meanwhile)`,
    }));
    const row: BundleEntity = {
      id: d.id, source: source.name, path: known?.path ?? d.paths[0]!, name: known?.name ?? d.id, labels: known?.labels ?? {},
      revision, state: 'Failed', errors: [], warnings: [], updatedAt: new Date(),
    };
    await this.markFailed(row, problems, result);
  }

  /**
   * Commit signature policy (sources/commit-signature.ts; rule source: Flux GitRepository
   * `spec.verify` with `mode: HEAD`): verifies the checked-out head commit `revision` of `source`
   * against the policy's trusted keys and records the outcome on the source row when it changed
   * (revision, verdict, reason or key). Returns false, with a warning, when the commit must not
   * deploy (unsigned, untrusted key, bad signature, unreadable commit): the caller then leaves
   * every bundle and target of the source as they are, so clusters stay on the last deployed
   * revision until a trusted commit arrives; that includes clusters that join meanwhile. Never
   * throws for a verification failure; a failed write of the report does throw (run error).
   */
  private async headCommitTrusted(source: SourceEntity, policy: CommitSignaturePolicy, dir: string, revision: string): Promise<boolean> {
    let check: CommitSignatureCheck;
    try {
      const keys = await this.trustedKeys(source.name, policy);
      check = await verifyCommitSignature(await this.git.readCommit(dir, revision), keys);
    } catch (err) {
      check = { revision, verified: false, reason: `commit ${revision.slice(0, 7)} could not be verified: ${errMessage(err)}`, keyFingerprint: null, signer: null };
    }
    const prev = source.commitSignature;
    const changed =
      !prev || prev.revision !== check.revision || prev.verified !== check.verified || prev.reason !== check.reason || prev.keyFingerprint !== check.keyFingerprint;
    if (changed) await this.sources.saveCommitSignature(source.name, { ...check, checkedAt: new Date().toISOString() });
    if (!check.verified) {
      this.logger.warn({ source: source.name, revision, reason: check.reason }, 'head commit not deployed: its signature does not verify with a trusted key; targets keep the last deployed revision');
      return false;
    }
    if (changed) this.logger.log({ source: source.name, revision, key: check.keyFingerprint, signer: check.signer }, 'head commit signature verified');
    return true;
  }

  /** The parsed keys of `policy`, cached per source while its armored keys stay the same. */
  private trustedKeys(source: string, policy: CommitSignaturePolicy): Promise<PublicKey[]> {
    const armored = policy.trustedKeys.map((k) => k.armored).join('\n');
    const cached = this.keyrings.get(source);
    if (cached?.armored === armored) return cached.keys;
    const keys = readTrustedKeys(policy.trustedKeys);
    this.keyrings.set(source, { armored, keys });
    keys.catch(() => this.keyrings.delete(source));
    return keys;
  }

  /**
   * One bundle: resolve its targets, render each distinct variant once, record the bundle row,
   * then publish changed targets and add targets no longer resolved to `planned` (withdrawn by the
   * caller after the mass-deletion guard). A BundleError in the scan or in any variant marks the
   * bundle Failed and changes none of its targets; a paused bundle is recorded but not published.
   */
  private async reconcileBundle(
    dir: string,
    source: SourceEntity,
    revision: string,
    sb: ScannedBundle,
    id: string,
    known: BundleEntity | undefined,
    clusters: ClusterInfo[],
    groups: ClusterGroupInfo[],
    existing: TargetEntity[],
    planned: PlannedWithdrawal[],
    result: PipelineResult,
  ): Promise<void> {
    const row: BundleEntity = {
      id,
      source: source.name,
      path: sb.path,
      name: sb.spec.name ?? (sb.path || source.name),
      labels: sb.spec.labels ?? {},
      revision,
      state: 'Ready',
      errors: [],
      warnings: sb.warnings,
      updatedAt: new Date(),
    };
    // a fleet.yaml that does not parse says nothing of the bundle's name or labels: keep the known ones
    if (sb.error) return this.markFailed(known ? { ...row, name: known.name, labels: known.labels } : row, [problemOf(sb.error, sb.path)], result);

    // targeting
    let resolved: ResolvedTarget[];
    try {
      resolved = this.toolkit.resolveTargets(sb.spec, clusters, groups, source.targets ?? undefined);
    } catch (err) {
      return this.markFailed(row, [problemOf(err, sb.path)], result);
    }
    // Helm: the release name defaults to the bundle id (Fleet: the bundle name)
    for (const t of resolved) if (t.variant.helm && !t.variant.helm.releaseName) t.variant.helm.releaseName = helmReleaseName(id);
    if (source.kustomizeRemoteBases) for (const t of resolved) t.variant.kustomizeRemoteBases = true; // source setting, part of the render key

    // render every distinct variant once
    const byVariant = new Map<string, RenderedManifest>();
    const problems: BundleProblem[] = [];
    for (const t of resolved) {
      const key = this.toolkit.variantKey(t.variant);
      if (byVariant.has(key)) continue;
      const rendered = await this.render(dir, source.name, revision, sb.path, id, t, key);
      if (rendered instanceof BundleError) problems.push(problemOf(rendered, sb.path));
      else byVariant.set(key, rendered);
    }
    if (problems.length > 0) return this.markFailed(row, dedupeProblems(problems), result);
    await this.bundles.upsert([row]);
    if (sb.spec.paused) return; // Fleet: a paused bundle is targeted but not deployed

    // publish changed targets
    const resolvedClusters = new Set<string>();
    for (const t of resolved) {
      resolvedClusters.add(t.cluster);
      const rendered = byVariant.get(this.toolkit.variantKey(t.variant))!;
      const prev = existing.find((e) => e.cluster === t.cluster);
      await this.publish(source, sb.path, id, revision, t, rendered, prev, result);
    }
    // targets no longer resolved (cluster relabelled, customization doNotDeploy, …): planned for
    // withdrawal, which the caller does after the mass-deletion guard
    for (const e of existing) {
      if (!resolvedClusters.has(e.cluster)) planned.push({ cluster: e.cluster, bundleId: id, reason: `cluster ${e.cluster} is no longer targeted by bundle ${id} at ${revision.slice(0, 7)}` });
    }
  }

  private async markFailed(row: BundleEntity, problems: BundleProblem[], result: PipelineResult): Promise<void> {
    result.failedBundles++;
    this.logger.warn({ bundle: row.id, revision: row.revision, errors: problems }, 'bundle failed; targets keep their last good revision');
    await this.bundles.upsert([{ ...row, state: 'Failed', errors: problems }]);
  }

  /**
   * Renders one variant (cached by source, revision, bundle path and variant key) and encodes
   * it as a BundleManifest. Returns the BundleError instead of throwing it (also cached).
   * @throws any non-BundleError failure (I/O trouble is not terminal, so it is not cached).
   */
  private async render(
    dir: string,
    source: string,
    revision: string,
    path: string,
    id: string,
    target: ResolvedTarget,
    key: string,
  ): Promise<RenderedManifest | BundleError> {
    const cacheKey = JSON.stringify([source, revision, path, id, key]);
    const cached = this.renders.get(cacheKey);
    if (cached) return cached;
    let out: RenderedManifest | BundleError;
    try {
      const objects = await this.toolkit.renderBundle(dir, path, target.variant);
      out = encodeManifest(id, objects);
    } catch (err) {
      if (!(err instanceof BundleError)) throw err;
      out = err;
    }
    this.renders.set(cacheKey, out);
    return out;
  }

  /**
   * Publishes one target unless its last published state has the same digest, target
   * namespace, default namespace, sync policy, ignore rules and take_ownership (then nothing is
   * written: an unchanged cluster sees no KV update, even when only the revision moved). A change
   * of policy, rules or take_ownership alone republishes (generation + 1, same digest). The
   * manual sync counter carries over. Object store first, then KV, then the targets row, so the
   * row never claims more than what the agent can read.
   */
  private async publish(
    source: SourceEntity,
    path: string,
    bundleId: string,
    revision: string,
    t: ResolvedTarget,
    rendered: RenderedManifest,
    prev: TargetEntity | undefined,
    result: PipelineResult,
  ): Promise<void> {
    const targetNamespace = t.targetNamespace ?? '';
    const defaultNamespace = t.defaultNamespace ?? '';
    const syncPolicy: SyncPolicyJson = { automated: t.syncPolicy.automated, prune: t.syncPolicy.prune, selfHeal: t.syncPolicy.selfHeal };
    const ignoreDifferences: IgnoreDifferenceJson[] = t.ignoreDifferences.map((r) => ({ ...r, jsonPointers: [...r.jsonPointers], managers: [...r.managers] }));
    const takeOwnership = t.takeOwnership ?? true;
    if (
      prev &&
      prev.digest === rendered.digest &&
      prev.targetNamespace === targetNamespace &&
      prev.defaultNamespace === defaultNamespace &&
      sameSyncPolicy(prev.syncPolicy, syncPolicy) &&
      sameRules(prev.ignoreDifferences ?? [], ignoreDifferences) &&
      (prev.takeOwnership ?? true) === takeOwnership
    ) {
      result.unchanged++;
      return;
    }
    if (await this.publishing.putBundleIfAbsent(rendered.digest, rendered.bytes)) result.stored++;
    const key = { cluster: t.cluster, bundleId };
    const generation = (prev ? prev.generation : await this.firstGenerationBase(key)) + 1;
    const row: TargetEntity = {
      cluster: t.cluster,
      bundleId,
      source: source.name,
      revision,
      digest: rendered.digest,
      generation,
      targetNamespace,
      defaultNamespace,
      syncPolicy,
      publishedAt: new Date(),
      ignoreDifferences,
      syncRequest: prev?.syncRequest ?? 0,
      takeOwnership,
    };
    await this.publishing.putDesiredState(desiredStateKey(t.cluster, bundleId), desiredStateOf(row, path));
    await this.targets.upsert(row);
    result.published++;
  }

  /** For a new target: the highest generation ever used for its key (DB rows or KV history). */
  private async firstGenerationBase(key: { cluster: string; bundleId: string }): Promise<number> {
    const [db, kv] = await Promise.all([this.targets.lastGeneration(key), this.publishing.lastPublishedGeneration(desiredStateKey(key.cluster, key.bundleId))]);
    return Math.max(db, kv);
  }

  /**
   * Withdraws a target: writes a signed tombstone at its KV key (DesiredState withdrawn = true,
   * generation + 1, empty digest, `reason`; the agent prunes the objects it owns for the target),
   * then deletes the targets row. The key is never deleted: a bare KV delete is not a withdrawal
   * for agents, and the tombstone keeps the generation a later re-publish continues above.
   * `revision` is the commit that withdrew it (default: the row's).
   */
  private async unpublish(t: TargetEntity, path: string, reason: string, result: PipelineResult, revision = t.revision): Promise<void> {
    const tombstone = desiredStateOf({ ...t, revision, generation: t.generation + 1, publishedAt: new Date() }, path);
    tombstone.digest = '';
    tombstone.withdrawn = true;
    tombstone.withdrawalReason = reason;
    await this.publishing.putDesiredState(desiredStateKey(t.cluster, t.bundleId), tombstone);
    await this.targets.delete({ cluster: t.cluster, bundleId: t.bundleId });
    this.logger.log({ cluster: t.cluster, bundle: t.bundleId, generation: t.generation + 1, reason }, 'target withdrawn (signed tombstone)');
    result.deleted++;
  }
}

/**
 * Encodes rendered objects as a fleet.v1 BundleManifest (objects as canonical JSON, in render
 * order) and computes its digest. The manifest holds content only (no revision), so the same
 * render at a later commit has the same digest.
 */
export function encodeManifest(bundleId: string, objects: Array<{ file: string; object: unknown }>): RenderedManifest {
  const manifestObjects = objects.map((o) => ({ file: o.file, json: canonicalJson(o.object) }));
  const manifest = create(BundleManifestSchema, { contractVersion: CONTRACT_VERSION, bundleId, objects: manifestObjects });
  const bytes = toBinary(BundleManifestSchema, manifest);
  return { bytes, digest: bundleDigest(bytes) };
}

/**
 * The DesiredState of a targets row (what the row says was published) for a bundle at `path`:
 * fleet.v1 DesiredState with the row's revision, digest, namespaces, sync policy, ignore rules,
 * generation, sync_request and take_ownership (true when the row has none), and `published_at` =
 * the row's publishedAt.
 */
export function desiredStateOf(row: TargetEntity, path: string): DesiredState {
  return create(DesiredStateSchema, {
    contractVersion: CONTRACT_VERSION,
    cluster: row.cluster,
    bundleId: row.bundleId,
    revision: row.revision,
    digest: row.digest,
    syncPolicy: create(SyncPolicySchema, row.syncPolicy),
    generation: BigInt(row.generation),
    defaultNamespace: row.defaultNamespace,
    targetNamespace: row.targetNamespace,
    source: row.source,
    path,
    publishedAt: row.publishedAt.toISOString(),
    ignoreDifferences: (row.ignoreDifferences ?? []).map((r) => create(IgnoreDifferenceSchema, r)),
    syncRequest: BigInt(row.syncRequest ?? 0),
    takeOwnership: row.takeOwnership ?? true,
  });
}

function sameRules(a: IgnoreDifferenceJson[], b: IgnoreDifferenceJson[]): boolean {
  const norm = (rules: IgnoreDifferenceJson[]) => JSON.stringify(rules.map((r) => [r.group, r.kind, r.namespace, r.name, r.jsonPointers, r.managers]));
  return norm(a) === norm(b);
}

function sameSyncPolicy(a: SyncPolicyJson | null | undefined, b: SyncPolicyJson): boolean {
  return !!a && a.automated === b.automated && a.prune === b.prune && a.selfHeal === b.selfHeal;
}

function problemOf(err: unknown, bundlePath: string): BundleProblem {
  if (err instanceof BundleError) return { file: err.file, message: err.reason };
  return { file: bundlePath || '.', message: errMessage(err) };
}

function dedupeProblems(problems: BundleProblem[]): BundleProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.file}\n${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
