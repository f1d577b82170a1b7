/** Clusters and cluster groups: registration, labels, group selectors, agents' NATS credentials, holds and maintenance windows. */
import { Module } from '@nestjs/common';
import { ClusterCredentialsService } from './cluster-credentials.service.js';
import { ClusterHoldsService } from './cluster-holds.service.js';
import { ClustersService } from './clusters.service.js';
import { MaintenanceWindowsService } from './maintenance-windows.service.js';

/**
 * ClustersService and ClusterCredentialsService, for the clusters API and enrollment;
 * MaintenanceWindowsService for the maintenance-windows API; ClusterHoldsService (`heldAt`) for
 * the rollout controller.
 */
@Module({
  providers: [ClustersService, ClusterCredentialsService, MaintenanceWindowsService, ClusterHoldsService],
  exports: [ClustersService, ClusterCredentialsService, MaintenanceWindowsService, ClusterHoldsService],
})
export class ClustersModule {}
