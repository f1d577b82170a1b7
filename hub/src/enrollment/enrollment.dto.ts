import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { NAME_PATTERN } from '@gitfleet/proto';
import { IsLabelMap } from '../validators.js';

const NAME_MESSAGE = 'must be a DNS-1123 label (a-z, 0-9, -, at most 63 characters)';

/** Body of POST /api/v1/registration-tokens. */
export class CreateRegistrationTokenDto {
  @ApiProperty({ description: 'DNS-1123 label naming the token (audit log, list)', example: 'edge-sites' })
  @Matches(NAME_PATTERN, { message: `name ${NAME_MESSAGE}` })
  name: string;

  @ApiPropertyOptional({ description: 'ISO 8601 instant after which the token is refused; default 24 hours from now, at most one year' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;

  @ApiPropertyOptional({ description: 'enrollments allowed in all; absent = unlimited until expiry', minimum: 1, maximum: 1_000_000 })
  @IsOptional()
  @IsInt({ message: 'maxUses must be an integer' })
  @Min(1, { message: 'maxUses must be at least 1' })
  @Max(1_000_000, { message: 'maxUses must be at most 1000000' })
  maxUses?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'labels stamped on every cluster that enrolls with this token', example: { env: 'edge' } })
  @IsOptional()
  @IsLabelMap()
  labels?: Record<string, string>;
}

/** A registration token as listed (never its value). */
export class RegistrationTokenView {
  @ApiProperty() name: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty({ nullable: true, type: Number }) maxUses: number | null;
  @ApiProperty() uses: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels: Record<string, string>;
  @ApiProperty() createdBy: string;
  @ApiProperty() createdAt: string;
}

/** Answer of POST /api/v1/registration-tokens: the only time the value is shown. */
export class CreatedRegistrationTokenView extends RegistrationTokenView {
  @ApiProperty({ description: 'the registration token; shown once, give it to the agent (GITFLEET_ENROLLMENT_TOKEN)', example: 'gfr_…' }) token: string;
}

/** Body of POST /api/v1/enroll (sent by an agent). */
export class EnrollDto {
  @ApiProperty({ description: 'the registration token' })
  @IsString({ message: 'token must be a string' })
  @MaxLength(256, { message: 'token is too long' })
  token: string;

  @ApiProperty({ description: 'the cluster\'s name (DNS-1123 label); an existing cluster of that name is adopted', example: 'edge-042' })
  @Matches(NAME_PATTERN, { message: `cluster ${NAME_MESSAGE}` })
  cluster: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'labels the agent asks for; the token\'s labels win on a clash' })
  @IsOptional()
  @IsLabelMap()
  labels?: Record<string, string>;

  @ApiProperty({ description: 'public key of the NATS user nkey the agent made ("U…"); the seed stays on the agent' })
  @Matches(/^U[A-Z2-7]{55}$/, { message: 'userPublicKey must be a NATS user public nkey (U followed by 55 base32 characters)' })
  userPublicKey: string;
}

/** Answer of POST /api/v1/enroll. */
export class EnrollmentView {
  @ApiProperty() cluster: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels: Record<string, string>;
  @ApiProperty({ description: 'the NATS user JWT for userPublicKey; with the agent\'s seed it makes its creds file' }) userJwt: string;
}
