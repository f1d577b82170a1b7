import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Holds (issue #11): the spoke-side hold an agent reports in its heartbeats (fleet.v1
 * Heartbeat.hold: reason and since; null while not held) on `clusters`, and the table
 * `maintenance_windows` (a cron schedule, a duration, the clusters it covers by label selector
 * and/or cluster group; outside all of its windows a covered cluster gets no new revision).
 */
export class ClusterHoldsMaintenanceWindows1768020000000 implements MigrationInterface {
  name = 'ClusterHoldsMaintenanceWindows1768020000000';

  /** Adds clusters.hold_reason, clusters.hold_since, clusters.hold_source and creates maintenance_windows. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters ADD COLUMN hold_reason text, ADD COLUMN hold_since timestamptz, ADD COLUMN hold_source text`);
    await q.query(`CREATE TABLE maintenance_windows (
      name varchar(63) PRIMARY KEY,
      schedule text NOT NULL,
      timezone text,
      duration text NOT NULL,
      cluster_selector jsonb,
      cluster_group varchar(63),
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT maintenance_windows_targets CHECK (cluster_selector IS NOT NULL OR cluster_group IS NOT NULL)
    )`);
  }

  /** Drops what `up` added. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE maintenance_windows`);
    await q.query(`ALTER TABLE clusters DROP COLUMN hold_source, DROP COLUMN hold_since, DROP COLUMN hold_reason`);
  }
}
