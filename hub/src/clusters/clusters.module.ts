/** Clusters and cluster groups: registration, labels, group selectors, agents' NATS credentials. */
import { Module } from '@nestjs/common';
import { ClusterCredentialsService } from './cluster-credentials.service.js';
import { ClustersService } from './clusters.service.js';

/** ClustersService and ClusterCredentialsService, for the clusters API and enrollment. */
@Module({ providers: [ClustersService, ClusterCredentialsService], exports: [ClustersService, ClusterCredentialsService] })
export class ClustersModule {}
