/** Targets: read API over what was published (desired) and what agents reported (applied). */
import { Module } from '@nestjs/common';
import { TargetsController } from './targets.controller.js';
import { TargetsService } from './targets.service.js';

/** Targets API; exports TargetsService for the cluster detail view. */
@Module({ controllers: [TargetsController], providers: [TargetsService], exports: [TargetsService] })
export class TargetsModule {}
