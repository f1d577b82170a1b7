import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AgentRequestsRepository } from '../agents/agent-requests.repository.js';
import { AgentUnavailableError, ConflictError, InvalidInputError, NotConfiguredError } from '../errors.js';
import { ClusterCredentialsRepository } from './cluster-credentials.repository.js';
import type { ClusterCredentialView } from './clusters.dto.js';

/** Injection token of the NATS user authority (absent when NATS is not in operator mode). */
export const NATS_USER_AUTHORITY = Symbol('NATS_USER_AUTHORITY');

/**
 * What the hub needs of NATS operator mode to hand out and take back agent identities
 * (implemented in nats-auth/).
 */
export interface NatsUserAuthority {
  /**
   * A user JWT for `userPublicKey` that may act only as the agent of `cluster`.
   * @throws Error when the key is not a user public nkey.
   */
  issueAgentUser(cluster: string, userPublicKey: string): Promise<string>;
  /**
   * Revokes the users in NATS (the server disconnects them and refuses their reconnect).
   * @throws Error when the account update is refused or not acknowledged.
   */
  revokeUsers(userPublicKeys: string[], at?: Date): Promise<unknown>;
}

/** Message of the 503 when enrollment or credentials are asked of a hub without operator mode. */
const NOT_CONFIGURED = 'agent credentials need NATS operator mode: set GITFLEET_NATS_ACCOUNT_SIGNING_KEY_FILE, GITFLEET_NATS_OPERATOR_SIGNING_KEY_FILE and GITFLEET_NATS_SYSTEM_CREDS_FILE';

/**
 * NATS credentials of clusters' agents: issues them (enrollment, rotation), records them by
 * public key, and revokes them (cluster deleted, credentials revoked, rotation confirmed).
 */
@Injectable()
export class ClusterCredentialsService {
  private readonly logger = new Logger(ClusterCredentialsService.name);

  constructor(
    private readonly repo: ClusterCredentialsRepository,
    private readonly agents: AgentRequestsRepository,
    @Optional() @Inject(NATS_USER_AUTHORITY) private readonly authority: NatsUserAuthority | null = null,
  ) {}

  /** True when the hub can issue agent credentials (NATS operator mode configured). */
  get enabled(): boolean {
    return !!this.authority;
  }

  /**
   * Issues a user JWT for `userPublicKey` as `cluster`'s agent and records it (in `manager`'s
   * transaction when given). `issuedBy` says how (`registration-token/<name>`, `rotation`).
   * @throws NotConfiguredError without operator mode; InvalidInputError for a bad key;
   *   ConflictError when that key was issued before (a key is used once).
   */
  async issue(cluster: string, userPublicKey: string, issuedBy: string, manager?: EntityManager): Promise<string> {
    const authority = this.requireAuthority();
    let jwt: string;
    try {
      jwt = await authority.issueAgentUser(cluster, userPublicKey);
    } catch (err) {
      throw new InvalidInputError(`userPublicKey: ${(err as Error).message}`);
    }
    if (!(await this.repo.insert({ userPublicKey, cluster, issuedAt: new Date(), issuedBy }, manager))) {
      throw new ConflictError('userPublicKey was issued before: make a new key pair for every request');
    }
    this.logger.log({ cluster, userPublicKey, issuedBy }, 'issued agent NATS credentials');
    return jwt;
  }

  /**
   * Revokes every credential of `cluster` except `keep` in NATS, then records it. Without
   * operator mode there is nothing to revoke (no credentials were issued).
   * @returns the revoked public keys.
   * @throws Error when NATS refuses the account update (nothing is marked revoked then).
   */
  async revokeAll(cluster: string, keep: string[] = []): Promise<string[]> {
    const keys = await this.repo.active(cluster, keep);
    if (keys.length === 0) return [];
    const authority = this.requireAuthority();
    const at = new Date();
    await authority.revokeUsers(keys, at);
    await this.repo.markRevoked(keys, at);
    this.logger.log({ cluster, revoked: keys }, 'revoked agent NATS credentials');
    return keys;
  }

  /** Every credential issued to `cluster`, newest first (public keys only: the hub has no seeds). */
  async list(cluster: string): Promise<ClusterCredentialView[]> {
    return (await this.repo.list(cluster)).map((c) => ({
      userPublicKey: c.userPublicKey,
      issuedAt: c.issuedAt.toISOString(),
      issuedBy: c.issuedBy,
      revokedAt: c.revokedAt?.toISOString() ?? null,
    }));
  }

  /**
   * Asks the agent of `cluster` to rotate its credentials (it fetches new ones over NATS and
   * confirms; the old ones are revoked on confirmation, so the agent is never without working
   * credentials). @throws NotConfiguredError; ConflictError (409) when the agent does not answer (not connected, or no reply in time).
   */
  async rotate(cluster: string): Promise<void> {
    this.requireAuthority();
    try {
      await this.agents.rotateCredentials(cluster);
    } catch (err) {
      // the hub is fine; the cluster is not in a state to rotate (its agent is not connected)
      if (err instanceof AgentUnavailableError) throw new ConflictError(`cannot rotate now: ${err.message}; try again when the agent is connected`, { cause: err });
      throw err;
    }
  }

  /**
   * Handles an agent's credentials request on its own subject: a new key → a JWT for it
   * (`rotation`); `confirm` → every other credential of the cluster is revoked. The key of a
   * confirmation must be one issued to that cluster and not revoked.
   * @throws InvalidInputError, ConflictError, NotConfiguredError (answered to the agent as its error text)
   */
  async handleAgentRequest(cluster: string, userPublicKey: string, confirm: boolean): Promise<string> {
    if (!confirm) return this.issue(cluster, userPublicKey, 'rotation');
    const row = await this.repo.get(userPublicKey);
    if (!row || row.cluster !== cluster || row.revokedAt) throw new InvalidInputError(`userPublicKey is not a valid credential of cluster "${cluster}"`);
    await this.revokeAll(cluster, [userPublicKey]);
    return '';
  }

  /** @throws NotConfiguredError (503) when the hub cannot issue agent credentials. */
  assertEnabled(): void {
    this.requireAuthority();
  }

  private requireAuthority(): NatsUserAuthority {
    if (!this.authority) throw new NotConfiguredError(NOT_CONFIGURED);
    return this.authority;
  }
}
