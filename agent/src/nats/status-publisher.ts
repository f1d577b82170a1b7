/**
 * Status reports and heartbeats to JetStream.
 *
 * Reports go through an in-memory FIFO (bounded; when full the oldest is dropped with a
 * warning) and are published one at a time, in order, each with Nats-Msg-Id = report_id and a
 * wait for the PubAck. A failed or timed-out publish leaves the report at the head and retries
 * after a pause or on reconnect; a report that did reach the stream before the failure is
 * de-duplicated by JetStream (same msgID). Heartbeats are best-effort: skipped while
 * disconnected, never buffered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JetStreamClient } from '@nats-io/jetstream';
import {
  CONTRACT_VERSION,
  create,
  type StatusReport,
  StatusReportSchema,
  HeartbeatSchema,
  toBinary,
} from '@gitfleet/proto';
import type { Logger } from 'pino';
import type { ConnectionMonitor } from './connection.js';

/** Where reports go. */
export interface StatusSink {
  /** Queues a report for delivery; never throws, never blocks. */
  enqueue(report: StatusReport): void;
}

/** A bounded FIFO that drops its oldest item when full. Pure. */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  constructor(readonly capacity: number) {}

  /** Appends; returns the dropped oldest item when the queue was full. */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.size >= this.capacity) dropped = this.shift();
    this.items.push(item);
    return dropped;
  }
  /** The oldest item, not removed. */
  peek(): T | undefined {
    return this.items[this.head];
  }
  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  /** Number of queued items. */
  get size(): number {
    return this.items.length - this.head;
  }
}

/** Options of the status publisher. */
export interface StatusPublisherOptions {
  /** subject of reports, statusSubject(cluster) */
  subject: string;
  /** buffer capacity (reports), default 10,000 */
  capacity?: number;
  /** PubAck timeout per publish, ms (default 5000) */
  ackTimeoutMs?: number;
  /** pause after a failed publish before the next try, ms (default 2000) */
  retryMs?: number;
}

/** Buffered, ordered, acknowledged delivery of status reports (see module comment). */
export class StatusPublisher implements StatusSink {
  private readonly queue: BoundedQueue<StatusReport>;
  private flushing: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly monitor: ConnectionMonitor,
    private readonly opts: StatusPublisherOptions,
    private readonly log: Logger,
  ) {
    this.queue = new BoundedQueue(opts.capacity ?? 10_000);
    monitor.on('reconnect', () => this.wake?.());
  }

  /** Reports waiting for delivery. */
  get pending(): number {
    return this.queue.size;
  }

  /**
   * Queues a report for in-order, acknowledged delivery (re-sent after a reconnect; JetStream
   * de-duplicates by report id). Logs each report id at info so delivery can be audited.
   */
  enqueue(report: StatusReport): void {
    this.log.info({ reportId: report.reportId, bundleId: report.bundleId, generation: String(report.generation) }, 'status report produced');
    const dropped = this.queue.push(report);
    if (dropped) this.log.warn({ reportId: dropped.reportId, bundleId: dropped.bundleId, capacity: this.queue.capacity }, 'status buffer full: dropped the oldest report');
    this.flushing ??= this.flush().finally(() => { this.flushing = undefined; });
  }

  /**
   * Tries to deliver what is queued within `timeoutMs` (shutdown), then stops retrying.
   * Returns the number of reports left undelivered.
   */
  async close(timeoutMs: number): Promise<number> {
    if (this.flushing) await Promise.race([this.flushing, sleep(timeoutMs)]);
    this.stopped = true;
    this.wake?.();
    if (this.queue.size > 0) this.log.warn({ undelivered: this.queue.size }, 'status reports not delivered at shutdown');
    return this.queue.size;
  }

  private async flush(): Promise<void> {
    while (!this.stopped) {
      const report = this.queue.peek();
      if (!report) return;
      try {
        const ack = await this.js.publish(this.opts.subject, toBinary(StatusReportSchema, report), {
          msgID: report.reportId,
          timeout: this.opts.ackTimeoutMs ?? 5000,
        });
        if (this.queue.peek() === report) this.queue.shift();
        this.log.debug({ reportId: report.reportId, seq: ack.seq, duplicate: ack.duplicate }, 'status report published');
      } catch (err) {
        this.log.warn({ err: { message: (err as Error).message }, pending: this.queue.size }, 'status publish failed; buffering');
        await this.pause(this.monitor.connected ? (this.opts.retryMs ?? 2000) : 30_000);
      }
    }
  }

  private async pause(ms: number): Promise<void> {
    const ac = new AbortController();
    this.wake = () => ac.abort();
    await sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined);
    this.wake = undefined;
  }
}

/** Options of the heartbeat sender. */
export interface HeartbeatOptions {
  subject: string;
  cluster: string;
  agentVersion: string;
  intervalMs: number;
  /** number of targets the agent holds now */
  targets: () => number;
  /** the cluster's Kubernetes version (apiserver `/version` gitVersion; '' while unknown) */
  kubernetesVersion?: () => string;
  /** the spoke-side hold in force now (kube/hold.ts), or undefined: sent as Heartbeat.hold */
  hold?: () => { reason: string; since: Date; source: string } | undefined;
}

/** Sends a Heartbeat every interval while connected (JetStream publish; dropped on failure). */
export class HeartbeatSender {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly monitor: ConnectionMonitor,
    private readonly opts: HeartbeatOptions,
    private readonly log: Logger,
  ) {}

  /** Sends one now, then every interval. */
  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Sends one heartbeat now (e.g. when the spoke-side hold changed), besides the timer's. */
  beatNow(): void {
    void this.beat();
  }

  private async beat(): Promise<void> {
    if (!this.monitor.connected) return;
    const hold = this.opts.hold?.();
    const hb = create(HeartbeatSchema, {
      ...(hold ? { hold: { reason: hold.reason, since: hold.since.toISOString(), source: hold.source } } : {}),
      contractVersion: CONTRACT_VERSION,
      cluster: this.opts.cluster,
      agentVersion: this.opts.agentVersion,
      sentAt: new Date().toISOString(),
      targets: this.opts.targets(),
      kubernetesVersion: this.opts.kubernetesVersion?.() ?? '',
    });
    try {
      await this.js.publish(this.opts.subject, toBinary(HeartbeatSchema, hb), { timeout: Math.min(5000, this.opts.intervalMs) });
    } catch (err) {
      this.log.debug({ err: { message: (err as Error).message } }, 'heartbeat dropped');
    }
  }
}
