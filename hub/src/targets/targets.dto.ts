import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { NAME_PATTERN } from '@gitfleet/proto';
import { ClusterView } from '../clusters/clusters.dto.js';
import { FAILURE_CLASS_NAMES, HEALTH_NAMES, SYNC_STATUS_NAMES } from './status.types.js';
import type {
  FailureClassName,
  FieldDiffJson,
  HealthJson,
  HealthName,
  ObjectDriftJson,
  ObjectRefJson,
  ResourceResultJson,
  SyncStateName,
  SyncStatusName,
  TimingsJson,
} from './status.types.js';
import type { IgnoreDifferenceJson } from './target.entity.js';

/** Query of GET /api/v1/targets. */
export class ListTargetsQuery {
  @ApiPropertyOptional({ description: 'only targets of this cluster', pattern: NAME_PATTERN.source })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'cluster must be a DNS-1123 label' })
  cluster?: string;

  @ApiPropertyOptional({ description: 'only targets of this bundle id', pattern: NAME_PATTERN.source })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'bundle must be a DNS-1123 label' })
  bundle?: string;
}

/** Health and its cause. */
export class HealthView implements HealthJson {
  @ApiProperty({ enum: HEALTH_NAMES, description: 'rank, worst first: Degraded > Missing > Unknown > Progressing > Suspended > Healthy' })
  status: HealthName;
  @ApiProperty({ description: 'cause of the status; empty when Healthy or not known' }) message: string;
}

/** Names one Kubernetes object. */
export class ObjectRefView implements ObjectRefJson {
  @ApiProperty() apiVersion: string;
  @ApiProperty() kind: string;
  @ApiProperty({ description: 'empty for cluster-scoped objects' }) namespace: string;
  @ApiProperty() name: string;
}

/** One field whose live value differs from desired. */
export class FieldDiffView implements FieldDiffJson {
  @ApiProperty({ description: 'RFC 6901 JSON pointer', example: '/spec/replicas' }) path: string;
  @ApiProperty({ description: 'JSON of the desired value; empty when absent from desired', example: '3' }) desired: string;
  @ApiProperty({ description: 'JSON of the live value; empty when absent from live', example: '5' }) live: string;
  @ApiProperty({ description: 'field manager that last wrote the live value; empty when unknown', example: 'kubectl-edit' }) manager: string;
}

/** Another writer that keeps changing fields back: self-heal backed off. */
export class ConflictView {
  @ApiProperty({ description: 'the other field manager' }) manager: string;
  @ApiProperty() message: string;
}

/** How one object differs from desired (drift), or would change on apply (diff). */
export class ObjectDriftView implements ObjectDriftJson {
  @ApiProperty({ type: ObjectRefView }) object: ObjectRefView;
  @ApiProperty({ description: 'the object does not exist on the cluster' }) missing: boolean;
  @ApiProperty({ type: [FieldDiffView] }) diffs: FieldDiffView[];
  @ApiProperty({ description: 're-applied by self-heal' }) healed: boolean;
  @ApiProperty({ type: ConflictView, nullable: true }) conflict: ConflictView | null;
}

/** One ignore rule (differences never treated as drift); empty selector fields match anything. */
export class IgnoreDifferenceView implements IgnoreDifferenceJson {
  @ApiProperty({ description: 'API group; empty matches every group' }) group: string;
  @ApiProperty() kind: string;
  @ApiProperty() namespace: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String], description: 'RFC 6901 JSON pointers never compared' }) jsonPointers: string[];
  @ApiProperty({ type: [String], description: 'field managers whose fields are never drift' }) managers: string[];
}

/** Query of GET /api/v1/targets/:cluster/:bundleId/history. */
export class HistoryQuery {
  @ApiPropertyOptional({ type: 'integer', description: 'number of reports, newest first (1-1000)', default: 50, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
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
  @ApiProperty({ type: [IgnoreDifferenceView] }) ignoreDifferences: IgnoreDifferenceView[];
  @ApiProperty({ description: 'manual sync counter in the published DesiredState' }) syncRequest: number;
}

/** One object result of the last reconcile. */
export class ResourceView implements ResourceResultJson {
  @ApiProperty() apiVersion: string;
  @ApiProperty() kind: string;
  @ApiProperty() namespace: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['created', 'configured', 'unchanged', 'pruned', 'failed', 'unspecified'] }) action: ResourceResultJson['action'];
  @ApiProperty() message: string;
  @ApiProperty({ type: HealthView, description: 'health of the live object after the reconcile' }) health: HealthView;
}

