/**
 * Agent enrollment: cluster registration tokens (admin API), the rate-limited enrollment
 * endpoint agents call, and the NATS responder that rotates agents' credentials.
 */
import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuthModule } from '../auth/auth.module.js';
import { ClustersModule } from '../clusters/clusters.module.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { CredentialsResponder } from './credentials-responder.service.js';
import { EnrollmentController } from './enrollment.controller.js';
import { EnrollmentService } from './enrollment.service.js';
import { RegistrationTokensController } from './registration-tokens.controller.js';

/** Registration tokens, POST /api/v1/enroll (GITFLEET_ENROLLMENT_RATE_LIMIT per minute and client address), credentials rotation. */
@Module({
  imports: [
    AuthModule,
    ClustersModule,
    DeploymentsModule,
    ThrottlerModule.forRootAsync({
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig) => ({ throttlers: [{ name: 'default', ttl: 60_000, limit: config.enrollmentRateLimit ?? 20 }] }),
    }),
  ],
  controllers: [RegistrationTokensController, EnrollmentController],
  providers: [EnrollmentService, CredentialsResponder],
})
export class EnrollmentModule {}
