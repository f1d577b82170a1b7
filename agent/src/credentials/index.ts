/**
 * The agent's NATS identity at start: the creds stored earlier (Secret or file), else a new
 * enrollment with the registration token (stored before use), else none (a NATS server without
 * authentication).
 */
import type { Logger } from 'pino';
import { errorMessage } from '../kube/errors.js';
import { retryUntilDone } from '../util/retry.js';
import { enroll } from './enroll.js';
import type { CredentialsStore } from './store.js';

export { CredentialsRotator, type CredentialsHolder } from './rotation.js';
export { FileCredentialsStore, SecretCredentialsStore, type CredentialsStore } from './store.js';
export { EnrollmentRefusedError } from './enroll.js';

/** What `resolveCredentials` needs. */
export interface CredentialsOptions {
  cluster: string;
  store: CredentialsStore;
  /** hub base URL and registration token; enrollment happens only when both are set */
  enrollment?: { hubUrl: string; token: string; labels: Record<string, string> };
}

/**
 * The creds to connect with, or undefined when there are none and no enrollment is configured.
 * Reading the store is retried (with backoff) until it answers: the apiserver may not be up yet.
 * Stored creds win over the token: an agent enrolls once, and a revoked agent does not enroll
 * itself again (an admin must delete its creds to re-enroll).
 * @throws EnrollmentRefusedError when the hub refuses the token; Error when `signal` aborts.
 */
export async function resolveCredentials(opts: CredentialsOptions, log: Logger, signal: AbortSignal): Promise<Uint8Array | undefined> {
  const stored = await retry(() => opts.store.load(), `read NATS credentials from ${opts.store.location}`, log, signal);
  if (stored) {
    log.info({ store: opts.store.location }, 'using stored NATS credentials');
    return stored;
  }
  if (!opts.enrollment) {
    log.warn({ store: opts.store.location }, 'no NATS credentials and no enrollment configured: connecting without a NATS user');
    return undefined;
  }
  log.info({ hub: opts.enrollment.hubUrl, labels: opts.enrollment.labels }, 'enrolling with the hub');
  const e = await enroll({ hubUrl: opts.enrollment.hubUrl, token: opts.enrollment.token, cluster: opts.cluster, labels: opts.enrollment.labels }, log, signal);
  await retry(() => opts.store.save(e.creds), `store NATS credentials in ${opts.store.location}`, log, signal);
  log.info({ userPublicKey: e.userPublicKey, labels: e.labels, store: opts.store.location }, 'enrolled; NATS credentials stored');
  return e.creds;
}

function retry<T>(fn: () => Promise<T>, what: string, log: Logger, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return retryUntilDone(fn, { signal, onRetry: (err, delay) => log.warn({ reason: errorMessage(err), retryInMs: delay }, `cannot ${what}; retrying`) });
}
