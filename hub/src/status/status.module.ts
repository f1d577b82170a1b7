/** Status: ingestion of agent status reports and heartbeats from JetStream into PostgreSQL. */
import { Module } from '@nestjs/common';
import { StatusIngestService } from './status-ingest.service.js';
import { StatusStreamRepository } from './status-stream.repository.js';

/** The status consumer. */
@Module({ providers: [StatusStreamRepository, StatusIngestService] })
export class StatusModule {}
