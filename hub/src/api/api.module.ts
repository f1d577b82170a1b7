/**
 * The HTTP API: every controller of /api/v1 and the health endpoints. Controllers are
 * decorators plus one service call; the services live in the feature folders below.
 */
import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AuthModule } from '../auth/auth.module.js';
import { BundlesModule } from '../bundles/bundles.module.js';
import { ClustersModule } from '../clusters/clusters.module.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { EnrollmentModule } from '../enrollment/enrollment.module.js';
import { PreviewsModule } from '../previews/previews.module.js';
import { SourcesModule } from '../sources/sources.module.js';
import { StatusModule } from '../status/status.module.js';
import { TargetsModule } from '../targets/targets.module.js';
import { AuditController } from './audit.controller.js';
import { BundlesController } from './bundles.controller.js';
import { ClusterGroupsController, ClustersController } from './clusters.controller.js';
import { DeadLettersController } from './dead-letters.controller.js';
import { EnrollmentController } from './enrollment.controller.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';
import { HoldsController, MaintenanceWindowsController } from './maintenance-windows.controller.js';
import { PreviewsController } from './previews.controller.js';
import { RegistrationTokensController } from './registration-tokens.controller.js';
import { SigningKeysController } from './signing-keys.controller.js';
import { SourcesController } from './sources.controller.js';
import { TargetsController } from './targets.controller.js';
import { TokensController } from './tokens.controller.js';
import { RolloutsController } from './rollouts.controller.js';

/** Every HTTP controller; POST /api/v1/enroll is rate-limited (GITFLEET_ENROLLMENT_RATE_LIMIT per minute and client address). */
@Module({
  imports: [
    AuthModule,
    BundlesModule,
    ClustersModule,
    EnrollmentModule,
    PreviewsModule,
    SourcesModule,
    StatusModule,
    TargetsModule,
    ThrottlerModule.forRootAsync({
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig) => ({ throttlers: [{ name: 'default', ttl: 60_000, limit: config.enrollmentRateLimit ?? 20 }] }),
    }),
  ],
  // the order the feature modules registered them in before the API moved here (route order)
  controllers: [
    HealthController,
    SigningKeysController,
    TokensController,
    AuditController,
    BundlesController,
    RolloutsController,
    SourcesController,
    ClustersController,
    ClusterGroupsController,
    RegistrationTokensController,
    EnrollmentController,
    TargetsController,
    DeadLettersController,
    MaintenanceWindowsController,
    HoldsController,
    PreviewsController,
  ],
  providers: [HealthService],
})
export class ApiModule {}
