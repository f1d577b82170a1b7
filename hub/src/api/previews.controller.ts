import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import { Roles } from '../auth/roles.js';
import { CreatePreviewDto, PreviewView, toPreviewView } from '../previews/previews.dto.js';
import { PreviewsService } from '../previews/previews.service.js';

/** Admin API of previews: /api/v1/sources/:name/previews and /api/v1/previews/:id. */
@ApiTags('previews')
@Controller('api/v1')
export class PreviewsController {
  constructor(private readonly service: PreviewsService) {}

  /**
   * Starts a preview of the source at `{revision}` or `{branch}` (role operator, audited): 202
   * with the preview Pending; it renders the revision without publishing it and asks every
   * targeted agent for a server-side dry run. 400 without exactly one of them; 404 when the
   * source is unknown.
   */
  @Post('sources/:name/previews')
  @Roles('operator')
  @HttpCode(202)
  @ApiOperation({ summary: 'Preview a revision or branch: render it and dry-run it on every targeted cluster (nothing applied)' })
  @ApiAcceptedResponse({ type: PreviewView })
  async create(@Param('name') name: string, @Body() dto: CreatePreviewDto, @Req() req: AuthenticatedRequest): Promise<PreviewView> {
    return toPreviewView(await this.service.start(name, dto, req.principal?.name ?? 'unknown'));
  }

  /** The newest previews of a source (at most 100), newest first; 404 when the source is unknown. */
  @Get('sources/:name/previews')
  @ApiOkResponse({ type: [PreviewView] })
  async list(@Param('name') name: string): Promise<PreviewView[]> {
    return (await this.service.list(name)).map(toPreviewView);
  }

  /** One preview of a source; 404 when unknown. */
  @Get('sources/:name/previews/:id')
  @ApiOkResponse({ type: PreviewView })
  @ApiParam({ name: 'id', description: 'the preview id (a UUID; anything else: 400)', schema: { type: 'string', format: 'uuid' } })
  async getOfSource(@Param('name') name: string, @Param('id', new ParseUUIDPipe()) id: string): Promise<PreviewView> {
    return toPreviewView(await this.service.get(id, name));
  }

  /** One preview; 404 when unknown. */
  @Get('previews/:id')
  @ApiOkResponse({ type: PreviewView })
  @ApiParam({ name: 'id', description: 'the preview id (a UUID; anything else: 400)', schema: { type: 'string', format: 'uuid' } })
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<PreviewView> {
    return toPreviewView(await this.service.get(id));
  }
}
