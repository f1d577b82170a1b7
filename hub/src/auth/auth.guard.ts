import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ForbiddenError, UnauthenticatedError } from '../errors.js';
import { AuditService } from './audit.service.js';
import { AuthService } from './auth.service.js';
import { ANONYMOUS_KEY, decideAccess, PUBLIC_KEY, ROLE_KEY, requiredRole, type Principal, type Role } from './roles.js';

/** A request after the guard: `principal` is set when a valid token was sent. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/**
 * Global guard of the admin API: reads the bearer token, decides with the role table
 * (roles.ts), hands every non-GET request it lets through or refuses with 403 to the audit log.
 * @throws UnauthenticatedError (401) without valid credentials; ForbiddenError (403) when the
 * token's role is too weak, or when a valid OIDC token maps to no role.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
  ) {}

  /** Allows or refuses one request. */
  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets) ?? false;
    if (isPublic) return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const role = this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, targets);
    const anonymousAllowed = this.reflector.getAllAndOverride<boolean | undefined>(ANONYMOUS_KEY, targets) ?? false;
    const header = req.headers.authorization;
    const credentials = header ? await this.auth.authenticate(header) : 'none';
    const isWrite = req.method !== 'GET' && req.method !== 'HEAD';
    if (typeof credentials === 'object' && credentials.role === null) {
      // a valid identity (OIDC) that the role map gives no role: audited under its name, 403
      if (isWrite) {
        res.locals.auditActor = credentials.name;
        this.audit.recordWhenDone(req, res, null);
      }
      throw new ForbiddenError(`no role for "${credentials.name}": none of its values of the OIDC roles claim is in GITFLEET_OIDC_ROLE_MAP`);
    }
    const decision = decideAccess({ method: req.method, ...(role ? { role } : {}), anonymousAllowed }, credentials);
    const principal = typeof credentials === 'object' ? credentials : null;
    switch (decision) {
      case 'allow':
        if (principal) req.principal = principal;
        if (isWrite) this.audit.recordWhenDone(req, res, principal);
        return true;
      case 'forbidden':
        if (isWrite) this.audit.recordWhenDone(req, res, principal);
        throw new ForbiddenError(`role "${principal?.role}" of "${principal?.name}" may not ${req.method} this resource (needs ${requiredRole(req.method, role)})`);
      case 'invalid-token':
        throw new UnauthenticatedError('invalid or expired bearer token', true);
      case 'unauthenticated':
        throw new UnauthenticatedError();
    }
  }
}
