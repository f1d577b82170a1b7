/**
 * Enrollment: the agent makes a NATS user nkey, sends its public key with the registration
 * token, cluster name and labels to the hub (`POST <hub>/api/v1/enroll`), and turns the user
 * JWT it gets back into a NATS creds file. The seed never leaves the agent.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { createUser, fmtCreds } from '@nats-io/jwt';
import type { Logger } from 'pino';
import { backoffDelay } from '../util/backoff.js';

/** What an enrollment needs. */
export interface EnrollmentRequest {
  /** the hub's base URL, e.g. `https://hub.example.com` */
  hubUrl: string;
  /** the registration token (secret: never logged) */
  token: string;
  cluster: string;
  labels: Record<string, string>;
}

/** What an enrollment returns. */
export interface Enrollment {
  /** the NATS creds file (user JWT + the new user seed); secret */
  creds: Uint8Array;
  /** the user's public key ("U…") */
  userPublicKey: string;
  /** the cluster's labels after enrollment (token labels applied) */
  labels: Record<string, string>;
}

/** The hub refused the enrollment (4xx other than 429): retrying cannot help. */
export class EnrollmentRefusedError extends Error {
  constructor(readonly status: number, message: string) {
    super(`enrollment refused by the hub (HTTP ${status}): ${message}`);
    this.name = 'EnrollmentRefusedError';
  }
}

/**
 * Enrolls once the hub answers: network errors, 429 and 5xx are retried with backoff (1 s up to
 * 30 s; a 429's Retry-After is honoured), until `signal` aborts.
 * @throws EnrollmentRefusedError for a refusal (unknown, expired or used-up token, bad input);
 *   Error when aborted.
 */
export async function enroll(req: EnrollmentRequest, log: Logger, signal?: AbortSignal): Promise<Enrollment> {
  const user = createUser();
  const userPublicKey = user.getPublicKey();
  const url = new URL('api/v1/enroll', req.hubUrl.endsWith('/') ? req.hubUrl : `${req.hubUrl}/`).toString();
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    let delay = backoffDelay(attempt, { baseMs: 1000, maxMs: 30_000 });
    try {
      const res = await postJson(url, { token: req.token, cluster: req.cluster, labels: req.labels, userPublicKey }, signal);
      const body = res.body as { userJwt?: unknown; labels?: unknown; message?: unknown };
      if (res.status >= 200 && res.status < 300) {
        if (typeof body.userJwt !== 'string' || body.userJwt === '') throw new EnrollmentRefusedError(res.status, 'the answer holds no userJwt');
        return {
          creds: fmtCreds(body.userJwt, user),
          userPublicKey,
          labels: (body.labels ?? {}) as Record<string, string>,
        };
      }
      const message = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? `HTTP ${res.status}`);
      if (res.status !== 429 && res.status < 500) throw new EnrollmentRefusedError(res.status, message);
      const retryAfter = Number(res.retryAfter);
      if (res.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0) delay = Math.max(delay, retryAfter * 1000);
      log.warn({ status: res.status, reason: message, retryInMs: delay, hub: req.hubUrl }, 'enrollment failed; retrying');
    } catch (err) {
      if (err instanceof EnrollmentRefusedError || signal?.aborted) throw err;
      log.warn({ reason: (err as Error).message, retryInMs: delay, hub: req.hubUrl }, 'cannot reach the hub to enroll; retrying');
    }
    await sleep(delay, undefined, signal ? { signal } : undefined);
  }
}

/** Time one enrollment request may take, ms. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * POSTs `body` as JSON with node:http(s) (the agent runs with --lite-mode, which has no
 * WebAssembly, so undici's fetch cannot parse HTTP there) and reads a JSON answer ({} when the
 * answer is not JSON). @throws Error on network errors and the timeout
 */
function postJson(url: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; body: unknown; retryAfter: string | undefined }> {
  const data = Buffer.from(JSON.stringify(body));
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': data.length, accept: 'application/json' },
      timeout: REQUEST_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        let parsed: unknown = {};
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // not JSON: the status says enough
        }
        const retryAfter = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, body: parsed, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}
