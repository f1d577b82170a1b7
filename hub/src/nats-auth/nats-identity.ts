/**
 * Issues and revokes the NATS users of agents in operator (JWT) mode.
 *
 * - An agent user is a user JWT of the gitfleet account, signed by the account signing key
 *   (`issuer_account` = the account), with `agentPermissions(cluster)`.
 * - Revoking adds `revocations: {<user public key>: <unix seconds>}` to the account JWT: the
 *   server refuses every JWT of that user issued at or before that second, and disconnects its
 *   connections when it receives the updated account. The hub fetches the current account JWT
 *   from the server's full resolver (`$SYS.REQ.ACCOUNT.<account>.CLAIMS.LOOKUP`), re-signs it with
 *   the operator signing key and pushes it (`$SYS.REQ.CLAIMS.UPDATE`), over a system-account
 *   connection. Rule source: NATS docs "JWT authentication: revocations" and nats-server's
 *   `server/accounts.go` (`checkUserRevoked`, `updateAccountClaimsWithRefresh`).
 */
import { readFileSync } from 'node:fs';
import {
  createUser,
  decode,
  encodeAccount,
  encodeUser,
  fmtCreds,
  fromPublic,
  fromSeed,
  parseCreds,
  type Account,
  type KeyPair,
} from '@nats-io/jwt';
import { connect, credsAuthenticator, errors, type NatsConnection } from '@nats-io/transport-node';
import pRetry from 'p-retry';
import { agentPermissions } from './agent-permissions.js';
import type { NatsAuthConfig } from '../config/nats-auth-config.js';

/** A key that is not the kind of nkey asked for (e.g. an account key where a user key belongs). */
export class InvalidNkeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidNkeyError';
  }
}

/** The server did not accept, or did not answer, an account JWT lookup or update. */
export class AccountUpdateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AccountUpdateError';
  }
}

/** Keys and credentials NatsIdentity works with. */
export interface NatsIdentityKeys {
  /** public key (A…) of the gitfleet account */
  accountPublicKey: string;
  /** the account's signing key pair (seed `SA…`) */
  accountSigningKey: KeyPair;
  /** an operator signing key pair (seed `SO…`) listed in the operator JWT */
  operatorSigningKey: KeyPair;
  /** creds file content of a system-account user */
  systemCreds: Uint8Array;
}

/** Options of NatsIdentity. */
export interface NatsIdentityOptions {
  /** NATS servers for the system-account connection */
  servers: string[];
  /** timeout of each system request attempt, ms (default 2000; up to 3 attempts on timeouts) */
  requestTimeoutMs?: number;
}

/** An issued agent user with its freshly generated key (for when the hub creates the key). */
export interface AgentCredentials {
  /** the user's public key (U…) — what `revokeUsers` takes */
  userPublicKey: string;
  /** the user JWT */
  jwt: string;
  /** a NATS creds file (JWT + seed): secret */
  creds: Uint8Array;
}

/** Outcome of `revokeUsers`. */
export interface RevocationResult {
  /** revocation time written, unix seconds: JWTs of these users issued at or before it are refused */
  revokedAt: number;
  /** false when every key was already revoked at or after that time (nothing pushed) */
  updated: boolean;
}

const USER_KEY = /^U[A-Z2-7]{55}$/;
const LOOKUP_ATTEMPTS = 3;
const SYSTEM_REQUEST_ATTEMPTS = 3;

/**
 * Checks that `key` is a user public nkey (`U…`, 56 characters, valid checksum).
 * @throws InvalidNkeyError otherwise.
 */
export function checkUserPublicKey(key: string): string {
  if (!USER_KEY.test(key)) throw new InvalidNkeyError(`not a NATS user public key (U…, 56 characters): "${key.slice(0, 60)}"`);
  try {
    fromPublic(key);
  } catch {
    throw new InvalidNkeyError(`NATS user public key "${key}" has a bad checksum`);
  }
  return key;
}

function seedPair(path: string, prefix: 'SA' | 'SO', what: string): KeyPair {
  const seed = readFileSync(path, 'utf8').trim();
  if (!seed.startsWith(prefix)) throw new InvalidNkeyError(`${path}: not ${what} seed (${prefix}…)`);
  try {
    return fromSeed(new TextEncoder().encode(seed));
  } catch (cause) {
    throw new InvalidNkeyError(`${path}: invalid ${what} seed (${(cause as Error).message})`);
  }
}

