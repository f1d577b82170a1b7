import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { NAME_PATTERN } from '@gitfleet/proto';
import type { DeadLetter } from './dead-letters.repository.js';

/** Query of GET /api/v1/status/dead-letters. */
export class DeadLettersQuery {
  @ApiPropertyOptional({ description: 'only dead letters of this cluster (the last token of the subject)', pattern: NAME_PATTERN.source })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'cluster must be a DNS-1123 label' })
  cluster?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'number of dead letters, newest first (1-1000)', default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

/** A status message the hub could not store. */
export class DeadLetterView {
  @ApiProperty() id: number;
  @ApiProperty({ description: 'the last token of the subject' }) cluster: string;
  @ApiProperty({ example: 'fleet.status.spoke1' }) subject: string;
  @ApiProperty({ description: 'sequence of the message in stream FLEET_STATUS' }) streamSequence: number;
  @ApiProperty({ description: 'JetStream deliveries until it was dead-lettered' }) deliveryCount: number;
  @ApiProperty({ description: 'why it could not be stored' }) reason: string;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({ description: 'size of the message, bytes' }) size: number;
  @ApiProperty({ description: 'true when `data` holds only the first 64 KiB' }) truncated: boolean;
  @ApiProperty({ description: 'the raw message bytes, base64 (at most 64 KiB)', format: 'byte' }) data: string;
}

/** A stored dead letter → its API view (bytes as base64, time as ISO 8601). */
export function toDeadLetterView(r: DeadLetter): DeadLetterView {
  return {
    id: r.id,
    cluster: r.cluster,
    subject: r.subject,
    streamSequence: r.streamSequence,
    deliveryCount: r.deliveryCount,
    reason: r.reason,
    receivedAt: r.receivedAt.toISOString(),
    size: r.size,
    truncated: r.truncated,
    data: r.data.toString('base64'),
  };
}
