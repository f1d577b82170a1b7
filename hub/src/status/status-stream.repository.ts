import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { STATUS_CONSUMER, STATUS_STREAM } from '@gitfleet/proto';
import { NatsService } from '../nats/nats.service.js';

/** A batch handler: must settle (ack/nak/term) every message before it resolves. */
export type BatchHandler = (batch: JsMsg[]) => Promise<void>;

/** Largest batch handed to the handler. */
export const MAX_BATCH = 500;

/** Longest time a partial batch waits for more messages, ms. */
const FLUSH_MS = 5;

/**
 * The status stream I/O: consumes the durable pull consumer `STATUS_CONSUMER` of
 * `STATUS_STREAM` and hands messages over in batches (a batch closes when no more messages
 * are buffered, after 5 ms without a new one, or at MAX_BATCH); batches are handled one at a
 * time, in order. The loop survives NATS restarts: the client re-pulls
 * after reconnect, and if the consume itself ends or fails it is started again after a pause.
 */
@Injectable()
export class StatusStreamRepository {
  private readonly logger = new Logger(StatusStreamRepository.name);
  private messages?: ConsumerMessages;
  private stopped = false;
  private loop?: Promise<void>;

  /** `nats` is the NatsService in the app, or any `{ resources: { js } }` holder (tests). */
  constructor(@Inject(NatsService) private readonly nats: { readonly resources: { js: JetStreamClient } }) {}

  /** Starts consuming in the background; `handler` gets each batch. */
  start(handler: BatchHandler): void {
    this.stopped = false;
    this.loop ??= this.run(handler);
  }

  /** Stops consuming; resolves when the loop has ended (the current batch is finished). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    await this.loop;
    this.loop = undefined;
  }

  private async run(handler: BatchHandler): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.nats.resources.js.consumers.get(STATUS_STREAM, STATUS_CONSUMER);
        const messages = await consumer.consume({ max_messages: 1000 });
        this.messages = messages;
        if (this.stopped) messages.stop();
        // A batch closes when it is full, when the client holds no more messages, or after
        // FLUSH_MS without a new one (getPending() can stay above 0 after the client's internal
        // callbacks, so it alone could hold a batch back until ack_wait).
        let batch: JsMsg[] = [];
        let timer: NodeJS.Timeout | undefined;
        let chain = Promise.resolve();
        const flush = (): Promise<void> => {
          if (timer) clearTimeout(timer);
          timer = undefined;
          if (batch.length === 0) return chain;
          const b = batch;
          batch = [];
          chain = chain.then(() => handler(b)).catch((err) => this.logger.error({ err: String(err) }, 'status batch handler failed'));
          return chain;
        };
        for await (const m of messages) {
          batch.push(m);
          if (batch.length >= MAX_BATCH || messages.getPending() <= 0) await flush();
          else timer ??= setTimeout(() => void flush(), FLUSH_MS);
        }
        await flush();
        if (!this.stopped) this.logger.warn('status consume ended; restarting');
      } catch (err) {
        if (this.stopped) break;
        this.logger.warn({ err: String(err) }, 'status consume failed; retrying in 1 s');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
