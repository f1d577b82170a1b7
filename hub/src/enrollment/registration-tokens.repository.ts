import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type Repository } from 'typeorm';
import { RegistrationTokenEntity } from './registration-token.entity.js';

/** The only I/O on table `registration_tokens`. */
@Injectable()
export class RegistrationTokensRepository {
  private readonly repo: Repository<RegistrationTokenEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(RegistrationTokenEntity);
  }

  /** Every token, by name. */
  list(): Promise<RegistrationTokenEntity[]> {
    return this.repo.find({ order: { name: 'ASC' } });
  }

  /** The token `name`, or null. */
  get(name: string): Promise<RegistrationTokenEntity | null> {
    return this.repo.findOneBy({ name });
  }

  /** Inserts a token; false when the name is taken (nothing written). */
  async create(token: Omit<RegistrationTokenEntity, 'createdAt' | 'uses'>): Promise<boolean> {
    const res = await this.repo.createQueryBuilder().insert().values({ ...token, uses: 0 }).orIgnore().returning(['name']).execute();
    return (res.raw as unknown[]).length > 0;
  }

  /** Deletes the token; false when it did not exist. */
  async delete(name: string): Promise<boolean> {
    const res = await this.repo.delete({ name });
    return (res.affected ?? 0) > 0;
  }

  /**
   * Uses the token whose value hashes to `tokenHash` once, in `manager`'s transaction: one
   * conditional UPDATE, so concurrent enrollments can never exceed max_uses.
   * @returns the token after the use, or null when it is unknown, expired at `now` or used up
   *   (nothing written; `findByHash` tells which).
   */
  async consume(manager: EntityManager, tokenHash: string, now: Date): Promise<RegistrationTokenEntity | null> {
    const res = await manager
      .createQueryBuilder()
      .update(RegistrationTokenEntity)
      .set({ uses: () => 'uses + 1' })
      .where('token_hash = :tokenHash AND expires_at > :now AND (max_uses IS NULL OR uses < max_uses)', { tokenHash, now })
      .returning('*')
      .execute();
    const rows = res.raw as Record<string, unknown>[];
    const row = rows[0];
    if (!row) return null;
    return {
      name: row.name as string,
      tokenHash: row.token_hash as string,
      expiresAt: row.expires_at as Date,
      maxUses: (row.max_uses as number | null) ?? null,
      uses: row.uses as number,
      labels: (row.labels as Record<string, string> | null) ?? {},
      createdBy: row.created_by as string,
      createdAt: row.created_at as Date,
    };
  }

  /** The token whose value hashes to `tokenHash`, or null. */
  findByHash(manager: EntityManager, tokenHash: string): Promise<RegistrationTokenEntity | null> {
    return manager.findOneBy(RegistrationTokenEntity, { tokenHash });
  }
}
