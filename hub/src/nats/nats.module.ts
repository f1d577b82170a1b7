/** NATS: the hub's one connection plus the KV bucket, object store, status stream and consumer. */
import { Global, Module } from '@nestjs/common';
import { NatsService } from './nats.service.js';

/** Provides `NatsService` to every module. */
@Global()
@Module({ providers: [NatsService], exports: [NatsService] })
export class NatsModule {}
