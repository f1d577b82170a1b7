/**
 * Optional OIDC authentication of the admin API: a bearer JWT signed by a configured issuer is
 * validated with `jose` against the issuer's JWKS (found by OpenID Connect discovery unless given)
 * and mapped to a role by a claim (GITFLEET_OIDC_* settings, see `loadOidcConfig`).
 * Rule sources: RFC 7519 (JWT), RFC 7517 (JWKS), OpenID Connect Discovery 1.0 §4 (the discovery
 * document's `issuer` must equal the configured issuer; `jwks_uri` names the keys).
 * Token values are never logged nor put in errors.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type FetchImplementation, type JWTPayload } from 'jose';
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

/** Signature algorithms accepted for OIDC tokens (asymmetric only: RSA PKCS#1, RSA-PSS, ECDSA). */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/** Clock skew allowed on `exp`/`nbf`/`iat`, seconds. */
const CLOCK_TOLERANCE_S = 30;

/**
 * Reads the GITFLEET_OIDC_* settings from `env`. Unset GITFLEET_OIDC_ISSUER → OIDC off (`config`
 * undefined; the other settings must then be unset too). Problems are returned, not thrown, for
 * `loadConfig` to report with the rest.
 * - GITFLEET_OIDC_ISSUER: https URL;
 * - GITFLEET_OIDC_AUDIENCE: required with the issuer;
 * - GITFLEET_OIDC_JWKS_URL: optional https URL;
 * - GITFLEET_OIDC_ROLES_CLAIM: optional claim name, default `groups`;
 * - GITFLEET_OIDC_ROLE_MAP: required JSON object, claim value → `admin` | `operator` | `viewer`;
 * - GITFLEET_OIDC_CA_FILE: optional PEM file with at least one certificate.
 */
