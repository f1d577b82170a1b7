/**
 * Trust boundary of the admin API: bearer-token authentication (bootstrap admin token + API
 * tokens, OIDC), the role guard applied to every route, API tokens and the audit log.
 */
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditService } from './audit.service.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';

/** Auth guard (global); AuthService and AuditService for the tokens and audit APIs. */
@Module({
  providers: [AuthService, AuditService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService, AuditService],
})
export class AuthModule {}
