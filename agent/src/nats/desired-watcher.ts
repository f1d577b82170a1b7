/**
 * Watches this cluster's keys (`<cluster>.>`) in the desired-state KV bucket: every key's last
 * value first, then updates. nats.js runs the watch on an ordered push consumer that re-creates
 * itself after gaps and server restarts; should the watch end anyway (consumer deleted, bucket
 * re-created), it is opened again with a full replay. Replays are harmless: the reconciler
 * ignores a value it already handled.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { clusterKeyFilter, DESIRED_STATE_BUCKET } from '@gitfleet/proto';
import type { Logger } from 'pino';
import { backoffDelay } from '../util/backoff.js';

/** One change of a desired-state key. */
export interface DesiredEvent {
  /** full KV key, `<cluster>.<bundleId>` */
  key: string;
  /** PUT: a new value; DEL/PURGE: the target was deleted */
  operation: 'PUT' | 'DEL' | 'PURGE';
  /** the value (DesiredState protobuf binary); empty for DEL/PURGE */
  value: Uint8Array;
  /** KV revision (stream sequence) of this entry */
  revision: number;
  /** true while replaying last values at watch start (not a fresh update) */
  replay: boolean;
}

/** Watch loop over the desired-state bucket (see module comment). */
export class DesiredStateWatcher {
  private stopped = false;
  private current: { stop(): void } | undefined;
  private loop: Promise<void> | undefined;
  private active = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly cluster: string,
    private readonly onEvent: (e: DesiredEvent) => void,
    private readonly log: Logger,
    private readonly bucket = DESIRED_STATE_BUCKET,
  ) {}

  /** Starts watching in the background; returns at once. */
  start(): void {
    this.loop ??= this.run();
  }

  /** True while a watch is open on the bucket. */
  get watching(): boolean {
    return this.active;
  }

  /** Stops the watch and waits for the loop to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      try {
        const kv = await this.open();
        const iter = await kv.watch({ key: clusterKeyFilter(this.cluster) });
        this.current = iter;
        if (this.stopped) iter.stop();
        this.log.info({ bucket: this.bucket, filter: clusterKeyFilter(this.cluster) }, 'watching desired state');
        attempt = 0;
        this.active = true;
        // the first entries replay what was there already: `delta` counts the entries still
        // pending on the consumer, so the last replayed one has delta 0 (kv.status() would tell
        // the bucket's last sequence, but its stream info lists every cluster's keys, which an
        // agent's NATS user may not read). With no key at the start, the first update counts as
        // a replay too: the reconciler still applies it unless its inventory says it is applied.
        let replaying = true;
        for await (const e of iter) {
          this.deliver(e, replaying);
          if (e.delta === 0) replaying = false;
        }
        this.active = false;
        if (!this.stopped) this.log.warn('desired-state watch ended; watching again');
      } catch (err) {
        this.active = false;
        if (this.stopped) break;
        this.log.warn({ err, bucket: this.bucket }, 'desired-state watch failed; retrying');
      }
      if (this.stopped) break;
      await sleep(backoffDelay(attempt++, { baseMs: 500, maxMs: 15_000 }));
    }
  }

  private async open(): Promise<KV> {
    return new Kvm(this.nc).open(this.bucket);
  }

  private deliver(e: KvWatchEntry, replay: boolean): void {
    const operation = e.operation === 'DEL' || e.operation === 'PURGE' ? e.operation : 'PUT';
    try {
      this.onEvent({ key: e.key, operation, value: operation === 'PUT' ? e.value : new Uint8Array(), revision: e.revision, replay });
    } catch (err) {
      this.log.error({ err, key: e.key }, 'desired-state event handler failed');
    }
  }
}
