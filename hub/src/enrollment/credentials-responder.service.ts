/**
 * Answers agents' CredentialsRequests (rotation) on `fleet.credentials.<cluster>`. In NATS
 * operator mode only the agent of `<cluster>` may publish there (its user JWT's permissions), so
 * the subject, not the message, says who asks; a request naming another cluster is refused.
 * The subscription is messaging/credentials.handlers.ts (queue group `gitfleet-hub`: one hub
 * replica answers), registered only in operator mode.
 */
import { Injectable, Logger } from '@nestjs/common';
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

/** Turns one CredentialsRequest into the CredentialsResponse (a user JWT, or why not). */
@Injectable()
export class CredentialsResponder {
  private readonly logger = new Logger(CredentialsResponder.name);

  constructor(private readonly credentials: ClusterCredentialsService) {}

  /**
   * Answers the CredentialsRequest `data` (protobuf) that came on `subject`
   * (`fleet.credentials.<cluster>`): issues a user JWT for the request's public key, or confirms
   * the switch to it (ClusterCredentialsService.handleAgentRequest).
   * @returns the CredentialsResponse, protobuf binary: `userJwt`, or `error` saying why the
   *   request was refused (undecodable, incompatible contract, another cluster than the
   *   subject's, a DomainError of the service) or `internal error` (logged). Never rejects.
   */
  async answer(subject: string, data: Uint8Array): Promise<Uint8Array> {
    const cluster = subject.slice(CREDENTIALS_SUBJECT_PREFIX.length + 1);
    let userJwt = '';
    let error = '';
    try {
      const req = decode(data, cluster);
      userJwt = await this.credentials.handleAgentRequest(cluster, req.userPublicKey, req.confirm);
    } catch (err) {
      error = err instanceof DomainError || err instanceof RequestRefused ? err.message : 'internal error';
      if (!(err instanceof DomainError || err instanceof RequestRefused)) this.logger.error({ cluster, err: String(err) }, 'credentials request failed');
      else this.logger.warn({ cluster, reason: error }, 'refused credentials request');
    }
    return toBinary(CredentialsResponseSchema, create(CredentialsResponseSchema, { contractVersion: CONTRACT_VERSION, userJwt, error }));
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
