/** API plumbing: health endpoints, the signing public key, the domain error filter, shared validators and errors. */
import { Module } from '@nestjs/common';
import { SigningKeysController } from '../publishing/signing-keys.controller.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';

/** Health endpoints, and the bundle-signing public key (GET /api/v1/signing-keys). */
@Module({ controllers: [HealthController, SigningKeysController], providers: [HealthService] })
export class ApiModule {}
