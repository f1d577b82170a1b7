/** Sources: Git repositories the hub follows (fetch, poll, webhooks, commit-signature policy). */
import { Module } from '@nestjs/common';
import { SourcesService } from './sources.service.js';

/** SourcesService (polling starts with the application), for the sources API. */
@Module({ providers: [SourcesService], exports: [SourcesService] })
export class SourcesModule {}
