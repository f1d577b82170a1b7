import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';
import { NAME_PATTERN } from '@gitfleet/proto';
import { ROLES, type Role } from './roles.js';

/** Body of POST /api/v1/tokens. */
export class CreateTokenDto {
  @ApiProperty({ description: 'DNS-1123 label; the actor in the audit log', example: 'ci-deployer' })
  @Matches(NAME_PATTERN, { message: 'name must be a DNS-1123 label (a-z, 0-9, -, at most 63 characters)' })
  name: string;

  @ApiProperty({ enum: ROLES, description: 'admin: everything; operator: sync, relabel clusters, webhooks; viewer: read' })
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role: Role;

  @ApiPropertyOptional({ description: 'ISO 8601 instant after which the token is refused; absent = never expires' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;
}

/** A token as listed (never its value). */
export class TokenView {
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty() createdBy: string;
  @ApiProperty() createdAt: string;
}

/** Answer of POST /api/v1/tokens: the only time the token value is shown. */
export class CreatedTokenView extends TokenView {
  @ApiProperty({ description: 'the bearer token; shown once, store it now', example: 'gf_…' }) token: string;
}

/** Query of GET /api/v1/audit. */
export class AuditQueryDto {
  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

/** One audit log entry. */
export class AuditEntryView {
  @ApiProperty() id: number;
  @ApiProperty() at: string;
  @ApiProperty({ description: 'token name, bootstrap-admin, or anonymous (webhook without token)' }) actor: string;
  @ApiProperty({ nullable: true, type: String }) role: string | null;
  @ApiProperty() method: string;
  @ApiProperty() path: string;
  @ApiProperty({ nullable: true, type: String }) target: string | null;
  @ApiProperty({ description: 'HTTP status of the answer' }) outcome: number;
  @ApiProperty({ nullable: true, type: String }) message: string | null;
}
