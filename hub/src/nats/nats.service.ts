import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { connect, credsAuthenticator, type Authenticator, type NatsConnection } from '@nats-io/transport-node';
import {
  BUNDLE_STORE,
  DESIRED_STATE_BUCKET,
  HEARTBEAT_SUBJECT_PREFIX,
  STATUS_CONSUMER,
  STATUS_STREAM,
  STATUS_SUBJECT_PREFIX,
} from '@gitfleet/proto';
import { HUB_CONFIG, redactUrl, type HubConfig } from '../config/config.js';

const NANOS_PER_MS = 1_000_000;

/** Handles on the JetStream resources the hub uses, all created by `ensureResources`. */
export interface NatsResources {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** KV `fleet_desired`: DesiredState per `<cluster>.<bundleId>`. */
  desired: KV;
  /** Object Store `fleet_bundles`: BundleManifest per digest. */
  bundles: ObjectStore;
}

/**
 * Stream config of FLEET_STATUS: status reports and heartbeats, file storage, limits retention,
 * kept 7 days, de-duplicated by Nats-Msg-Id (report_id) over 2 minutes.
 */
export const STATUS_STREAM_CONFIG: Partial<StreamConfig> & { name: string } = {
  name: STATUS_STREAM,
  subjects: [`${STATUS_SUBJECT_PREFIX}.>`, `${HEARTBEAT_SUBJECT_PREFIX}.>`],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.Old,
  max_age: 7 * 24 * 3600 * 1000 * NANOS_PER_MS,
  duplicate_window: 2 * 60 * 1000 * NANOS_PER_MS,
};

/**
 * Opens one NATS connection to `servers` (reconnects forever) and makes sure the KV bucket,
 * object store, status stream and durable status consumer exist. Idempotent.
 * @param authenticator how to authenticate, e.g. `credsAuthenticator(readFileSync(credsFile))`
 *   for the hub's user in NATS operator mode (nats-auth/); none: connect without credentials.
 * @throws when the first connect fails (including an authorization error) or JetStream is not enabled.
 */
export async function connectAndEnsure(servers: string[], name = 'gitfleet-hub', authenticator?: Authenticator): Promise<NatsResources> {
  const nc = await connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, waitOnFirstConnect: false, ...(authenticator ? { authenticator } : {}) });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const desired = await new Kvm(js).create(DESIRED_STATE_BUCKET, { history: 5, storage: StorageType.File });
    const bundles = await new Objm(js).create(BUNDLE_STORE, { storage: StorageType.File });
    await ensureStatusStream(jsm);
    await jsm.consumers.add(STATUS_STREAM, {
      durable_name: STATUS_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30_000 * NANOS_PER_MS,
      max_ack_pending: 20_000,
    });
    return { nc, js, jsm, desired, bundles };
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }
}

async function ensureStatusStream(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.streams.info(STATUS_STREAM);
  } catch {
    await jsm.streams.add(STATUS_STREAM_CONFIG);
    return;
  }
  const { name: _name, ...update } = STATUS_STREAM_CONFIG;
  await jsm.streams.update(STATUS_STREAM, update);
}

/**
 * Nest provider of the hub's single NATS connection and JetStream resources. Connects at module
 * init (fails the start if NATS is unreachable then), tracks connection state for /readyz and
 * drains at shutdown.
 */
@Injectable()
export class NatsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NatsService.name);
  private res?: NatsResources;
  private connected = false;

  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  /** Connects and ensures the JetStream resources. */
  async onModuleInit(): Promise<void> {
    const creds = this.config.natsAuth ? new Uint8Array(readFileSync(this.config.natsAuth.credsFile)) : undefined;
    this.res = await connectAndEnsure(this.config.natsUrls, 'gitfleet-hub', creds ? credsAuthenticator(creds) : undefined);
    this.connected = true;
    this.logger.log(`connected to NATS ${this.config.natsUrls.map(redactUrl).join(',')}${creds ? ' (operator mode, hub user)' : ''}`);
    void this.watchStatus(this.res.nc);
  }

  /** Drains the connection (pending acks and publishes are flushed). */
  async onApplicationShutdown(): Promise<void> {
    await this.res?.nc.drain().catch(() => undefined);
  }

  /** The JetStream resources. @throws Error before `onModuleInit` finished. */
  get resources(): NatsResources {
    if (!this.res) throw new Error('NATS is not connected yet');
    return this.res;
  }

  /** True while the connection is up (false while reconnecting or after close). */
  isConnected(): boolean {
    return this.connected && !!this.res && !this.res.nc.isClosed();
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        this.connected = false;
        this.logger.warn('NATS disconnected; reconnecting');
      } else if (s.type === 'reconnect') {
        this.connected = true;
        this.logger.log('NATS reconnected');
      }
    }
  }
}
