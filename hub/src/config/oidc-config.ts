/**
 * Settings of the optional OIDC authentication of the admin API (GITFLEET_OIDC_*), as a zod
 * schema. The tokens themselves are validated by auth/oidc.ts (`OidcVerifier`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues, optionalString, requiredString, withDefault } from './env-schema.js';
import { ROLES, type Role } from './roles.js';

/** Validated OIDC settings of the hub. */
export interface OidcConfig {
  /** GITFLEET_OIDC_ISSUER: the issuer URL (https), compared exactly with the token's `iss`. */
  issuer: string;
  /** GITFLEET_OIDC_AUDIENCE: the `aud` value a token must carry. */
  audience: string;
  /** GITFLEET_OIDC_JWKS_URL: the JWKS URL (https); undefined → `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  jwksUrl?: string;
  /** GITFLEET_OIDC_ROLES_CLAIM: the claim whose value(s) (a string or an array of strings) are mapped to roles; default `groups`. */
  rolesClaim: string;
  /** GITFLEET_OIDC_ROLE_MAP: claim value → role. */
  roleMap: Record<string, Role>;
  /** GITFLEET_OIDC_CA_FILE as given; undefined → the system's trusted CAs. */
  caFile?: string;
  /** The PEM CA bundle read from `caFile`, trusted for TLS to the issuer and its JWKS URL. */
  ca?: string;
}

/** The OIDC variables other than the issuer (each must stay unset while OIDC is off). */
const OIDC_WITH_ISSUER = ['GITFLEET_OIDC_AUDIENCE', 'GITFLEET_OIDC_JWKS_URL', 'GITFLEET_OIDC_ROLES_CLAIM', 'GITFLEET_OIDC_ROLE_MAP', 'GITFLEET_OIDC_CA_FILE'] as const;

/** True when `s` is an absolute https URL. */
export function isHttpsUrl(s: string): boolean {
  return URL.canParse(s) && new URL(s).protocol === 'https:';
}

const httpsUrl = z.string().refine(isHttpsUrl, { error: (iss) => `must be an https:// URL, got "${String(iss.input)}"` });

const ROLE_MAP_WHAT = 'must be a JSON object mapping claim values to roles, e.g. {"platform-admins":"admin","sre":"operator","dev":"viewer"}';

