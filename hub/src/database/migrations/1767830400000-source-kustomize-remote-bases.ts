import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-source permission to fetch kustomize remote bases (sources.kustomize_remote_bases); off
 * for every existing source, as for new ones (see bundles/kustomize-check.ts).
 */
export class SourceKustomizeRemoteBases1767830400000 implements MigrationInterface {
  name = 'SourceKustomizeRemoteBases1767830400000';

  /** Adds sources.kustomize_remote_bases (boolean, not null, default false). */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources ADD COLUMN kustomize_remote_bases boolean NOT NULL DEFAULT false`);
  }

  /** Drops what `up` added. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources DROP COLUMN kustomize_remote_bases`);
  }
}
