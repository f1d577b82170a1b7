/** Bundles: the read model of what the pipeline rendered per bundle, and its manual sync. */
import { Module } from '@nestjs/common';
import { TargetsModule } from '../targets/targets.module.js';
import { BundlesService } from './bundles.service.js';

/** BundlesService, for the bundles API. */
@Module({ imports: [TargetsModule], providers: [BundlesService], exports: [BundlesService] })
export class BundlesModule {}
