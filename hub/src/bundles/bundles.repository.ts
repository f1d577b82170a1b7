import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import { BundleEntity } from './bundle.entity.js';

/** The only I/O on table `bundles`. */
@Injectable()
export class BundlesRepository {
  private readonly repo: Repository<BundleEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(BundleEntity);
  }

  /** All bundles with the number of published targets of each, by id. */
  async listWithTargetCounts(): Promise<Array<BundleEntity & { targetCount: number }>> {
    const bundles = await this.repo.find({ order: { id: 'ASC' } });
    const counts = await this.targetCounts(bundles.map((b) => b.id));
    return bundles.map((b) => Object.assign(b, { targetCount: counts.get(b.id) ?? 0 }));
  }

  /** The bundle `id` with its target count, or null. */
  async getWithTargetCount(id: string): Promise<(BundleEntity & { targetCount: number }) | null> {
    const b = await this.repo.findOneBy({ id });
    if (!b) return null;
    const counts = await this.targetCounts([id]);
    return Object.assign(b, { targetCount: counts.get(id) ?? 0 });
  }

  /** Every bundle row (all sources). */
  listAll(): Promise<BundleEntity[]> {
    return this.repo.find();
  }

  /** Inserts or replaces bundle rows (by id). */
  async upsert(rows: BundleEntity[]): Promise<void> {
    if (rows.length > 0) await this.repo.upsert(rows, ['id']);
  }

  /** Deletes the bundle rows with these ids. */
  async delete(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.repo.delete({ id: In(ids) });
  }

  private async targetCounts(ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ bundle_id: string; n: string }> = await this.dataSource.query(
      'SELECT bundle_id, count(*) AS n FROM targets WHERE bundle_id = ANY($1) GROUP BY bundle_id',
      [ids],
    );
    return new Map(rows.map((r) => [r.bundle_id, Number(r.n)]));
  }
}
