import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { CREDENTIALS_SUBJECT_PREFIX } from '@gitfleet/proto';
import { CredentialsResponder } from '../enrollment/credentials-responder.service.js';
import type { NatsHandlerExtras } from '../nats/nats.transport.js';

/** Queue group of the hub's request subscriptions: one hub replica answers each request. */
export const HUB_QUEUE = 'gitfleet-hub';

/**
 * Agents' credentials requests and confirmations (rotation) on `fleet.credentials.<cluster>`
 * (core-NATS request/reply). Registered only in NATS operator mode (messaging.module.ts).
 */
@Controller()
export class CredentialsHandlers {
  constructor(private readonly responder: CredentialsResponder) {}

  /** Answers one CredentialsRequest with a CredentialsResponse (CredentialsResponder.answer). */
  @MessagePattern(`${CREDENTIALS_SUBJECT_PREFIX}.*`, { queue: HUB_QUEUE } satisfies NatsHandlerExtras)
  answer(@Payload() data: Uint8Array, @Ctx() context: NatsContext): Promise<Uint8Array> {
    return this.responder.answer(context.getSubject(), data);
  }
}
