/** Status: ingestion of agent status reports and heartbeats from JetStream into PostgreSQL. */
import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { StatusIngestService } from './status-ingest.service.js';
import { StatusStreamRepository } from './status-stream.repository.js';

/** The status consumer (triggers the deployment pipeline when a cluster's Kubernetes version changes). */
@Module({ imports: [DeploymentsModule], providers: [StatusStreamRepository, StatusIngestService] })
export class StatusModule {}
