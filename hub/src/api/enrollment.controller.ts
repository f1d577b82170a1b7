import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ERROR_REF } from './openapi.js';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AuditService } from '../auth/audit.service.js';
import { Public } from '../auth/roles.js';
import { EnrollDto, EnrollmentView } from '../enrollment/enrollment.dto.js';
import { EnrollmentService } from '../enrollment/enrollment.service.js';

/**
 * Agent enrollment: POST /api/v1/enroll. Authenticated by the registration token in the body
 * (no bearer token), rate limited per client address (GITFLEET_ENROLLMENT_RATE_LIMIT per
 * minute; 429 with Retry-After beyond it), every attempt written to the audit log.
 */
@ApiTags('enrollment')
@Public()
@UseGuards(ThrottlerGuard)
@Controller('api/v1/enroll')
export class EnrollmentController {
  constructor(
    private readonly service: EnrollmentService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Checks the token, creates or adopts the cluster, and returns a NATS user JWT for the
   * agent's public key (200). 401 for an unknown, expired or used-up token (the message says
   * which), 400 for a malformed body, 503 when the hub is not in NATS operator mode.
   */
  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: EnrollmentView })
  @ApiUnauthorizedResponse({ description: 'registration token unknown, expired or used up' })
  @ApiTooManyRequestsResponse({ description: 'too many enrollment attempts from this address' })
  @ApiServiceUnavailableResponse({ description: 'the hub runs without NATS operator mode', schema: ERROR_REF })
  enroll(@Body() dto: EnrollDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<EnrollmentView> {
    this.audit.recordWhenDone(req, res, null);
    return this.service.enroll(dto, (tokenName) => { res.locals.auditActor = `registration-token/${tokenName}`; });
  }
}
