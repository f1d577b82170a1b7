import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../errors.js';
import { emptyHealthCounts, emptySyncCounts } from '../targets/status-mapping.js';
import { StatusRepository, type BundleStatusCounts } from '../targets/status.repository.js';
import { HEALTH_NAMES } from '../targets/status.types.js';
import { NO_REPORT_MESSAGE, rollUpMessage, rollUpTargets } from '../targets/health-rollup.js';
import { TargetsService } from '../targets/targets.service.js';
import type { BundleEntity } from './bundle.entity.js';
import type { BundleView, SyncResultView } from './bundles.dto.js';
import { BundlesRepository } from './bundles.repository.js';
import { ManualSync } from '../pipeline.js';

/** Bundles: read side with fleet-wide health/sync roll-ups (the pipeline writes them), and manual sync. */
@Injectable()
export class BundlesService {
  constructor(
    private readonly bundles: BundlesRepository,
    private readonly statuses: StatusRepository,
    private readonly targets: TargetsService,
    private readonly manualSync: ManualSync,
  ) {}

  /** Every bundle with its target count, health roll-up (no per-target list) and sync counts. */
  async list(): Promise<BundleView[]> {
    const rows = await this.bundles.listWithTargetCounts();
    const counts = await this.statuses.bundleStatusCounts(rows.map((b) => b.id), HEALTH_NAMES);
    return rows.map((b) => toView(b, counts.get(b.id)));
  }

  /** One bundle with its roll-ups and every target, worst health first. @throws NotFoundError */
  async get(id: string): Promise<BundleView> {
    const b = await this.bundles.getWithTargetCount(id);
    if (!b) throw new NotFoundError('bundle', id);
    const targets = await this.targets.list({ bundleId: id });
    const rollUp = rollUpTargets(targets, (t) => t.cluster);
    return {
      ...toView(b, undefined),
      health: { status: rollUp.status, message: rollUp.message, counts: rollUp.counts, targets: rollUp.targets },
      sync: rollUp.sync,
    };
  }

  /**
   * Manual sync: every target of the bundle (or the one on `cluster`) gets sync_request + 1 and
   * is republished with generation + 1 (ManualSync.requestSync).
   * @throws NotFoundError for an unknown bundle, or a cluster the bundle does not target
   */
  async sync(id: string, cluster?: string): Promise<SyncResultView> {
    const b = await this.bundles.getWithTargetCount(id);
    if (!b) throw new NotFoundError('bundle', id);
    return { targets: await this.manualSync.requestSync({ id: b.id, path: b.path }, cluster) };
  }
}

function toView(b: BundleEntity & { targetCount: number }, c: BundleStatusCounts | undefined): BundleView {
  const counts = { ...emptyHealthCounts(), ...c?.health };
  const sync = { ...emptySyncCounts(), ...c?.sync };
  const worst = c?.worst;
  const health = worst
    ? { status: worst.health, message: rollUpMessage(worst.cluster, { status: worst.health, message: worst.reported ? worst.message : NO_REPORT_MESSAGE }), counts }
    : { status: 'Healthy' as const, message: 'no targets', counts };
  return {
    id: b.id,
    source: b.source,
    path: b.path,
    name: b.name,
    labels: b.labels,
    revision: b.revision,
    state: b.state,
    errors: b.errors,
    warnings: b.warnings,
    targetCount: b.targetCount,
    updatedAt: b.updatedAt.toISOString(),
    health,
    sync,
  };
}
