import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Matches, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
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

/**
 * Git credentials of a private source (HTTPS): `username` + `password`, or a `token` (sent as
 * the password; username defaults to `x-access-token`, which GitHub accepts; GitLab wants
 * `oauth2`). Write-only: stored encrypted, never returned.
 */
export class SourceCredentialsDto {
  @ApiPropertyOptional({ description: 'HTTPS user name' }) @IsOptional() @IsString() @MinLength(1) @MaxLength(256) username?: string;
  @ApiPropertyOptional({ description: 'HTTPS password (write-only)', writeOnly: true }) @IsOptional() @IsString() @MinLength(1) @MaxLength(4096) password?: string;
  @ApiPropertyOptional({ description: 'access token, instead of a password (write-only)', writeOnly: true }) @IsOptional() @IsString() @MinLength(1) @MaxLength(4096) token?: string;
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

  @ApiPropertyOptional({ type: SourceCredentialsDto, description: 'credentials of a private repository; needs GITFLEET_SECRETS_KEY on the hub' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SourceCredentialsDto)
  credentials?: SourceCredentialsDto;

  @ApiPropertyOptional({ description: 'webhook secret (GitHub X-Hub-Signature-256 key, GitLab X-Gitlab-Token); write-only; needs GITFLEET_SECRETS_KEY', writeOnly: true })
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'webhookSecret must be at least 16 characters' })
  @MaxLength(256)
  webhookSecret?: string;
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
  @ApiProperty({ description: 'true when Git credentials are stored (never returned)' }) hasCredentials: boolean;
  @ApiProperty({ description: 'true when webhooks must be signed / carry the secret token' }) hasWebhookSecret: boolean;
  @ApiProperty() createdAt: string;
}

/** Response of the webhook endpoint. */
export class WebhookResult {
  @ApiProperty({ description: 'true when a fetch was queued' }) accepted: boolean;
  @ApiPropertyOptional({ description: 'set when the push was for another branch' }) ignored?: string;
}
