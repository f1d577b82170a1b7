import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, In, type EntityManager, type Repository } from 'typeorm';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { StatusHistoryEntity } from './status-history.entity.js';
import { TargetStatusEntity } from './target-status.entity.js';
import type { FailureClassName, HealthName, ObjectDriftJson, ObjectRefJson, ResourceResultJson, SyncStateName, SyncStatusName, TimingsJson } from './status.types.js';

/** One decoded, validated status report ready to store. */
export interface StatusRecord {
  reportId: string;
  cluster: string;
  bundleId: string;
  revision: string;
  digest: string;
  generation: number;
  state: SyncStateName;
  resources: ResourceResultJson[];
  errors: string[];
  timings: TimingsJson | null;
  observedAt: Date;
  receivedAt: Date;
  syncStatus: SyncStatusName;
  /** rolled-up health of the target (derived from its objects when the agent sent none) */
  health: HealthName;
  healthMessage: string;
  drift: ObjectDriftJson[];
  orphaned: ObjectRefJson[];
  /** what started the report: "update", "resync", "drift", "health", "sync-request", "delete" ("" when not said) */
  trigger: string;
  /** sync_request of the DesiredState the report acted on */
  syncRequest: number;
  /** the report records an apply of the desired state (status-mapping.ts reportApplied) */
  applied: boolean;
  /** class of the failure when state is Failed; null (or absent) otherwise, or from an agent that does not say */
  failureClass?: FailureClassName | null;
}

/** Per-bundle counts of its targets by health and by sync status, and its worst target. */
export interface BundleStatusCounts {
  health: Partial<Record<HealthName, number>>;
  sync: Partial<Record<SyncStatusName, number>>;
  /** the target with the worst health (ties: first cluster by name); a target with no report counts as Unknown */
  worst: { cluster: string; health: HealthName; message: string; reported: boolean } | null;
}

/** One applied revision kept for a target (table `target_revisions`). */
export interface KeptRevision {
  digest: string;
  revision: string;
  generation: number;
  /** observed_at of the newest report that applied this digest */
  appliedAt: Date;
}

/** Applied revisions kept per target when the config does not say (GITFLEET_KEEP_REVISIONS). */
export const DEFAULT_KEEP_REVISIONS = 10;

/** The only I/O on tables `target_status`, `status_history` and `target_revisions`. */
@Injectable()
export class StatusRepository {
  private readonly statusRepo: Repository<TargetStatusEntity>;
  private readonly historyRepo: Repository<StatusHistoryEntity>;
  private readonly keepRevisions: number;

