/** Status: ingestion of agent status reports and heartbeats from JetStream into PostgreSQL, and the dead letters of what could not be stored. */
import { Module } from '@nestjs/common';
import { DeadLettersRepository } from './dead-letters.repository.js';
import { StatusIngestService } from './status-ingest.service.js';

/**
 * StatusIngestService for the status stream's handler (messaging/) — it asks the pipeline for a
 * run when a cluster's Kubernetes version changes — and the dead letters for their API.
 */
@Module({
  providers: [DeadLettersRepository, StatusIngestService],
  exports: [StatusIngestService, DeadLettersRepository],
})
export class StatusModule {}
