import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import { Roles } from '../auth/roles.js';
import { CreatedRegistrationTokenView, CreateRegistrationTokenDto, RegistrationTokenView } from '../enrollment/enrollment.dto.js';
import { EnrollmentService } from '../enrollment/enrollment.service.js';

/** Admin API of cluster registration tokens: /api/v1/registration-tokens (admin only). */
@ApiTags('enrollment')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/registration-tokens')
export class RegistrationTokensController {
  constructor(private readonly service: EnrollmentService) {}

  /** Creates a token (201); the answer is the only place its value appears. 409 when the name is taken. */
  @Post()
  @ApiCreatedResponse({ type: CreatedRegistrationTokenView })
  create(@Body() dto: CreateRegistrationTokenDto, @Req() req: AuthenticatedRequest): Promise<CreatedRegistrationTokenView> {
    return this.service.createToken(dto, req.principal?.name ?? 'unknown');
  }

  /** Lists tokens with their use counts, without values. */
  @Get()
  @ApiOkResponse({ type: [RegistrationTokenView] })
  list(): Promise<RegistrationTokenView[]> {
    return this.service.listTokens();
  }

  /** Deletes a token (204): no more enrollments with it; enrolled clusters keep their credentials. 404 when unknown. */
  @Delete(':name')
  @HttpCode(204)
  delete(@Param('name') name: string): Promise<void> {
    return this.service.deleteToken(name);
  }
}
