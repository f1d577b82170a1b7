import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { JsMsg } from '@nats-io/jetstream';
import { STATUS_CONSUMER, STATUS_STREAM } from '@gitfleet/proto';
import type { NatsHandlerExtras } from '../nats/nats.transport.js';
import { StatusIngestService } from '../status/status-ingest.service.js';

/**
 * The status stream's handler: agents' status reports (`fleet.status.<cluster>`) and heartbeats
 * (`fleet.heartbeat.<cluster>`) arrive in batches of the durable consumer STATUS_CONSUMER of
 * STATUS_STREAM, one batch at a time, in stream order; one handler takes both subjects because a
 * batch is stored in one transaction (a report counts as a heartbeat too).
 */
@Controller()
export class StatusHandlers {
  constructor(private readonly ingest: StatusIngestService) {}

  /** Stores a batch and settles every message of it (StatusIngestService.handleBatch). */
  @EventPattern(STATUS_CONSUMER, { stream: STATUS_STREAM } satisfies NatsHandlerExtras)
  handleBatch(@Payload() batch: JsMsg[]): Promise<void> {
    return this.ingest.handleBatch(batch);
  }
}
