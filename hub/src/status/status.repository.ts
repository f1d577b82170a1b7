import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import { StatusHistoryEntity } from './status-history.entity.js';
import { TargetStatusEntity } from './target-status.entity.js';
import type { ResourceResultJson, SyncStateName, TimingsJson } from './status.types.js';

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
}

/** The only I/O on tables `target_status` and `status_history`. */
@Injectable()
export class StatusRepository {
  private readonly statusRepo: Repository<TargetStatusEntity>;
  private readonly historyRepo: Repository<StatusHistoryEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.statusRepo = dataSource.getRepository(TargetStatusEntity);
    this.historyRepo = dataSource.getRepository(StatusHistoryEntity);
  }

  /**
   * Stores a batch of reports in one transaction: every report goes into `status_history` once
   * (ON CONFLICT (report_id) DO NOTHING); only reports that were new there update
   * `target_status`, and only when their generation is >= the stored one (ties: later
   * observed_at wins). @returns the number of reports that were new.
   */
  async storeReports(records: StatusRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    return this.dataSource.transaction(async (em) => {
      const inserted: Array<{ report_id: string }> = await em.query(
        `INSERT INTO status_history (report_id, cluster, bundle_id, revision, digest, generation, state, resources, errors, observed_at, received_at)
         SELECT x.report_id, x.cluster, x.bundle_id, x.revision, x.digest, x.generation, x.state, x.resources, x.errors, x.observed_at, x.received_at
           FROM jsonb_to_recordset($1::jsonb) AS x(report_id text, cluster text, bundle_id text, revision text, digest text,
                generation bigint, state text, resources jsonb, errors jsonb, observed_at timestamptz, received_at timestamptz)
         ON CONFLICT (report_id) DO NOTHING
         RETURNING report_id`,
        [JSON.stringify(records.map(toRow))],
      );
      const fresh = new Set(inserted.map((r) => r.report_id));
      // newest report per target within the batch (one row per key: Postgres refuses to update a row twice)
      const latest = new Map<string, StatusRecord>();
      for (const r of records) {
        if (!fresh.has(r.reportId)) continue;
        const key = `${r.cluster}.${r.bundleId}`;
        const prev = latest.get(key);
        if (!prev || r.generation > prev.generation || (r.generation === prev.generation && r.observedAt >= prev.observedAt)) {
          latest.set(key, r);
        }
      }
      if (latest.size > 0) {
        await em.query(
          `INSERT INTO target_status (cluster, bundle_id, revision, digest, generation, state, resources, errors, timings, observed_at, received_at)
           SELECT x.cluster, x.bundle_id, x.revision, x.digest, x.generation, x.state, x.resources, x.errors, x.timings, x.observed_at, x.received_at
             FROM jsonb_to_recordset($1::jsonb) AS x(cluster text, bundle_id text, revision text, digest text, generation bigint,
                  state text, resources jsonb, errors jsonb, timings jsonb, observed_at timestamptz, received_at timestamptz)
           ON CONFLICT (cluster, bundle_id) DO UPDATE SET
             revision = EXCLUDED.revision, digest = EXCLUDED.digest, generation = EXCLUDED.generation, state = EXCLUDED.state,
             resources = EXCLUDED.resources, errors = EXCLUDED.errors, timings = EXCLUDED.timings,
             observed_at = EXCLUDED.observed_at, received_at = EXCLUDED.received_at
           WHERE EXCLUDED.generation > target_status.generation
              OR (EXCLUDED.generation = target_status.generation AND EXCLUDED.observed_at >= target_status.observed_at)`,
          [JSON.stringify([...latest.values()].map(toRow))],
        );
      }
      return fresh.size;
    });
  }

  /** Latest status of each listed target (missing ones are absent from the map, key `cluster.bundleId`). */
  async getStatuses(keys: Array<{ cluster: string; bundleId: string }>): Promise<Map<string, TargetStatusEntity>> {
    if (keys.length === 0) return new Map();
    const clusters = [...new Set(keys.map((k) => k.cluster))];
    const rows = await this.statusRepo.find({ where: { cluster: In(clusters) } });
    const wanted = new Set(keys.map((k) => `${k.cluster}.${k.bundleId}`));
    return new Map(rows.map((r) => [`${r.cluster}.${r.bundleId}`, r] as const).filter(([k]) => wanted.has(k)));
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
  };
}
