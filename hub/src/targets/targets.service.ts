import { Injectable } from '@nestjs/common';
import { isValidName, type DiffResponse } from '@gitfleet/proto';
import { AgentRequestsRepository } from '../agents/agent-requests.repository.js';
import { NotFoundError } from '../errors.js';
import { ClustersRepository } from '../clusters/clusters.repository.js';
import { objectDriftJson, objectRefJson, sortResourcesWorstFirst } from './status-mapping.js';
import { StatusRepository } from './status.repository.js';
import type { TargetStatusEntity } from './target-status.entity.js';
import { NO_REPORT_MESSAGE, rollUpTargets } from './health-rollup.js';
import type { TargetEntity } from './target.entity.js';
import type { ClusterHealthView, DiffView, HistoryEntryView, TargetStatusName, TargetView } from './targets.dto.js';
import { TargetsRepository } from './targets.repository.js';

/** Read side of targets: desired (targets table) joined with applied (target_status). */
@Injectable()
export class TargetsService {
  constructor(
    private readonly targets: TargetsRepository,
    private readonly statuses: StatusRepository,
    private readonly clusters: ClustersRepository,
    private readonly agents: AgentRequestsRepository,
  ) {}

  /** One target with its applied status. @throws NotFoundError (no such target) */
  async get(cluster: string, bundleId: string): Promise<TargetView> {
    const t = await this.requireTarget(cluster, bundleId);
    const [statuses, c] = await Promise.all([this.statuses.getStatuses([t]), this.clusters.get(cluster)]);
    return toTargetView(t, statuses.get(`${t.cluster}.${t.bundleId}`) ?? null, c?.lastSeenAt?.toISOString() ?? null);
  }

  /**
   * What applying the target's current desired state would change, as its agent computes it
   * (fleet.v1 DiffRequest/DiffResponse over NATS request/reply, 10 s timeout).
   * @throws NotFoundError (no such target); AgentUnavailableError (no agent answered);
   *   AgentReplyError (unusable answer)
   */
  async diff(cluster: string, bundleId: string): Promise<DiffView> {
    await this.requireTarget(cluster, bundleId);
    return toDiffView(cluster, bundleId, await this.agents.diff(cluster, bundleId));
  }

  private async requireTarget(cluster: string, bundleId: string): Promise<TargetEntity> {
    const t = isValidName(cluster) && isValidName(bundleId) ? await this.targets.get({ cluster, bundleId }) : null;
    if (!t) throw new NotFoundError('target', `${cluster}/${bundleId}`);
    return t;
  }

  /** Targets, optionally of one cluster and/or one bundle, with their applied status. */
  async list(filter: { cluster?: string; bundleId?: string }): Promise<TargetView[]> {
    const rows = await this.targets.list(filter);
    const [statuses, clusters] = await Promise.all([this.statuses.getStatuses(rows), this.clusters.list()]);
    const seen = new Map(clusters.map((c) => [c.name, c.lastSeenAt?.toISOString() ?? null]));
    return rows.map((t) => toTargetView(t, statuses.get(`${t.cluster}.${t.bundleId}`) ?? null, seen.get(t.cluster) ?? null));
  }

  /** The targets of `cluster` with their health rolled up (worst first), for the cluster detail view. */
  async ofCluster(cluster: string): Promise<{ targets: TargetView[]; health: ClusterHealthView }> {
    const targets = await this.list({ cluster });
    const r = rollUpTargets(targets, (t) => t.bundleId);
    return { targets, health: { status: r.status, message: r.message, counts: r.counts, sync: r.sync, targets: r.targets } };
  }

  /** The latest `limit` (default 50) status reports of a target, newest first. @throws NotFoundError (unknown cluster) */
  async history(cluster: string, bundleId: string, limit = 50): Promise<HistoryEntryView[]> {
    if (!(await this.clusters.get(cluster))) throw new NotFoundError('cluster', cluster);
    const rows = await this.statuses.history(cluster, bundleId, limit);
    return rows.map((h) => ({
      reportId: h.reportId,
      revision: h.revision,
      digest: h.digest,
      generation: h.generation,
      state: h.state,
      resources: sortResourcesWorstFirst(h.resources),
      errors: h.errors,
      failureClass: h.failureClass ?? null,
      observedAt: h.observedAt.toISOString(),
      receivedAt: h.receivedAt.toISOString(),
      syncStatus: h.syncStatus,
      health: { status: h.health, message: h.healthMessage },
      drift: h.drift,
      orphaned: h.orphaned,
      trigger: h.trigger,
      syncRequest: h.syncRequest,
    }));
  }
}

/**
 * Summary status: Pending while no report of the desired generation (or newer) arrived, else
 * the reported state (Failed stays Failed; Synced; Deleted before a re-publish counts Pending).
 */
export function targetStatus(desiredGeneration: number, applied: Pick<TargetStatusEntity, 'generation' | 'state'> | null): TargetStatusName {
  if (!applied || applied.generation < desiredGeneration) return 'Pending';
  if (applied.state === 'Failed') return 'Failed';
  if (applied.state === 'Synced') return 'Synced';
  return 'Pending';
}

/** A DiffResponse → the API shape. */
export function toDiffView(cluster: string, bundleId: string, r: DiffResponse): DiffView {
  return {
    cluster,
    bundleId,
    revision: r.revision,
    objects: r.objects.map(objectDriftJson),
    prune: r.prune.map(objectRefJson),
    errors: [...r.errors],
  };
}

/**
 * A targets row + its latest status (or null) → the API shape. No report yet: syncStatus and
 * health Unknown, no drift. Applied resources are sorted worst health first.
 */
export function toTargetView(t: TargetEntity, s: TargetStatusEntity | null, lastSeenAt: string | null): TargetView {
  return {
    cluster: t.cluster,
    bundleId: t.bundleId,
    desired: {
      revision: t.revision,
      digest: t.digest,
      generation: t.generation,
      publishedAt: t.publishedAt.toISOString(),
      targetNamespace: t.targetNamespace,
      defaultNamespace: t.defaultNamespace,
      syncPolicy: t.syncPolicy,
      ignoreDifferences: t.ignoreDifferences ?? [],
      syncRequest: t.syncRequest ?? 0,
    },
    applied: s
      ? {
          revision: s.revision,
          digest: s.digest,
          generation: s.generation,
          state: s.state,
          resources: sortResourcesWorstFirst(s.resources),
          errors: s.errors,
          failureClass: s.failureClass ?? null,
          trigger: s.trigger,
          syncRequest: s.syncRequest,
          timings: s.timings,
          observedAt: s.observedAt.toISOString(),
        }
      : null,
    status: targetStatus(t.generation, s),
    lastSeenAt,
    syncStatus: s?.syncStatus ?? 'Unknown',
    health: s ? { status: s.health, message: s.healthMessage } : { status: 'Unknown', message: NO_REPORT_MESSAGE },
    drift: s?.drift ?? [],
    orphaned: s?.orphaned ?? [],
    lastAppliedAt: s?.appliedAt?.toISOString() ?? null,
    syncRequest: t.syncRequest ?? 0,
  };
}