  /** `config.keepRevisions`: applied revisions kept per target (default DEFAULT_KEEP_REVISIONS). */
  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(HUB_CONFIG) config?: Pick<HubConfig, 'keepRevisions'>,
  ) {
    this.statusRepo = dataSource.getRepository(TargetStatusEntity);
    this.historyRepo = dataSource.getRepository(StatusHistoryEntity);
    this.keepRevisions = config?.keepRevisions ?? DEFAULT_KEEP_REVISIONS;
  }

  /**
   * Stores a batch of reports in one transaction (two statements, whatever the batch size):
   * every report goes into `status_history` once (ON CONFLICT (report_id) DO NOTHING); only
   * reports that were new there update `target_status`, and only when their generation is
   * greater than the stored one, or equal with an observed_at not earlier (drift and health
   * reports arrive between applies at the same generation) — an older report never overwrites
   * a newer one. `applied_at` moves to the latest observed_at of a report that applied (within
   * the batch too), and never back. Every new report that applied a digest (`applied`) is kept in
   * `target_revisions` (one row per target and digest, with its newest revision, generation and
   * observed_at), and only the newest `keepRevisions` digests per target stay there.
   * @returns the number of reports that were new.
   */
  async storeReports(records: StatusRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    return this.dataSource.transaction(async (em) => {
      const inserted: Array<{ report_id: string }> = await em.query(
        `INSERT INTO status_history (report_id, cluster, bundle_id, revision, digest, generation, state, resources, errors, observed_at, received_at,
                sync_status, health, health_message, drift, orphaned, trigger, sync_request, failure_class)
         SELECT x.report_id, x.cluster, x.bundle_id, x.revision, x.digest, x.generation, x.state, x.resources, x.errors, x.observed_at, x.received_at,
                x.sync_status, x.health, x.health_message, x.drift, x.orphaned, x.trigger, x.sync_request, x.failure_class
           FROM jsonb_to_recordset($1::jsonb) AS x(report_id text, cluster text, bundle_id text, revision text, digest text,
                generation bigint, state text, resources jsonb, errors jsonb, observed_at timestamptz, received_at timestamptz,
                sync_status text, health text, health_message text, drift jsonb, orphaned jsonb, trigger text, sync_request bigint,
                failure_class text)
         ON CONFLICT (report_id) DO NOTHING
         RETURNING report_id`,
        [JSON.stringify(records.map(toRow))],
      );
      const fresh = new Set(inserted.map((r) => r.report_id));
      // newest report per target within the batch (one row per key: Postgres refuses to update a row twice)
      const latest = new Map<string, StatusRecord>();
      const appliedAt = new Map<string, Date>();
      for (const r of records) {
        if (!fresh.has(r.reportId)) continue;
        const key = `${r.cluster}.${r.bundleId}`;
        const prev = latest.get(key);
        if (!prev || r.generation > prev.generation || (r.generation === prev.generation && r.observedAt >= prev.observedAt)) {
          latest.set(key, r);
        }
        const applied = appliedAt.get(key);
        if (r.applied && (!applied || r.observedAt > applied)) appliedAt.set(key, r.observedAt);
      }
      if (latest.size > 0) {
        const rows = [...latest.entries()].map(([key, r]) => ({ ...toRow(r), applied_at: appliedAt.get(key)?.toISOString() ?? null }));
        await em.query(
          `INSERT INTO target_status (cluster, bundle_id, revision, digest, generation, state, resources, errors, timings, observed_at, received_at,
                  sync_status, health, health_message, drift, orphaned, trigger, sync_request, applied_at, failure_class)
           SELECT x.cluster, x.bundle_id, x.revision, x.digest, x.generation, x.state, x.resources, x.errors, x.timings, x.observed_at, x.received_at,
                  x.sync_status, x.health, x.health_message, x.drift, x.orphaned, x.trigger, x.sync_request, x.applied_at, x.failure_class
             FROM jsonb_to_recordset($1::jsonb) AS x(cluster text, bundle_id text, revision text, digest text, generation bigint,
                  state text, resources jsonb, errors jsonb, timings jsonb, observed_at timestamptz, received_at timestamptz,
                  sync_status text, health text, health_message text, drift jsonb, orphaned jsonb, trigger text, sync_request bigint,
                  applied_at timestamptz, failure_class text)
           ON CONFLICT (cluster, bundle_id) DO UPDATE SET
             revision = EXCLUDED.revision, digest = EXCLUDED.digest, generation = EXCLUDED.generation, state = EXCLUDED.state,
             resources = EXCLUDED.resources, errors = EXCLUDED.errors, timings = EXCLUDED.timings,
             observed_at = EXCLUDED.observed_at, received_at = EXCLUDED.received_at,
             sync_status = EXCLUDED.sync_status, health = EXCLUDED.health, health_message = EXCLUDED.health_message,
             drift = EXCLUDED.drift, orphaned = EXCLUDED.orphaned, trigger = EXCLUDED.trigger, sync_request = EXCLUDED.sync_request,
             failure_class = EXCLUDED.failure_class,
             applied_at = GREATEST(target_status.applied_at, EXCLUDED.applied_at)
           WHERE EXCLUDED.generation > target_status.generation
              OR (EXCLUDED.generation = target_status.generation AND EXCLUDED.observed_at >= target_status.observed_at)`,
          [JSON.stringify(rows)],
        );
      }
      const freshRecords = records.filter((r) => fresh.has(r.reportId));
      await this.keepAppliedRevisions(em, freshRecords);
      await this.markHealthy(em, freshRecords);
      return fresh.size;
    });
  }

  /**
   * Records the digests `records` applied in `target_revisions` (newest report per target and
   * digest wins) and trims each touched target to its newest `keepRevisions` rows (by applied_at,
   * then generation).
   */
  private async keepAppliedRevisions(em: EntityManager, records: StatusRecord[]): Promise<void> {
    const newest = new Map<string, StatusRecord>();
    for (const r of records) {
      if (!r.applied || !r.digest) continue;
      const key = `${r.cluster}\u0000${r.bundleId}\u0000${r.digest}`;
      const prev = newest.get(key);
      if (!prev || r.observedAt > prev.observedAt || (r.observedAt.getTime() === prev.observedAt.getTime() && r.generation > prev.generation)) newest.set(key, r);
    }
    if (newest.size === 0) return;
    const rows = [...newest.values()].map((r) => ({ cluster: r.cluster, bundle_id: r.bundleId, digest: r.digest, revision: r.revision, generation: r.generation, applied_at: r.observedAt.toISOString() }));
    await em.query(
      `INSERT INTO target_revisions (cluster, bundle_id, digest, revision, generation, applied_at)
       SELECT x.cluster, x.bundle_id, x.digest, x.revision, x.generation, x.applied_at
         FROM jsonb_to_recordset($1::jsonb) AS x(cluster text, bundle_id text, digest text, revision text, generation bigint, applied_at timestamptz)
       ON CONFLICT (cluster, bundle_id, digest) DO UPDATE SET
         revision = EXCLUDED.revision, generation = EXCLUDED.generation, applied_at = EXCLUDED.applied_at
       WHERE EXCLUDED.applied_at > target_revisions.applied_at
          OR (EXCLUDED.applied_at = target_revisions.applied_at AND EXCLUDED.generation > target_revisions.generation)`,
      [JSON.stringify(rows)],
    );
    await em.query(
      `DELETE FROM target_revisions t
        USING (SELECT cluster, bundle_id, digest,
                      row_number() OVER (PARTITION BY cluster, bundle_id ORDER BY applied_at DESC, generation DESC) AS n
                 FROM target_revisions
                WHERE (cluster, bundle_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))) r
        WHERE r.n > $3 AND t.cluster = r.cluster AND t.bundle_id = r.bundle_id AND t.digest = r.digest`,
      [rows.map((r) => r.cluster), rows.map((r) => r.bundle_id), this.keepRevisions],
    );
  }

  /**
   * Sets `healthy_at` (once: the first time) on the kept revision of each report of `records`
   * that says its digest is Healthy and Synced: the revision an automatic rollback may go back to
   * (deployments/rollout-controller). A report only speaks for the digest it carries.
   */
  private async markHealthy(em: EntityManager, records: StatusRecord[]): Promise<void> {
    const first = new Map<string, StatusRecord>();
    for (const r of records) {
      if (!r.digest || r.health !== 'Healthy' || r.syncStatus !== 'Synced') continue;
      const key = `${r.cluster}\u0000${r.bundleId}\u0000${r.digest}`;
      const prev = first.get(key);
      if (!prev || r.observedAt < prev.observedAt) first.set(key, r);
    }
    if (first.size === 0) return;
    const rows = [...first.values()].map((r) => ({ cluster: r.cluster, bundle_id: r.bundleId, digest: r.digest, at: r.observedAt.toISOString() }));
    await em.query(
      `UPDATE target_revisions t SET healthy_at = x.at
         FROM jsonb_to_recordset($1::jsonb) AS x(cluster text, bundle_id text, digest text, at timestamptz)
        WHERE t.cluster = x.cluster AND t.bundle_id = x.bundle_id AND t.digest = x.digest AND t.healthy_at IS NULL`,
      [JSON.stringify(rows)],
    );
  }

  /** The applied revisions kept for a target, newest first (at most GITFLEET_KEEP_REVISIONS). */
  async keptRevisions(cluster: string, bundleId: string): Promise<KeptRevision[]> {
    const rows: Array<{ digest: string; revision: string; generation: string; applied_at: Date }> = await this.dataSource.query(
      `SELECT digest, revision, generation, applied_at FROM target_revisions WHERE cluster = $1 AND bundle_id = $2 ORDER BY applied_at DESC, generation DESC`,
      [cluster, bundleId],
    );
    return rows.map((r) => ({ digest: r.digest, revision: r.revision, generation: Number(r.generation), appliedAt: r.applied_at }));
  }

  /** Latest status of each listed target (missing ones are absent from the map, key `cluster.bundleId`). */
  async getStatuses(keys: Array<{ cluster: string; bundleId: string }>): Promise<Map<string, TargetStatusEntity>> {
    if (keys.length === 0) return new Map();
    const clusters = [...new Set(keys.map((k) => k.cluster))];
    const rows = await this.statusRepo.find({ where: { cluster: In(clusters) } });
    const wanted = new Set(keys.map((k) => `${k.cluster}.${k.bundleId}`));
    return new Map(rows.map((r) => [`${r.cluster}.${r.bundleId}`, r] as const).filter(([k]) => wanted.has(k)));
  }

  /**
   * Health and sync counts over the published targets of each listed bundle (targets LEFT JOIN
   * target_status: a target with no report counts as Unknown), plus its worst target by
   * `healthRank` (health names, worst first). Two aggregate queries, whatever the fleet size.
   */
  async bundleStatusCounts(bundleIds: string[], healthRank: readonly HealthName[]): Promise<Map<string, BundleStatusCounts>> {
    const out = new Map<string, BundleStatusCounts>();
    if (bundleIds.length === 0) return out;
    const join = `FROM targets t LEFT JOIN target_status s ON s.cluster = t.cluster AND s.bundle_id = t.bundle_id WHERE t.bundle_id = ANY($1)`;
    const [counts, worst] = await Promise.all([
      this.dataSource.query(
        `SELECT t.bundle_id, coalesce(s.health, 'Unknown') AS health, coalesce(s.sync_status, 'Unknown') AS sync_status, count(*)::int AS n
           ${join} GROUP BY 1, 2, 3`,
        [bundleIds],
      ) as Promise<Array<{ bundle_id: string; health: HealthName; sync_status: SyncStatusName; n: number }>>,
      this.dataSource.query(
        `SELECT DISTINCT ON (t.bundle_id) t.bundle_id, t.cluster, coalesce(s.health, 'Unknown') AS health,
                coalesce(s.health_message, '') AS message, s.cluster IS NOT NULL AS reported
           ${join}
          ORDER BY t.bundle_id, coalesce(array_position($2::text[], coalesce(s.health, 'Unknown')), 0), t.cluster`,
        [bundleIds, healthRank],
      ) as Promise<Array<{ bundle_id: string; cluster: string; health: HealthName; message: string; reported: boolean }>>,
    ]);
    const entry = (id: string) => {
      let e = out.get(id);
      if (!e) out.set(id, (e = { health: {}, sync: {}, worst: null }));
      return e;
    };
    for (const r of counts) {
      const e = entry(r.bundle_id);
      e.health[r.health] = (e.health[r.health] ?? 0) + r.n;
      e.sync[r.sync_status] = (e.sync[r.sync_status] ?? 0) + r.n;
    }
    for (const r of worst) entry(r.bundle_id).worst = { cluster: r.cluster, health: r.health, message: r.message, reported: r.reported };
    return out;
  }

  /** The latest `limit` reports of a target, newest first. */
  history(cluster: string, bundleId: string, limit = 50): Promise<StatusHistoryEntity[]> {
    return this.historyRepo.find({ where: { cluster, bundleId }, order: { observedAt: 'DESC', receivedAt: 'DESC' }, take: limit });
  }
}

function toRow(r: StatusRecord) {
  return {
    report_id: r.reportId,
    cluster: r.cluster,
    bundle_id: r.bundleId,
    revision: r.revision,
    digest: r.digest,
    generation: r.generation,
    state: r.state,
    resources: r.resources,
    errors: r.errors,
    timings: r.timings,
    observed_at: r.observedAt.toISOString(),
    received_at: r.receivedAt.toISOString(),
    sync_status: r.syncStatus,
    health: r.health,
    health_message: r.healthMessage,
    drift: r.drift,
    orphaned: r.orphaned,
    trigger: r.trigger,
    sync_request: r.syncRequest,
    failure_class: r.failureClass ?? null,
  };
}
