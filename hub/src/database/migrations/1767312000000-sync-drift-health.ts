import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sync policies, drift and health: targets remember the ignore rules and the manual-sync counter
 * they were published with; the latest status and the history keep the agent's sync status,
 * health, drift, orphans, trigger and the sync_request it acted on. Every new column has a
 * default, so rows written before this migration read as "Unknown"/empty.
 */
export class SyncDriftHealth1767312000000 implements MigrationInterface {
  name = 'SyncDriftHealth1767312000000';

  /** Adds the columns. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE targets
        ADD COLUMN ignore_differences jsonb NOT NULL DEFAULT '[]'::jsonb,
        ADD COLUMN sync_request bigint NOT NULL DEFAULT 0`);
    for (const table of ['target_status', 'status_history']) {
      await q.query(`
        ALTER TABLE ${table}
          ADD COLUMN sync_status varchar(16) NOT NULL DEFAULT 'Unknown',
          ADD COLUMN health varchar(16) NOT NULL DEFAULT 'Unknown',
          ADD COLUMN health_message text NOT NULL DEFAULT '',
          ADD COLUMN drift jsonb NOT NULL DEFAULT '[]'::jsonb,
          ADD COLUMN orphaned jsonb NOT NULL DEFAULT '[]'::jsonb,
          ADD COLUMN trigger text NOT NULL DEFAULT '',
          ADD COLUMN sync_request bigint NOT NULL DEFAULT 0`);
    }
    // observed_at of the latest report that applied the desired state (null: none yet)
    await q.query(`ALTER TABLE target_status ADD COLUMN applied_at timestamptz`);
  }

  /** Drops the columns added by `up`. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE target_status DROP COLUMN applied_at`);
    for (const table of ['status_history', 'target_status']) {
      await q.query(`
        ALTER TABLE ${table}
          DROP COLUMN sync_status, DROP COLUMN health, DROP COLUMN health_message, DROP COLUMN drift,
          DROP COLUMN orphaned, DROP COLUMN trigger, DROP COLUMN sync_request`);
    }
    await q.query(`ALTER TABLE targets DROP COLUMN ignore_differences, DROP COLUMN sync_request`);
  }
}
