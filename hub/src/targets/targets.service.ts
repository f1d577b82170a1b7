import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../api/errors.js';
import { ClustersRepository } from '../clusters/clusters.repository.js';
import { StatusRepository } from '../status/status.repository.js';
import type { TargetStatusEntity } from '../status/target-status.entity.js';
import type { TargetEntity } from './target.entity.js';
import type { HistoryEntryView, TargetStatusName, TargetView } from './targets.dto.js';
import { TargetsRepository } from './targets.repository.js';

/** Read side of targets: desired (targets table) joined with applied (target_status). */
@Injectable()
export class TargetsService {
  constructor(
    private readonly targets: TargetsRepository,
    private readonly statuses: StatusRepository,
    private readonly clusters: ClustersRepository,
  ) {}

  /** Targets, optionally of one cluster and/or one bundle, with their applied status. */
  async list(filter: { cluster?: string; bundleId?: string }): Promise<TargetView[]> {
    const rows = await this.targets.list(filter);
    const [statuses, clusters] = await Promise.all([this.statuses.getStatuses(rows), this.clusters.list()]);
    const seen = new Map(clusters.map((c) => [c.name, c.lastSeenAt?.toISOString() ?? null]));
    return rows.map((t) => toTargetView(t, statuses.get(`${t.cluster}.${t.bundleId}`) ?? null, seen.get(t.cluster) ?? null));
  }

  /** The latest 50 status reports of a target, newest first. @throws NotFoundError (unknown cluster) */
  async history(cluster: string, bundleId: string): Promise<HistoryEntryView[]> {
    if (!(await this.clusters.get(cluster))) throw new NotFoundError('cluster', cluster);
    const rows = await this.statuses.history(cluster, bundleId, 50);
    return rows.map((h) => ({
      reportId: h.reportId,
      revision: h.revision,
      digest: h.digest,
      generation: h.generation,
      state: h.state,
      resources: h.resources,
      errors: h.errors,
      observedAt: h.observedAt.toISOString(),
      receivedAt: h.receivedAt.toISOString(),
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

function toTargetView(t: TargetEntity, s: TargetStatusEntity | null, lastSeenAt: string | null): TargetView {
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
    },
    applied: s
      ? {
          revision: s.revision,
          digest: s.digest,
          generation: s.generation,
          state: s.state,
          resources: s.resources,
          errors: s.errors,
          timings: s.timings,
          observedAt: s.observedAt.toISOString(),
        }
      : null,
    status: targetStatus(t.generation, s),
    lastSeenAt,
  };
}
