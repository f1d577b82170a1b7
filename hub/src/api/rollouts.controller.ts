import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ERROR_REF } from './openapi.js';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import { Roles } from '../auth/roles.js';
import { RolloutOperationsService } from '../deployments/rollout-operations.service.js';
import { InvalidInputError } from '../errors.js';
import { PinBundleDto, RollbackBundleDto, RolloutStatusView } from '../rollouts/rollouts.dto.js';
import { NAME_PATTERN } from '@gitfleet/proto';

/**
 * Admin API of rollouts, under /api/v1/bundles/:id: the rollout status (read), and the operator
 * controls (role operator, audited): pause, resume, retry, pin, unpin, rollback. Every action
 * answers with the bundle's rollout status after it.
 */
@ApiTags('rollouts')
@Controller('api/v1/bundles/:id')
export class RolloutsController {
  constructor(private readonly service: RolloutOperationsService) {}

  /** The bundle's current rollout stage by stage (clusters updated / healthy / failed / waiting / held / stale, the cause of a stop), its pins and its history. */
  @Get('rollout')
  @ApiOkResponse({ type: RolloutStatusView })
  @ApiNotFoundResponse({ description: 'no such bundle', schema: ERROR_REF })
  status(@Param('id') id: string): Promise<RolloutStatusView> {
    return this.service.status(id);
  }

  /** Pauses the progressing rollout: the current stage holds, nothing more is published. */
  @Post('rollout/pause')
  @Roles('operator')
  @HttpCode(200)
  @ApiOkResponse({ type: RolloutStatusView })
  @ApiConflictResponse({ description: 'no progressing rollout', schema: ERROR_REF })
  pause(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<RolloutStatusView> {
    return this.service.pause(id, actorOf(req));
  }

  /** Resumes the paused rollout. */
  @Post('rollout/resume')
  @Roles('operator')
  @HttpCode(200)
  @ApiOkResponse({ type: RolloutStatusView })
  @ApiConflictResponse({ description: 'no paused rollout', schema: ERROR_REF })
  resume(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<RolloutStatusView> {
    return this.service.resume(id, actorOf(req));
  }

  /** Retries the rolled-back (or paused) rollout from its first stage. */
  @Post('rollout/retry')
  @Roles('operator')
  @HttpCode(200)
  @ApiOkResponse({ type: RolloutStatusView })
  @ApiConflictResponse({ description: 'no rolled-back or paused rollout', schema: ERROR_REF })
  retry(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<RolloutStatusView> {
    return this.service.retry(id, actorOf(req));
  }

  /** Pins the bundle (or its target on `cluster`) at a revision it deployed; the fleet stays there whatever Git says until unpinned. */
  @Put('pin')
  @Roles('operator')
  @ApiOkResponse({ type: RolloutStatusView })
  @ApiNotFoundResponse({ description: 'no such bundle, or it does not target that cluster', schema: ERROR_REF })
  pin(@Param('id') id: string, @Body() dto: PinBundleDto, @Req() req: AuthenticatedRequest): Promise<RolloutStatusView> {
    return this.service.pin(id, dto, actorOf(req));
  }

  /** Removes the pin (of the bundle, or of `?cluster=`); Git's revision rolls out again. */
  @Delete('pin')
  @Roles('operator')
  @ApiOkResponse({ type: RolloutStatusView })
  @ApiNotFoundResponse({ description: 'no such bundle or pin', schema: ERROR_REF })
  @ApiQuery({ name: 'cluster', required: false, description: "the cluster's pin (default: the bundle's)", schema: { type: 'string', pattern: NAME_PATTERN.source } })
  unpin(@Param('id') id: string, @Req() req: AuthenticatedRequest, @Query('cluster') cluster?: string): Promise<RolloutStatusView> {
    if (cluster !== undefined && !NAME_PATTERN.test(cluster)) throw new InvalidInputError('cluster must be a DNS-1123 label');
    return this.service.unpin(id, cluster, actorOf(req));
  }

  /** Rolls every cluster of the bundle back to an earlier revision it deployed (a pin of the whole bundle: unpin to follow Git again). */
  @Post('rollback')
  @Roles('operator')
  @HttpCode(200)
  @ApiOkResponse({ type: RolloutStatusView })
  @ApiNotFoundResponse({ description: 'no such bundle', schema: ERROR_REF })
  rollback(@Param('id') id: string, @Body() dto: RollbackBundleDto, @Req() req: AuthenticatedRequest): Promise<RolloutStatusView> {
    return this.service.rollback(id, dto.revision, actorOf(req));
  }
}

function actorOf(req: AuthenticatedRequest): string {
  return req.principal?.name ?? 'anonymous';
}
