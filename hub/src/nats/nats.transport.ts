/**
 * The hub's NestJS microservice transport over its one NATS connection (a
 * `CustomTransportStrategy`, connected to the HTTP app as a hybrid application by
 * app.factory.ts): `@EventPattern` handlers read a durable JetStream consumer in batches,
 * `@MessagePattern` handlers answer core-NATS requests. Payloads are the raw bytes (protobuf):
 * handlers decode and check them. Generic plumbing: imports no service.
 */
import { Logger } from '@nestjs/common';
import { BaseRpcContext, NatsContext, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { lastValueFrom } from 'rxjs';
import { JetStreamBatchConsumer } from './jetstream-batches.js';

/** Transport id of NatsTransport (a handler decorated with another transport id is not bound to it). */
export const NATS_TRANSPORT = Symbol('gitfleet-nats');

/**
 * `extras` of a handler decorator, read by NatsTransport:
 * - `@EventPattern(<durable consumer>, { stream })`: the handler gets `JsMsg[]` batches of that
 *   durable pull consumer of `stream` (jetstream-batches.ts: at most MAX_BATCH, one batch at a
 *   time, in stream order) and must settle every message before it resolves;
 * - `@MessagePattern(<subject>, { queue? })`: the handler gets each request's data
 *   (`Uint8Array`) and a NatsContext (its subject), and returns the reply bytes; with `queue`
 *   one member of that queue group (one hub replica) answers.
 */
export interface NatsHandlerExtras {
  /** JetStream stream of the durable consumer the event pattern names. */
  stream?: string;
  /** core-NATS queue group of a request subscription. */
  queue?: string;
}

/** Context of a JetStream batch handler: the stream and the durable consumer the batch came from. */
export class JetStreamContext extends BaseRpcContext<[string, string]> {
  /** Name of the stream. */
  getStream(): string {
    return this.args[0];
  }

  /** Name of the durable consumer. */
  getConsumer(): string {
    return this.args[1];
  }
}

/**
 * NATS transport of the hub's handlers. `listen` starts a JetStreamBatchConsumer per event
 * handler and a core-NATS subscription per message handler, then calls back; `close` stops
 * them, waiting for the batch being handled (the app closes its microservices before the
 * shutdown hooks drain NATS and close the database). `listen` may be called again after `close`.
 *
 * Nest's processing hooks (setOnProcessingStartHook, for instrumentation) are not called: the
 * batch loop must know when a handler finished, which a hook that does not return `done()`'s
 * promise would hide.
 *
 * A request whose handler fails (rejects or errors) gets no reply (the requester times out) and
 * is logged; a handler result that is not a `Uint8Array` is a programming error, logged too.
 */
export class NatsTransport extends Server implements CustomTransportStrategy {
  override readonly transportId = NATS_TRANSPORT;
  /** This transport awaits event handlers and logs their failures itself. */
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger = new Logger(NatsTransport.name);
  private consumers: JetStreamBatchConsumer[] = [];
  private subscriptions: Subscription[] = [];

  /**
   * @param nats holder of the connection and its JetStream client, read at `listen` (the
   *   NatsService in the app, connected during the app's init; `{ resources }` in tests)
   */
  constructor(private readonly nats: { readonly resources: { nc: NatsConnection; js: JetStreamClient } }) {
    super();
  }

  /**
   * Starts every handler's consumer or subscription, then calls `callback()`; calls
   * `callback(err)` when one cannot start (an event handler without `stream`, NATS not
   * connected, already listening).
   */
  listen(callback: (err?: unknown) => void): void {
    try {
      if (this.consumers.length > 0 || this.subscriptions.length > 0) throw new Error('NatsTransport is already listening');
      const { nc } = this.nats.resources;
      const handlers = [...this.messageHandlers.entries()];
      for (const [pattern, handler] of handlers) {
        if (handler.isEventHandler && !(handler.extras as NatsHandlerExtras | undefined)?.stream) {
          throw new Error(`event handler "${pattern}" names no JetStream stream (extras.stream)`);
        }
      }
      for (const [pattern, handler] of handlers) {
        const extras = (handler.extras ?? {}) as NatsHandlerExtras;
        if (handler.isEventHandler) {
          const stream = extras.stream!;
          const context = new JetStreamContext([stream, pattern]);
          const consumer = new JetStreamBatchConsumer(this.nats, stream, pattern, (batch) => this.handleBatch(handler, batch, context));
          this.consumers.push(consumer);
          consumer.start();
        } else {
          this.subscriptions.push(nc.subscribe(pattern, {
            ...(extras.queue ? { queue: extras.queue } : {}),
            callback: (err, msg) => {
              if (err) this.logger.warn({ subject: pattern, err: String(err) }, 'subscription failed');
              else void this.answer(handler, msg);
            },
          }));
        }
      }
      callback();
    } catch (err) {
      callback(err);
    }
  }

  /** Stops the consumers (each finishes its current batch) and the subscriptions. */
  async close(): Promise<void> {
    const consumers = this.consumers;
    const subscriptions = this.subscriptions;
    this.consumers = [];
    this.subscriptions = [];
    for (const s of subscriptions) s.unsubscribe();
    await Promise.all(consumers.map((c) => c.stop()));
  }

  /** Transport events are not offered (the NatsService watches the connection). @throws Error always. */
  on(): never {
    throw new Error('NatsTransport emits no events; NatsService tracks the connection');
  }

  /** The NATS connection. */
  unwrap<T>(): T {
    return this.nats.resources.nc as T;
  }

  /** Runs the handler on one batch and waits for it (and any stream it returns) to finish. */
  private async handleBatch(handler: MessageHandler, batch: JsMsg[], context: JetStreamContext): Promise<void> {
    await lastValueFrom(this.transformToObservable(await handler(batch, context)), { defaultValue: undefined });
  }

  /** Runs the handler on one request and replies with the bytes it returns. Never rejects. */
  private async answer(handler: MessageHandler, msg: Msg): Promise<void> {
    const context = new NatsContext([msg.subject, msg.headers]);
    try {
      const reply: unknown = await lastValueFrom(this.transformToObservable(await handler(msg.data, context)), { defaultValue: undefined });
      if (!(reply instanceof Uint8Array)) throw new Error(`handler returned ${reply === undefined ? 'nothing' : typeof reply}, not bytes`);
      msg.respond(reply);
    } catch (err) {
      this.logger.error({ subject: msg.subject, err: describe(err) }, 'request handler failed; no reply');
    }
  }
}

/** An Error's message, or the `message` of the object Nest's RPC exception filter errors with. */
function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}
