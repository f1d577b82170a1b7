/**
 * Previews ("plan" for the fleet, issue #11): a source at a revision or branch, checked out
 * apart from the pipeline's checkout, scanned, targeted and rendered as a pipeline run would,
 * compared with what is published (preview-plan.ts), and dry-run by every targeted agent against
 * its live cluster. A straight line of steps:
 *
 *   checkout → scan and identify bundles → resolve targets and render each bundle (failed,
 *   paused, ready) → compare with the published targets → store the bundle objects of added and
 *   changed targets (content-addressed, as publishing does; no DesiredState is written) → ask each
 *   agent to dry-run a signed would-be DesiredState (preview=true) per added, changed or
 *   withdrawn target → result per cluster.
 *
 * Nothing publishes: no KV write, no targets or bundles row, nothing applied on any cluster (the
 * agent refuses a preview desired state anywhere but in a DiffRequest). An agent that does not
 * answer within the agent request timeout (10 s) is reported on its targets; the preview still
 * completes. A preview runs in the background (the API answers 202 with it Pending); a hub that
 * stops meanwhile leaves it unfinished, and the next start marks it Failed.
 */
import { randomUUID } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { CONTRACT_VERSION, type DesiredState, type DiffResponse } from '@gitfleet/proto';
import { AgentReplyError, AgentUnavailableError, InvalidInputError, NotFoundError } from '../errors.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { openSecret } from '../auth/secret-box.js';
import { AgentRequestsRepository } from '../agents/agent-requests.repository.js';
import { PublishingRepository } from '../publishing/publishing.repository.js';
import { BundleError, helmReleaseName, type ScannedBundle } from '../rendering/index.js';
import type { ClusterGroupInfo, ClusterInfo, ResolvedTarget } from '../targeting/index.js';
import { ClusterGroupsRepository } from '../clusters/cluster-groups.repository.js';
import { ClustersRepository } from '../clusters/clusters.repository.js';
import type { TargetEntity } from '../targets/target.entity.js';
import { TargetsRepository } from '../targets/targets.repository.js';
import type { BundleProblem } from '../bundles/bundle.entity.js';
import { BundlesRepository } from '../bundles/bundles.repository.js';
import { type GitCredentials, GitRepository } from '../sources/git.repository.js';
import type { SourceEntity } from '../sources/source.entity.js';
import { SourcesRepository } from '../sources/sources.repository.js';
import { objectRefJson } from '../targets/status-mapping.js';
import { BUNDLE_TOOLKIT, type BundleToolkit } from '../deployments/bundle-toolkit.js';
import { BundleRenderer } from '../deployments/bundle-renderer.service.js';
import { desiredStateOf, type RenderedManifest, targetDraftOf, tombstoneOf } from '../deployments/desired-state.js';
import { crossesGuard, DEFAULT_WITHDRAWAL_GUARD, goneBundles, identifyBundles, type WithdrawalGuard } from '../deployments/withdrawal.js';
import type { PreviewEntity } from './preview.entity.js';
import { compareTargets, type PreviewBundle, type TargetChange } from './preview-plan.js';
import type { PreviewBundleResult, PreviewCluster, PreviewObject, PreviewResult, PreviewTarget } from './preview-result.js';
import { PreviewsRepository } from './previews.repository.js';
import { branchNameProblem } from './previews.dto.js';

/** How many agents are asked at once. */
const AGENT_REQUESTS_IN_FLIGHT = 8;

/** What to preview: a branch's head or a commit of the source's repository. */
export type PreviewRef = { branch: string } | { revision: string };

