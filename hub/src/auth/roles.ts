/**
 * Roles of the admin API and the access decision of the auth guard. Pure: no I/O.
 *
 * Role table (each role includes the ones below it):
 * - `admin`: everything (sources, clusters, cluster groups, tokens, audit log);
 * - `operator`: sync bundles, relabel clusters (PATCH /clusters/:name), source webhooks;
 * - `viewer`: read, every GET.
 * A route without `@Roles()` needs `viewer` for GET/HEAD and `admin` for any other method.
 */
import { SetMetadata } from '@nestjs/common';
import { ROLES, type Role } from '../config/roles.js';

/** The roles, weakest first, and their type: declared in config/roles.ts (the OIDC role map setting is checked against them). */
export { ROLES, type Role };

/** Who made a request: a token name (or `bootstrap-admin`) and its role. */
export interface Principal {
  name: string;
  role: Role;
}

/** Metadata key of `@Roles()`. */
export const ROLE_KEY = 'gitfleet:role';
/** Metadata key of `@Public()`. */
export const PUBLIC_KEY = 'gitfleet:public';
/** Metadata key of `@AnonymousAllowed()`. */
export const ANONYMOUS_KEY = 'gitfleet:anonymous';

/** The least role a route (handler or controller) needs. */
export const Roles = (role: Role) => SetMetadata(ROLE_KEY, role);

/** The route is open: no token is read, none is needed (health, public key). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/**
 * A request without credentials reaches the handler, which must authenticate it itself
 * (webhooks: HMAC signature or secret token); a sent token is still checked against `@Roles()`.
 */
export const AnonymousAllowed = () => SetMetadata(ANONYMOUS_KEY, true);

/** True when `actual` includes `required` (admin ⊇ operator ⊇ viewer). */
export function hasRole(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

/** The role a route needs: its `@Roles()` value, else viewer for GET/HEAD and admin otherwise. */
export function requiredRole(method: string, declared?: Role): Role {
  if (declared) return declared;
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'admin';
}

/** How a route is protected, from its decorators. */
export interface RouteAccess {
  method: string;
  role?: Role;
  public?: boolean;
  anonymousAllowed?: boolean;
}

/** Outcome of the access check. */
export type AccessDecision = 'allow' | 'unauthenticated' | 'invalid-token' | 'forbidden';

/**
 * Decides a request: `credentials` is 'none' (no Authorization header), 'invalid' (unknown,
 * expired or malformed token) or the authenticated principal.
 */
export function decideAccess(route: RouteAccess, credentials: 'none' | 'invalid' | Principal): AccessDecision {
  if (route.public) return 'allow';
  if (credentials === 'none') return route.anonymousAllowed ? 'allow' : 'unauthenticated';
  if (credentials === 'invalid') return 'invalid-token';
  return hasRole(credentials.role, requiredRole(route.method, route.role)) ? 'allow' : 'forbidden';
}
