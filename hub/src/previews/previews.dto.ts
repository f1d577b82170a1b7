import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches, MaxLength } from 'class-validator';
import { FieldDiffView } from '../targets/targets.dto.js';
import { PREVIEW_PHASES, type PreviewEntity, type PreviewPhase } from './preview.entity.js';
import type { PreviewBundleResult, PreviewCluster, PreviewObject, PreviewObjectAction, PreviewResult, PreviewTarget } from './preview-result.js';
import type { TargetChangeKind } from './preview-plan.js';

/** A commit SHA, full or abbreviated (at least 7 hex digits). */
export const REVISION_PATTERN = /^[0-9a-fA-F]{7,40}$/;
/**
 * The characters of a branch name (letters, digits, `._/-`, not starting with `-`, `/` or `.`);
 * `branchNameProblem` checks the rest of git check-ref-format's rules (the common subset). Kept
 * free of lookaheads so the OpenAPI pattern is one every tool reads.
 */
export const BRANCH_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/;

/**
 * Why `branch` is not a branch name Git accepts (git check-ref-format: no `..`, `//`, `/.`, no
 * trailing `/` or `.`, no `.lock` ending), or undefined. Pure.
 */
export function branchNameProblem(branch: string): string | undefined {
  for (const bad of ['..', '//', '/.']) if (branch.includes(bad)) return `branch must not contain "${bad}"`;
  if (branch.endsWith('/') || branch.endsWith('.')) return 'branch must not end with "/" or "."';
  if (branch.endsWith('.lock')) return 'branch must not end with ".lock"';
  return undefined;
}

/** Body of POST /api/v1/sources/:name/previews: exactly one of `revision` and `branch`. */
export class CreatePreviewDto {
  @ApiPropertyOptional({ description: 'commit SHA to preview (full or at least 7 hex digits), on any branch of the repository', example: '1a2b3c4d' })
  @IsOptional()
  @Matches(REVISION_PATTERN, { message: 'revision must be a commit SHA (7 to 40 hex digits)' })
  revision?: string;

  @ApiPropertyOptional({ description: 'branch whose head to preview', example: 'feature/new-web' })
  @IsOptional()
  @MaxLength(255)
  @Matches(BRANCH_PATTERN, { message: 'branch must be a Git branch name (letters, digits, ._/-, not starting with "-", "/" or ".")' })
  branch?: string;
}

/** One object of a target's dry run. */
export class PreviewObjectView implements PreviewObject {
  @ApiProperty() apiVersion: string;
  @ApiProperty() kind: string;
  @ApiProperty({ description: 'empty for cluster-scoped objects' }) namespace: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['create', 'change', 'prune', 'orphan'], description: 'orphan: leaves the desired state but would be kept (prune=false or gitfleet.io/prune: "false")' }) action: PreviewObjectAction;
  @ApiProperty({ type: [FieldDiffView], description: 'the fields that would change (action change)' }) diffs: FieldDiffView[];
}

/** One target (bundle × cluster) of a preview. */
export class PreviewTargetView implements PreviewTarget {
  @ApiProperty() bundleId: string;
  @ApiProperty({ description: "the bundle's directory ('' = repository root)" }) path: string;
  @ApiProperty({ enum: ['added', 'changed', 'unchanged', 'withdrawn', 'kept'], description: 'kept: left as published (its bundle failed or is paused, or its id is in doubt)' }) change: TargetChangeKind;
  @ApiProperty({ description: 'why: what differs, the withdrawal reason, why it is kept' }) reason: string;
  @ApiProperty({ type: String, nullable: true, description: 'digest published now; null for an added target' }) publishedDigest: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'digest the revision would publish; null for a withdrawn or kept target' }) digest: string | null;
  @ApiProperty({ type: [PreviewObjectView], description: "the agent's server-side dry run: objects that would be created, changed, pruned or orphaned" }) objects: PreviewObjectView[];
  @ApiProperty({ type: [String], description: "problems of the dry run, or why the agent gave none (e.g. it did not answer within 10 s)" }) errors: string[];
  @ApiProperty({ description: "true when the agent answered (its dry run is in objects); false for unchanged and kept targets (nothing would be written) and for an agent that did not answer" }) dryRun: boolean;
  @ApiProperty({ description: 'objects the agent left out to keep its answer within the NATS max_payload' }) truncated: number;
}

/** One cluster of a preview. */
export class PreviewClusterView implements PreviewCluster {
  @ApiProperty() cluster: string;
  @ApiProperty({ type: [PreviewTargetView] }) targets: PreviewTargetView[];
}

/** One file-level problem of a bundle. */
export class PreviewProblemView {
  @ApiProperty() file: string;
  @ApiProperty() message: string;
}

/** One bundle of the previewed revision. */
export class PreviewBundleView implements PreviewBundleResult {
  @ApiProperty() bundleId: string;
  @ApiProperty() path: string;
  @ApiProperty({ enum: ['Ready', 'Failed', 'Paused'] }) state: 'Ready' | 'Failed' | 'Paused';
  @ApiProperty({ type: [PreviewProblemView], description: 'render errors (fleet.yaml, targeting, render): the targets of a Failed bundle are kept' }) errors: PreviewProblemView[];
  @ApiProperty({ type: [String] }) warnings: string[];
}

/** A directory no bundle id could be made for. */
export class PreviewUnidentifiedView {
  @ApiProperty() path: string;
  @ApiProperty() reason: string;
}

/** What a completed preview found. */
export class PreviewResultView implements PreviewResult {
  @ApiProperty({ type: [PreviewBundleView] }) bundles: PreviewBundleView[];
  @ApiProperty({ type: [PreviewClusterView] }) clusters: PreviewClusterView[];
  @ApiProperty({ type: [PreviewUnidentifiedView] }) unidentified: PreviewUnidentifiedView[];
  @ApiProperty({ type: String, nullable: true, description: "set when a pipeline run would hold the revision's withdrawals for an operator's confirmation (mass-deletion guard)" }) withdrawalHold: string | null;
}

/** A preview: a source's revision rendered and dry-run on every targeted cluster, nothing applied. */
export class PreviewView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() source: string;
  @ApiProperty({ type: String, nullable: true, description: 'the branch asked for' }) branch: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'the commit asked for' }) requestedRevision: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'the commit previewed (known once checked out)' }) revision: string | null;
  @ApiProperty({ enum: PREVIEW_PHASES }) phase: PreviewPhase;
  @ApiProperty({ type: String, nullable: true, description: 'why it failed' }) message: string | null;
  @ApiProperty() requestedBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt: string | null;
  @ApiProperty({ type: PreviewResultView, nullable: true, description: 'set when Completed' }) result: PreviewResultView | null;
}

/** A preview row → its API view. */
export function toPreviewView(p: PreviewEntity): PreviewView {
  return {
    id: p.id,
    source: p.source,
    branch: p.branch,
    requestedRevision: p.requestedRevision,
    revision: p.revision,
    phase: p.phase,
    message: p.message,
    requestedBy: p.requestedBy,
    createdAt: p.createdAt.toISOString(),
    startedAt: p.startedAt?.toISOString() ?? null,
    finishedAt: p.finishedAt?.toISOString() ?? null,
    result: p.result,
  };
}
