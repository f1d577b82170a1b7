import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { PreviewResult } from './preview-result.js';

/** Phases of a preview (Kubernetes Pod-phase style): Pending → Running → Completed | Failed. */
export const PREVIEW_PHASES = ['Pending', 'Running', 'Completed', 'Failed'] as const;
/** One of PREVIEW_PHASES. */
export type PreviewPhase = (typeof PREVIEW_PHASES)[number];

/**
 * Table `previews`: one preview of a source at a revision or branch (a revision rendered and
 * dry-run on every targeted cluster, nothing applied; DESIGN.md "Words"). Deleted with its source.
 */
@Entity({ name: 'previews' })
@Index('previews_source_created', ['source', 'createdAt'])
export class PreviewEntity {
  /** UUID (crypto.randomUUID). */
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 63 })
  source: string;

  /** the branch asked for, null when a revision was */
  @Column({ type: 'text', nullable: true })
  branch: string | null;

  /** the commit asked for (full or abbreviated SHA), null when a branch was */
  @Column({ name: 'requested_revision', type: 'text', nullable: true })
  requestedRevision: string | null;

  /** the commit SHA checked out and previewed; null until the checkout is done */
  @Column({ type: 'text', nullable: true })
  revision: string | null;

  @Column({ type: 'varchar', length: 16 })
  phase: PreviewPhase;

  /** why the preview failed (Failed), null otherwise */
  @Column({ type: 'text', nullable: true })
  message: string | null;

  /** the API principal that asked for it */
  @Column({ name: 'requested_by', type: 'text' })
  requestedBy: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** the result (Completed), null before */
  @Column({ type: 'jsonb', nullable: true })
  result: PreviewResult | null;
}
