import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import { PreviewEntity } from './preview.entity.js';
import type { PreviewResult } from './preview-result.js';

/** Most previews one list answer holds (newest first). */
export const PREVIEW_LIST_LIMIT = 100;

/** The only I/O on table `previews`. */
@Injectable()
export class PreviewsRepository {
  private readonly repo: Repository<PreviewEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(PreviewEntity);
  }

  /** Inserts a new preview row. */
  async insert(row: PreviewEntity): Promise<void> {
    await this.repo.insert(row);
  }

  /** The preview `id`, or null. */
  get(id: string): Promise<PreviewEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** The newest previews of `source` (at most PREVIEW_LIST_LIMIT), newest first. */
  listBySource(source: string): Promise<PreviewEntity[]> {
    return this.repo.find({ where: { source }, order: { createdAt: 'DESC' }, take: PREVIEW_LIST_LIMIT });
  }

  /** Marks preview `id` Running at `startedAt`. */
  async markRunning(id: string, startedAt: Date): Promise<void> {
    await this.repo.update({ id }, { phase: 'Running', startedAt });
  }

  /** Records the commit checked out for preview `id`. */
  async saveRevision(id: string, revision: string): Promise<void> {
    await this.repo.update({ id }, { revision });
  }

  /** Marks preview `id` Completed with `result`. */
  async complete(id: string, result: PreviewResult, finishedAt: Date): Promise<void> {
    // jsonb column: TypeORM's update types a nested interface as a deep partial; the value is whole
    await this.repo.update({ id }, { phase: 'Completed', result: result as never, finishedAt, message: null });
  }

  /** Marks preview `id` Failed with `message`. */
  async fail(id: string, message: string, finishedAt: Date): Promise<void> {
    await this.repo.update({ id }, { phase: 'Failed', message, finishedAt });
  }

  /**
   * Marks every Pending or Running preview Failed with `message` (a hub that starts again holds
   * none of them running). @returns how many.
   */
  async failUnfinished(message: string, finishedAt: Date): Promise<number> {
    const res = await this.repo.update({ phase: In(['Pending', 'Running']) }, { phase: 'Failed', message, finishedAt });
    return res.affected ?? 0;
  }
}
