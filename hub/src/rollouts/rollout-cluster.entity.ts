import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../database/transformers.js';
import type { TargetDraft, TargetEntity } from '../targets/target.entity.js';

/** One cluster's settings overriding the rollout's (its targetCustomization's gitfleet.rollout). */
export interface ClusterOverridesJson {
  minHealthyDurationMs?: number;
  progressDeadlineMs?: number;
  onStale?: 'block' | 'skip';
}

/** The draft a rollout publishes on one cluster, with that cluster's own rollout settings. */
export type RolloutDraftJson = TargetDraft & { overrides?: ClusterOverridesJson };

/** What a cluster was rolled back to (or why it was kept). */
export interface RollbackJson {
  /** The revision and digest published back; absent when the cluster was kept on the failed revision. */
  revision?: string;
  digest?: string;
  /** Why (e.g. "last healthy revision", or why it was kept). */
  reason: string;
}

/** Table `rollout_clusters`: one cluster of one rollout. */
@Entity({ name: 'rollout_clusters' })
export class RolloutClusterEntity {
  @PrimaryColumn({ name: 'rollout_id', type: 'uuid' })
  rolloutId: string;

  @PrimaryColumn({ type: 'varchar', length: 63 })
  cluster: string;

  /** Name of its stage in the rollout's plan. */
  @Column({ type: 'text' })
  stage: string;

  /** What the rollout publishes there. */
  @Column({ type: 'jsonb' })
  draft: RolloutDraftJson;

  /** Bundle path (for the DesiredState). */
  @Column({ type: 'text' })
  path: string;

  /** The targets row in force there when the rollout started (null: a new target). */
  @Column({ type: 'jsonb', nullable: true })
  previous: TargetEntity | null;

  /** true: the draft was already published there when the rollout started (nothing to do; done). */
  @Column({ type: 'boolean', default: false })
  unchanged: boolean;

  /** When the rollout published the draft there. */
  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  /** The generation it was published with: a report of this generation or later counts. */
  @Column({ name: 'published_generation', type: 'bigint', nullable: true, transformer: bigintToNumber })
  publishedGeneration: number | null;

  /** Since when the cluster has reported the draft's digest applied and Healthy (hub clock). */
  @Column({ name: 'healthy_since', type: 'timestamptz', nullable: true })
  healthySince: Date | null;

  @Column({ name: 'rolled_back_at', type: 'timestamptz', nullable: true })
  rolledBackAt: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  rollback: RollbackJson | null;
}
