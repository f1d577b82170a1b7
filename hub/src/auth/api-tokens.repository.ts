import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { ApiTokenEntity } from './api-token.entity.js';

/** The only I/O on table `api_tokens`. */
@Injectable()
export class ApiTokensRepository {
  private readonly repo: Repository<ApiTokenEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ApiTokenEntity);
  }

  /** Every token, by name. */
  list(): Promise<ApiTokenEntity[]> {
    return this.repo.find({ order: { name: 'ASC' } });
  }

  /** The token whose value hashes to `tokenHash`, or null. */
  findByHash(tokenHash: string): Promise<ApiTokenEntity | null> {
    return this.repo.findOneBy({ tokenHash });
  }

  /**
   * Inserts a token.
   * @returns false when a token of that name exists already (nothing written).
   */
  async create(token: Omit<ApiTokenEntity, 'createdAt'>): Promise<boolean> {
    const res = await this.repo.createQueryBuilder().insert().values(token).orIgnore().returning(['name']).execute();
    return (res.raw as unknown[]).length > 0;
  }

  /** Deletes the token; false when it did not exist. */
  async delete(name: string): Promise<boolean> {
    const res = await this.repo.delete({ name });
    return (res.affected ?? 0) > 0;
  }
}
