import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { NAME_PATTERN } from '@gitfleet/proto';
import { LabelSelectorDto } from './clusters.dto.js';

/** Body of POST /api/v1/maintenance-windows. */
export class CreateMaintenanceWindowDto {
  @ApiProperty({ example: 'weeknights' })
  @Matches(NAME_PATTERN, { message: 'name must be a DNS-1123 label (a-z, 0-9, -, at most 63 characters)' })
  name: string;

  @ApiProperty({ example: '0 22 * * 1-5', description: 'when the window opens: a 5-field cron expression (minute hour day-of-month month day-of-week), read in `timezone`' })
  @IsString({ message: 'schedule must be a string (a 5-field cron expression)' })
  @MaxLength(200)
  schedule: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', description: 'IANA time zone of the schedule; default UTC' })
  @IsOptional()
  @IsString({ message: 'timezone must be a string (an IANA time zone)' })
  @MaxLength(64)
  timezone?: string;

  @ApiProperty({ example: '2h', description: 'how long the window stays open after each start: hours and/or minutes ("2h", "30m", "1h30m"), 1m to 744h' })
  @IsString({ message: 'duration must be a string such as "2h" or "30m"' })
  @MaxLength(20)
  duration: string;

  @ApiPropertyOptional({ type: LabelSelectorDto, description: 'clusters covered, by label (with clusterGroup: a cluster must match both); one of the two is required' })
  @IsOptional()
  @IsObject({ message: 'clusterSelector must be an object (a label selector: {matchLabels?, matchExpressions?})' })
  @ValidateNested()
  @Type(() => LabelSelectorDto)
  clusterSelector?: LabelSelectorDto;

  @ApiPropertyOptional({ example: 'prod', description: 'clusters covered, by cluster group (an existing group)' })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: 'clusterGroup must be a cluster group name (DNS-1123 label)' })
  clusterGroup?: string;
}

/** A maintenance window, with its state now and the clusters it covers now. */
export class MaintenanceWindowView {
  @ApiProperty() name: string;
  @ApiProperty() schedule: string;
  @ApiProperty({ nullable: true, type: String, description: 'IANA time zone; null = UTC' }) timezone: string | null;
  @ApiProperty() duration: string;
  @ApiProperty({ nullable: true, type: LabelSelectorDto }) clusterSelector: LabelSelectorDto | null;
  @ApiProperty({ nullable: true, type: String }) clusterGroup: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ description: 'open now: new revisions may reach the clusters it covers' }) open: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'when closed: its next start (null when open, or never again)' }) nextOpen: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'when open: the end of the current opening' }) closesAt: string | null;
  @ApiProperty({ type: [String], description: 'clusters it covers now' }) clusters: string[];
}

/** A cluster held now (GET /api/v1/holds): new revisions wait for it; drift correction and health go on. */
export class HeldClusterView {
  @ApiProperty({ example: 'spoke1' }) cluster: string;
  @ApiProperty({
    example: 'spoke-side hold: "change freeze" (since 2026-12-01T08:00:00.000Z); outside maintenance window "weeknights" (next opens 2026-12-07T22:00:00.000Z)',
    description: 'why: a spoke-side hold and/or the maintenance windows covering it being closed',
  })
  reason: string;
}
