import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The failure class a status report carries (fleet.v1 StatusReport.failure_class: terminal,
 * waiting or transient; null when the reconcile did not fail or the agent did not say), kept with
 * the latest status of a target and in its history.
 */
export class StatusFailureClass1767960000000 implements MigrationInterface {
  name = 'StatusFailureClass1767960000000';

  /** Adds target_status.failure_class and status_history.failure_class (varchar(16), null). */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE target_status ADD COLUMN failure_class varchar(16)`);
    await q.query(`ALTER TABLE status_history ADD COLUMN failure_class varchar(16)`);
  }

  /** Drops what `up` added. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE status_history DROP COLUMN failure_class`);
    await q.query(`ALTER TABLE target_status DROP COLUMN failure_class`);
  }
}
