/** API plumbing: health endpoints, the domain error filter, shared validators and errors. */
import { Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';

/** Health endpoints. */
@Module({ controllers: [HealthController], providers: [HealthService] })
export class ApiModule {}
