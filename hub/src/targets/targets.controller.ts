import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { HistoryEntryView, ListTargetsQuery, TargetView } from './targets.dto.js';
import { TargetsService } from './targets.service.js';

/** Admin API of targets (bundle × cluster): /api/v1/targets. */
@ApiTags('targets')
@Controller('api/v1/targets')
export class TargetsController {
  constructor(private readonly service: TargetsService) {}

  /** Targets with desired vs applied state, filtered by `cluster` and/or `bundle`. */
  @Get()
  @ApiOkResponse({ type: [TargetView] })
  list(@Query() q: ListTargetsQuery): Promise<TargetView[]> {
    return this.service.list({ cluster: q.cluster, bundleId: q.bundle });
  }

  /** The latest 50 status reports of one target. */
  @Get(':cluster/:bundleId/history')
  @ApiOkResponse({ type: [HistoryEntryView] })
  history(@Param('cluster') cluster: string, @Param('bundleId') bundleId: string): Promise<HistoryEntryView[]> {
    return this.service.history(cluster, bundleId);
  }
}
