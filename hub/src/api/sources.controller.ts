import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { ApiAcceptedResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import { AnonymousAllowed, Roles } from '../auth/roles.js';
import { ConfirmWithdrawalDto, CreateSourceDto, SourceView, UpdateSourceDto, WebhookResult } from '../sources/sources.dto.js';
import { SourcesService } from '../sources/sources.service.js';

/** Admin API of Git sources: /api/v1/sources. */
@ApiTags('sources')
@Controller('api/v1/sources')
export class SourcesController {
  constructor(private readonly service: SourcesService) {}

  /** Registers a source (201); 409 when the name is taken. */
  @Post()
  create(@Body() dto: CreateSourceDto): Promise<SourceView> {
    return this.service.create(dto);
  }

  /** Lists sources. */
  @Get()
  list(): Promise<SourceView[]> {
    return this.service.list();
  }

  /** One source; 404 when unknown. */
  @Get(':name')
  get(@Param('name') name: string): Promise<SourceView> {
    return this.service.get(name);
  }

  /**
   * Changes a source in place (role admin): its commit signature policy (`commitSignatures`,
   * null removes it); 400 for an unusable key, 404 when unknown. The pipeline re-checks the head.
   */
  @Patch(':name')
  update(@Param('name') name: string, @Body() dto: UpdateSourceDto): Promise<SourceView> {
    return this.service.update(name, dto);
  }

  /**
   * Confirms the withdrawals the mass-deletion guard holds for the source (role operator,
   * audited): they are withdrawn at once (signed tombstones; agents prune). Body `{revision?}`:
   * the held commit being confirmed. 409 when nothing is held or the hold moved on; 404 when
   * unknown.
   */
  @Post(':name/confirm-withdrawal')
  @Roles('operator')
  @HttpCode(200)
  confirmWithdrawal(@Param('name') name: string, @Body() dto: ConfirmWithdrawalDto): Promise<SourceView> {
    return this.service.confirmWithdrawal(name, dto);
  }

  /** Deletes a source and, through the pipeline, every target of its bundles (204). */
  @Delete(':name')
  @HttpCode(204)
  delete(@Param('name') name: string): Promise<void> {
    return this.service.delete(name);
  }

  /**
   * Git push webhook (GitHub, GitLab, or any body): 202, the fetch runs in the background.
   * Open to Git hosts: a bearer token with role operator+, or — when the source has a webhook
   * secret — its X-Hub-Signature-256 / X-Gitlab-Token; 401 otherwise.
   */
  @Post(':name/webhook')
  @Roles('operator')
  @AnonymousAllowed()
  @HttpCode(202)
  @ApiAcceptedResponse({ type: WebhookResult })
  webhook(
    @Param('name') name: string,
    @Headers() headers: Record<string, string>,
    @Body() body: unknown,
    @Req() req: RawBodyRequest<AuthenticatedRequest>,
  ): Promise<WebhookResult> {
    return this.service.webhook(name, headers, body, { ...(req.principal ? { caller: req.principal } : {}), ...(req.rawBody ? { rawBody: req.rawBody } : {}) });
  }
}
