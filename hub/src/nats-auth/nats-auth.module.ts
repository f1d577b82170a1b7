/**
 * NATS operator mode in the app: provides the NatsUserAuthority (NatsIdentity) the cluster
 * credentials service issues and revokes agent users with, or null when the hub runs against a
 * NATS server without authentication.
 */
import { Global, Inject, Module, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { NATS_USER_AUTHORITY } from '../clusters/cluster-credentials.service.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { NatsIdentity } from './nats-identity.js';

/** Global provider of NATS_USER_AUTHORITY (a NatsIdentity, or null without operator mode). */
@Global()
@Module({
  providers: [
    {
      provide: NATS_USER_AUTHORITY,
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig): Promise<NatsIdentity> | null =>
        config.natsAuth ? NatsIdentity.fromFiles(config.natsAuth, { servers: config.natsUrls }) : null,
    },
  ],
  exports: [NATS_USER_AUTHORITY],
})
export class NatsAuthModule implements OnApplicationShutdown {
  constructor(@Optional() @Inject(NATS_USER_AUTHORITY) private readonly identity: NatsIdentity | null) {}

  /** Closes the system-account connection. */
  async onApplicationShutdown(): Promise<void> {
    await this.identity?.close();
  }
}
