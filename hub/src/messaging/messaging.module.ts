/**
 * Messaging: the hub's NATS handlers, beside the HTTP controllers of api/ — `@EventPattern` /
 * `@MessagePattern` methods that each call one service, served by nats/nats.transport.ts
 * (connected as a microservice of the HTTP app in app.factory.ts).
 */
import { Module, type DynamicModule } from '@nestjs/common';
import type { HubConfig } from '../config/config.js';
import { EnrollmentModule } from '../enrollment/enrollment.module.js';
import { StatusModule } from '../status/status.module.js';
import { CredentialsHandlers } from './credentials.handlers.js';
import { StatusHandlers } from './status.handlers.js';

/** Every NATS handler of the hub. */
@Module({})
export class MessagingModule {
  /**
   * The handlers for `config`: the status stream's always; the credentials requests' only in
   * NATS operator mode (`config.natsAuth`, which is also what gives ClusterCredentialsService
   * its authority: nats-auth.module.ts), so that without it nobody subscribes their subject.
   */
  static forRoot(config: Pick<HubConfig, 'natsAuth'>): DynamicModule {
    return {
      module: MessagingModule,
      imports: [StatusModule, EnrollmentModule],
      controllers: [StatusHandlers, ...(config.natsAuth ? [CredentialsHandlers] : [])],
    };
  }
}
