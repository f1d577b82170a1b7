import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { NAME_PATTERN } from '@gitfleet/proto';
import { LabelSelectorDto } from '../clusters/clusters.dto.js';
import type { TargetRule } from '../targeting/index.js';
import { MAX_TRUSTED_KEYS, type CommitSignatureReport, type TrustedKeyRecord } from './commit-signature.js';

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

/**
 * Commit signature policy of a source (rule source: Flux GitRepository `spec.verify`, `mode:
 * HEAD`): a new head commit deploys only when it carries an OpenPGP signature by one of
 * `trustedKeys`; an unsigned commit, or one signed by another key, is reported on the source
 * (`commitSignature`) and not deployed.
 */
export class CommitSignaturesDto {
  @ApiProperty({
    description: 'ASCII-armored OpenPGP public keys (`gpg --armor --export <key id>`); each entry may hold several keys. A private key, or a key that cannot sign now (expired, revoked), is refused with 400.',
    type: [String],
    minItems: 1,
    maxItems: MAX_TRUSTED_KEYS,
  })
  @IsArray()
  @ArrayMinSize(1, { message: 'commitSignatures.trustedKeys must hold at least one armored public key' })
  @ArrayMaxSize(MAX_TRUSTED_KEYS)
  @IsString({ each: true })
  @MaxLength(65_536, { each: true })
  trustedKeys: string[];
}

const KUSTOMIZE_REMOTE_BASES =
  'allow kustomize remote bases (resources/bases/components given as Git or HTTP URLs) in this source; false refuses them: the bundle is Failed and its targets keep their last good state';

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

  @ApiPropertyOptional({ description: 'poll interval in seconds (at most one day)', default: 15, minimum: 1, maximum: 86_400 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
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

  @ApiPropertyOptional({ type: CommitSignaturesDto, description: 'deploy only head commits signed by one of these OpenPGP keys; absent = any commit deploys' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CommitSignaturesDto)
  commitSignatures?: CommitSignaturesDto;

  @ApiPropertyOptional({ description: KUSTOMIZE_REMOTE_BASES, default: false })
  @IsOptional()
  @IsBoolean({ message: 'kustomizeRemoteBases must be true or false' })
  kustomizeRemoteBases?: boolean;
}

/** Body of PATCH /api/v1/sources/:name: the fields that can change in place (absent = unchanged). */
export class UpdateSourceDto {
  @ApiPropertyOptional({ type: CommitSignaturesDto, nullable: true, description: 'new commit signature policy (replaces the keys); null removes it' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CommitSignaturesDto)
  commitSignatures?: CommitSignaturesDto | null;

  @ApiPropertyOptional({ description: KUSTOMIZE_REMOTE_BASES })
  // absent: unchanged; null is refused like any other non-boolean (IsOptional would let it through)
  @ValidateIf((_, v) => v !== undefined)
  @IsBoolean({ message: 'kustomizeRemoteBases must be true or false' })
  kustomizeRemoteBases?: boolean;
}

/** One trusted key of a source's commit signature policy (the key itself is not echoed). */
export class TrustedKeyView implements Omit<TrustedKeyRecord, 'armored'> {
  @ApiProperty({ description: 'primary key fingerprint, upper-case hex' }) fingerprint: string;
  @ApiProperty({ description: 'long key ID of the primary key, upper-case hex (16 characters)' }) keyId: string;
  @ApiProperty({ type: [String], description: 'user IDs, e.g. "Jane Doe <jane@example.com>"' }) userIds: string[];
  @ApiProperty({ nullable: true, type: String, description: 'when the key expires (ISO 8601); null = never' }) expiresAt: string | null;
}

/** A source's commit signature policy as shown. */
export class CommitSignaturesView {
  @ApiProperty({ type: [TrustedKeyView] }) trustedKeys: TrustedKeyView[];
}

/** Outcome of verifying a source's head commit under its commit signature policy. */
export class CommitSignatureView implements CommitSignatureReport {
  @ApiProperty({ description: 'the head commit SHA that was checked' }) revision: string;
  @ApiProperty({ description: 'true: signed by a trusted key, deployed; false: held (not deployed), see reason' }) verified: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'why the commit is held, e.g. "commit abc1234 is not signed"' }) reason: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'fingerprint of the trusted key that signed it' }) keyFingerprint: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'primary user ID of that key' }) signer: string | null;
  @ApiProperty({ description: 'when this outcome was first seen (ISO 8601)' }) checkedAt: string;
}

/** One target a held change would withdraw. */
export class HeldWithdrawalView {
  @ApiProperty() cluster: string;
  @ApiProperty() bundleId: string;
  @ApiProperty({ description: 'why it would be withdrawn' }) reason: string;
}

/** Withdrawals held by the mass-deletion guard, waiting for confirmation. */
export class WithdrawalHoldView {
  @ApiProperty({ description: 'commit the held change was planned at' }) revision: string;
  @ApiProperty({ description: 'RFC 3339 time it was first held' }) heldAt: string;
  @ApiProperty({ description: 'targets of the source published before the change' }) total: number;
  @ApiProperty({ description: 'why it is held' }) reason: string;
  @ApiProperty({ type: [HeldWithdrawalView] }) targets: HeldWithdrawalView[];
  @ApiProperty({ nullable: true, type: String, description: 'RFC 3339 time an operator confirmed it; null while unconfirmed' }) confirmedAt: string | null;
}

/** Body of POST /sources/:name/confirm-withdrawal. */
export class ConfirmWithdrawalDto {
  @ApiPropertyOptional({ description: 'the held revision being confirmed (409 when the hold has moved to another commit); default: the current hold', pattern: '^[0-9a-f]{40}$' })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9a-f]{40}$/, { message: 'revision must be a 40-character lower-case hex commit SHA' })
  revision?: string;
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
  @ApiProperty({ type: CommitSignaturesView, nullable: true, description: 'commit signature policy; null = any commit deploys' }) commitSignatures: CommitSignaturesView | null;
  @ApiProperty({
    type: CommitSignatureView,
    nullable: true,
    description: 'head commit signature check under the policy (verified = false: that commit is held, targets keep the last deployed revision); null without a policy or before the first check',
  })
  commitSignature: CommitSignatureView | null;
  @ApiProperty({ description: 'true when kustomize remote bases may be fetched for this source' }) kustomizeRemoteBases: boolean;
  @ApiProperty({
    type: [String],
    description: 'warnings of the last bundle scan that concern no single bundle, e.g. "dashboards: *.jsonnet files: jsonnet is not rendered by gitfleet; skipped" (a directory of content gitfleet does not render); [] when none',
  })
  warnings: string[];
  @ApiProperty({
    type: WithdrawalHoldView,
    nullable: true,
    description: 'a change the mass-deletion guard holds (nothing of it is withdrawn until confirmed); null when none',
  })
  withdrawalHold: WithdrawalHoldView | null;
  @ApiProperty() createdAt: string;
}

/** Response of the webhook endpoint. */
export class WebhookResult {
  @ApiProperty({ description: 'true when a fetch was queued' }) accepted: boolean;
  @ApiPropertyOptional({ description: 'set when the push was for another branch' }) ignored?: string;
}
