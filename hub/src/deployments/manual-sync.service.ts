/**
 * Manual sync (the sync button, POST /api/v1/bundles/:id/sync): republishes a bundle's targets
 * as last published with sync_request + 1, which tells the agent to apply even when automated
 * sync is off. Takes the same lock as pipeline runs.
 */
import { Injectable, Logger } from '@nestjs/common';
import { NotFoundError } from '../errors.js';
import type { ManualSync, SyncedTarget } from '../pipeline.js';
import type { TargetEntity } from '../targets/target.entity.js';
import { TargetsRepository } from '../targets/targets.repository.js';
import { DesiredStatePublisher } from './desired-state-publisher.service.js';
import { TargetWriteLock } from './target-write-lock.js';

/** Manual sync of one bundle's targets, serialised with pipeline runs (TargetWriteLock). */
@Injectable()
export class ManualSyncService implements ManualSync {
  private readonly logger = new Logger(ManualSyncService.name);

  constructor(
    private readonly targets: TargetsRepository,
    private readonly publisher: DesiredStatePublisher,
    private readonly lock: TargetWriteLock,
  ) {}

  /**
   * Manual sync of one bundle's targets (all of them, or the one on `cluster`): each gets
   * sync_request + 1 and generation + 1 and its DesiredState is written again (KV first, then
   * the row), with everything else as last published. Serialised with pipeline runs, so a run
   * never reuses a generation a sync just wrote. `bundle.path` is the bundle's directory (the
   * DesiredState's `path`).
   * @returns the targets republished, in the order the targets table lists them.
   * @throws NotFoundError when `cluster` is given and the bundle has no target there; Error when
   *   the hub is shutting down.
   */
  requestSync(bundle: { id: string; path: string }, cluster?: string): Promise<SyncedTarget[]> {
    if (this.lock.closing) return Promise.reject(new Error('hub is shutting down'));
    return this.lock.exclusive(async () => {
      const rows = await this.targets.list({ bundleId: bundle.id, cluster });
      if (cluster !== undefined && rows.length === 0) throw new NotFoundError('target', `${cluster}/${bundle.id}`);
      const out: SyncedTarget[] = [];
      for (const row of rows) {
        const next: TargetEntity = { ...row, generation: row.generation + 1, syncRequest: (row.syncRequest ?? 0) + 1, publishedAt: new Date() };
        await this.publisher.write(next, bundle.path);
        out.push({ cluster: row.cluster, bundleId: row.bundleId, syncRequest: next.syncRequest, generation: next.generation });
      }
      this.logger.log({ bundle: bundle.id, cluster, targets: out.length }, 'manual sync requested');
      return out;
    });
  }
}
