import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { NAME_PATTERN } from '@gitfleet/proto';
import type { ResourceResultJson, SyncStateName, TimingsJson } from '../status/status.types.js';

/** Query of GET /api/v1/targets. */
export class ListTargetsQuery {
  @ApiPropertyOptional({ description: 'only targets of this cluster' })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'cluster must be a DNS-1123 label' })
  cluster?: string;

  @ApiPropertyOptional({ description: 'only targets of this bundle id' })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'bundle must be a DNS-1123 label' })
  bundle?: string;
}

/** What the hub last published for a target. */
export class DesiredView {
  @ApiProperty() revision: string;
  @ApiProperty() digest: string;
  @ApiProperty() generation: number;
  @ApiProperty() publishedAt: string;
  @ApiProperty() targetNamespace: string;
  @ApiProperty() defaultNamespace: string;
  @ApiProperty({ type: 'object', properties: { automated: { type: 'boolean' }, prune: { type: 'boolean' }, selfHeal: { type: 'boolean' } } })
  syncPolicy: { automated: boolean; prune: boolean; selfHeal: boolean };
}

/** One object result of the last reconcile. */
export class ResourceView implements ResourceResultJson {
  @ApiProperty() apiVersion: string;
  @ApiProperty() kind: string;
  @ApiProperty() namespace: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['created', 'configured', 'unchanged', 'pruned', 'failed', 'unspecified'] }) action: ResourceResultJson['action'];
  @ApiProperty() message: string;
}

/** What the agent last reported for a target. */
export class AppliedView {
  @ApiProperty() revision: string;
  @ApiProperty() digest: string;
  @ApiProperty() generation: number;
  @ApiProperty({ enum: ['Synced', 'Failed', 'Deleted', 'Unknown'] }) state: SyncStateName;
  @ApiProperty({ type: [ResourceView] }) resources: ResourceView[];
  @ApiProperty({ type: [String] }) errors: string[];
  @ApiProperty({
    type: 'object',
    nullable: true,
    description: 'milliseconds',
    properties: { fetchMs: { type: 'number' }, applyMs: { type: 'number' }, pruneMs: { type: 'number' }, totalMs: { type: 'number' } },
  })
  timings: TimingsJson | null;
  @ApiProperty() observedAt: string;
}

/** Summary status of a target: Pending (applied generation < desired), Synced or Failed. */
export type TargetStatusName = 'Pending' | 'Synced' | 'Failed';

/** One target (bundle × cluster): desired vs applied. */
export class TargetView {
  @ApiProperty() cluster: string;
  @ApiProperty() bundleId: string;
  @ApiProperty({ type: DesiredView }) desired: DesiredView;
  @ApiProperty({ type: AppliedView, nullable: true }) applied: AppliedView | null;
  @ApiProperty({ enum: ['Pending', 'Synced', 'Failed'] }) status: TargetStatusName;
  @ApiProperty({ nullable: true, type: String, description: 'last heartbeat of the cluster' }) lastSeenAt: string | null;
}

/** One stored status report. */
export class HistoryEntryView {
  @ApiProperty() reportId: string;
  @ApiProperty() revision: string;
  @ApiProperty() digest: string;
  @ApiProperty() generation: number;
  @ApiProperty({ enum: ['Synced', 'Failed', 'Deleted', 'Unknown'] }) state: SyncStateName;
  @ApiProperty({ type: [ResourceView] }) resources: ResourceView[];
  @ApiProperty({ type: [String] }) errors: string[];
  @ApiProperty() observedAt: string;
  @ApiProperty() receivedAt: string;
}
