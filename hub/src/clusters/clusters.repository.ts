import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { ClusterEntity } from './cluster.entity.js';

/** One heartbeat to record: the newest per cluster wins. */
export interface HeartbeatUpdate {
  cluster: string;
  agentVersion: string;
  seenAt: Date;
  /** The cluster's Kubernetes version the agent reported; empty or absent = not reported (kept as it was). */
  kubernetesVersion?: string;
}

/** What recordHeartbeats changed. */
export interface HeartbeatResult {
  /** Number of clusters updated (unknown clusters and stale heartbeats are not). */
  updated: number;
  /** Clusters whose kubernetes_version changed (including from null), by name: their Helm bundles must re-render. */
  kubernetesVersionChanged: string[];
}

/** Longest kubernetes_version stored; a longer reported value is cut (it is an agent's free text). */
const MAX_KUBERNETES_VERSION = 64;

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

  /** The cluster `name`, or null (read in `manager`'s transaction when given). */
  get(name: string, manager?: EntityManager): Promise<ClusterEntity | null> {
    return this.on(manager).findOneBy({ name });
  }

  /** Inserts a cluster; returns false when the name is taken (nothing written). */
  async create(name: string, labels: Record<string, string>, manager?: EntityManager): Promise<boolean> {
    const res = await this.on(manager).createQueryBuilder().insert().values({ name, labels }).orIgnore().returning(['name']).execute();
    return (res.raw as unknown[]).length > 0;
  }

  /** Replaces the labels; returns false when the cluster does not exist. */
  async setLabels(name: string, labels: Record<string, string>, manager?: EntityManager): Promise<boolean> {
    const res = await this.on(manager).update({ name }, { labels });
    return (res.affected ?? 0) > 0;
  }

  private on(manager?: EntityManager): Repository<ClusterEntity> {
    return manager ? manager.getRepository(ClusterEntity) : this.repo;
  }

  /** Deletes the cluster; returns false when it did not exist. */
  async delete(name: string): Promise<boolean> {
    const res = await this.repo.delete({ name });
    return (res.affected ?? 0) > 0;
  }

  /**
   * Records heartbeats in one statement: last_seen_at only moves forward; agent_version and
   * kubernetes_version take the heartbeat's value unless it is empty; unknown clusters are
   * ignored. At most one update per cluster (the caller keeps the newest).
   * @returns how many clusters were updated and which ones changed Kubernetes version.
   */
  async recordHeartbeats(updates: HeartbeatUpdate[]): Promise<HeartbeatResult> {
    if (updates.length === 0) return { updated: 0, kubernetesVersionChanged: [] };
    // `prev` is the same row before the update (a self-join in UPDATE … FROM reads the old version)
    const rows = (await this.dataSource.query(
      `UPDATE clusters c
          SET last_seen_at = GREATEST(c.last_seen_at, u.seen_at),
              agent_version = COALESCE(NULLIF(u.agent_version, ''), c.agent_version),
              kubernetes_version = COALESCE(NULLIF(u.kubernetes_version, ''), c.kubernetes_version)
         FROM (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(cluster text, agent_version text, kubernetes_version text, seen_at timestamptz)) u,
              clusters prev
        WHERE c.name = u.cluster AND prev.name = c.name AND (c.last_seen_at IS NULL OR c.last_seen_at <= u.seen_at)
        RETURNING c.name AS name, (c.kubernetes_version IS DISTINCT FROM prev.kubernetes_version) AS changed`,
      [
        JSON.stringify(
          updates.map((u) => ({
            cluster: u.cluster,
            agent_version: u.agentVersion,
            kubernetes_version: (u.kubernetesVersion ?? '').trim().slice(0, MAX_KUBERNETES_VERSION),
            seen_at: u.seenAt.toISOString(),
          })),
        ),
      ],
    )) as [Array<{ name: string; changed: boolean }>, number] | Array<{ name: string; changed: boolean }>;
    // pg via TypeORM returns [rows, count] for UPDATE … RETURNING
    const list = Array.isArray(rows[0]) ? (rows[0] as Array<{ name: string; changed: boolean }>) : (rows as Array<{ name: string; changed: boolean }>);
    return { updated: list.length, kubernetesVersionChanged: list.filter((r) => r.changed).map((r) => r.name).sort() };
  }
}
