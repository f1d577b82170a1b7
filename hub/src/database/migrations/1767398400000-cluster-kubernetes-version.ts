import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clusters remember the Kubernetes version their agent reports in heartbeats (fleet.v1
 * Heartbeat.kubernetes_version), for `helm template --kube-version`. Null until the first
 * heartbeat that carries one.
 */
export class ClusterKubernetesVersion1767398400000 implements MigrationInterface {
  name = 'ClusterKubernetesVersion1767398400000';

  /** Adds clusters.kubernetes_version. */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters ADD COLUMN kubernetes_version text`);
  }

  /** Drops clusters.kubernetes_version. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clusters DROP COLUMN kubernetes_version`);
  }
}
