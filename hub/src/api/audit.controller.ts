import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuditEntryView, AuditQueryDto } from '../auth/auth.dto.js';
import { AuditService } from '../auth/audit.service.js';
import { Roles } from '../auth/roles.js';

/** The audit log: GET /api/v1/audit (admin only). */
@ApiTags('auth')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly service: AuditService) {}

  /** The newest `limit` (default 100, at most 1000) entries, newest first. */
  @Get()
  @ApiOkResponse({ type: [AuditEntryView] })
  list(@Query() q: AuditQueryDto): Promise<AuditEntryView[]> {
    return this.service.list(q.limit ?? 100);
  }
}
