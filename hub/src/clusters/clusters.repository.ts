import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { ClusterEntity } from './cluster.entity.js';

/** One heartbeat to record: the newest per cluster wins. */
export interface HeartbeatUpdate {
  cluster: string;
  agentVersion: string;
  seenAt: Date;
}

/** The only I/O on table `clusters`. */
@Injectable()
export class ClustersRepository {
  private readonly repo: Repository<ClusterEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(ClusterEntity);
  }

  /** All clusters, by name. */
  list(): Promise<ClusterEntity[]> {
    return this.repo.find({ order: { name: 'ASC' } });
  }

  /** The cluster `name`, or null. */
  get(name: string): Promise<ClusterEntity | null> {
    return this.repo.findOneBy({ name });
  }

  /** Inserts a cluster; returns false when the name is taken (nothing written). */
  async create(name: string, labels: Record<string, string>): Promise<boolean> {
    const res = await this.repo.createQueryBuilder().insert().values({ name, labels }).orIgnore().returning(['name']).execute();
    return (res.raw as unknown[]).length > 0;
  }

  /** Replaces the labels; returns false when the cluster does not exist. */
  async setLabels(name: string, labels: Record<string, string>): Promise<boolean> {
    const res = await this.repo.update({ name }, { labels });
    return (res.affected ?? 0) > 0;
  }

  /** Deletes the cluster; returns false when it did not exist. */
  async delete(name: string): Promise<boolean> {
    const res = await this.repo.delete({ name });
    return (res.affected ?? 0) > 0;
  }

  /**
   * Records heartbeats in one statement: last_seen_at only moves forward; unknown clusters are
   * ignored. @returns the number of clusters updated.
   */
  async recordHeartbeats(updates: HeartbeatUpdate[]): Promise<number> {
    if (updates.length === 0) return 0;
    const res: unknown = await this.dataSource.query(
      `UPDATE clusters c SET last_seen_at = GREATEST(c.last_seen_at, u.seen_at), agent_version = COALESCE(NULLIF(u.agent_version, ''), c.agent_version)
         FROM (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(cluster text, agent_version text, seen_at timestamptz)) u
        WHERE c.name = u.cluster AND (c.last_seen_at IS NULL OR c.last_seen_at <= u.seen_at)`,
      [JSON.stringify(updates.map((u) => ({ cluster: u.cluster, agent_version: u.agentVersion, seen_at: u.seenAt.toISOString() })))],
    );
    return Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
  }
}
