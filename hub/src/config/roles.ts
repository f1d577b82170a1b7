/**
 * The admin API's role names, weakest first. They sit here, in the bottom layer, because a setting
 * is checked against them (GITFLEET_OIDC_ROLE_MAP, oidc-config.ts); what each role may do, and the
 * decorators, are auth/roles.ts (which re-exports these).
 */

/** The roles, weakest first: each includes the ones before it. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;

/** A role of the admin API. */
export type Role = (typeof ROLES)[number];
