/** Builds the NestJS hub application (shared by main.ts and the integration tests). */
import 'reflect-metadata';
import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { DomainExceptionFilter } from './api/domain-exception.filter.js';
import { AppModule } from './app.module.js';
import type { HubConfig } from './config/config.js';

/**
 * Creates and configures the hub app (validation, error filter, OpenAPI at
 * /api/v1/openapi.json and /api/docs) without listening.
 */
export async function createHubApp(config: HubConfig): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new DomainExceptionFilter());
  app.enableShutdownHooks();
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('gitfleet hub').setDescription('Admin API of the gitfleet hub').setVersion('v1').build(),
  );
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/v1/openapi.json' });
  return app;
}
