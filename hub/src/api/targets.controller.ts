import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadGatewayResponse, ApiGatewayTimeoutResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DiffView, HistoryEntryView, HistoryQuery, ListTargetsQuery, TargetView } from '../targets/targets.dto.js';
import { TargetsService } from '../targets/targets.service.js';

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

  /** One target with desired vs applied state, sync status, health, drift and orphans; 404 when unknown. */
  @Get(':cluster/:bundleId')
  @ApiOkResponse({ type: TargetView })
  @ApiNotFoundResponse({ description: 'no such target' })
  get(@Param('cluster') cluster: string, @Param('bundleId') bundleId: string): Promise<TargetView> {
    return this.service.get(cluster, bundleId);
  }

  /** What applying the desired state would change now, computed by the target's agent (server-side dry run). */
  @Get(':cluster/:bundleId/diff')
  @ApiOperation({ summary: "Live diff from the cluster's agent (NATS request/reply, 10 s timeout)" })
  @ApiOkResponse({ type: DiffView })
  @ApiNotFoundResponse({ description: 'no such target' })
  @ApiGatewayTimeoutResponse({ description: 'the agent did not answer (not connected, or no reply within the timeout)' })
  @ApiBadGatewayResponse({ description: 'the agent answered with something unusable' })
  diff(@Param('cluster') cluster: string, @Param('bundleId') bundleId: string): Promise<DiffView> {
    return this.service.diff(cluster, bundleId);
  }

  /** The latest status reports of one target (`limit`, default 50), newest first. */
  @Get(':cluster/:bundleId/history')
  @ApiOkResponse({ type: [HistoryEntryView] })
  history(@Param('cluster') cluster: string, @Param('bundleId') bundleId: string, @Query() q: HistoryQuery): Promise<HistoryEntryView[]> {
    return this.service.history(cluster, bundleId, q.limit);
  }
}