/** Starts, runs and reads previews. */
@Injectable()
export class PreviewsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PreviewsService.name);
  private readonly running = new Set<Promise<void>>();
  private readonly guard: WithdrawalGuard;
  private closing = false;

  constructor(
    private readonly previews: PreviewsRepository,
    private readonly sources: SourcesRepository,
    private readonly clusters: ClustersRepository,
    private readonly groups: ClusterGroupsRepository,
    private readonly bundles: BundlesRepository,
    private readonly targets: TargetsRepository,
    private readonly git: GitRepository,
    private readonly publishing: PublishingRepository,
    private readonly agents: AgentRequestsRepository,
    private readonly renderer: BundleRenderer,
    @Inject(BUNDLE_TOOLKIT) private readonly toolkit: BundleToolkit,
    @Optional() @Inject(HUB_CONFIG) private readonly config?: Pick<HubConfig, 'secretsKey' | 'withdrawalGuard'>,
  ) {
    this.guard = config?.withdrawalGuard ?? DEFAULT_WITHDRAWAL_GUARD;
  }

  /** Marks previews a stopped hub left Pending or Running Failed (nothing runs them any more). */
  async onApplicationBootstrap(): Promise<void> {
    const n = await this.previews.failUnfinished('the hub stopped before the preview finished; start a new one', new Date());
    if (n > 0) this.logger.warn({ previews: n }, 'previews left unfinished by a stopped hub marked Failed');
  }

  /** Refuses new previews and waits for the running ones. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.running]);
  }

  /**
   * Starts a preview of source `sourceName` at `body.revision` or `body.branch` (exactly one) for
   * `requestedBy`: stores it Pending and runs it in the background. @returns the stored row (Pending).
   * @throws InvalidInputError without exactly one of revision and branch, for a branch name Git
   *   refuses (previews.dto.ts `branchNameProblem`), or when the hub is shutting down;
   *   NotFoundError when the source does not exist.
   */
  async start(sourceName: string, body: { revision?: string; branch?: string }, requestedBy: string): Promise<PreviewEntity> {
    if ((body.revision === undefined) === (body.branch === undefined)) throw new InvalidInputError('give exactly one of revision (a commit SHA) and branch');
    const problem = body.branch !== undefined ? branchNameProblem(body.branch) : undefined;
    if (problem) throw new InvalidInputError(problem);
    const ref: PreviewRef = body.revision !== undefined ? { revision: body.revision } : { branch: body.branch! };
    if (this.closing) throw new InvalidInputError('the hub is shutting down; ask again');
    const source = await this.sources.get(sourceName);
    if (!source) throw new NotFoundError('source', sourceName);
    const row: PreviewEntity = {
      id: randomUUID(),
      source: sourceName,
      branch: 'branch' in ref ? ref.branch : null,
      requestedRevision: 'revision' in ref ? ref.revision : null,
      revision: null,
      phase: 'Pending',
      message: null,
      requestedBy,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
      result: null,
    };
    await this.previews.insert(row);
    const run = this.run(row.id, source, ref).finally(() => this.running.delete(run));
    this.running.add(run);
    return row;
  }

  /** The preview `id`. @throws NotFoundError when unknown (or, with `source`, of another source). */
  async get(id: string, source?: string): Promise<PreviewEntity> {
    const row = await this.previews.get(id);
    if (!row || (source !== undefined && row.source !== source)) throw new NotFoundError('preview', id);
    return row;
  }

  /** The newest previews of `source`, newest first. @throws NotFoundError when the source does not exist. */
  async list(source: string): Promise<PreviewEntity[]> {
    if (!(await this.sources.get(source))) throw new NotFoundError('source', source);
    return this.previews.listBySource(source);
  }

  /** Runs preview `id` to Completed or Failed. Never throws (a failure is stored on the preview). */
  private async run(id: string, source: SourceEntity, ref: PreviewRef): Promise<void> {
    const started = performance.now();
    try {
      await this.previews.markRunning(id, new Date());
      const result = await this.compute(id, source, ref);
      await this.previews.complete(id, result, new Date());
      this.logger.log({ preview: id, source: source.name, clusters: result.clusters.length, ms: Math.round(performance.now() - started) }, 'preview completed');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.logger.warn({ preview: id, source: source.name, err: message }, 'preview failed');
      try {
        await this.previews.fail(id, message, new Date());
      } catch (saveErr) {
        this.logger.error({ preview: id, err: String(saveErr) }, 'cannot record the failed preview');
      }
    } finally {
      await this.git.removePreviewCheckout(id).catch((err: unknown) => this.logger.warn({ preview: id, err: String(err) }, 'cannot remove the preview checkout'));
    }
  }

  /** The steps of the module comment, from checkout to the result. @throws on checkout, scan, database or NATS failure. */
  private async compute(id: string, source: SourceEntity, ref: PreviewRef): Promise<PreviewResult> {
    const [clusterRows, groupRows, knownAll, publishedAll] = await Promise.all([this.clusters.list(), this.groups.list(), this.bundles.listAll(), this.targets.list()]);
    const clusters: ClusterInfo[] = clusterRows.map((c) => ({ name: c.name, labels: c.labels ?? {}, kubernetesVersion: c.kubernetesVersion ?? null }));
    const groups: ClusterGroupInfo[] = groupRows.map((g) => ({ name: g.name, selector: g.selector }));
    const clusterNames = new Set(clusters.map((c) => c.name));
    const known = knownAll.filter((b) => b.source === source.name);
    const published = publishedAll.filter((t) => t.source === source.name && clusterNames.has(t.cluster));

    // check out
    const { dir, revision } = await this.git.checkoutPreview(id, source.url, ref, this.credentialsOf(source));
    await this.previews.saveRevision(id, revision);

    // scan and identify bundles (a scan that fails fails the preview: a run would keep every target)
    let scanned: ScannedBundle[];
    try {
      scanned = await this.toolkit.scanBundles(dir, source.path);
    } catch (err) {
      throw new Error(`bundle scan of ${source.path || '.'} at ${revision.slice(0, 7)} failed: ${err instanceof BundleError ? `${err.file}: ${err.reason}` : String((err as Error).message ?? err)}; a pipeline run would keep every target`, { cause: err });
    }
    const identity = identifyBundles(source.name, scanned, known, (name, sb) => this.toolkit.bundleId(name, sb));

    // resolve targets and render each bundle
    const bundleResults: PreviewBundleResult[] = [];
    const previewBundles: PreviewBundle[] = [];
    const manifests = new Map<string, RenderedManifest>(); // by digest
    for (const { scanned: sb, id: bundleId } of identity.bundles) {
      const outcome = await this.renderBundle(source, dir, revision, clusters, groups, sb, bundleId);
      previewBundles.push(outcome.bundle);
      bundleResults.push({ bundleId, path: sb.path, state: outcome.bundle.state, errors: outcome.bundle.state === 'Failed' ? outcome.bundle.errors : [], warnings: sb.warnings });
      for (const m of outcome.manifests) manifests.set(m.digest, m);
    }
    for (const d of identity.duplicates) {
      const message = `bundle id "${d.id}" is claimed by ${d.paths.map((p) => p || '.').join(', ')}; give each bundle its own fleet.yaml name`;
      previewBundles.push({ id: d.id, path: d.paths[0]!, state: 'Failed', errors: d.paths.map((p) => ({ file: p || '.', message })) });
      bundleResults.push({ bundleId: d.id, path: d.paths[0]!, state: 'Failed', errors: d.paths.map((p) => ({ file: p || '.', message })), warnings: [] });
    }

    // compare with what is published
    const gone = goneBundles(identity, known);
    const changes = compareTargets({ revision, bundles: previewBundles, published, gone, knownPaths: new Map(known.map((b) => [b.id, b.path])) });
    const withdrawals = changes.filter((c) => c.change === 'withdrawn').length;
    const withdrawalHold = crossesGuard(withdrawals, published.length, this.guard)
      ? `a pipeline run would hold ${withdrawals} of ${published.length} withdrawals for an operator's confirmation (mass-deletion guard: at least ${this.guard.min} and more than ${Math.round(this.guard.share * 100)} %)`
      : null;

    // store the bundle objects the agents fetch (content-addressed; not publishing)
    for (const c of changes) {
      if ((c.change === 'added' || c.change === 'changed') && c.draft) {
        const m = manifests.get(c.draft.digest)!;
        await this.publishing.putBundleIfAbsent(m.digest, m.bytes);
      }
    }

    // ask the agents
    const targets = await mapLimit(changes, AGENT_REQUESTS_IN_FLIGHT, (c) => this.dryRun(c, revision));

    // result per cluster
    const byCluster = new Map<string, PreviewCluster>();
    changes.forEach((c, i) => {
      const entry = byCluster.get(c.cluster) ?? { cluster: c.cluster, targets: [] };
      entry.targets.push(targets[i]!);
      byCluster.set(c.cluster, entry);
    });
    return {
      bundles: bundleResults,
      clusters: [...byCluster.values()].sort((a, b) => a.cluster.localeCompare(b.cluster)),
      unidentified: identity.unidentified,
      withdrawalHold,
    };
  }

  /**
   * One bundle as the pipeline's BundleDeployer would handle it (bundle-deployer.service.ts
   * `deploy`, without any write): a fleet.yaml or targeting error or any variant's render error
   * makes it Failed; a paused bundle is Paused; else Ready with one draft per resolved target.
   * The targeting settings the pipeline adds (Helm release name = bundle id, the source's
   * kustomizeRemoteBases) are added here the same way.
   * @throws non-BundleError failures of rendering (I/O).
   */
  private async renderBundle(
    source: SourceEntity, dir: string, revision: string, clusters: ClusterInfo[], groups: ClusterGroupInfo[], sb: ScannedBundle, bundleId: string,
  ): Promise<{ bundle: PreviewBundle; manifests: RenderedManifest[] }> {
    const failed = (errors: BundleProblem[]) => ({ bundle: { id: bundleId, path: sb.path, state: 'Failed' as const, errors }, manifests: [] });
    if (sb.error) return failed([{ file: sb.error.file, message: sb.error.reason }]);
    let resolved: ResolvedTarget[];
    try {
      resolved = this.toolkit.resolveTargets(sb.spec, clusters, groups, source.targets ?? undefined);
      for (const t of resolved) if (t.variant.helm && !t.variant.helm.releaseName) t.variant.helm.releaseName = helmReleaseName(bundleId);
      if (source.kustomizeRemoteBases) for (const t of resolved) t.variant.kustomizeRemoteBases = true;
    } catch (err) {
      return failed([problemOf(err, sb.path)]);
    }
    const { manifests, errors } = await this.renderer.renderVariants({ dir, source: source.name, revision, path: sb.path, id: bundleId }, resolved);
    if (errors.length > 0) return failed(dedupe(errors.map((e) => problemOf(e, sb.path))));
    const drafts = resolved.map((t) => targetDraftOf(source.name, bundleId, revision, t, manifests.get(this.toolkit.variantKey(t.variant))!.digest));
    return { bundle: { id: bundleId, path: sb.path, state: sb.spec.paused ? 'Paused' : 'Ready', drafts }, manifests: [...manifests.values()] };
  }

  /**
   * The preview entry of one target: for an added, changed or withdrawn target, the agent's dry
   * run of the would-be desired state (signed, preview=true; a tombstone for a withdrawal);
   * unchanged and kept targets would see no write, so no agent is asked. An agent that does not
   * answer, or answers unusably, is reported in the entry's errors.
   * @throws nothing but programming errors: agent failures are in the entry.
   */
  private async dryRun(c: TargetChange, revision: string): Promise<PreviewTarget> {
    const entry: PreviewTarget = {
      bundleId: c.bundleId, path: c.path, change: c.change, reason: c.reason,
      publishedDigest: c.published?.digest ?? null, digest: c.change === 'withdrawn' || c.change === 'kept' ? null : c.draft?.digest ?? null,
      objects: [], errors: [], dryRun: false, truncated: 0,
    };
    if (c.change !== 'added' && c.change !== 'changed' && c.change !== 'withdrawn') return entry;
    const now = new Date();
    let desired: DesiredState;
    if (c.change === 'withdrawn') {
      desired = tombstoneOf(c.published!, c.path, c.reason, revision, now);
    } else {
      const prev = c.published;
      const row: TargetEntity = { ...c.draft!, generation: (prev?.generation ?? 0) + 1, publishedAt: now, syncRequest: prev?.syncRequest ?? 0 };
      desired = desiredStateOf(row, c.path);
    }
    desired.preview = true;
    desired.contractVersion = CONTRACT_VERSION;
    let reply: DiffResponse;
    try {
      reply = await this.agents.preview(c.cluster, c.bundleId, this.publishing.sign(desired));
    } catch (err) {
      if (err instanceof AgentUnavailableError || err instanceof AgentReplyError) {
        entry.errors.push(err.message);
        return entry;
      }
      throw err;
    }
    entry.dryRun = true;
    entry.truncated = reply.truncated;
    entry.errors.push(...reply.errors);
    entry.objects = previewObjects(reply);
    return entry;
  }

  /** The Git credentials of `source` (sealed with GITFLEET_SECRETS_KEY), or undefined. @throws Error without the key */
  private credentialsOf(source: SourceEntity): GitCredentials | undefined {
    if (!source.credentialsEnc) return undefined;
    if (!this.config?.secretsKey) throw new Error('source has encrypted credentials but GITFLEET_SECRETS_KEY is not set');
    return JSON.parse(openSecret(this.config.secretsKey, source.name, source.credentialsEnc)) as GitCredentials;
  }
}

