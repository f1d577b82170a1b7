import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/roles.js';
import { HealthService, type Readiness } from './health.service.js';

/** GET /healthz (liveness) and GET /readyz (PostgreSQL + NATS); open without a token. */
@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 while the process serves HTTP. */
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 when PostgreSQL answers and NATS is connected, else 503. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response): Promise<Readiness> {
    const r = await this.health.readiness();
    res.status(r.ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return r;
  }
}
