/** Status: ingestion of agent status reports and heartbeats from JetStream into PostgreSQL, and the dead letters of what could not be stored. */
import { Module } from '@nestjs/common';
import { DeadLettersRepository } from './dead-letters.repository.js';
import { StatusIngestService } from './status-ingest.service.js';
import { StatusStreamRepository } from './status-stream.repository.js';

/** The status consumer (asks the pipeline for a run when a cluster's Kubernetes version changes); exports the dead letters for their API. */
@Module({
  providers: [StatusStreamRepository, DeadLettersRepository, StatusIngestService],
  exports: [DeadLettersRepository],
})
export class StatusModule {}
