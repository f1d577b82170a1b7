import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Targets remember the DesiredState.take_ownership they were published with (Helm's
 * takeOwnership), so a manual sync republishes it unchanged and a change of
 * `helm.takeOwnership` alone republishes the target. Existing rows read true (what agents did
 * before the field existed); the next pipeline run republishes Helm targets with their resolved
 * value.
 */
export class TargetTakeOwnership1767488400000 implements MigrationInterface {
  name = 'TargetTakeOwnership1767488400000';

  /** Adds targets.take_ownership. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE targets ADD COLUMN take_ownership boolean NOT NULL DEFAULT true`);
  }

  /** Drops targets.take_ownership. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE targets DROP COLUMN take_ownership`);
  }
}
