/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): the delay doubles per attempt up to a cap, and the upper half is randomised so many
 * agents hit by the same outage do not retry in lockstep. Pure (the random source is a parameter).
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
