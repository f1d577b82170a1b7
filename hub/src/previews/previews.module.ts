/**
 * Previews: a source's revision or branch rendered and dry-run on every targeted cluster, nothing
 * published or applied (previews.service.ts). Renders through its own BundleRenderer (the
 * pipeline's class, its own cache), so a preview never waits for or changes a pipeline run.
 */
import { Module } from '@nestjs/common';
import { BundleRenderer } from '../deployments/bundle-renderer.service.js';
import { BUNDLE_TOOLKIT, defaultBundleToolkit } from '../deployments/bundle-toolkit.js';
import { PreviewsService } from './previews.service.js';

/** PreviewsService and what it renders with. */
@Module({
  providers: [PreviewsService, BundleRenderer, { provide: BUNDLE_TOOLKIT, useValue: defaultBundleToolkit }],
  exports: [PreviewsService],
})
export class PreviewsModule {}
