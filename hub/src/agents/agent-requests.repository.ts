/**
 * Agent request/reply I/O: the hub asks one agent a question over core NATS (the agent answers
 * on `fleet.agent.<cluster>.<verb>`, names.ts). The only code that sends such requests.
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import { RequestError, TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import { ContractError, CONTRACT_VERSION, create, decodeMessage, type DesiredState, diffSubject, DiffRequestSchema, DiffResponseSchema, RotateCredentialsSchema, rotateSubject, toBinary, type DiffResponse } from '@gitfleet/proto';
import { AgentReplyError, AgentUnavailableError } from '../errors.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { NatsService } from '../nats/nats.service.js';

/** Default time an agent has to answer a request, ms. */
export const AGENT_REQUEST_TIMEOUT_MS = 10_000;

/** Sends requests to agents and decodes their replies. */
@Injectable()
export class AgentRequestsRepository {
  private readonly timeoutMs: number;

  /**
   * `nats` is the NatsService in the app, or any `{ resources: { nc } }` holder (tests);
   * `config.agentRequestTimeoutMs` overrides the 10 s default.
   */
  constructor(
    @Inject(NatsService) private readonly nats: { readonly resources: { nc: NatsConnection } },
    @Optional() @Inject(HUB_CONFIG) config?: Pick<HubConfig, 'agentRequestTimeoutMs'>,
  ) {
    this.timeoutMs = config?.agentRequestTimeoutMs ?? AGENT_REQUEST_TIMEOUT_MS;
  }

  /**
   * Asks the agent of `cluster` to rotate its NATS credentials now (fleet.v1 RotateCredentials on
   * rotateSubject(cluster)); resolves once the agent acknowledged (an empty reply). The agent
   * then asks the hub for a new user JWT on its credentials subject, switches to it, and
   * confirms, whereupon the hub revokes the old one.
   * @throws AgentUnavailableError when no agent listens or none answers in time.
   */
  async rotateCredentials(cluster: string): Promise<void> {
    const request = create(RotateCredentialsSchema, { contractVersion: CONTRACT_VERSION, cluster });
    try {
      await this.nats.resources.nc.request(rotateSubject(cluster), toBinary(RotateCredentialsSchema, request), { timeout: this.timeoutMs });
    } catch (err) {
      throw new AgentUnavailableError(cluster, unavailableReason(err, this.timeoutMs), { cause: err });
    }
  }

  /**
   * Asks the agent of `cluster` what applying the current desired state of `bundleId` would
   * change (fleet.v1 DiffRequest → DiffResponse, protobuf binary, on diffSubject(cluster)).
   * @throws AgentUnavailableError when no agent listens (no responders), none answers in time,
   *   or the hub's NATS connection is down;
   *   AgentReplyError when the reply is not a DiffResponse of a compatible contract for this target.
   */
  async diff(cluster: string, bundleId: string): Promise<DiffResponse> {
    return this.request(cluster, bundleId, undefined);
  }

  /**
   * Asks the agent of `cluster` what applying the would-be desired state `desired` (a preview:
   * `preview` = true, signed by the hub, fleet.proto DiffRequest.desired_state) of `bundleId`
   * would change (a server-side dry run; nothing applied). A tombstone asks what withdrawing the
   * target would prune.
   * @throws AgentUnavailableError when no agent listens, none answers in time, or the hub's NATS
   *   connection is down; AgentReplyError when the reply is not a DiffResponse of a compatible
   *   contract for this target, or comes from an agent release that does not answer previews
   *   (DiffResponse.preview unset: it answered about the published desired state instead).
   */
  async preview(cluster: string, bundleId: string, desired: DesiredState): Promise<DiffResponse> {
    const reply = await this.request(cluster, bundleId, desired);
    if (!reply.preview) throw new AgentReplyError(cluster, 'the agent does not answer previews (an older release: its DiffResponse is about the published desired state)');
    return reply;
  }

  /** One DiffRequest (with `desired` for a preview) and its checked DiffResponse. */
  private async request(cluster: string, bundleId: string, desired: DesiredState | undefined): Promise<DiffResponse> {
    const request = create(DiffRequestSchema, { contractVersion: CONTRACT_VERSION, cluster, bundleId, ...(desired ? { desiredState: desired } : {}) });
    const subject = diffSubject(cluster);
    let data: Uint8Array;
    try {
      data = (await this.nats.resources.nc.request(subject, toBinary(DiffRequestSchema, request), { timeout: this.timeoutMs })).data;
    } catch (err) {
      throw new AgentUnavailableError(cluster, unavailableReason(err, this.timeoutMs), { cause: err });
    }
    let reply: DiffResponse;
    try {
      // "the reply: cannot decode DiffResponse" or "the reply: incompatible contract_version …"
      reply = decodeMessage(DiffResponseSchema, data, { subject: 'the reply' });
    } catch (err) {
      if (err instanceof ContractError) throw new AgentReplyError(cluster, err.message, { cause: err });
      throw err;
    }
    if ((reply.cluster && reply.cluster !== cluster) || (reply.bundleId && reply.bundleId !== bundleId)) {
      throw new AgentReplyError(cluster, `the reply is about ${reply.cluster}/${reply.bundleId}`);
    }
    return reply;
  }
}

/** Human reason of a failed request: no responders, timeout, or a connection problem. */
function unavailableReason(err: unknown, timeoutMs: number): string {
  if (err instanceof RequestError && err.isNoResponders()) return 'no agent is connected for this cluster (no responders)';
  if (err instanceof TimeoutError || (err instanceof Error && err.cause instanceof TimeoutError)) return `the agent did not answer within ${timeoutMs / 1000} s`;
  return `the request could not be sent (${err instanceof Error ? err.message : String(err)})`;
}
