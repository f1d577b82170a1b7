import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConflictError, InvalidInputError, NotFoundError, UnauthenticatedError } from '../errors.js';
import { hashToken } from '../auth/tokens.js';
import { ClusterCredentialsService } from '../clusters/cluster-credentials.service.js';
import { ClustersRepository } from '../clusters/clusters.repository.js';
import { Pipeline } from '../pipeline.js';
import type { CreatedRegistrationTokenView, CreateRegistrationTokenDto, EnrollDto, EnrollmentView, RegistrationTokenView } from './enrollment.dto.js';
import type { RegistrationTokenEntity } from './registration-token.entity.js';
import { RegistrationTokensRepository } from './registration-tokens.repository.js';
import { enrolledLabels, generateRegistrationToken, refusalReason } from './registration-tokens.js';

/** Default lifetime of a registration token, ms (24 hours). */
export const DEFAULT_TOKEN_TTL_MS = 24 * 3600 * 1000;
/** Longest lifetime of a registration token, ms (one year). */
export const MAX_TOKEN_TTL_MS = 366 * 24 * 3600 * 1000;

/**
 * Cluster registration tokens and agent enrollment: an agent presents a token, its cluster
 * name, labels and the public key of a NATS user nkey it made; the hub uses the token once,
 * creates or adopts the cluster, and issues the user JWT (ClusterCredentialsService). The
 * token use, the cluster and the credential record are one transaction: a refused or failed
 * enrollment changes nothing.
 */
@Injectable()
export class EnrollmentService {
  private readonly logger = new Logger(EnrollmentService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: RegistrationTokensRepository,
    private readonly clusters: ClustersRepository,
    private readonly credentials: ClusterCredentialsService,
    private readonly deployments: Pipeline,
  ) {}

  /**
   * Creates a registration token for `actor`; the answer carries the value, which is not stored.
   * @throws InvalidInputError for an expiry in the past or over a year away; ConflictError when the name is taken.
   */
  async createToken(dto: CreateRegistrationTokenDto, actor: string, now = new Date()): Promise<CreatedRegistrationTokenView> {
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : new Date(now.getTime() + DEFAULT_TOKEN_TTL_MS);
    if (expiresAt.getTime() <= now.getTime()) throw new InvalidInputError('expiresAt must be in the future');
    if (expiresAt.getTime() - now.getTime() > MAX_TOKEN_TTL_MS) throw new InvalidInputError('expiresAt must be at most one year away');
    const token = generateRegistrationToken();
    const created = await this.tokens.create({ name: dto.name, tokenHash: hashToken(token), expiresAt, maxUses: dto.maxUses ?? null, labels: dto.labels ?? {}, createdBy: actor });
    if (!created) throw new ConflictError(`registration token "${dto.name}" already exists`);
    const row = await this.tokens.get(dto.name);
    if (!row) throw new NotFoundError('registration token', dto.name);
    return { ...tokenView(row), token };
  }

  /** Every registration token, without values. */
  async listTokens(): Promise<RegistrationTokenView[]> {
    return (await this.tokens.list()).map(tokenView);
  }

  /** Deletes a registration token. @throws NotFoundError */
  async deleteToken(name: string): Promise<void> {
    if (!(await this.tokens.delete(name))) throw new NotFoundError('registration token', name);
  }

  /**
   * Enrolls an agent (see the class comment). `onToken` learns the token's name once it is
   * recognised (for the audit log). Earlier credentials of an adopted cluster are revoked after
   * the new ones are issued: one agent per cluster.
   * @throws UnauthenticatedError naming why the token is refused (unknown, expired, used up);
   *   NotConfiguredError without NATS operator mode; InvalidInputError for a bad public key;
   *   ConflictError when the public key was issued before.
   */
  async enroll(dto: EnrollDto, onToken: (tokenName: string) => void = () => undefined, now = new Date()): Promise<EnrollmentView> {
    // checked first so that a hub without operator mode never uses up tokens
    this.credentials.assertEnabled();
    const tokenHash = hashToken(dto.token);
    const result = await this.dataSource.transaction(async (m) => {
      const token = await this.tokens.consume(m, tokenHash, now);
      if (!token) {
        const found = await this.tokens.findByHash(m, tokenHash);
        if (found) onToken(found.name);
        throw new UnauthenticatedError(refusalReason(found, now) ?? 'registration token refused', true);
      }
      onToken(token.name);
      const existing = await this.clusters.get(dto.cluster, m);
      const labels = enrolledLabels(existing?.labels, dto.labels, token.labels);
      if (existing) await this.clusters.setLabels(dto.cluster, labels, m);
      else await this.clusters.create(dto.cluster, labels, m);
      const userJwt = await this.credentials.issue(dto.cluster, dto.userPublicKey, `registration-token/${token.name}`, m);
      return { cluster: dto.cluster, labels, userJwt, adopted: !!existing, token: token.name };
    });
    this.logger.log({ cluster: result.cluster, token: result.token, adopted: result.adopted, labels: result.labels }, 'enrolled cluster');
    if (result.adopted) {
      await this.credentials.revokeAll(result.cluster, [dto.userPublicKey]).catch((err: unknown) =>
        this.logger.warn({ cluster: result.cluster, err: String(err) }, 'cannot revoke the earlier credentials of an adopted cluster'));
    }
    this.deployments.trigger().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'pipeline run after enrollment failed'));
    return { cluster: result.cluster, labels: result.labels, userJwt: result.userJwt };
  }
}

function tokenView(t: RegistrationTokenEntity): RegistrationTokenView {
  return {
    name: t.name,
    expiresAt: t.expiresAt.toISOString(),
    maxUses: t.maxUses,
    uses: t.uses,
    labels: t.labels ?? {},
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
  };
}
