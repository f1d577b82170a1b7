import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsIn, IsObject, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { LABEL_SELECTOR_OPERATORS, NAME_PATTERN, type LabelSelectorOperator } from '@gitfleet/proto';
import { IsLabelMap, LABEL_KEY, LABEL_VALUE } from '../validators.js';

const NAME_MESSAGE = 'name must be a DNS-1123 label (a-z, 0-9, -, at most 63 characters)';

/** Body of POST /api/v1/clusters. */
export class CreateClusterDto {
  @ApiProperty({ example: 'spoke1' })
  @Matches(NAME_PATTERN, { message: NAME_MESSAGE })
  name: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { env: 'prod' } })
  @IsOptional()
  @IsLabelMap()
  labels?: Record<string, string>;
}

/** Body of PATCH /api/v1/clusters/:name: replaces the labels. */
export class PatchClusterDto {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  @IsLabelMap()
  labels: Record<string, string>;
}

/** A spoke-side hold: the spoke's operators asked that no new revision reach the cluster now. */
export class ClusterHoldView {
  @ApiProperty({ example: 'change freeze until Monday', description: 'the spoke operators\' reason' }) reason: string;
  @ApiProperty({ description: 'when the hold began, as the agent says (RFC 3339)' }) since: string;
  @ApiProperty({ example: 'configmap gitfleet-system/gitfleet-hold', description: 'setting (agent --hold) or configmap <namespace>/<name>' }) source: string;
}

/** A cluster as returned by the list. */
export class ClusterView {
  @ApiProperty() name: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels: Record<string, string>;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true, type: String }) lastSeenAt: string | null;
  @ApiProperty({ nullable: true, type: String }) agentVersion: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'v1.36.3',
    description: 'Kubernetes version the agent last reported (null: none yet); Helm charts render for it unless the label gitfleet.io/kubernetes-version is set',
  })
  kubernetesVersion: string | null;
  @ApiProperty({
    nullable: true,
    type: ClusterHoldView,
    description: 'the spoke-side hold its agent reports (null: not held); new revisions wait while it holds, drift correction and health go on',
  })
  hold: ClusterHoldView | null;
}

/** One requirement of a label selector (Kubernetes LabelSelectorRequirement). */
export class LabelSelectorRequirementDto {
  @ApiProperty({ description: 'a label key' })
  @IsString()
  @Matches(LABEL_KEY, { message: 'matchExpressions key must be a Kubernetes label key' })
  key: string;

  @ApiProperty({ enum: [...LABEL_SELECTOR_OPERATORS] })
  @IsIn([...LABEL_SELECTOR_OPERATORS])
  operator: LabelSelectorOperator;

  @ApiPropertyOptional({ type: [String], description: 'In/NotIn: one or more label values; Exists/DoesNotExist: none' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(LABEL_VALUE, { each: true, message: 'matchExpressions values must be Kubernetes label values' })
  values?: string[];
}

/**
 * OpenAPI schema of one LabelSelectorRequirement: apimachinery's rule that In/NotIn take one or
 * more values and Exists/DoesNotExist none (@gitfleet/proto validateSelector, called by
 * label-selector.ts checkSelector), as two variants.
 */
const REQUIREMENT_SCHEMA = {
  oneOf: [
    {
      type: 'object',
      required: ['key', 'operator', 'values'],
      additionalProperties: false,
      properties: {
        key: { type: 'string', pattern: LABEL_KEY.source, maxLength: 317 },
        operator: { type: 'string', enum: ['In', 'NotIn'] },
        values: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', pattern: LABEL_VALUE.source, maxLength: 63 } },
      },
    },
    {
      type: 'object',
      required: ['key', 'operator'],
      additionalProperties: false,
      properties: {
        key: { type: 'string', pattern: LABEL_KEY.source, maxLength: 317 },
        operator: { type: 'string', enum: ['Exists', 'DoesNotExist'] },
        values: { type: 'array', maxItems: 0, items: { type: 'string' } },
      },
    },
  ],
};

/** A Kubernetes label selector. */
export class LabelSelectorDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsLabelMap()
  matchLabels?: Record<string, string>;

  @ApiPropertyOptional({ type: 'array', maxItems: 100, items: REQUIREMENT_SCHEMA as never })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => LabelSelectorRequirementDto)
  matchExpressions?: LabelSelectorRequirementDto[];
}

/** Body of POST /api/v1/clustergroups. */
export class CreateClusterGroupDto {
  @ApiProperty({ example: 'prod' })
  @Matches(NAME_PATTERN, { message: NAME_MESSAGE })
  name: string;

  @ApiProperty({ type: LabelSelectorDto })
  @IsDefined({ message: 'selector is required (a label selector: {matchLabels?, matchExpressions?})' })
  @IsObject({ message: 'selector must be an object (a label selector: {matchLabels?, matchExpressions?})' })
  @ValidateNested()
  @Type(() => LabelSelectorDto)
  selector: LabelSelectorDto;
}

/** Body of PUT /api/v1/clustergroups/:name. */
export class UpdateClusterGroupDto {
  @ApiProperty({ type: LabelSelectorDto })
  @IsDefined({ message: 'selector is required (a label selector: {matchLabels?, matchExpressions?})' })
  @IsObject({ message: 'selector must be an object (a label selector: {matchLabels?, matchExpressions?})' })
  @ValidateNested()
  @Type(() => LabelSelectorDto)
  selector: LabelSelectorDto;
}

/** A cluster group with the clusters its selector matches now. */
export class ClusterGroupView {
  @ApiProperty() name: string;
  @ApiProperty({ type: LabelSelectorDto }) selector: LabelSelectorDto;
  @ApiProperty({ type: [String] }) clusters: string[];
}

/** One NATS credential issued to a cluster's agent (GET /api/v1/clusters/:name/credentials). */
export class ClusterCredentialView {
  @ApiProperty({ description: 'public key of the NATS user ("U…"); the hub never holds the seed' }) userPublicKey: string;
  @ApiProperty() issuedAt: string;
  @ApiProperty({ description: 'registration-token/<name> or rotation' }) issuedBy: string;
  @ApiProperty({ nullable: true, type: String, description: 'when it was revoked; null while valid' }) revokedAt: string | null;
}

/** Answer of POST /api/v1/clusters/:name/credentials/revoke. */
export class RevokedCredentialsView {
  @ApiProperty({ type: [String], description: 'public keys revoked now' }) revoked: string[];
}
