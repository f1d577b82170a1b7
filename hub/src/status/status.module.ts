/** Status: ingestion of agent status reports and heartbeats from JetStream into PostgreSQL, and the dead letters of what could not be stored. */
import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { DeadLettersController } from './dead-letters.controller.js';
import { DeadLettersRepository } from './dead-letters.repository.js';
import { StatusIngestService } from './status-ingest.service.js';
import { StatusStreamRepository } from './status-stream.repository.js';

/** The status consumer (triggers the deployment pipeline when a cluster's Kubernetes version changes) and GET /api/v1/status/dead-letters. */
@Module({
  imports: [DeploymentsModule],
  controllers: [DeadLettersController],
  providers: [StatusStreamRepository, DeadLettersRepository, StatusIngestService],
})
export class StatusModule {}
