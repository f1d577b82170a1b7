/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): the delay doubles per attempt up to a cap, and the upper half is randomised so many
 * agents hit by the same outage do not retry in lockstep. Pure (the random source is a parameter).
 *
 * Kept beside p-retry (retry.ts) on purpose: it only computes a delay. Its callers are loops that
 * own their timers and are not "call until it resolves" — the reconcile queue (a transient
 * failure requeues the target, and a newer desired state or a stop must cut the wait short),
 * the live watches (a wake-up ends the wait early), the desired-state KV watch and enrollment
 * (which must stop at once on a refusal, not retry it). Plain retries use retry.ts.
 */

/** Backoff settings, milliseconds. */
export interface BackoffOptions {
  /** delay of attempt 0 before jitter */
  baseMs: number;
  /** cap of the delay before jitter */
  maxMs: number;
}

/** The default for transient reconcile failures: 1 s doubling up to 5 minutes. */
export const RECONCILE_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 300_000 };

/**
 * Delay before retry number `attempt` (0-based), in ms: with d = min(maxMs, baseMs·2^attempt),
 * a value in [d/2, d].
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = RECONCILE_BACKOFF, random: () => number = Math.random): number {
  const d = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(Math.max(attempt, 0), 40));
  return Math.round(d / 2 + random() * (d / 2));
}
