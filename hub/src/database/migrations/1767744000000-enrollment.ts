import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agent enrollment: cluster registration tokens (sha256 of the value only) and the NATS users
 * issued to clusters, with their revocation time.
 */
export class Enrollment1767744000000 implements MigrationInterface {
  name = 'Enrollment1767744000000';

  /** Creates registration_tokens and cluster_credentials. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registration_tokens (
        name varchar(63) PRIMARY KEY,
        token_hash char(64) NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        max_uses integer CHECK (max_uses > 0),
        uses integer NOT NULL DEFAULT 0,
        labels jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE cluster_credentials (
        user_public_key varchar(56) PRIMARY KEY,
        cluster varchar(63) NOT NULL,
        issued_at timestamptz NOT NULL,
        issued_by text NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX cluster_credentials_cluster_idx ON cluster_credentials (cluster)`);
  }

  /** Drops what `up` created. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE cluster_credentials`);
    await q.query(`DROP TABLE registration_tokens`);
  }
}
