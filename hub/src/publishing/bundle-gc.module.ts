/** Bundle GC: deletes bundle objects that nothing references after a grace period. */
import { Module } from '@nestjs/common';
import { BundleGcRepository } from './bundle-gc.repository.js';
import { BundleGcService } from './bundle-gc.service.js';

/** The periodic bundle object GC (PublishingRepository comes from the global DatabaseModule). */
@Module({ providers: [BundleGcRepository, BundleGcService] })
export class BundleGcModule {}
