import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, IsNull, type Repository } from 'typeorm';
import { ClusterCredentialEntity } from './cluster-credential.entity.js';

/** The only I/O on table `cluster_credentials`. */
@Injectable()
export class ClusterCredentialsRepository {
  private readonly repo: Repository<ClusterCredentialEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ClusterCredentialEntity);
  }

  /** Every credential of `cluster`, newest first. */
  list(cluster: string): Promise<ClusterCredentialEntity[]> {
    return this.repo.find({ where: { cluster }, order: { issuedAt: 'DESC' } });
  }

  /** The credential of `userPublicKey`, or null. */
  get(userPublicKey: string): Promise<ClusterCredentialEntity | null> {
    return this.repo.findOneBy({ userPublicKey });
  }

  /**
   * Records an issued credential (in `manager`'s transaction when given).
   * @returns false when that public key was issued before (nothing written): a key is used once.
   */
  async insert(row: Omit<ClusterCredentialEntity, 'revokedAt'>, manager?: EntityManager): Promise<boolean> {
    const rows = (await (manager ?? this.repo.manager).query(
      `INSERT INTO cluster_credentials (user_public_key, cluster, issued_at, issued_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_public_key) DO NOTHING RETURNING user_public_key`,
      [row.userPublicKey, row.cluster, row.issuedAt, row.issuedBy],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Public keys of `cluster`'s credentials not revoked yet, except `keep`. */
  async active(cluster: string, keep: string[] = []): Promise<string[]> {
    const rows = await this.repo.find({ where: { cluster, revokedAt: IsNull() }, select: { userPublicKey: true } });
    return rows.map((r) => r.userPublicKey).filter((k) => !keep.includes(k));
  }

  /** Marks `keys` revoked at `at` (already revoked ones keep their first time). */
  async markRevoked(keys: string[], at: Date): Promise<void> {
    if (keys.length === 0) return;
    await this.repo.createQueryBuilder().update().set({ revokedAt: at }).where('user_public_key IN (:...keys) AND revoked_at IS NULL', { keys }).execute();
  }
}
