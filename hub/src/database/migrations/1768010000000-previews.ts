import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Previews (issue #11, "Preview before merge"): a source's revision or branch rendered and
 * dry-run on every targeted cluster, nothing applied; the preview's phase and result are kept
 * here. Deleted with their source.
 */
export class Previews1768010000000 implements MigrationInterface {
  name = 'Previews1768010000000';

  /** Creates table previews and its (source, created_at) index. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE previews (
      id uuid PRIMARY KEY,
      source varchar(63) NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
      branch text,
      requested_revision text,
      revision text,
      phase varchar(16) NOT NULL CHECK (phase IN ('Pending', 'Running', 'Completed', 'Failed')),
      message text,
      requested_by text NOT NULL,
      created_at timestamptz NOT NULL,
      started_at timestamptz,
      finished_at timestamptz,
      result jsonb
    )`);
    await q.query(`CREATE INDEX previews_source_created ON previews (source, created_at)`);
  }

  /** Drops what `up` created. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE previews`);
  }
}
