/**
 * Credential rotation without downtime. On the hub's RotateCredentials (or `rotate()` called
 * directly) the agent makes a new user nkey, asks the hub for a user JWT on its own
 * credentials subject, stores the new creds, reconnects with them (the connection's
 * authenticator reads `CredentialsHolder.current`), and then confirms; only then does the hub
 * revoke the old credentials. Until the confirmation both work, so a crash at any step leaves
 * the agent with creds that connect.
 */
import { once } from 'node:events';
import { createUser, fmtCreds } from '@nats-io/jwt';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  CONTRACT_VERSION,
  create,
  credentialsSubject,
  CredentialsRequestSchema,
  CredentialsResponseSchema,
  decodeMessage,
  rotateSubject,
  toBinary,
} from '@gitfleet/proto';
import type { Logger } from 'pino';
import type { ConnectionMonitor } from '../nats/connection.js';
import type { CredentialsStore } from './store.js';

/** The creds the NATS connection authenticates with; replaced on rotation. Secret. */
export interface CredentialsHolder {
  current: Uint8Array;
}

/** Time the hub has to answer a credentials request, and the reconnect has to finish, ms. */
const STEP_TIMEOUT_MS = 15_000;

/** Rotates the agent's NATS credentials (see module comment). */
export class CredentialsRotator {
  private sub: Subscription | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly monitor: ConnectionMonitor,
    private readonly cluster: string,
    private readonly holder: CredentialsHolder,
    private readonly store: CredentialsStore,
    private readonly log: Logger,
  ) {}

  /** Answers the hub's RotateCredentials on `fleet.agent.<cluster>.rotate` (acknowledge, then rotate). */
  start(): void {
    this.sub = this.nc.subscribe(rotateSubject(this.cluster), {
      callback: (err, msg) => {
        if (err) {
          this.log.warn({ err: { message: err.message } }, 'rotate subscription error');
          return;
        }
        msg.respond(new Uint8Array());
        void this.rotate().catch(() => undefined);
      },
    });
  }

  /** Unsubscribes. */
  stop(): void {
    this.sub?.unsubscribe();
  }

  /**
   * Rotates once (a call during a rotation joins it).
   * @throws Error naming the step that failed (the agent keeps its current, working creds).
   */
  rotate(): Promise<void> {
    this.running ??= this.doRotate().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async doRotate(): Promise<void> {
    const user = createUser();
    const userPublicKey = user.getPublicKey();
    this.log.info({ userPublicKey }, 'rotating NATS credentials');
    try {
      const userJwt = await this.request(userPublicKey, false);
      const creds = fmtCreds(userJwt, user);
      await this.store.save(creds);
      this.holder.current = creds;
      const reconnected = once(this.monitor, 'reconnect', { signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
      await this.nc.reconnect();
      await reconnected;
      await this.request(userPublicKey, true);
      this.log.info({ userPublicKey, store: this.store.location }, 'rotated NATS credentials; the old ones are revoked');
    } catch (err) {
      this.log.error({ reason: (err as Error).message }, 'credential rotation failed; keeping the current credentials');
      throw err;
    }
  }

  /**
   * One CredentialsRequest; returns the JWT (empty for a confirmation).
   * @throws Error with the hub's reason; ContractError when the answer cannot be read
   */
  private async request(userPublicKey: string, confirm: boolean): Promise<string> {
    const req = create(CredentialsRequestSchema, { contractVersion: CONTRACT_VERSION, cluster: this.cluster, userPublicKey, confirm });
    const msg = await this.nc.request(credentialsSubject(this.cluster), toBinary(CredentialsRequestSchema, req), { timeout: STEP_TIMEOUT_MS });
    const res = decodeMessage(CredentialsResponseSchema, msg.data, { subject: `credentials response on ${credentialsSubject(this.cluster)}` });
    if (res.error) throw new Error(`hub refused the ${confirm ? 'confirmation' : 'credentials request'}: ${res.error}`);
    if (!confirm && !res.userJwt) throw new Error('hub answered without a user JWT');
    return res.userJwt;
  }
}
