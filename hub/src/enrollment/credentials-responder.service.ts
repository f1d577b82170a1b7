/**
 * Answers agents' CredentialsRequests (rotation) on `fleet.credentials.<cluster>`. In NATS
 * operator mode only the agent of `<cluster>` may publish there (its user JWT's permissions), so
 * the subject, not the message, says who asks; a request naming another cluster is refused.
 */
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/transport-node';
import {
  ContractError,
  CONTRACT_VERSION,
  create,
  CREDENTIALS_SUBJECT_PREFIX,
  CredentialsRequestSchema,
  CredentialsResponseSchema,
  decodeMessage,
  isValidName,
  toBinary,
  type CredentialsRequest,
} from '@gitfleet/proto';
import { DomainError } from '../errors.js';
import { ClusterCredentialsService } from '../clusters/cluster-credentials.service.js';
import { NatsService } from '../nats/nats.service.js';

/** Subscribes `fleet.credentials.*` (queue group: one hub replica answers) when operator mode is on. */
@Injectable()
export class CredentialsResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CredentialsResponder.name);
  private sub?: Subscription;

  constructor(
    private readonly nats: NatsService,
    private readonly credentials: ClusterCredentialsService,
  ) {}

  /** Starts answering (only with NATS operator mode configured). */
  onApplicationBootstrap(): void {
    if (!this.credentials.enabled) return;
    this.sub = this.nats.resources.nc.subscribe(`${CREDENTIALS_SUBJECT_PREFIX}.*`, {
      queue: 'gitfleet-hub',
      callback: (err, msg) => {
        if (err) {
          this.logger.warn({ err: String(err) }, 'credentials subscription failed');
          return;
        }
        void this.answer(msg);
      },
    });
  }

  /** Stops answering. */
  onApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }

  private async answer(msg: Msg): Promise<void> {
    const cluster = msg.subject.slice(CREDENTIALS_SUBJECT_PREFIX.length + 1);
    let userJwt = '';
    let error = '';
    try {
      const req = decode(msg.data, cluster);
      userJwt = await this.credentials.handleAgentRequest(cluster, req.userPublicKey, req.confirm);
    } catch (err) {
      error = err instanceof DomainError || err instanceof RequestRefused ? err.message : 'internal error';
      if (!(err instanceof DomainError || err instanceof RequestRefused)) this.logger.error({ cluster, err: String(err) }, 'credentials request failed');
      else this.logger.warn({ cluster, reason: error }, 'refused credentials request');
    }
    msg.respond(toBinary(CredentialsResponseSchema, create(CredentialsResponseSchema, { contractVersion: CONTRACT_VERSION, userJwt, error })));
  }
}

/** A request that cannot be read or names another cluster than its subject. */
class RequestRefused extends Error {}

function decode(data: Uint8Array, cluster: string): CredentialsRequest {
  if (!isValidName(cluster)) throw new RequestRefused(`subject names no valid cluster: "${cluster}"`);
  let req: CredentialsRequest;
  try {
    // "credentials request: cannot decode CredentialsRequest" or "…: incompatible contract_version …"
    req = decodeMessage(CredentialsRequestSchema, data, { subject: 'credentials request' });
  } catch (err) {
    if (err instanceof ContractError) throw new RequestRefused(err.message, { cause: err });
    throw err;
  }
  if (req.cluster !== cluster) throw new RequestRefused(`request names cluster "${req.cluster}" but came on the subject of "${cluster}"`);
  return req;
}
