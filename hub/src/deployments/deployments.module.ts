/**
 * Deployments: the pipeline from a source revision to published targets. Global, so that the
 * folders it reads (sources, clusters, status, bundles, enrollment) reach it through the
 * `Pipeline` token without importing this folder.
 */
import { Global, Module } from '@nestjs/common';
import { Pipeline } from '../pipeline.js';
import { BUNDLE_TOOLKIT, defaultBundleToolkit } from './bundle-toolkit.js';
import { DeploymentService } from './deployment.service.js';

/** The pipeline (DeploymentService), provided as `Pipeline` to the whole hub. */
@Global()
@Module({
  providers: [DeploymentService, { provide: Pipeline, useExisting: DeploymentService }, { provide: BUNDLE_TOOLKIT, useValue: defaultBundleToolkit }],
  exports: [Pipeline],
})
export class DeploymentsModule {}