/** GITFLEET_OIDC_ROLE_MAP: a JSON object, claim value (non-empty) → one of ROLES. */
const roleMapSchema = requiredString(`${ROLE_MAP_WHAT} (required with GITFLEET_OIDC_ISSUER)`)
  .transform((raw, ctx): unknown => {
    try {
      return JSON.parse(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${ROLE_MAP_WHAT}; it is not valid JSON` });
      return z.NEVER;
    }
  })
  .transform((value, ctx): Record<string, Role> => {
    // own entries of the parsed object as they are (a `__proto__` key is a claim value like any other)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: ROLE_MAP_WHAT });
      return z.NEVER;
    }
    const entries = Object.entries(value);
    if (entries.length === 0) ctx.addIssue({ code: 'custom', message: `${ROLE_MAP_WHAT}; it is empty` });
    const role = z.enum(ROLES);
    const bad = entries.filter(([k, v]) => !k || !role.safeParse(v).success).map(([k]) => `"${k}"`);
    if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `${ROLE_MAP_WHAT}; bad entries: ${bad.join(', ')} (roles: ${ROLES.join(', ')})` });
    return Object.fromEntries(entries) as Record<string, Role>;
  });

/** GITFLEET_OIDC_CA_FILE: a readable file with at least one PEM certificate → its path and text. */
const caFileSchema = optionalString.transform((caFile, ctx) => {
  if (!caFile) return undefined;
  let ca: string;
  try {
    ca = readFileSync(caFile, 'utf8');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `${caFile} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return z.NEVER;
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    ctx.addIssue({ code: 'custom', message: `${caFile} holds no PEM certificate` });
    return z.NEVER;
  }
  return { caFile, ca };
});

/** Schema of the GITFLEET_OIDC_* variables with an issuer set → `OidcConfig`. */
const oidcOnSchema = z
  .object({
    GITFLEET_OIDC_ISSUER: httpsUrl,
    GITFLEET_OIDC_AUDIENCE: requiredString('is required with GITFLEET_OIDC_ISSUER (the client id / audience tokens are issued for)'),
    GITFLEET_OIDC_JWKS_URL: optionalString.pipe(httpsUrl.optional()),
    GITFLEET_OIDC_ROLES_CLAIM: withDefault('groups').pipe(z.string().regex(/^\S+$/, { error: (iss) => `must be a claim name without whitespace, got "${String(iss.input)}"` })),
    GITFLEET_OIDC_ROLE_MAP: roleMapSchema,
    GITFLEET_OIDC_CA_FILE: caFileSchema,
  })
  .transform(
    (s): OidcConfig => ({
      issuer: s.GITFLEET_OIDC_ISSUER,
      audience: s.GITFLEET_OIDC_AUDIENCE,
      rolesClaim: s.GITFLEET_OIDC_ROLES_CLAIM,
      roleMap: s.GITFLEET_OIDC_ROLE_MAP,
      ...(s.GITFLEET_OIDC_JWKS_URL ? { jwksUrl: s.GITFLEET_OIDC_JWKS_URL } : {}),
      ...(s.GITFLEET_OIDC_CA_FILE ? s.GITFLEET_OIDC_CA_FILE : {}),
    }),
  );

/** Schema of the GITFLEET_OIDC_* variables without an issuer: OIDC off, the others must be unset. */
const oidcOffSchema = z
  .object(Object.fromEntries(OIDC_WITH_ISSUER.map((name) => [name, optionalString])) as Record<(typeof OIDC_WITH_ISSUER)[number], typeof optionalString>)
  .transform((s, ctx) => {
    const stray = OIDC_WITH_ISSUER.filter((name) => s[name]);
    if (stray.length > 0) ctx.addIssue({ code: 'custom', message: `${stray.join(', ')} set without GITFLEET_OIDC_ISSUER (OIDC is off without an issuer)` });
    return undefined;
  });

/**
 * Reads the GITFLEET_OIDC_* settings from `env`. Unset GITFLEET_OIDC_ISSUER → OIDC off (`config`
 * undefined; the other settings must then be unset too). Problems are returned, not thrown, for
 * `loadConfig` to report with the rest; each names its variable.
 * - GITFLEET_OIDC_ISSUER: https URL;
 * - GITFLEET_OIDC_AUDIENCE: required with the issuer;
 * - GITFLEET_OIDC_JWKS_URL: optional https URL;
 * - GITFLEET_OIDC_ROLES_CLAIM: optional claim name, default `groups`;
 * - GITFLEET_OIDC_ROLE_MAP: required JSON object, claim value → `admin` | `operator` | `viewer`;
 * - GITFLEET_OIDC_CA_FILE: optional PEM file with at least one certificate.
 */
export function loadOidcConfig(env: NodeJS.ProcessEnv): { config?: OidcConfig; problems: string[] } {
  const parsed = (env.GITFLEET_OIDC_ISSUER ? oidcOnSchema : oidcOffSchema).safeParse(env);
  if (!parsed.success) return { problems: describeIssues(parsed.error) };
  return parsed.data ? { config: parsed.data, problems: [] } : { problems: [] };
}

/** The role map of GITFLEET_OIDC_ROLE_MAP (JSON object, claim value → role), or the problem found (naming the variable). */
export function parseRoleMap(raw: string): Record<string, Role> | string {
  const parsed = z.object({ GITFLEET_OIDC_ROLE_MAP: roleMapSchema }).safeParse({ GITFLEET_OIDC_ROLE_MAP: raw });
  return parsed.success ? parsed.data.GITFLEET_OIDC_ROLE_MAP : describeIssues(parsed.error).join('; ');
}
