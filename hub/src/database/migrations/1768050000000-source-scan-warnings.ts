import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Warnings of the last bundle scan of a source that concern no single bundle (issue #11: a
 * directory of content gitfleet does not render, such as jsonnet, is reported, not skipped
 * silently), shown in the source's view.
 */
export class SourceScanWarnings1768050000000 implements MigrationInterface {
  name = 'SourceScanWarnings1768050000000';

  /** Adds sources.scan_warnings (jsonb array of strings, default empty). */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources ADD COLUMN scan_warnings jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  /** Drops what `up` added. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources DROP COLUMN scan_warnings`);
  }
}
