/** Sources: Git repositories the hub polls (and receives webhooks for), feeding the pipeline. */
import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { SourcesController } from './sources.controller.js';
import { SourcesService } from './sources.service.js';

/** Sources API and pollers. */
@Module({ imports: [DeploymentsModule], controllers: [SourcesController], providers: [SourcesService] })
export class SourcesModule {}
