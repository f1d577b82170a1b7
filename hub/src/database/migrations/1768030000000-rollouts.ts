import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staged rollouts (issue #11): one row per rollout of a bundle's new desired content
 * (`rollouts`), one per cluster it covers (`rollout_clusters`: what it publishes there, when it
 * did, since when the cluster is Healthy on it, the rollback), operator pins (`bundle_pins`),
 * and since when a target's applied digest was first reported Healthy (`target_revisions.healthy_at`:
 * what an automatic rollback goes back to).
 */
export class Rollouts1768030000000 implements MigrationInterface {
  name = 'Rollouts1768030000000';

  /** Creates rollouts, rollout_clusters and bundle_pins; adds target_revisions.healthy_at. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE rollouts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      bundle_id varchar(63) NOT NULL,
      source varchar(63) NOT NULL,
      revision text NOT NULL,
      content_key text NOT NULL,
      phase varchar(16) NOT NULL,
      gated boolean NOT NULL,
      cause text,
      settings jsonb NOT NULL,
      depends_on jsonb NOT NULL DEFAULT '[]'::jsonb,
      plan jsonb NOT NULL,
      stages jsonb NOT NULL DEFAULT '[]'::jsonb,
      commit jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )`);
    await q.query(`CREATE INDEX rollouts_bundle_created ON rollouts (bundle_id, created_at DESC)`);
    await q.query(`CREATE INDEX rollouts_active ON rollouts (phase) WHERE phase IN ('Progressing', 'Paused')`);
    await q.query(`CREATE TABLE rollout_clusters (
      rollout_id uuid NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
      cluster varchar(63) NOT NULL,
      stage text NOT NULL,
      draft jsonb NOT NULL,
      path text NOT NULL,
      previous jsonb,
      unchanged boolean NOT NULL DEFAULT false,
      published_at timestamptz,
      published_generation bigint,
      healthy_since timestamptz,
      rolled_back_at timestamptz,
      rollback jsonb,
      PRIMARY KEY (rollout_id, cluster)
    )`);
    await q.query(`CREATE TABLE bundle_pins (
      bundle_id varchar(63) NOT NULL,
      cluster varchar(63) NOT NULL DEFAULT '',
      revision text NOT NULL,
      reason text NOT NULL DEFAULT '',
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (bundle_id, cluster)
    )`);
    await q.query(`ALTER TABLE target_revisions ADD COLUMN healthy_at timestamptz`);
  }

  /** Drops what `up` added. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE target_revisions DROP COLUMN healthy_at`);
    await q.query(`DROP TABLE bundle_pins`);
    await q.query(`DROP TABLE rollout_clusters`);
    await q.query(`DROP TABLE rollouts`);
  }
}
