/**
 * Optional OIDC authentication of the admin API: a bearer JWT signed by a configured issuer is
 * validated with `jose` against the issuer's JWKS (found by OpenID Connect discovery unless given)
 * and mapped to a role by a claim (GITFLEET_OIDC_* settings: config/oidc-config.ts `loadOidcConfig`).
 * Rule sources: RFC 7519 (JWT), RFC 7517 (JWKS), OpenID Connect Discovery 1.0 §4 (the discovery
 * document's `issuer` must equal the configured issuer; `jwks_uri` names the keys).
 * Token values are never logged nor put in errors.
 */
import { request as httpsRequest } from 'node:https';
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type FetchImplementation, type JWTPayload } from 'jose';
import { isHttpsUrl, type OidcConfig } from '../config/oidc-config.js';
import { ROLES, type Role } from './roles.js';

/** Signature algorithms accepted for OIDC tokens (asymmetric only: RSA PKCS#1, RSA-PSS, ECDSA). */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/** Clock skew allowed on `exp`/`nbf`/`iat`, seconds. */
const CLOCK_TOLERANCE_S = 30;

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

  /** @param config validated settings (see config/oidc-config.ts `loadOidcConfig`). */
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