/** What the agent last reported for a target. */
export class AppliedView {
  @ApiProperty() revision: string;
  @ApiProperty() digest: string;
  @ApiProperty() generation: number;
  @ApiProperty({ enum: ['Synced', 'Failed', 'Deleted', 'Unknown'] }) state: SyncStateName;
  @ApiProperty({ type: [ResourceView], description: 'worst health first' }) resources: ResourceView[];
  @ApiProperty({ type: [String] }) errors: string[];
  @ApiProperty({
    enum: FAILURE_CLASS_NAMES,
    nullable: true,
    type: String,
    description: 'class of the failure when state is Failed (Flux kustomize-controller): terminal — only a new desired state helps (Stalled); waiting — a precondition is not met yet, requeued (Reconciling); transient — retried with backoff (Reconciling). null when the reconcile did not fail, or the agent did not say',
  })
  failureClass: FailureClassName | null;
  @ApiProperty({ description: 'what started the report: update, resync, drift, health, sync-request, delete ("" when not said)' }) trigger: string;
  @ApiProperty({ description: 'sync_request of the DesiredState the report acted on' }) syncRequest: number;
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
  @ApiProperty({ enum: SYNC_STATUS_NAMES, description: 'live vs desired as the agent last reported it; Unknown when no report' }) syncStatus: SyncStatusName;
  @ApiProperty({ type: HealthView, description: 'rolled-up health of the target; Unknown when no report' }) health: HealthView;
  @ApiProperty({ type: [ObjectDriftView], description: 'objects whose live state differs from desired' }) drift: ObjectDriftView[];
  @ApiProperty({ type: [ObjectRefView], description: 'objects that left the desired state but were kept (prune=false)' }) orphaned: ObjectRefView[];
  @ApiProperty({ nullable: true, type: String, description: 'observedAt of the latest report that applied the desired state' }) lastAppliedAt: string | null;
  @ApiProperty({ description: 'manual sync counter of the published desired state' }) syncRequest: number;
}

/** Answer of GET /api/v1/targets/:cluster/:bundleId/diff: what applying the desired state would change, per the agent. */
export class DiffView {
  @ApiProperty() cluster: string;
  @ApiProperty() bundleId: string;
  @ApiProperty({ description: 'revision the agent compared against' }) revision: string;
  @ApiProperty({ type: [ObjectDriftView], description: 'objects that would change (missing = would be created)' }) objects: ObjectDriftView[];
  @ApiProperty({ type: [ObjectRefView], description: 'objects that would be pruned' }) prune: ObjectRefView[];
  @ApiProperty({ type: [String] }) errors: string[];
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
  @ApiProperty({
    enum: FAILURE_CLASS_NAMES,
    nullable: true,
    type: String,
    description: 'class of the failure when state is Failed (Flux kustomize-controller): terminal — only a new desired state helps (Stalled); waiting — a precondition is not met yet, requeued (Reconciling); transient — retried with backoff (Reconciling). null when the reconcile did not fail, or the agent did not say',
  })
  failureClass: FailureClassName | null;
  @ApiProperty() observedAt: string;
  @ApiProperty() receivedAt: string;
  @ApiProperty({ enum: SYNC_STATUS_NAMES }) syncStatus: SyncStatusName;
  @ApiProperty({ type: HealthView }) health: HealthView;
  @ApiProperty({ type: [ObjectDriftView] }) drift: ObjectDriftView[];
  @ApiProperty({ type: [ObjectRefView] }) orphaned: ObjectRefView[];
  @ApiProperty() trigger: string;
  @ApiProperty() syncRequest: number;
}

/** OpenAPI schema of a count per name (every name present). */
export const countsSchema = (names: readonly string[]) => ({
  type: 'object' as const,
  properties: Object.fromEntries(names.map((n) => [n, { type: 'integer' as const }])),
  required: [...names],
});

/** One target's line in a health roll-up. */
export class TargetHealthView {
  @ApiProperty() cluster: string;
  @ApiProperty() bundleId: string;
  @ApiProperty({ enum: HEALTH_NAMES }) status: HealthName;
  @ApiProperty() message: string;
  @ApiProperty({ enum: SYNC_STATUS_NAMES }) syncStatus: SyncStatusName;
}

/**
 * Health rolled up over targets: the worst status (Degraded > Missing > Unknown > Progressing >
 * Suspended > Healthy; a target with no report counts as Unknown; no targets → Healthy), the
 * worst target's message, and a count per status.
 */
export class HealthRollUpView {
  @ApiProperty({ enum: HEALTH_NAMES }) status: HealthName;
  @ApiProperty({ description: '`<cluster or bundle>: <cause>` of the worst target; empty when all are Healthy', example: 'spoke1: Deployment web/web: 0 of 3 replicas available' })
  message: string;
  @ApiProperty({ ...countsSchema(HEALTH_NAMES), description: 'number of targets per health status' })
  counts: Record<HealthName, number>;
}

/** Health of a cluster rolled up over its targets, with every target worst first and sync counts. */
export class ClusterHealthView extends HealthRollUpView {
  @ApiProperty({ type: [TargetHealthView], description: 'the cluster\'s targets, worst health first' }) targets: TargetHealthView[];
  @ApiProperty({ ...countsSchema(SYNC_STATUS_NAMES), description: 'number of targets per sync status (Unknown: no report)' })
  sync: Record<SyncStatusName, number>;
}

/** A cluster with its targets and their status. */
export class ClusterDetailView extends ClusterView {
  @ApiProperty({ type: [TargetView] }) targets: TargetView[];
  @ApiProperty({ type: ClusterHealthView, description: 'worst health over its targets (message names the bundle)' }) health: ClusterHealthView;
}
