/** Targets: the read model of what was published (desired) and what agents reported (applied). */
import { Module } from '@nestjs/common';
import { TargetsService } from './targets.service.js';

/** TargetsService, for the targets, clusters and bundles APIs. */
@Module({ providers: [TargetsService], exports: [TargetsService] })
export class TargetsModule {}
