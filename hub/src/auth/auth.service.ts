import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, InvalidInputError, NotFoundError } from '../api/errors.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import type { ApiTokenEntity } from './api-token.entity.js';
import { ApiTokensRepository } from './api-tokens.repository.js';
import type { CreatedTokenView, CreateTokenDto, TokenView } from './auth.dto.js';
import type { Principal } from './roles.js';
import { bearerToken, generateToken, hashToken, tokenMatches } from './tokens.js';

/** Actor name of the bootstrap admin token (GITFLEET_ADMIN_TOKEN); reserved as a token name. */
export const BOOTSTRAP_ADMIN = 'bootstrap-admin';

/**
 * Bearer-token authentication and the tokens API: the bootstrap admin token from the config,
 * and API tokens stored as sha256 hashes (see tokens.ts).
 */
@Injectable()
export class AuthService {
  private readonly adminHash: string;

  constructor(
    private readonly tokens: ApiTokensRepository,
    @Inject(HUB_CONFIG) config: Pick<HubConfig, 'adminToken'>,
  ) {
    this.adminHash = hashToken(config.adminToken);
  }

  /**
   * The principal of an `Authorization` header value, or 'invalid' (not a Bearer header, an
   * unknown token, or an expired one). A token is looked up by its sha256 and confirmed in
   * constant time; the bootstrap token is compared in constant time.
   */
  async authenticate(authorization: string, now = new Date()): Promise<Principal | 'invalid'> {
    const token = bearerToken(authorization);
    if (!token) return 'invalid';
    if (tokenMatches(token, this.adminHash)) return { name: BOOTSTRAP_ADMIN, role: 'admin' };
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
