import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { NAME_PATTERN } from '@gitfleet/proto';

/** Body of pin and rollback: the revision (commit SHA) to hold the bundle at. */
export class PinBundleDto {
  @ApiProperty({ description: 'a commit SHA the bundle deployed on every affected cluster (kept revisions, GITFLEET_KEEP_REVISIONS)' })
  @IsString()
  @Matches(/^[0-9a-f]{7,64}$/, { message: 'revision must be a commit SHA (7-64 lowercase hex digits)' })
  revision: string;

  @ApiPropertyOptional({ description: 'pin only the target on this cluster; every cluster of the bundle when absent' })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'cluster must be a DNS-1123 label' })
  cluster?: string;

  @ApiPropertyOptional({ description: 'why (shown with the pin)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason?: string;
}

/** Body of rollback: the revision every cluster of the bundle goes back to. */
export class RollbackBundleDto {
  @ApiProperty({ description: 'a commit SHA the bundle deployed on every cluster (kept revisions, GITFLEET_KEEP_REVISIONS)' })
  @IsString()
  @Matches(/^[0-9a-f]{7,64}$/, { message: 'revision must be a commit SHA (7-64 lowercase hex digits)' })
  revision: string;
}

/** One cluster of a rollout. */
export class RolloutClusterView {
  @ApiProperty() cluster: string;
  @ApiProperty() stage: string;
  @ApiProperty({ description: 'Pending, Held, Updating, Done, Failed, Stale (the gate), or Pinned, Unchanged, RolledBack, Removed (the cluster was deleted)' }) state: string;
  @ApiPropertyOptional({ description: 'why it is Held, Failed, Stale, Pinned or RolledBack' }) reason?: string;
  @ApiPropertyOptional() publishedAt?: string;
  @ApiPropertyOptional({ description: 'since when it has reported the new digest applied and Healthy' }) healthySince?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'where it went back to: {revision?, digest?, reason}' })
  rollback?: { revision?: string; digest?: string; reason: string };
}

/** Counts of a stage's clusters by state. */
export class StageCountsView {
  @ApiProperty({ description: 'clusters that got the new revision' }) updated: number;
  @ApiProperty({ description: 'Done: Healthy on it for minHealthyDuration (or unchanged, pinned)' }) healthy: number;
  @ApiProperty() failed: number;
  @ApiProperty({ description: 'Pending or Updating' }) waiting: number;
  @ApiProperty() held: number;
  @ApiProperty() stale: number;
}

/** One stage of a rollout. */
export class RolloutStageView {
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['Pending', 'Progressing', 'Succeeded'] }) phase: string;
  @ApiProperty() maxUnavailable: number;
  @ApiPropertyOptional() startedAt?: string;
  @ApiPropertyOptional() finishedAt?: string;
  @ApiProperty({ type: StageCountsView }) counts: StageCountsView;
  @ApiProperty({ type: [RolloutClusterView] }) clusters: RolloutClusterView[];
}

/** A rollout in the history: what it delivered and how it ended. */
export class RolloutSummaryView {
  @ApiProperty() id: string;
  @ApiProperty() revision: string;
  @ApiProperty({ enum: ['Progressing', 'Paused', 'Succeeded', 'RolledBack', 'Superseded'] }) phase: string;
  @ApiProperty({ description: 'false: no rolloutStrategy or gitfleet.rollout (every cluster at once, no health gate)' }) gated: boolean;
  @ApiPropertyOptional({ description: 'why it stopped' }) cause?: string;
  @ApiPropertyOptional({ description: 'first line of the commit message' }) commitMessage?: string;
  @ApiPropertyOptional() commitAuthor?: string;
  @ApiProperty() createdAt: string;
  @ApiPropertyOptional() finishedAt?: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: '[{name, startedAt?, finishedAt?}]' })
  stages: Array<{ name: string; startedAt?: string; finishedAt?: string }>;
}

/** The current rollout of a bundle, stage by stage. */
export class RolloutView extends RolloutSummaryView {
  @ApiProperty({ type: [String], description: 'the revisions its clusters ran before it, most clusters first' }) previousRevisions: string[];
  @ApiProperty({ type: [RolloutStageView] }) stageDetails: RolloutStageView[];
  @ApiProperty({ type: [String], description: 'stale clusters the gate went past (onStale: skip)' }) skippedStale: string[];
}

/** A pin of a bundle. */
export class PinView {
  @ApiProperty({ description: "'' for every cluster of the bundle" }) cluster: string;
  @ApiProperty() revision: string;
  @ApiProperty() reason: string;
  @ApiProperty() createdBy: string;
  @ApiProperty() createdAt: string;
}

/** GET /bundles/:id/rollout: the current rollout, the pins and the history. */
export class RolloutStatusView {
  @ApiProperty() bundleId: string;
  @ApiPropertyOptional({ type: RolloutView, description: 'the newest rollout; absent when the bundle never had one' }) current?: RolloutView;
  @ApiProperty({ type: [PinView] }) pins: PinView[];
  @ApiProperty({ type: [RolloutSummaryView], description: 'newest first (at most 20)' }) history: RolloutSummaryView[];
}
