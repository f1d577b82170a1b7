import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask } from '../periodic-task.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { BundleGcRepository } from './bundle-gc.repository.js';
import { collectableDigests } from './bundle-gc.js';
import { PublishingRepository } from './publishing.repository.js';

/** Grace period of an unreferenced bundle object before it is deleted, when the config does not say: 1 h. */
export const DEFAULT_BUNDLE_GC_GRACE_MS = 3_600_000;
/** Period of the bundle GC when the config does not say: 10 min. */
export const DEFAULT_BUNDLE_GC_INTERVAL_MS = 600_000;

/** Outcome of one bundle GC run. */
export interface BundleGcResult {
  /** objects in the store */
  objects: number;
  /** objects no one references (deleted ones included) */
  unreferenced: number;
  /** digests deleted by this run */
  deleted: string[];
}

/**
 * Bundle object GC: every `bundleGcIntervalMs` (one hub replica at a time, under a PostgreSQL
 * advisory lock) deletes the objects of the `fleet_bundles` store that nothing references and
 * that have been unreferenced for `bundleGcGraceMs`. Referenced means: the digest of a target
 * (`targets`), of a latest DesiredState in the KV `fleet_desired`, or, for a target that still
 * exists, of an applied revision kept for rollback (`target_revisions`, GITFLEET_KEEP_REVISIONS per
 * target) or of its agent's last report (`target_status`). References are read again right
 * before deleting, so an object published again in the meantime stays.
 */
@Injectable()
export class BundleGcService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BundleGcService.name);
  private readonly graceMs: number;
  private readonly periodic: PeriodicTask;

  constructor(
    private readonly gc: BundleGcRepository,
    private readonly publishing: PublishingRepository,
    @Optional() @Inject(HUB_CONFIG) config?: Pick<HubConfig, 'bundleGcGraceMs' | 'bundleGcIntervalMs'>,
  ) {
    this.graceMs = config?.bundleGcGraceMs ?? DEFAULT_BUNDLE_GC_GRACE_MS;
    this.periodic = new PeriodicTask(
      config?.bundleGcIntervalMs ?? DEFAULT_BUNDLE_GC_INTERVAL_MS,
      () => this.runOnce(),
      (err) => this.logger.warn({ err: String(err) }, 'bundle GC run failed; next run in one period'),
    );
  }

  /** Starts the periodic run (first run one period after start). */
  onApplicationBootstrap(): void {
    this.periodic.start();
  }

  /** Stops the periodic run and waits for a run in progress. */
  onApplicationShutdown(): Promise<void> {
    return this.periodic.stop();
  }

  /**
   * One GC run. @returns what it found and deleted; undefined when another replica holds the lease.
   * @throws a NATS or database error (nothing is deleted after the first failure).
   */
  runOnce(now = new Date()): Promise<BundleGcResult | undefined> {
    return this.gc.withLease(async () => {
      // list what is stored, then what references it
      const objects = (await this.publishing.listBundleObjects()).map((o) => o.digest);
      const referenced = await this.references();
      // remember since when each unreferenced object has been so
      const unreferenced = objects.filter((d) => !referenced.has(d));
      const since = await this.gc.markUnreferenced(unreferenced, now);
      let due = collectableDigests(objects, referenced, since, now, this.graceMs);
      // read the references again: a publish since the first read keeps its object
      if (due.length > 0) {
        const again = await this.references();
        due = due.filter((d) => !again.has(d));
      }
      for (const digest of due) await this.publishing.deleteBundleObject(digest);
      await this.gc.forgetCandidates(due);
      if (due.length > 0) this.logger.log({ deleted: due.length, objects: objects.length, unreferenced: unreferenced.length }, 'bundle GC deleted unreferenced objects');
      return { objects: objects.length, unreferenced: unreferenced.length, deleted: due };
    });
  }

  private async references(): Promise<Set<string>> {
    const [rows, published] = await Promise.all([this.gc.referencedDigests(), this.publishing.publishedDigests()]);
    for (const d of published) rows.add(d);
    return rows;
  }
}
