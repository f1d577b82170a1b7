import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { NAME_PATTERN } from '@gitfleet/proto';
import { LabelSelectorDto } from '../clusters/clusters.dto.js';
import type { TargetRule } from '../targeting/index.js';

/**
 * One Fleet GitRepo `spec.targets` rule: a cluster is targeted when it matches ANY rule; within
 * a rule ALL given criteria must hold (Fleet GitRepoTarget).
 */
export class TargetRuleDto implements TargetRule {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(253) name?: string;
  @ApiPropertyOptional({ type: LabelSelectorDto }) @IsOptional() @ValidateNested() @Type(() => LabelSelectorDto) clusterSelector?: LabelSelectorDto;
  @ApiPropertyOptional() @IsOptional() @Matches(NAME_PATTERN, { message: 'clusterGroup must be a DNS-1123 label' }) clusterGroup?: string;
  @ApiPropertyOptional({ type: LabelSelectorDto }) @IsOptional() @ValidateNested() @Type(() => LabelSelectorDto) clusterGroupSelector?: LabelSelectorDto;
  @ApiPropertyOptional() @IsOptional() @Matches(NAME_PATTERN, { message: 'clusterName must be a DNS-1123 label' }) clusterName?: string;
}

/** Body of POST /api/v1/sources. */
export class CreateSourceDto {
  @ApiProperty({ description: 'DNS-1123 label', example: 'fleet-examples' })
  @Matches(NAME_PATTERN, { message: 'name must be a DNS-1123 label (a-z, 0-9, -, at most 63 characters)' })
  name: string;

  @ApiProperty({ description: 'http(s) clone URL', example: 'http://127.0.0.1:18080/fleet.git' })
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'url must be an http:// or https:// URL' })
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({ default: 'main' })
  @IsOptional()
  @Matches(/^(?!\/|.*\/\/|.*\.\.|.*\/$)[A-Za-z0-9._/-]{1,255}$/, { message: 'branch must be a valid branch name' })
  branch?: string;

  @ApiPropertyOptional({ description: 'sub-path inside the repository holding the bundles', default: '' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @Matches(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).*$/, { message: 'path must be relative and stay inside the repository' })
  path?: string;

  @ApiPropertyOptional({ description: 'poll interval in seconds', default: 15, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  pollIntervalSeconds?: number;

  @ApiPropertyOptional({ description: 'Fleet GitRepo spec.targets rules; absent = every cluster', type: [TargetRuleDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => TargetRuleDto)
  targets?: TargetRuleDto[];
}

/** A source as returned by the API (the URL with any password masked). */
export class SourceView {
  @ApiProperty() name: string;
  @ApiProperty() url: string;
  @ApiProperty() branch: string;
  @ApiProperty() path: string;
  @ApiProperty() pollIntervalSeconds: number;
  @ApiProperty({ type: [TargetRuleDto], nullable: true }) targets: TargetRule[] | null;
  @ApiProperty({ nullable: true, type: String }) lastRevision: string | null;
  @ApiProperty({ nullable: true, type: String }) lastFetchedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty() createdAt: string;
}

/** Response of the webhook endpoint. */
export class WebhookResult {
  @ApiProperty({ description: 'true when a fetch was queued' }) accepted: boolean;
  @ApiPropertyOptional({ description: 'set when the push was for another branch' }) ignored?: string;
}
