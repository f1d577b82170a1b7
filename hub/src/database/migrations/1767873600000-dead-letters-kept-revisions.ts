import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Status dead letters (reports the hub could not store, kept with their reason and raw bytes),
 * the last applied revisions kept per target (for rollback and bundle GC), and the bundle GC's
 * record of when each unreferenced bundle object was first seen unreferenced.
 */
export class DeadLettersKeptRevisions1767873600000 implements MigrationInterface {
  name = 'DeadLettersKeptRevisions1767873600000';

  /** Creates status_dead_letters, target_revisions and bundle_gc_candidates. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE status_dead_letters (
        id bigserial PRIMARY KEY,
        cluster text NOT NULL,
        subject text NOT NULL,
        stream_sequence bigint NOT NULL,
        delivery_count integer NOT NULL,
        reason text NOT NULL,
        received_at timestamptz NOT NULL,
        size integer NOT NULL,
        data bytea NOT NULL,
        truncated boolean NOT NULL
      )`);
    await q.query(`CREATE INDEX status_dead_letters_cluster_idx ON status_dead_letters (cluster, id)`);
    await q.query(`CREATE INDEX status_dead_letters_sequence_idx ON status_dead_letters (stream_sequence)`);
    await q.query(`
      CREATE TABLE target_revisions (
        cluster varchar(63) NOT NULL,
        bundle_id varchar(63) NOT NULL,
        digest text NOT NULL,
        revision text NOT NULL,
        generation bigint NOT NULL,
        applied_at timestamptz NOT NULL,
        PRIMARY KEY (cluster, bundle_id, digest)
      )`);
    await q.query(`CREATE INDEX target_revisions_digest_idx ON target_revisions (digest)`);
    await q.query(`
      CREATE TABLE bundle_gc_candidates (
        digest text PRIMARY KEY,
        unreferenced_since timestamptz NOT NULL
      )`);
  }

  /** Drops what `up` created. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bundle_gc_candidates`);
    await q.query(`DROP TABLE target_revisions`);
    await q.query(`DROP TABLE status_dead_letters`);
  }
}
