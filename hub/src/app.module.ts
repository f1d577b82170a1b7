import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ApiModule } from './api/api.module.js';
import { ClustersModule } from './clusters/clusters.module.js';
import { ConfigModule } from './config/config.module.js';
import type { HubConfig } from './config/config.js';
import { DatabaseModule } from './database/database.module.js';
import { DeploymentsModule } from './deployments/deployments.module.js';
import { NatsModule } from './nats/nats.module.js';
import { SourcesModule } from './sources/sources.module.js';
import { StatusModule } from './status/status.module.js';
import { TargetsModule } from './targets/targets.module.js';

/** The hub's root module. */
@Module({})
export class AppModule {
  /** Root module for a validated `config`. */
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            // request-bound log lines carry only the request id, not the whole request
            quietReqLogger: true,
            // no secrets in logs: drop credentials a client might send
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-gitlab-token"]', 'req.headers["x-hub-signature-256"]'],
            autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
          },
        }),
        DatabaseModule,
        NatsModule,
        ApiModule,
        DeploymentsModule,
        SourcesModule,
        ClustersModule,
        TargetsModule,
        StatusModule,
      ],
    };
  }
}
