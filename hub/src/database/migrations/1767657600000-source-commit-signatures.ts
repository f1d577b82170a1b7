import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Commit signature policy per source: the trusted OpenPGP public keys (sources.commit_signatures)
 * and the outcome of verifying the head commit (sources.commit_signature); see
 * sources/commit-signature.ts.
 */
export class SourceCommitSignatures1767657600000 implements MigrationInterface {
  name = 'SourceCommitSignatures1767657600000';

  /** Adds sources.commit_signatures and sources.commit_signature (jsonb, null = no policy / not checked). */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources ADD COLUMN commit_signatures jsonb, ADD COLUMN commit_signature jsonb`);
  }

  /** Drops what `up` added. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources DROP COLUMN commit_signatures, DROP COLUMN commit_signature`);
  }
}
