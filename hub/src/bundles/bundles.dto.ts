import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { NAME_PATTERN } from '@gitfleet/proto';
import { SYNC_STATUS_NAMES, type SyncStatusName } from '../targets/status.types.js';
import { countsSchema, HealthRollUpView, TargetHealthView } from '../targets/targets.dto.js';
import type { BundleProblem, BundleState } from './bundle.entity.js';

/** Bundle detail roll-up: adds every target, worst first. */
export class BundleHealthDetailView extends HealthRollUpView {
  @ApiPropertyOptional({ type: [TargetHealthView], description: 'every target, worst health first (GET /bundles/:id only)' })
  targets?: TargetHealthView[];
}

/** Body of POST /api/v1/bundles/:id/sync. */
export class SyncBundleDto {
  @ApiPropertyOptional({ description: 'sync only the target on this cluster (404 when the bundle does not target it); all targets when absent' })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'cluster must be a DNS-1123 label' })
  cluster?: string;
}

/** One target republished by a manual sync. */
export class SyncedTargetView {
  @ApiProperty() cluster: string;
  @ApiProperty() bundleId: string;
  @ApiProperty({ description: 'the new sync_request of its DesiredState' }) syncRequest: number;
  @ApiProperty({ description: 'the new generation of its DesiredState' }) generation: number;
}

/** Answer of POST /api/v1/bundles/:id/sync (202). */
export class SyncResultView {
  @ApiProperty({ type: [SyncedTargetView] }) targets: SyncedTargetView[];
}

/** One bundle problem (file + reason). */
export class BundleProblemView implements BundleProblem {
  @ApiProperty({ description: 'repository path of the file to blame' }) file: string;
  @ApiProperty() message: string;
}

/** A bundle as returned by the API. */
export class BundleView {
  @ApiProperty() id: string;
  @ApiProperty() source: string;
  @ApiProperty() path: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels: Record<string, string>;
  @ApiProperty({ description: 'commit SHA of the last scan' }) revision: string;
  @ApiProperty({ enum: ['Ready', 'Failed'] }) state: BundleState;
  @ApiProperty({ type: [BundleProblemView] }) errors: BundleProblemView[];
  @ApiProperty({ type: [String] }) warnings: string[];
  @ApiProperty({ description: 'number of published targets' }) targetCount: number;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ type: BundleHealthDetailView, description: 'health across the fleet (its targets)' }) health: BundleHealthDetailView;
  @ApiProperty({ ...countsSchema(SYNC_STATUS_NAMES), description: 'number of targets per sync status (Unknown: no report)' })
  sync: Record<SyncStatusName, number>;
}
