import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fleet's `namespaceLabels` / `namespaceAnnotations` as published to a target (fleet.v1
 * DesiredState.namespace_labels / namespace_annotations): kept with the target row, so the
 * desired state built from the row (desiredStateOf) carries them and a change republishes.
 */
export class TargetNamespaceMetadata1768000000000 implements MigrationInterface {
  name = 'TargetNamespaceMetadata1768000000000';

  /** Adds targets.namespace_labels and targets.namespace_annotations (jsonb string maps, default {}). */
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE targets ADD COLUMN namespace_labels jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`ALTER TABLE targets ADD COLUMN namespace_annotations jsonb NOT NULL DEFAULT '{}'::jsonb`);
  }

  /** Drops what `up` added. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE targets DROP COLUMN namespace_annotations`);
    await q.query(`ALTER TABLE targets DROP COLUMN namespace_labels`);
  }
}