/**
 * The objects of an agent's DiffResponse as preview objects: a missing object → create; one with
 * field diffs → change (its diffs, fleet.v1 FieldDiff); prune → prune; orphaned → orphan. Sorted
 * by action, kind, namespace, name. Pure.
 */
export function previewObjects(reply: Pick<DiffResponse, 'objects' | 'prune' | 'orphaned'>): PreviewObject[] {
  const out: PreviewObject[] = [];
  for (const o of reply.objects) {
    const ref = objectRefJson(o.object);
    out.push({ ...ref, action: o.missing ? 'create' : 'change', diffs: o.missing ? [] : o.diffs.map((d) => ({ path: d.path, desired: d.desired, live: d.live, manager: d.manager })) });
  }
  for (const p of reply.prune) out.push({ ...objectRefJson(p), action: 'prune', diffs: [] });
  for (const p of reply.orphaned) out.push({ ...objectRefJson(p), action: 'orphan', diffs: [] });
  const rank = { create: 0, change: 1, prune: 2, orphan: 3 };
  return out.sort((a, b) => rank[a.action] - rank[b.action] || a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** `fn` over `items` with at most `limit` calls in flight; results in item order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A bundle problem of `err`: a BundleError names its file; anything else is put on the bundle directory. */
function problemOf(err: unknown, bundlePath: string): BundleProblem {
  if (err instanceof BundleError) return { file: err.file, message: err.reason };
  return { file: bundlePath || '.', message: err instanceof Error ? err.message : String(err) };
}

/** `problems` without repeats (same file and message). */
function dedupe(problems: BundleProblem[]): BundleProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(`${p.file}\n${p.message}`) && !!seen.add(`${p.file}\n${p.message}`));
}

