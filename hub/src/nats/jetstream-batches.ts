/**
 * A durable JetStream pull consumer read in batches (moved here from status/status-stream.repository.ts,
 * unchanged in what it does, to serve NatsTransport for any stream): the loop behind an
 * `@EventPattern(<consumer>, { stream })` handler.
 */
import { Logger } from '@nestjs/common';
import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';

/** A batch handler: must settle (ack/nak/term) every message before it resolves. */
export type BatchHandler = (batch: JsMsg[]) => Promise<void>;

/** Largest batch handed to the handler. */
export const MAX_BATCH = 500;

/** Longest time a partial batch waits for more messages, ms. */
const FLUSH_MS = 5;

/** Messages the client buffers ahead of the handler (`consume({ max_messages })`). */
const MAX_BUFFERED = 1000;

/**
 * Consumes the durable pull consumer `consumer` of `stream` and hands messages over in batches
 * (a batch closes when no more messages are buffered, after 5 ms without a new one, or at
 * MAX_BATCH); batches are handled one at a time, in stream order. The loop survives NATS
 * restarts: the client re-pulls after reconnect, and if the consume itself ends or fails it is
 * started again after a 1 s pause. A handler that rejects is logged; its unsettled messages
 * come back after the consumer's ack_wait.
 */
export class JetStreamBatchConsumer {
  private readonly logger: Logger;
  private messages?: ConsumerMessages;
  private stopped = false;
  private loop?: Promise<void>;

  /**
   * @param nats holder of the JetStream client, read at every (re)start of the consume (the
   *   NatsService in the app, or `{ resources: { js } }` in tests)
   */
  constructor(
    private readonly nats: { readonly resources: { js: JetStreamClient } },
    readonly stream: string,
    readonly consumer: string,
    private readonly handler: BatchHandler,
  ) {
    this.logger = new Logger(`JetStream ${stream}/${consumer}`);
  }

  /** Starts consuming in the background (no-op while already running). */
  start(): void {
    this.stopped = false;
    this.loop ??= this.run();
  }

  /** Stops consuming; resolves when the loop has ended (the current batch is finished). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.nats.resources.js.consumers.get(this.stream, this.consumer);
        const messages = await consumer.consume({ max_messages: MAX_BUFFERED });
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
          chain = chain.then(() => this.handler(b)).catch((err) => this.logger.error({ err: String(err) }, 'batch handler failed'));
          return chain;
        };
        for await (const m of messages) {
          batch.push(m);
          if (batch.length >= MAX_BATCH || messages.getPending() <= 0) await flush();
          else timer ??= setTimeout(() => void flush(), FLUSH_MS);
        }
        await flush();
        if (!this.stopped) this.logger.warn('consume ended; restarting');
      } catch (err) {
        if (this.stopped) break;
        this.logger.warn({ err: String(err) }, 'consume failed; retrying in 1 s');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
