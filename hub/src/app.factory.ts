/** Builds the NestJS hub application (shared by main.ts and the integration tests). */
import 'reflect-metadata';
import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { BODY_LIMIT } from './api/body-limit.js';
import { DomainExceptionFilter } from './api/domain-exception.filter.js';
import { finishOpenApiDocument } from './api/openapi.js';
import { AppModule } from './app.module.js';
import type { HubConfig } from './config/config.js';
import { NatsTransport } from './nats/nats.transport.js';
import { NatsService } from './nats/nats.service.js';

/** Options of `createHubApp` that are not configuration. */
export interface HubAppOptions {
  /** Stream the pino log goes to instead of stdout (tests capture the log). */
  logDestination?: NodeJS.WritableStream;
}

/**
 * Creates and configures the hub app (bearer-token guard, JSON and form bodies up to
 * `BODY_LIMIT` with the raw body kept for webhook signatures, validation, error filter, OpenAPI
 * at /api/v1/openapi.json and /api/docs — open without a token), initialises it (database
 * migrations, NATS connection and resources, pollers) and then starts its NATS handlers
 * (messaging/, a hybrid application: NatsTransport as a connected microservice); the caller
 * listens for HTTP. `app.close()` stops the handlers (the batch being stored is finished) before
 * the shutdown hooks drain NATS and close the database.
 * @throws what the init throws (database or NATS unreachable, migrations failing).
 */
export async function createHubApp(config: HubConfig, options: HubAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options.logDestination), { bufferLogs: true, rawBody: true });
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: true });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new DomainExceptionFilter());
  app.enableShutdownHooks();
  const doc = finishOpenApiDocument(SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('gitfleet hub').setDescription('Admin API of the gitfleet hub').setVersion('v1').addBearerAuth().addSecurityRequirements('bearer').build(),
  ));
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/v1/openapi.json' });
  // the handlers get neither the HTTP validation pipe nor the HTTP error filter (inheritAppConfig: false)
  app.connectMicroservice<MicroserviceOptions>({ strategy: new NatsTransport(app.get(NatsService)) }, { inheritAppConfig: false });
  await app.init();
  await app.startAllMicroservices();
  return app;
}
