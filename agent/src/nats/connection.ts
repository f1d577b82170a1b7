/**
 * The agent's NATS connection: reconnects forever (an agent must outlive any NATS outage) and
 * waits for the first connect. `ConnectionMonitor` turns the status stream into a `connected`
 * flag and 'reconnect' events for the watcher and the status publisher.
 */
import { EventEmitter } from 'node:events';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { redactUrl } from '../logging.js';

/** Options of `connectNats`. */
export interface NatsOptions {
  /** comma-separated server URLs, e.g. `nats://127.0.0.1:4222` */
  url: string;
  /** connection name shown by the server, e.g. `gitfleet-agent/<cluster>` */
  name: string;
  /** aborts the wait for the first connect (shutdown while NATS is still down) */
  signal?: AbortSignal;
  /**
   * the NATS creds (user JWT + seed) to authenticate with, read at every (re)connect so a
   * rotation takes effect on the next one; undefined → no user
   */
  creds?: () => Uint8Array;
  /** prefix of the connection's inboxes (`_INBOX_<cluster>`): a user may subscribe only its own */
  inboxPrefix?: string;
}

/**
 * Connects with unlimited reconnect attempts (1 s apart, with jitter) and waitOnFirstConnect, so
 * it resolves only once a server answered, however long that takes.
 * @throws Error when `signal` aborts first
 */
export async function connectNats(opts: NatsOptions, log: Logger): Promise<NatsConnection> {
  const servers = opts.url.split(',').map((s) => s.trim()).filter(Boolean);
  log.info({ servers: servers.map(redactUrl) }, 'connecting to NATS');
  const pending = connect({
    servers,
    name: opts.name,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectTimeWait: 1000,
    reconnectJitter: 500,
    pingInterval: 10_000,
    maxPingOut: 3,
    ...(opts.creds ? { authenticator: credsAuthenticator(opts.creds) } : {}),
    ...(opts.inboxPrefix ? { inboxPrefix: opts.inboxPrefix } : {}),
  });
  if (!opts.signal) return pending;
  const signal = opts.signal;
  return new Promise<NatsConnection>((resolve, reject) => {
    const onAbort = () => {
      reject(new Error('aborted while waiting for the first NATS connection'));
      void pending.then((nc) => nc.close(), () => undefined);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (nc) => { signal.removeEventListener('abort', onAbort); resolve(nc); },
      (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err as Error); },
    );
  });
}

/**
 * Tracks whether the connection is up and emits 'reconnect' after every reconnect and
 * 'disconnect' after every loss. Logs each transition once.
 */
export class ConnectionMonitor extends EventEmitter<{ reconnect: []; disconnect: [] }> {
  private up = true;

  constructor(nc: NatsConnection, log: Logger) {
    super();
    void (async () => {
      for await (const s of nc.status()) {
        switch (s.type) {
          case 'disconnect':
            if (this.up) log.warn({ server: s.server }, 'NATS disconnected; reconnecting');
            this.up = false;
            this.emit('disconnect');
            break;
          case 'reconnect':
            this.up = true;
            log.info({ server: s.server }, 'NATS reconnected');
            this.emit('reconnect');
            break;
          case 'error':
            log.warn({ err: s.error }, 'NATS error');
            break;
          case 'staleConnection':
            log.warn('NATS connection stale');
            break;
          default:
            break;
        }
      }
    })().catch((err: unknown) => log.error({ err }, 'NATS status loop ended'));
    void nc.closed().then(() => { this.up = false; });
  }

  /** True while the connection is up (as far as the last status event tells). */
  get connected(): boolean {
    return this.up;
  }
}
