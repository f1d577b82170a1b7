import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Initial schema: sources, clusters, cluster groups, bundles, targets (desired), target status
 * (latest applied) and status history. Hand-written; matches the entities in the feature folders.
 */
export class InitialSchema1767225600000 implements MigrationInterface {
  name = 'InitialSchema1767225600000';

  /** Creates every table and index. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sources (
        name varchar(63) PRIMARY KEY,
        url text NOT NULL,
        branch text NOT NULL,
        path text NOT NULL DEFAULT '',
        poll_interval_seconds integer NOT NULL CHECK (poll_interval_seconds >= 1),
        targets jsonb,
        last_revision text,
        last_fetched_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE clusters (
        name varchar(63) PRIMARY KEY,
        labels jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz,
        agent_version text
      )`);
    await q.query(`
      CREATE TABLE cluster_groups (
        name varchar(63) PRIMARY KEY,
        selector jsonb NOT NULL
      )`);
    await q.query(`
      CREATE TABLE bundles (
        id varchar(63) PRIMARY KEY,
        source varchar(63) NOT NULL,
        path text NOT NULL,
        name text NOT NULL,
        labels jsonb NOT NULL DEFAULT '{}'::jsonb,
        revision text NOT NULL,
        state varchar(16) NOT NULL CHECK (state IN ('Ready', 'Failed')),
        errors jsonb NOT NULL DEFAULT '[]'::jsonb,
        warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX bundles_source_idx ON bundles (source)`);
    await q.query(`
      CREATE TABLE targets (
        cluster varchar(63) NOT NULL,
        bundle_id varchar(63) NOT NULL,
        source varchar(63) NOT NULL,
        revision text NOT NULL,
        digest text NOT NULL,
        generation bigint NOT NULL,
        target_namespace text NOT NULL DEFAULT '',
        default_namespace text NOT NULL DEFAULT '',
        sync_policy jsonb NOT NULL,
        published_at timestamptz NOT NULL,
        PRIMARY KEY (cluster, bundle_id)
      )`);
    await q.query(`CREATE INDEX targets_bundle_idx ON targets (bundle_id)`);
    await q.query(`
      CREATE TABLE target_status (
        cluster varchar(63) NOT NULL,
        bundle_id varchar(63) NOT NULL,
        revision text NOT NULL,
        digest text NOT NULL,
        generation bigint NOT NULL,
        state varchar(16) NOT NULL,
        resources jsonb NOT NULL,
        errors jsonb NOT NULL,
        timings jsonb,
        observed_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (cluster, bundle_id)
      )`);
    await q.query(`
      CREATE TABLE status_history (
        report_id text PRIMARY KEY,
        cluster varchar(63) NOT NULL,
        bundle_id varchar(63) NOT NULL,
        revision text NOT NULL,
        digest text NOT NULL,
        generation bigint NOT NULL DEFAULT 0,
        state varchar(16) NOT NULL,
        resources jsonb NOT NULL,
        errors jsonb NOT NULL,
        observed_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX status_history_target_idx ON status_history (cluster, bundle_id, observed_at)`);
  }

  /** Drops every table created by `up`. */
  async down(q: QueryRunner): Promise<void> {
    for (const t of ['status_history', 'target_status', 'targets', 'bundles', 'cluster_groups', 'clusters', 'sources']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
