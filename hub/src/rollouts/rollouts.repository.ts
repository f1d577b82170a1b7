import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager, type Repository } from 'typeorm';
import { BundlePinEntity } from './bundle-pin.entity.js';
import { RolloutClusterEntity } from './rollout-cluster.entity.js';
import { RolloutEntity, type RolloutPhase } from './rollout.entity.js';

/** Phases in which a rollout is still the bundle's current one (the controller evaluates Progressing ones). */
export const ACTIVE_PHASES: readonly RolloutPhase[] = ['Progressing', 'Paused'];

/** A revision a target applied and later reported Healthy (table `target_revisions`). */
export interface HealthyRevision {
  digest: string;
  revision: string;
  healthyAt: Date;
}

/** The only I/O on tables `rollouts`, `rollout_clusters` and `bundle_pins`. */
@Injectable()
export class RolloutsRepository {
  private readonly rollouts: Repository<RolloutEntity>;
  private readonly clusters: Repository<RolloutClusterEntity>;
  private readonly pinsRepo: Repository<BundlePinEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.rollouts = dataSource.getRepository(RolloutEntity);
    this.clusters = dataSource.getRepository(RolloutClusterEntity);
    this.pinsRepo = dataSource.getRepository(BundlePinEntity);
  }

  /** The newest rollout of `bundleId`, whatever its phase; null when it never had one. */
  latest(bundleId: string): Promise<RolloutEntity | null> {
    return this.rollouts.findOne({ where: { bundleId }, order: { createdAt: 'DESC' } });
  }

  /** One rollout by id; null when unknown. */
  get(id: string): Promise<RolloutEntity | null> {
    return this.rollouts.findOne({ where: { id } });
  }

  /** The rollouts of `bundleId`, newest first, at most `limit`. */
  history(bundleId: string, limit = 20): Promise<RolloutEntity[]> {
    return this.rollouts.find({ where: { bundleId }, order: { createdAt: 'DESC' }, take: limit });
  }

  /** Every rollout in a phase of `phases` (default: Progressing), oldest first. */
  inPhase(phases: readonly RolloutPhase[] = ['Progressing']): Promise<RolloutEntity[]> {
    return this.rollouts.find({ where: { phase: In([...phases]) }, order: { createdAt: 'ASC' } });
  }

  /** The clusters of rollout `id`, by cluster name. */
  clustersOf(id: string): Promise<RolloutClusterEntity[]> {
    return this.clusters.find({ where: { rolloutId: id }, order: { cluster: 'ASC' } });
  }

  /**
   * Stores a new rollout with its clusters, in one transaction in which every other active
   * rollout of the same bundle becomes Superseded with `supersededCause`.
   * @returns the stored rollout (with its id).
   * @throws on database failure (nothing stored).
   */
  async start(rollout: Omit<RolloutEntity, 'id'>, clusters: Array<Omit<RolloutClusterEntity, 'rolloutId'>>, supersededCause: string): Promise<RolloutEntity> {
    return this.dataSource.transaction(async (em) => {
      await this.supersede(rollout.bundleId, supersededCause, rollout.createdAt, em);
      const saved = await em.getRepository(RolloutEntity).save(em.getRepository(RolloutEntity).create(rollout));
      if (clusters.length > 0) await em.getRepository(RolloutClusterEntity).insert(clusters.map((c) => ({ ...c, rolloutId: saved.id })));
      return saved;
    });
  }

  /** Ends every active rollout of `bundleId` as Superseded with `cause` (within transaction `em` when given). */
  async supersede(bundleId: string, cause: string, now: Date, em?: EntityManager): Promise<void> {
    const repo = em ? em.getRepository(RolloutEntity) : this.rollouts;
    await repo.update({ bundleId, phase: In([...ACTIVE_PHASES]) }, { phase: 'Superseded', cause, finishedAt: now, updatedAt: now });
  }

  /** Writes the given fields of rollout `id` (updated_at = now). */
  async update(id: string, fields: Partial<Omit<RolloutEntity, 'id'>>): Promise<void> {
    await this.rollouts.update({ id }, { ...fields, updatedAt: new Date() });
  }

  /** Writes the given fields of one cluster of rollout `id`. */
  async updateCluster(id: string, cluster: string, fields: Partial<Omit<RolloutClusterEntity, 'rolloutId' | 'cluster'>>): Promise<void> {
    await this.clusters.update({ rolloutId: id, cluster }, fields);
  }

  /**
   * The revisions target (cluster, bundle) applied and reported Healthy afterwards, newest
   * first (target_revisions keeps the newest GITFLEET_KEEP_REVISIONS per target; their bundle
   * objects are kept by the bundle GC).
   */
  async healthyRevisions(cluster: string, bundleId: string): Promise<HealthyRevision[]> {
    const rows: Array<{ digest: string; revision: string; healthy_at: Date }> = await this.dataSource.query(
      `SELECT digest, revision, healthy_at FROM target_revisions
        WHERE cluster = $1 AND bundle_id = $2 AND healthy_at IS NOT NULL
        ORDER BY healthy_at DESC, generation DESC`,
      [cluster, bundleId],
    );
    return rows.map((r) => ({ digest: r.digest, revision: r.revision, healthyAt: r.healthy_at }));
  }

  /** The digests target (cluster, bundle) applied at `revision` (any health), newest first. */
  async appliedDigestsAt(cluster: string, bundleId: string, revision: string): Promise<string[]> {
    const rows: Array<{ digest: string }> = await this.dataSource.query(
      `SELECT digest FROM target_revisions WHERE cluster = $1 AND bundle_id = $2 AND revision = $3 ORDER BY applied_at DESC`,
      [cluster, bundleId, revision],
    );
    return rows.map((r) => r.digest);
  }

  /** The pins of `bundleId` ('' = the bundle's, else per cluster). */
  pins(bundleId: string): Promise<BundlePinEntity[]> {
    return this.pinsRepo.find({ where: { bundleId }, order: { cluster: 'ASC' } });
  }

  /** Creates or replaces the pin of (bundle, cluster). */
  async putPin(pin: Omit<BundlePinEntity, 'createdAt'>): Promise<void> {
    await this.pinsRepo.upsert({ ...pin, createdAt: new Date() }, ['bundleId', 'cluster']);
  }

  /** Deletes the pin of (bundle, cluster); true when there was one. */
  async deletePin(bundleId: string, cluster: string): Promise<boolean> {
    const r = await this.pinsRepo.delete({ bundleId, cluster });
    return (r.affected ?? 0) > 0;
  }
}
