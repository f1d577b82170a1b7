/**
 * Database: the TypeORM DataSource (PostgreSQL, migrations run at start) and every repository
 * of the hub, provided globally so feature modules import nothing but what they use.
 */
import { Global, Module } from '@nestjs/common';
import { AgentRequestsRepository } from './agents/agent-requests.repository.js';
import { ApiTokensRepository } from './auth/api-tokens.repository.js';
import { AuditLogRepository } from './auth/audit-log.repository.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClusterCredentialsRepository } from './clusters/cluster-credentials.repository.js';
import { ClusterGroupsRepository } from './clusters/cluster-groups.repository.js';
import { ClustersRepository } from './clusters/clusters.repository.js';
import { MaintenanceWindowsRepository } from './clusters/maintenance-windows.repository.js';
import { HUB_CONFIG, type HubConfig } from './config/config.js';
import { BundlesRepository } from './bundles/bundles.repository.js';
import { RegistrationTokensRepository } from './enrollment/registration-tokens.repository.js';
import { PreviewsRepository } from './previews/previews.repository.js';
import { PublishingRepository } from './publishing/publishing.repository.js';
import { GitRepository } from './sources/git.repository.js';
import { SourcesRepository } from './sources/sources.repository.js';
import { RolloutsRepository } from './rollouts/rollouts.repository.js';
import { StatusRepository } from './targets/status.repository.js';
import { TargetsRepository } from './targets/targets.repository.js';
import { dataSourceOptions } from './data-source.js';

/** Every repository (the only I/O classes): PostgreSQL tables, Git, NATS publishing, agent requests, tokens, audit log, previews. */
const REPOSITORIES = [
  SourcesRepository,
  ClustersRepository,
  ClusterGroupsRepository,
  BundlesRepository,
  TargetsRepository,
  StatusRepository,
  PublishingRepository,
  GitRepository,
  AgentRequestsRepository,
  ApiTokensRepository,
  AuditLogRepository,
  RegistrationTokensRepository,
  ClusterCredentialsRepository,
  RolloutsRepository,
  MaintenanceWindowsRepository,
  PreviewsRepository,
];

/** DataSource + repositories, global. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [HUB_CONFIG],
      useFactory: (config: HubConfig) => ({ ...dataSourceOptions(config.databaseUrl), retryAttempts: 3, retryDelay: 1000 }),
    }),
  ],
  providers: REPOSITORIES,
  exports: REPOSITORIES,
})
export class DatabaseModule {}
