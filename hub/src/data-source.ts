/**
 * The TypeORM DataSource of the hub (PostgreSQL via pg). Exported for the TypeORM CLI too:
 * `typeorm -d hub/dist/src/data-source.js migration:show` (needs GITFLEET_DATABASE_URL).
 */
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ApiTokenEntity } from './auth/api-token.entity.js';
import { AuditLogEntity } from './auth/audit-log.entity.js';
import { ClusterCredentialEntity } from './clusters/cluster-credential.entity.js';
import { ClusterGroupEntity } from './clusters/cluster-group.entity.js';
import { ClusterEntity } from './clusters/cluster.entity.js';
import { BundleEntity } from './bundles/bundle.entity.js';
import { RegistrationTokenEntity } from './enrollment/registration-token.entity.js';
import { SourceEntity } from './sources/source.entity.js';
import { StatusHistoryEntity } from './targets/status-history.entity.js';
import { TargetStatusEntity } from './targets/target-status.entity.js';
import { TargetEntity } from './targets/target.entity.js';
import { PreviewEntity } from './previews/preview.entity.js';
import { NestTypeOrmLogger } from './database/typeorm-logger.js';
import { InitialSchema1767225600000 } from './database/migrations/1767225600000-initial-schema.js';
import { SyncDriftHealth1767312000000 } from './database/migrations/1767312000000-sync-drift-health.js';
import { ClusterKubernetesVersion1767398400000 } from './database/migrations/1767398400000-cluster-kubernetes-version.js';
import { TargetTakeOwnership1767488400000 } from './database/migrations/1767488400000-target-take-ownership.js';
import { AuthAuditCredentials1767571200000 } from './database/migrations/1767571200000-auth-audit-credentials.js';
import { SourceCommitSignatures1767657600000 } from './database/migrations/1767657600000-source-commit-signatures.js';
import { Enrollment1767744000000 } from './database/migrations/1767744000000-enrollment.js';
import { SourceKustomizeRemoteBases1767830400000 } from './database/migrations/1767830400000-source-kustomize-remote-bases.js';
import { DeadLettersKeptRevisions1767873600000 } from './database/migrations/1767873600000-dead-letters-kept-revisions.js';
import { SourceWithdrawalHold1767916800000 } from './database/migrations/1767916800000-source-withdrawal-hold.js';
import { StatusFailureClass1767960000000 } from './database/migrations/1767960000000-status-failure-class.js';
import { Rollouts1768030000000 } from './database/migrations/1768030000000-rollouts.js';
import { BundlePinEntity } from './rollouts/bundle-pin.entity.js';
import { RolloutClusterEntity } from './rollouts/rollout-cluster.entity.js';
import { RolloutEntity } from './rollouts/rollout.entity.js';
import { ClusterHoldsMaintenanceWindows1768020000000 } from './database/migrations/1768020000000-cluster-holds-maintenance-windows.js';
import { MaintenanceWindowEntity } from './clusters/maintenance-window.entity.js';
import { Previews1768010000000 } from './database/migrations/1768010000000-previews.js';
import { SourceScanWarnings1768050000000 } from './database/migrations/1768050000000-source-scan-warnings.js';
import { TargetNamespaceMetadata1768000000000 } from './database/migrations/1768000000000-target-namespace-metadata.js';

/** Every entity class of the hub. */
export const ENTITIES = [
  SourceEntity,
  ClusterEntity,
  ClusterGroupEntity,
  BundleEntity,
  TargetEntity,
  TargetStatusEntity,
  StatusHistoryEntity,
  ApiTokenEntity,
  AuditLogEntity,
  RegistrationTokenEntity,
  ClusterCredentialEntity,
  RolloutEntity,
  RolloutClusterEntity,
  BundlePinEntity,
  MaintenanceWindowEntity,
  PreviewEntity,
];

/** Every migration, oldest first. */
export const MIGRATIONS = [
  InitialSchema1767225600000,
  SyncDriftHealth1767312000000,
  ClusterKubernetesVersion1767398400000,
  TargetTakeOwnership1767488400000,
  AuthAuditCredentials1767571200000,
  SourceCommitSignatures1767657600000,
  Enrollment1767744000000,
  SourceKustomizeRemoteBases1767830400000,
  DeadLettersKeptRevisions1767873600000,
  SourceWithdrawalHold1767916800000,
  StatusFailureClass1767960000000,
  TargetNamespaceMetadata1768000000000,
  Previews1768010000000,
  ClusterHoldsMaintenanceWindows1768020000000,
  Rollouts1768030000000,
  SourceScanWarnings1768050000000,
];

/**
 * DataSource options for `databaseUrl`: migrations run at initialize, never `synchronize`.
 * The pool is sized for the status ingester plus the API.
 */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error', 'warn', 'migration'],
    logger: new NestTypeOrmLogger(),
    maxQueryExecutionTime: 1000,
    extra: { max: 10, application_name: 'gitfleet-hub' },
  };
}

/** DataSource for the TypeORM CLI, built from GITFLEET_DATABASE_URL. */
export const AppDataSource = new DataSource(dataSourceOptions(process.env.GITFLEET_DATABASE_URL ?? 'postgres://localhost/gitfleet'));
