import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CreatedTokenView, CreateTokenDto, TokenView } from '../auth/auth.dto.js';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import { AuthService } from '../auth/auth.service.js';
import { Roles } from '../auth/roles.js';

/** Admin API of bearer tokens: /api/v1/tokens (admin only). */
@ApiTags('auth')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/tokens')
export class TokensController {
  constructor(private readonly service: AuthService) {}

  /** Creates a token (201); the answer is the only place its value appears. 409 when the name is taken. */
  @Post()
  @ApiCreatedResponse({ type: CreatedTokenView })
  create(@Body() dto: CreateTokenDto, @Req() req: AuthenticatedRequest): Promise<CreatedTokenView> {
    return this.service.create(dto, req.principal?.name ?? 'unknown');
  }

  /** Lists tokens, without their values. */
  @Get()
  @ApiOkResponse({ type: [TokenView] })
  list(): Promise<TokenView[]> {
    return this.service.list();
  }

  /** Revokes a token (204); 404 when unknown. */
  @Delete(':name')
  @HttpCode(204)
  delete(@Param('name') name: string): Promise<void> {
    return this.service.delete(name);
  }
}
