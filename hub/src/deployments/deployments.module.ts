/**
 * Deployments: the pipeline from a source revision to published targets. Global, so that the
 * folders it reads (sources, clusters, status, bundles, enrollment) reach it through the
 * `Pipeline` and `ManualSync` tokens without importing this folder.
 */
import { Global, Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module.js';
import { ManualSync, Pipeline } from '../pipeline.js';
import { BundleDeployer } from './bundle-deployer.service.js';
import { BundleRenderer } from './bundle-renderer.service.js';
import { BUNDLE_TOOLKIT, defaultBundleToolkit } from './bundle-toolkit.js';
import { CommitSignaturePolicyService } from './commit-signature-policy.service.js';
import { DeploymentService } from './deployment.service.js';
import { DesiredStatePublisher } from './desired-state-publisher.service.js';
import { ManualSyncService } from './manual-sync.service.js';
import { RolloutController } from './rollout-controller.service.js';
import { RolloutOperationsService } from './rollout-operations.service.js';
import { TargetWriteLock } from './target-write-lock.js';

/**
 * The pipeline runs (DeploymentService, as `Pipeline`) and manual sync (ManualSyncService, as
 * `ManualSync`) for the whole hub, with the services they share: the target write lock, the
 * desired-state publisher, the bundle deployer and its renderer, the commit-signature policy, and
 * the rollout controller with its operator controls (RolloutOperationsService, for the API).
 */
@Global()
@Module({
  imports: [ClustersModule],
  providers: [
    DeploymentService,
    ManualSyncService,
    TargetWriteLock,
    DesiredStatePublisher,
    BundleDeployer,
    BundleRenderer,
    CommitSignaturePolicyService,
    RolloutController,
    RolloutOperationsService,
    { provide: Pipeline, useExisting: DeploymentService },
    { provide: ManualSync, useExisting: ManualSyncService },
    { provide: BUNDLE_TOOLKIT, useValue: defaultBundleToolkit },
  ],
  exports: [Pipeline, ManualSync, RolloutOperationsService],
})
export class DeploymentsModule {}
