/**
 * Retry of a plain operation until it succeeds, on p-retry (https://github.com/sindresorhus/p-retry):
 * for start-up steps that only wait for a server to answer (read stored credentials, create the
 * agent namespace, read the Kubernetes version). Loops that re-arm their own timers (watches,
 * the reconcile queue) take their delays from backoff.ts instead.
 */
import pRetry from 'p-retry';

/** Options of `retryUntilDone`; times in milliseconds. */
export interface RetryOptions {
  /** stops retrying: the promise rejects with the signal's reason (an attempt in flight is not interrupted) */
  signal: AbortSignal;
  /** the first delay is in [baseMs/2, baseMs] (1000) */
  baseMs?: number;
  /** cap of a delay (30 000) */
  maxMs?: number;
  /** called after each failed attempt with its error and the delay before the next one */
  onRetry(err: unknown, delayMs: number): void;
}

/**
 * Calls `fn` until it resolves and returns its value. Delays double per attempt from baseMs/2
 * (randomised ×1..2, so many agents hit by the same outage do not retry in lockstep) up to maxMs.
 * Every error is retried: p-retry would give up at once on a TypeError that is not a network
 * error, so such an error is wrapped (kept as its cause) before p-retry sees it.
 * @throws the signal's abort reason when `signal` aborts (never anything else)
 */
export async function retryUntilDone<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const baseMs = opts.baseMs ?? 1000;
  const attempt = async (): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw err instanceof TypeError ? new Error(err.message, { cause: err }) : err;
    }
  };
  return pRetry(attempt, {
    retries: Infinity,
    factor: 2,
    minTimeout: baseMs / 2,
    maxTimeout: opts.maxMs ?? 30_000,
    randomize: true,
    signal: opts.signal,
    onFailedAttempt: ({ error, retryDelay }) => opts.onRetry(error, retryDelay),
  });
}
