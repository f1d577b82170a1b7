import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager, type Repository } from 'typeorm';
import { ClusterEntity } from './cluster.entity.js';

/** One heartbeat to record: the newest per cluster wins. */
export interface HeartbeatUpdate {
  cluster: string;
  agentVersion: string;
  seenAt: Date;
  /** The cluster's Kubernetes version the agent reported; empty or absent = not reported (kept as it was). */
  kubernetesVersion?: string;
  /**
   * The spoke-side hold the heartbeat carried (fleet.v1 Heartbeat.hold): a hold sets it, null lifts
   * it (a heartbeat without one), undefined leaves it as it is (a status report says nothing of it).
   */
  hold?: ClusterHold | null;
}

/** A spoke-side hold as stored on the cluster. */
export interface ClusterHold {
  /** the spoke's operators' reason */
  reason: string;
  /** when it began, as the agent says */
  since: Date;
  /** `setting` or `configmap <namespace>/<name>` */
  source: string;
}

/** What recordHeartbeats changed. */
export interface HeartbeatResult {
  /** Number of clusters updated (unknown clusters and stale heartbeats are not). */
  updated: number;
  /** Clusters whose kubernetes_version changed (including from null), by name: their Helm bundles must re-render. */
  kubernetesVersionChanged: string[];
  /** Clusters whose spoke-side hold was set, changed or lifted, by name. */
  holdChanged: string[];
}

/** One row RETURNING of recordHeartbeats. */
interface HeartbeatRow {
  name: string;
  changed: boolean;
  hold_changed: boolean;
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

  /** The clusters of `names` that exist (any order). */
  listByNames(names: string[]): Promise<ClusterEntity[]> {
    if (names.length === 0) return Promise.resolve([]);
    return this.repo.findBy({ name: In(names) });
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
   * kubernetes_version take the heartbeat's value unless it is empty; the hold columns take the
   * heartbeat's hold when it says one (HeartbeatUpdate.hold: set or null) and stay otherwise;
   * unknown clusters and heartbeats older than the last seen are ignored. At most one update per
   * cluster (the caller keeps the newest).
   * @returns how many clusters were updated, which ones changed Kubernetes version, which ones hold.
   */
  async recordHeartbeats(updates: HeartbeatUpdate[]): Promise<HeartbeatResult> {
    if (updates.length === 0) return { updated: 0, kubernetesVersionChanged: [], holdChanged: [] };
    // `prev` is the same row before the update (a self-join in UPDATE … FROM reads the old version)
    const rows = (await this.dataSource.query(
      `UPDATE clusters c
          SET last_seen_at = GREATEST(c.last_seen_at, u.seen_at),
              agent_version = COALESCE(NULLIF(u.agent_version, ''), c.agent_version),
              kubernetes_version = COALESCE(NULLIF(u.kubernetes_version, ''), c.kubernetes_version),
              hold_reason = CASE WHEN u.hold_said THEN u.hold_reason ELSE c.hold_reason END,
              hold_since = CASE WHEN u.hold_said THEN u.hold_since ELSE c.hold_since END,
              hold_source = CASE WHEN u.hold_said THEN u.hold_source ELSE c.hold_source END
         FROM (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(cluster text, agent_version text, kubernetes_version text, seen_at timestamptz,
                                                                hold_said boolean, hold_reason text, hold_since timestamptz, hold_source text)) u,
              clusters prev
        WHERE c.name = u.cluster AND prev.name = c.name AND (c.last_seen_at IS NULL OR c.last_seen_at <= u.seen_at)
        RETURNING c.name AS name, (c.kubernetes_version IS DISTINCT FROM prev.kubernetes_version) AS changed,
                  (c.hold_reason IS DISTINCT FROM prev.hold_reason OR c.hold_since IS DISTINCT FROM prev.hold_since
                   OR c.hold_source IS DISTINCT FROM prev.hold_source) AS hold_changed`,
      [
        JSON.stringify(
          updates.map((u) => ({
            cluster: u.cluster,
            agent_version: u.agentVersion,
            kubernetes_version: (u.kubernetesVersion ?? '').trim().slice(0, MAX_KUBERNETES_VERSION),
            seen_at: u.seenAt.toISOString(),
            hold_said: u.hold !== undefined,
            hold_reason: u.hold?.reason ?? null,
            hold_since: u.hold?.since.toISOString() ?? null,
            hold_source: u.hold?.source ?? null,
          })),
        ),
      ],
    )) as [Array<HeartbeatRow>, number] | Array<HeartbeatRow>;
    // pg via TypeORM returns [rows, count] for UPDATE … RETURNING
    const list = Array.isArray(rows[0]) ? (rows[0] as Array<HeartbeatRow>) : (rows as Array<HeartbeatRow>);
    return {
      updated: list.length,
      kubernetesVersionChanged: list.filter((r) => r.changed).map((r) => r.name).sort(),
      holdChanged: list.filter((r) => r.hold_changed).map((r) => r.name).sort(),
    };
  }
}
