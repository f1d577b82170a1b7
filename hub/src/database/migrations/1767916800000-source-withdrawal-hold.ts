import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Mass-deletion guard per source: the withdrawals a held change would make
 * (sources.withdrawal_hold) and an operator's confirmation of them (sources.withdrawal_confirmation);
 * see deployments/withdrawal.ts.
 */
export class SourceWithdrawalHold1767916800000 implements MigrationInterface {
  name = 'SourceWithdrawalHold1767916800000';

  /** Adds sources.withdrawal_hold and sources.withdrawal_confirmation (jsonb, null = none). */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources ADD COLUMN withdrawal_hold jsonb, ADD COLUMN withdrawal_confirmation jsonb`);
  }

  /** Drops what `up` added. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources DROP COLUMN withdrawal_hold, DROP COLUMN withdrawal_confirmation`);
  }
}
