/**
 * Deployments: the pipeline from a source revision to published targets, and the bundles API.
 * (Bundle parsing/rendering lives in ../bundles and ../targeting; this folder only drives it.)
 */
import { Module } from '@nestjs/common';
import { TargetsModule } from '../targets/targets.module.js';
import { BUNDLE_TOOLKIT, defaultBundleToolkit } from './bundle-toolkit.js';
import { BundlesController } from './bundles.controller.js';
import { BundlesService } from './bundles.service.js';
import { DeploymentService } from './deployment.service.js';

/** Pipeline + bundles API; exports DeploymentService for sources and clusters. */
@Module({
  imports: [TargetsModule],
  controllers: [BundlesController],
  providers: [DeploymentService, BundlesService, { provide: BUNDLE_TOOLKIT, useValue: defaultBundleToolkit }],
  exports: [DeploymentService],
})
export class DeploymentsModule {}
