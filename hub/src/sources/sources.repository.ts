import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, Not, type Repository } from 'typeorm';
import type { CommitSignaturePolicy, CommitSignatureReport } from './commit-signature.js';
import { SourceEntity, type WithdrawalConfirmation, type WithdrawalHold } from './source.entity.js';

/** Fields written after a fetch attempt. */
export interface FetchResult {
  lastRevision?: string;
  lastFetchedAt: Date;
  lastError: string | null;
}

/** The only I/O on table `sources`. */
@Injectable()
export class SourcesRepository {
  private readonly repo: Repository<SourceEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(SourceEntity);
  }

  /** All sources, by name. */
  list(): Promise<SourceEntity[]> {
    return this.repo.find({ order: { name: 'ASC' } });
  }

  /** The source `name`, or null. */
  get(name: string): Promise<SourceEntity | null> {
    return this.repo.findOneBy({ name });
  }

  /**
   * Inserts a new source.
   * @returns false when a source with that name exists already (nothing written).
   */
  async create(
    source: Omit<SourceEntity, 'createdAt' | 'lastRevision' | 'lastFetchedAt' | 'lastError' | 'credentialsEnc' | 'webhookSecretEnc' | 'commitSignatures' | 'commitSignature' | 'kustomizeRemoteBases' | 'withdrawalHold' | 'withdrawalConfirmation' | 'scanWarnings'> &
      Partial<Pick<SourceEntity, 'credentialsEnc' | 'webhookSecretEnc' | 'commitSignatures' | 'kustomizeRemoteBases'>>,
  ): Promise<boolean> {
    const res = await this.repo
      .createQueryBuilder()
      .insert()
      .values({ credentialsEnc: null, webhookSecretEnc: null, commitSignatures: null, ...source, lastRevision: null, lastFetchedAt: null, lastError: null, commitSignature: null, withdrawalHold: null, withdrawalConfirmation: null, scanWarnings: [] })
      .orIgnore()
      .returning(['name'])
      .execute();
    return (res.raw as unknown[]).length > 0;
  }

  /** Deletes the source; returns false when it did not exist. */
  async delete(name: string): Promise<boolean> {
    const res = await this.repo.delete({ name });
    return (res.affected ?? 0) > 0;
  }

  /**
   * Sets (or, with null, removes) the commit signature policy of `name` and clears its head
   * commit report (the next pipeline run checks again under the new policy).
   * @returns false when the source does not exist.
   */
  async setCommitSignatures(name: string, policy: CommitSignaturePolicy | null): Promise<boolean> {
    const res = await this.repo.update({ name }, { commitSignatures: policy, commitSignature: null });
    return (res.affected ?? 0) > 0;
  }

  /** Sets `kustomizeRemoteBases`; false when there is no such source. */
  async setKustomizeRemoteBases(name: string, allowed: boolean): Promise<boolean> {
    const res = await this.repo.update({ name }, { kustomizeRemoteBases: allowed });
    return (res.affected ?? 0) > 0;
  }

  /**
   * Stores the outcome of verifying the head commit's signature (pipeline); nothing when the
   * source has no policy any more (removed while the run was going).
   */
  async saveCommitSignature(name: string, report: CommitSignatureReport): Promise<void> {
    await this.repo.update({ name, commitSignatures: Not(IsNull()) }, { commitSignature: report });
  }

  /**
   * Records (or, with null, clears) the withdrawals the mass-deletion guard holds for `name`;
   * `confirmation` is written with it when given (null clears it, undefined leaves it).
   */
  async saveWithdrawalHold(name: string, hold: WithdrawalHold | null, confirmation?: WithdrawalConfirmation | null): Promise<void> {
    await this.repo.update({ name }, { withdrawalHold: hold, ...(confirmation !== undefined ? { withdrawalConfirmation: confirmation } : {}) });
  }

  /**
   * Stores an operator's confirmation of the hold of `name`, only while that hold is still the one
   * at `revision` (compare-and-set on the hold's revision).
   * @returns false when the source has no hold at that revision any more.
   */
  async confirmWithdrawal(name: string, confirmation: WithdrawalConfirmation): Promise<boolean> {
    const res = await this.repo
      .createQueryBuilder()
      .update()
      .set({ withdrawalConfirmation: confirmation })
      .where('name = :name AND withdrawal_hold ->> \'revision\' = :revision', { name, revision: confirmation.revision })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  /** Replaces the source-level warnings of the last bundle scan of `name` (see SourceEntity.scanWarnings). */
  async saveScanWarnings(name: string, warnings: string[]): Promise<void> {
    await this.repo.update({ name }, { scanWarnings: warnings });
  }

  /** Records the outcome of a fetch (revision only on success). */
  async saveFetchResult(name: string, result: FetchResult): Promise<void> {
    await this.repo.update({ name }, result);
  }
}
