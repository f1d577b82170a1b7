/**
 * Trust boundary of the admin API: bearer-token authentication (bootstrap admin token + API
 * tokens), the role guard applied to every route, the tokens API and the audit log.
 */
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditService } from './audit.service.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { AuditController } from './audit.controller.js';
import { TokensController } from './tokens.controller.js';

/** Auth guard (global), tokens API, audit log. */
@Module({
  controllers: [TokensController, AuditController],
  providers: [AuthService, AuditService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuditService],
})
export class AuthModule {}
