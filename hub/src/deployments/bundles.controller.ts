import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { BundleView } from './bundles.dto.js';
import { BundlesService } from './bundles.service.js';

/** Admin API of bundles: /api/v1/bundles (read only). */
@ApiTags('bundles')
@Controller('api/v1/bundles')
export class BundlesController {
  constructor(private readonly service: BundlesService) {}

  /** Every bundle: state, errors, warnings, target count. */
  @Get()
  @ApiOkResponse({ type: [BundleView] })
  list(): Promise<BundleView[]> {
    return this.service.list();
  }

  /** One bundle; 404 when unknown. */
  @Get(':id')
  @ApiOkResponse({ type: BundleView })
  get(@Param('id') id: string): Promise<BundleView> {
    return this.service.get(id);
  }
}
