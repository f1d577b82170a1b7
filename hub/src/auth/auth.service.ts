import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import type { ApiTokenEntity } from './api-token.entity.js';
import { ApiTokensRepository } from './api-tokens.repository.js';
import type { CreatedTokenView, CreateTokenDto, TokenView } from './auth.dto.js';
import { looksLikeJwt, OidcVerifier } from './oidc.js';
import type { Principal } from './roles.js';
import { bearerToken, generateToken, hashToken, tokenMatches } from './tokens.js';

/** Actor name of the bootstrap admin token (GITFLEET_ADMIN_TOKEN); reserved as a token name. */
export const BOOTSTRAP_ADMIN = 'bootstrap-admin';

/**
 * A caller whose credentials are valid but grant no role: an OIDC token whose roles claim maps to
 * no role of GITFLEET_OIDC_ROLE_MAP. The guard answers 403.
 */
export interface RolelessIdentity {
  name: string;
  role: null;
}

/**
 * Bearer-token authentication and the tokens API: the bootstrap admin token from the config,
 * API tokens stored as sha256 hashes (see tokens.ts), and, when configured, OIDC JWTs (oidc.ts).
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  private readonly adminHash: string;
  private readonly oidc: OidcVerifier | undefined;

  constructor(
    private readonly tokens: ApiTokensRepository,
    @Inject(HUB_CONFIG) config: Pick<HubConfig, 'adminToken' | 'oidc'>,
  ) {
    this.adminHash = hashToken(config.adminToken);
    this.oidc = config.oidc ? new OidcVerifier(config.oidc) : undefined;
  }

  /**
   * The principal of an `Authorization` header value, or 'invalid' (not a Bearer header, an
   * unknown token, an expired one, or a JWT that fails OIDC validation). A token is looked up by
   * its sha256 and confirmed in constant time; the bootstrap token is compared in constant time.
   * With OIDC configured, a token shaped like a JWT (three base64url parts; API tokens never are)
   * is validated against the issuer instead: its principal is `oidc:<preferred_username | email |
   * sub>` with the mapped role, or a `RolelessIdentity` when its claim maps to no role.
   * Token values are never logged.
   */
  async authenticate(authorization: string, now = new Date()): Promise<Principal | RolelessIdentity | 'invalid'> {
    const token = bearerToken(authorization);
    if (!token) return 'invalid';
    if (tokenMatches(token, this.adminHash)) return { name: BOOTSTRAP_ADMIN, role: 'admin' };
    if (this.oidc && looksLikeJwt(token)) {
      const result = await this.oidc.verify(token);
      if ('invalid' in result) {
        this.logger.warn({ reason: result.invalid }, 'OIDC token refused');
        return 'invalid';
      }
      return result.role ? { name: result.name, role: result.role } : { name: result.name, role: null };
    }
    const row = await this.tokens.findByHash(hashToken(token));
    if (!row || !tokenMatches(token, row.tokenHash)) return 'invalid';
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return 'invalid';
    return { name: row.name, role: row.role };
  }

  /**
   * Creates a token for `actor`; the answer carries the value, which is not stored.
   * @throws InvalidInputError for the reserved name or a past expiry; ConflictError when the name is taken.
   */
  async create(dto: CreateTokenDto, actor: string, now = new Date()): Promise<CreatedTokenView> {
    if (dto.name === BOOTSTRAP_ADMIN) throw new InvalidInputError(`token name "${BOOTSTRAP_ADMIN}" is reserved`);
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= now.getTime()) throw new InvalidInputError('expiresAt must be in the future');
    const token = generateToken();
    const created = await this.tokens.create({ name: dto.name, role: dto.role, tokenHash: hashToken(token), expiresAt, createdBy: actor });
    if (!created) throw new ConflictError(`token "${dto.name}" already exists`);
    const row = (await this.tokens.list()).find((t) => t.name === dto.name);
    if (!row) throw new NotFoundError('token', dto.name);
    return { ...toView(row), token };
  }

  /** Every token, without values. */
  async list(): Promise<TokenView[]> {
    return (await this.tokens.list()).map(toView);
  }

  /** Deletes a token (it stops working at once). @throws NotFoundError */
  async delete(name: string): Promise<void> {
    if (!(await this.tokens.delete(name))) throw new NotFoundError('token', name);
  }
}

function toView(t: ApiTokenEntity): TokenView {
  return { name: t.name, role: t.role, expiresAt: t.expiresAt?.toISOString() ?? null, createdBy: t.createdBy, createdAt: t.createdAt.toISOString() };
}
