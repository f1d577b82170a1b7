/** Clusters and cluster groups: registration, labels, group selectors. */
import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { TargetsModule } from '../targets/targets.module.js';
import { ClusterCredentialsService } from './cluster-credentials.service.js';
import { ClusterGroupsController, ClustersController } from './clusters.controller.js';
import { ClustersService } from './clusters.service.js';

/** Clusters and cluster-groups API; the NATS credentials of clusters' agents. */
@Module({
  imports: [DeploymentsModule, TargetsModule],
  controllers: [ClustersController, ClusterGroupsController],
  providers: [ClustersService, ClusterCredentialsService],
  exports: [ClusterCredentialsService],
})
export class ClustersModule {}
