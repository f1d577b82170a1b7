import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ERROR_REF } from './openapi.js';
import { Roles } from '../auth/roles.js';
import { ClusterHoldsService } from '../clusters/cluster-holds.service.js';
import { CreateMaintenanceWindowDto, HeldClusterView, MaintenanceWindowView } from '../clusters/maintenance-windows.dto.js';
import { MaintenanceWindowsService } from '../clusters/maintenance-windows.service.js';

/**
 * Admin API of maintenance windows: /api/v1/maintenance-windows. A cluster covered by at least
 * one window gets new revisions only while one of them is open; drift correction and health go
 * on. Writes: role operator (or admin), audited like every write.
 */
@ApiTags('maintenance-windows')
@Controller('api/v1/maintenance-windows')
export class MaintenanceWindowsController {
  constructor(private readonly service: MaintenanceWindowsService) {}

  /** Creates a window (201); 400 naming the bad field (schedule, timezone, duration, clusterSelector, clusterGroup), 409 when the name is taken. */
  @Post()
  @Roles('operator')
  @ApiCreatedResponse({ type: MaintenanceWindowView })
  @ApiBadRequestResponse({ description: 'a bad schedule, time zone, duration or target, named in the message', schema: ERROR_REF })
  @ApiConflictResponse({ description: 'the name is taken', schema: ERROR_REF })
  create(@Body() dto: CreateMaintenanceWindowDto): Promise<MaintenanceWindowView> {
    return this.service.create(dto);
  }

  /** Every window: open now or when it opens next, and the clusters it covers. */
  @Get()
  @ApiOkResponse({ type: [MaintenanceWindowView] })
  list(): Promise<MaintenanceWindowView[]> {
    return this.service.list();
  }

  /** One window; 404 when unknown. */
  @Get(':name')
  @ApiOkResponse({ type: MaintenanceWindowView })
  @ApiNotFoundResponse({ description: 'no such window', schema: ERROR_REF })
  get(@Param('name') name: string): Promise<MaintenanceWindowView> {
    return this.service.get(name);
  }

  /** Deletes a window (204); the clusters it covered are no longer held by it. */
  @Delete(':name')
  @Roles('operator')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiNotFoundResponse({ description: 'no such window', schema: ERROR_REF })
  delete(@Param('name') name: string): Promise<void> {
    return this.service.delete(name);
  }
}

/** Which clusters are held now and why: /api/v1/holds (the answer the rollout controller gets from ClusterHoldsService.heldAt). */
@ApiTags('holds')
@Controller('api/v1/holds')
export class HoldsController {
  constructor(private readonly holds: ClusterHoldsService) {}

  /** Every cluster held now (spoke-side hold, or outside all of its maintenance windows), with the reason. */
  @Get()
  @ApiOkResponse({ type: [HeldClusterView] })
  list(): Promise<HeldClusterView[]> {
    return this.holds.listHeld();
  }
}