/** Issues agent users and revokes users (see module comment). */
export class NatsIdentity {
  private sys: Promise<NatsConnection> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly keys: NatsIdentityKeys,
    private readonly opts: NatsIdentityOptions,
  ) {
    if (!keys.accountPublicKey.startsWith('A')) throw new InvalidNkeyError(`not an account public key: ${keys.accountPublicKey}`);
    if (!keys.accountSigningKey.getPublicKey().startsWith('A')) throw new InvalidNkeyError('account signing key is not an account key');
    if (!keys.operatorSigningKey.getPublicKey().startsWith('O')) throw new InvalidNkeyError('operator signing key is not an operator key');
  }

  /**
   * Loads the keys from the files of `cfg`: the account is the `issuer_account` of the hub's
   * creds. Reads the files once; the system connection is opened at the first revocation.
   * @throws Error when a file cannot be read, InvalidNkeyError when a seed is of the wrong kind.
   */
  static async fromFiles(cfg: NatsAuthConfig, opts: NatsIdentityOptions): Promise<NatsIdentity> {
    const hub = await parseCreds(readFileSync(cfg.credsFile));
    const systemCreds = readFileSync(cfg.systemCredsFile);
    await parseCreds(systemCreds); // fails early on a malformed file
    return new NatsIdentity({
      accountPublicKey: hub.aid,
      accountSigningKey: seedPair(cfg.accountSigningKeyFile, 'SA', 'an account signing key'),
      operatorSigningKey: seedPair(cfg.operatorSigningKeyFile, 'SO', 'an operator signing key'),
      systemCreds,
    }, opts);
  }

  /** Public key (A…) of the account agent users belong to. */
  get accountPublicKey(): string {
    return this.keys.accountPublicKey;
  }

  /**
   * A user JWT for cluster `cluster`'s agent: name `agent/<cluster>`, tag `cluster:<cluster>`,
   * `agentPermissions(cluster)`, standard (non-websocket) connections only, no bearer use,
   * signed by the account signing key.
   * @param expiresAt optional expiry (the JWT's `exp`, whole seconds)
   * @throws InvalidNkeyError when `userPublicKey` is not a user public nkey; Error when `cluster`
   *   is not a DNS-1123 label.
   */
  async issueAgentUser(cluster: string, userPublicKey: string, expiresAt?: Date): Promise<string> {
    checkUserPublicKey(userPublicKey);
    const permissions = agentPermissions(cluster);
    return encodeUser(`agent/${cluster}`, userPublicKey, this.keys.accountPublicKey, {
      ...permissions,
      tags: [`cluster:${cluster}`],
      bearer_token: false,
      allowed_connection_types: ['STANDARD'],
    }, {
      signer: this.keys.accountSigningKey,
      ...(expiresAt ? { exp: Math.floor(expiresAt.getTime() / 1000) } : {}),
    });
  }

  /** Generates a user key and issues an agent user for it (see `issueAgentUser`); returns creds. */
  async issueAgentCreds(cluster: string, expiresAt?: Date): Promise<AgentCredentials> {
    const user = createUser();
    const jwt = await this.issueAgentUser(cluster, user.getPublicKey(), expiresAt);
    return { userPublicKey: user.getPublicKey(), jwt, creds: fmtCreds(jwt, user) };
  }

  /** The gitfleet account JWT the server holds now. @throws AccountUpdateError */
  async lookupAccountJwt(): Promise<string> {
    const subject = `$SYS.REQ.ACCOUNT.${this.keys.accountPublicKey}.CLAIMS.LOOKUP`;
    const text = (await this.systemRequest(subject, undefined, 'account JWT lookup')).trim();
    if (!text.startsWith('ey')) throw new AccountUpdateError(`account JWT lookup ${subject} answered "${text.slice(0, 200)}"`);
    return text;
  }

  /**
   * Revokes users: every JWT of these user keys issued at or before `at` (whole seconds) is
   * refused from now on, and their connections are closed by the server. New JWTs for the same
   * key issued after `at` are valid again (a re-issue in the same second is refused too).
   * Serialized per instance; after pushing, reads the account back and repeats (up to 3 times)
   * when another writer's update replaced ours.
   * @throws InvalidNkeyError for a key that is not a user public key; AccountUpdateError when the
   *   server does not answer or refuses the update.
   */
  revokeUsers(userPublicKeys: string[], at: Date = new Date()): Promise<RevocationResult> {
    try {
      for (const k of userPublicKeys) checkUserPublicKey(k);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const revokedAt = Math.floor(at.getTime() / 1000);
    const run = this.queue.then(() => this.revokeNow(userPublicKeys, revokedAt));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Closes the system-account connection (if open). */
  async close(): Promise<void> {
    const sys = this.sys;
    this.sys = undefined;
    if (sys) await (await sys.catch(() => undefined))?.drain().catch(() => undefined);
  }

  private get timeout(): number {
    return this.opts.requestTimeoutMs ?? 2000;
  }

  private system(): Promise<NatsConnection> {
    this.sys ??= connect({
      servers: this.opts.servers,
      authenticator: credsAuthenticator(this.keys.systemCreds),
      name: 'gitfleet-hub-system',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    }).catch((err: unknown) => {
      this.sys = undefined;
      throw new AccountUpdateError(`system-account connection to ${this.opts.servers.join(',')} failed: ${(err as Error).message}`, { cause: err });
    });
    return this.sys;
  }

  private async revokeNow(keys: string[], revokedAt: number): Promise<RevocationResult> {
    let updated = false;
    for (let attempt = 1; ; attempt++) {
      const current = decode<Account>(await this.lookupAccountJwt());
      if (current.sub !== this.keys.accountPublicKey) throw new AccountUpdateError(`lookup returned account ${current.sub}, want ${this.keys.accountPublicKey}`);
      const revocations = { ...(current.nats.revocations ?? {}) };
      const missing = keys.filter((k) => (revocations[k] ?? -1) < revokedAt);
      if (missing.length === 0) return { revokedAt, updated };
      if (attempt > LOOKUP_ATTEMPTS) throw new AccountUpdateError(`revocation of ${missing.join(', ')} did not stick after ${LOOKUP_ATTEMPTS} updates (concurrent account updates?)`);
      for (const k of missing) revocations[k] = revokedAt;
      const { type: _type, version: _version, ...claims } = current.nats;
      const jwt = await encodeAccount(current.name, this.keys.accountPublicKey, { ...claims, revocations }, {
        signer: this.keys.operatorSigningKey,
        ...(current.exp ? { exp: current.exp } : {}),
        ...(current.nbf ? { nbf: current.nbf } : {}),
      });
      await this.pushAccountJwt(jwt);
      updated = true;
    }
  }

  private async pushAccountJwt(jwt: string): Promise<void> {
    const text = await this.systemRequest('$SYS.REQ.CLAIMS.UPDATE', jwt, 'account JWT update');
    let reply: { error?: { description?: string; code?: number } };
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      throw new AccountUpdateError(`account JWT update: unreadable reply "${text.slice(0, 200)}"`);
    }
    if (reply.error) throw new AccountUpdateError(`server refused the account JWT update: ${reply.error.description ?? JSON.stringify(reply.error)}`);
  }

  /**
   * A request over the system connection, tried up to SYSTEM_REQUEST_ATTEMPTS times (p-retry,
   * 250 ms apart) on a timeout or no-responders: a request sent while the connection is
   * re-established after a server restart can go unanswered (seen with nats-server 2.15.2). Both
   * requests used are idempotent.
   * @throws AccountUpdateError naming `what` and `subject`, the last error as its cause
   */
  private async systemRequest(subject: string, data: string | undefined, what: string): Promise<string> {
    const nc = await this.system();
    try {
      return await pRetry(async () => (await nc.request(subject, data, { timeout: this.timeout })).string(), {
        retries: SYSTEM_REQUEST_ATTEMPTS - 1,
        minTimeout: 250,
        factor: 1,
        randomize: false,
        shouldRetry: ({ error }) => error instanceof errors.TimeoutError || error instanceof errors.NoRespondersError,
      });
    } catch (cause) {
      throw new AccountUpdateError(`${what} (${subject}) failed: ${(cause as Error).message}`, { cause });
    }
  }
}
