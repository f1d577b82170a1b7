import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DependsOnSpec } from '../rendering/fleet-yaml.js';
import type { RolloutPlan } from '../targeting/rollout-stages.js';
import type { RolloutSettings } from '../targeting/rollout-gate.js';

/**
 * Where a rollout stands:
 * - Progressing: the gate publishes stage by stage;
 * - Paused: an operator paused it, or it failed with autoRollback false (nothing more is published);
 * - Succeeded: every stage done;
 * - RolledBack: it failed and the clusters that got it went back to their last healthy revision;
 * - Superseded: a newer content of the bundle (a newer commit, a pin, a rollback) replaced it.
 */
export type RolloutPhase = 'Progressing' | 'Paused' | 'Succeeded' | 'RolledBack' | 'Superseded';

/** When one stage of a rollout started and ended (ISO 8601). */
export interface StageTimesJson {
  name: string;
  startedAt?: string;
  finishedAt?: string;
}

/** The commit a rollout delivers, as Git says (absent for operator rollbacks to an older revision). */
export interface RolloutCommitJson {
  message: string;
  author: string;
}

/** Table `rollouts`: one rollout of a new desired content of one bundle across its targeted clusters. */
@Entity({ name: 'rollouts' })
export class RolloutEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'bundle_id', type: 'varchar', length: 63 })
  bundleId: string;

  @Column({ type: 'varchar', length: 63 })
  source: string;

  /** The commit it delivers. */
  @Column({ type: 'text' })
  revision: string;

  /** Identity of what it publishes (every cluster's draft without the revision): the same content never starts a second rollout. */
  @Column({ name: 'content_key', type: 'text' })
  contentKey: string;

  @Column({ type: 'varchar', length: 16 })
  phase: RolloutPhase;

  /** false: the bundle sets neither rolloutStrategy nor gitfleet.rollout; every cluster gets it at once and health gates nothing (Fleet's default). */
  @Column({ type: 'boolean' })
  gated: boolean;

  /** Why it stopped (failure, pause, supersession), or null. */
  @Column({ type: 'text', nullable: true })
  cause: string | null;

  @Column({ type: 'jsonb' })
  settings: RolloutSettings;

  /** The bundle's fleet.yaml `dependsOn`: a cluster gets the rollout's content only when these bundles are in an accepted state there. */
  @Column({ name: 'depends_on', type: 'jsonb', default: () => "'[]'::jsonb" })
  dependsOn: DependsOnSpec[];

  @Column({ type: 'jsonb' })
  plan: RolloutPlan;

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  stages: StageTimesJson[];

  @Column({ type: 'jsonb', nullable: true })
  commit: RolloutCommitJson | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
