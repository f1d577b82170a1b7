import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { BundleView, SyncBundleDto, SyncResultView } from '../bundles/bundles.dto.js';
import { Roles } from '../auth/roles.js';
import { BundlesService } from '../bundles/bundles.service.js';

/** Admin API of bundles: /api/v1/bundles (read, and the manual sync action). */
@ApiTags('bundles')
@Controller('api/v1/bundles')
export class BundlesController {
  constructor(private readonly service: BundlesService) {}

  /** Every bundle: state, errors, warnings, target count, fleet-wide health and sync counts. */
  @Get()
  @ApiOkResponse({ type: [BundleView] })
  list(): Promise<BundleView[]> {
    return this.service.list();
  }

  /** One bundle, with every target's health worst first; 404 when unknown. */
  @Get(':id')
  @ApiOkResponse({ type: BundleView })
  @ApiNotFoundResponse({ description: 'no such bundle' })
  get(@Param('id') id: string): Promise<BundleView> {
    return this.service.get(id);
  }

  /**
   * Manual sync (202): each target of the bundle, or the one on `cluster`, gets sync_request + 1
   * and its DesiredState is republished (generation + 1); the agent applies it even with
   * automated=false. 404 for an unknown bundle or a cluster it does not target.
   */
  @Post(':id/sync')
  @Roles('operator')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SyncResultView })
  @ApiNotFoundResponse({ description: 'no such bundle, or the bundle does not target that cluster' })
  sync(@Param('id') id: string, @Body() dto: SyncBundleDto): Promise<SyncResultView> {
    return this.service.sync(id, dto.cluster);
  }
}