export function loadOidcConfig(env: NodeJS.ProcessEnv): { config?: OidcConfig; problems: string[] } {
  const problems: string[] = [];
  const issuer = env.GITFLEET_OIDC_ISSUER ?? '';
  if (!issuer) {
    const stray = ['GITFLEET_OIDC_AUDIENCE', 'GITFLEET_OIDC_JWKS_URL', 'GITFLEET_OIDC_ROLES_CLAIM', 'GITFLEET_OIDC_ROLE_MAP', 'GITFLEET_OIDC_CA_FILE'].filter((k) => env[k]);
    if (stray.length > 0) problems.push(`${stray.join(', ')} set without GITFLEET_OIDC_ISSUER (OIDC is off without an issuer)`);
    return { problems };
  }
  if (!isHttpsUrl(issuer)) problems.push(`GITFLEET_OIDC_ISSUER must be an https:// URL, got "${issuer}"`);
  const audience = env.GITFLEET_OIDC_AUDIENCE ?? '';
  if (!audience) problems.push('GITFLEET_OIDC_AUDIENCE is required with GITFLEET_OIDC_ISSUER (the client id / audience tokens are issued for)');
  const jwksUrl = env.GITFLEET_OIDC_JWKS_URL || undefined;
  if (jwksUrl && !isHttpsUrl(jwksUrl)) problems.push(`GITFLEET_OIDC_JWKS_URL must be an https:// URL, got "${jwksUrl}"`);
  const rolesClaim = env.GITFLEET_OIDC_ROLES_CLAIM || 'groups';
  if (/\s/.test(rolesClaim)) problems.push(`GITFLEET_OIDC_ROLES_CLAIM must be a claim name without whitespace, got "${rolesClaim}"`);
  const parsed = parseRoleMap(env.GITFLEET_OIDC_ROLE_MAP ?? '');
  if (typeof parsed === 'string') problems.push(parsed);
  const caFile = env.GITFLEET_OIDC_CA_FILE || undefined;
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, 'utf8');
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) problems.push(`GITFLEET_OIDC_CA_FILE ${caFile} holds no PEM certificate`);
    } catch (err) {
      problems.push(`GITFLEET_OIDC_CA_FILE ${caFile} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (problems.length > 0 || typeof parsed === 'string') return { problems };
  return {
    config: { issuer, audience, rolesClaim, roleMap: parsed, ...(jwksUrl ? { jwksUrl } : {}), ...(caFile ? { caFile } : {}), ...(ca ? { ca } : {}) },
    problems,
  };
}

/** The role map of GITFLEET_OIDC_ROLE_MAP (JSON object, claim value → role), or the problem found. */
export function parseRoleMap(raw: string): Record<string, Role> | string {
  const what = 'GITFLEET_OIDC_ROLE_MAP must be a JSON object mapping claim values to roles, e.g. {"platform-admins":"admin","sre":"operator","dev":"viewer"}';
  if (!raw) return `${what} (required with GITFLEET_OIDC_ISSUER)`;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return `${what}; it is not valid JSON`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return what;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return `${what}; it is empty`;
  const bad = entries.filter(([k, v]) => !k || !(ROLES as readonly unknown[]).includes(v)).map(([k]) => `"${k}"`);
  if (bad.length > 0) return `${what}; bad entries: ${bad.join(', ')} (roles: ${ROLES.join(', ')})`;
  return Object.fromEntries(entries) as Record<string, Role>;
}

/**
 * The strongest role any value of `claim` maps to in `roleMap`, or null when none does. `claim`
 * is the raw claim: a string (e.g. `sub`), an array (e.g. `groups`; non-string items are
 * ignored), anything else (absent, number, object) maps to nothing. Pure.
 */
export function mapRole(claim: unknown, roleMap: Readonly<Record<string, Role>>): Role | null {
  const values = typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim.filter((v): v is string => typeof v === 'string') : [];
  let best = -1;
  for (const v of values) {
    if (!Object.hasOwn(roleMap, v)) continue;
    best = Math.max(best, ROLES.indexOf(roleMap[v]!));
  }
  return best < 0 ? null : ROLES[best]!;
}

/** True when `token` has the shape of a compact JWS: three base64url parts separated by dots. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

/** The actor name of a validated token: `oidc:` + `preferred_username`, else `email`, else `sub`. */
export function oidcActorName(payload: JWTPayload): string {
  const pick = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return `oidc:${pick(payload.preferred_username) ?? pick(payload.email) ?? payload.sub ?? ''}`;
}

/**
 * Outcome of an OIDC validation: the identity and its role (null: valid token whose claim maps to
 * no role → 403), or 'invalid' with the reason (for logs; never contains the token).
 */
export type OidcResult = { name: string; role: Role | null } | { invalid: string };

/** Validates bearer JWTs against the configured issuer. The JWKS is fetched lazily and cached by jose. */
export class OidcVerifier {
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  private readonly fetchImpl: FetchImplementation;

  /** @param config validated settings (see `loadOidcConfig`). */
  constructor(private readonly config: OidcConfig) {
    this.fetchImpl = config.ca ? caFetch(config.ca) : (url, opts) => fetch(url, opts);
  }

  /**
   * Validates `token`: signature by a key of the issuer's JWKS (algorithms `OIDC_ALGORITHMS`),
   * `iss` = issuer, `aud` contains the audience, `exp` present and not past (30 s skew), `sub`
   * present. Never throws: a bad token, or an issuer that cannot be reached, gives `{invalid}`.
   */
  async verify(token: string): Promise<OidcResult> {
    let jwks: ReturnType<typeof createRemoteJWKSet>;
    try {
      jwks = await this.keySet();
    } catch (err) {
      return { invalid: `cannot get the issuer's keys: ${(err as Error).message}` };
    }
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: OIDC_ALGORITHMS,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: CLOCK_TOLERANCE_S,
      });
      return { name: oidcActorName(payload), role: mapRole(payload[this.config.rolesClaim], this.config.roleMap) };
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return { invalid: `${err.code}: ${err.message}` };
      return { invalid: (err as Error).message };
    }
  }

  /** The remote JWKS, after discovery when no JWKS URL is configured (a failed discovery is retried on the next call). */
  private async keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.jwks) return this.jwks;
    this.discovering ??= (async () => {
      const url = this.config.jwksUrl ?? (await this.discoverJwksUrl());
      return createRemoteJWKSet(new URL(url), { [customFetch]: this.fetchImpl, timeoutDuration: 5000 });
    })();
    try {
      this.jwks = await this.discovering;
      return this.jwks;
    } finally {
      this.discovering = undefined;
    }
  }

  /** `jwks_uri` of the issuer's discovery document. @throws Error when unreachable, not 200, or not matching the issuer. */
  private async discoverJwksUrl(): Promise<string> {
    const url = `${this.config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const res = await this.fetchImpl(url, { headers: new Headers({ accept: 'application/json' }), method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(5000) });
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
    const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (doc.issuer !== this.config.issuer) throw new Error(`discovery document of ${url} names issuer "${String(doc.issuer)}", not "${this.config.issuer}"`);
    if (typeof doc.jwks_uri !== 'string' || !isHttpsUrl(doc.jwks_uri)) throw new Error(`discovery document of ${url} has no https jwks_uri`);
    return doc.jwks_uri;
  }
}

/** A fetch (GET only, no redirects followed) over node:https trusting the PEM bundle `ca` (instead of the system CAs). */
function caFetch(ca: string): FetchImplementation {
  return (url, opts) =>
    new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = {};
      opts.headers.forEach((v, k) => (headers[k] = v));
      const req = httpsRequest(url, { method: 'GET', headers, ca, signal: opts.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          try {
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: h }));
          } catch (err) {
            reject(err as Error); // e.g. a body on a 204
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
}

function isHttpsUrl(s: string): boolean {
  try {
    return new URL(s).protocol === 'https:';
  } catch {
    return false;
  }
}
