/**
 * A StatusSink for the time before NATS is connected (cold start from the state cache): reports
 * are buffered (bounded; the oldest dropped first) and handed to the real publisher, in order,
 * once it is attached; after that every report goes straight through.
 */
import type { StatusReport } from '@gitfleet/proto';
import { BoundedQueue, type StatusSink } from '../nats/status-publisher.js';

/** Buffers reports until `attach` (see module comment). */
export class DeferredStatusSink implements StatusSink {
  private target: StatusSink | undefined;
  private readonly queue: BoundedQueue<StatusReport>;

  /** @param capacity reports kept before the publisher is attached (default 1,000) */
  constructor(capacity = 1000) {
    this.queue = new BoundedQueue(capacity);
  }

  enqueue(report: StatusReport): void {
    if (this.target) this.target.enqueue(report);
    else this.queue.push(report);
  }

  /** Hands the buffered reports to `target` and sends every later one there. */
  attach(target: StatusSink): void {
    for (let r = this.queue.shift(); r !== undefined; r = this.queue.shift()) target.enqueue(r);
    this.target = target;
  }

  /** Reports waiting for the publisher. */
  get buffered(): number {
    return this.queue.size;
  }
}
