import { Injectable } from '@nestjs/common';
import { DataSource, type FindOptionsWhere, type Repository } from 'typeorm';
import { TargetEntity } from './target.entity.js';

/** Primary key of a target. */
export interface TargetKey {
  cluster: string;
  bundleId: string;
}

/** The only I/O on table `targets` (what the hub last published). */
@Injectable()
export class TargetsRepository {
  private readonly repo: Repository<TargetEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(TargetEntity);
  }

  /** Every published target, optionally filtered by cluster and/or bundle id. */
  list(filter: { cluster?: string; bundleId?: string } = {}): Promise<TargetEntity[]> {
    const where: FindOptionsWhere<TargetEntity> = {};
    if (filter.cluster) where.cluster = filter.cluster;
    if (filter.bundleId) where.bundleId = filter.bundleId;
    return this.repo.find({ where, order: { cluster: 'ASC', bundleId: 'ASC' } });
  }

  /** One target, or null. */
  get(key: TargetKey): Promise<TargetEntity | null> {
    return this.repo.findOneBy({ cluster: key.cluster, bundleId: key.bundleId });
  }

  /** Inserts or replaces one target row (after its KV write). `row` is not modified. */
  async upsert(row: TargetEntity): Promise<void> {
    // a copy: TypeORM writes the columns it reads back (defaults, untransformed) into the object
    await this.repo.upsert({ ...row }, ['cluster', 'bundleId']);
  }

  /** Deletes one target row (after its KV key was deleted). */
  async delete(key: TargetKey): Promise<void> {
    await this.repo.delete({ cluster: key.cluster, bundleId: key.bundleId });
  }

  /**
   * Highest generation ever used for the target in `targets` or `target_status` (0 if none):
   * a re-created target continues above it, so the agent never sees a generation go back.
   */
  async lastGeneration(key: TargetKey): Promise<number> {
    const rows: Array<{ g: string | null }> = await this.dataSource.query(
      `SELECT GREATEST(
         (SELECT max(generation) FROM targets WHERE cluster = $1 AND bundle_id = $2),
         (SELECT max(generation) FROM target_status WHERE cluster = $1 AND bundle_id = $2)) AS g`,
      [key.cluster, key.bundleId],
    );
    return Number(rows[0]?.g ?? 0);
  }
}
