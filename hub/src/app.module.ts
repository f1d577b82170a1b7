import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { ApiModule } from './api/api.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ClustersModule } from './clusters/clusters.module.js';
import { ConfigModule } from './config/config.module.js';
import type { HubConfig } from './config/config.js';
import { DatabaseModule } from './database.module.js';
import { DeploymentsModule } from './deployments/deployments.module.js';
import { EnrollmentModule } from './enrollment/enrollment.module.js';
import { MessagingModule } from './messaging/messaging.module.js';
import { NatsAuthModule } from './nats-auth/nats-auth.module.js';
import { NatsModule } from './nats/nats.module.js';
import { BundleGcModule } from './publishing/bundle-gc.module.js';
import { SourcesModule } from './sources/sources.module.js';
import { StatusModule } from './status/status.module.js';
import { TargetsModule } from './targets/targets.module.js';

/** The hub's root module. */
@Module({})
export class AppModule {
  /**
   * Root module for a validated `config`; `logDestination` replaces stdout for the pino log
   * (tests capture it).
   */
  static forRoot(config: HubConfig, logDestination?: NodeJS.WritableStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: withDestination({
            level: config.logLevel,
            // request-bound log lines carry only the request id, not the whole request
            quietReqLogger: true,
            // no secrets in logs: drop credentials a client might send
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-gitlab-token"]', 'req.headers["x-hub-signature-256"]'],
            autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
          }, logDestination),
        }),
        DatabaseModule,
        NatsModule,
        NatsAuthModule,
        ApiModule,
        MessagingModule.forRoot(config),
        AuthModule,
        DeploymentsModule,
        SourcesModule,
        ClustersModule,
        EnrollmentModule,
        TargetsModule,
        StatusModule,
        BundleGcModule,
      ],
    };
  }
}

/** pino-http options, with `destination` as the log stream when given. */
function withDestination(options: PinoHttpOptions, destination?: NodeJS.WritableStream): Params['pinoHttp'] {
  return destination ? [options, destination as never] : options;
}
