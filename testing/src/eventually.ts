import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries `check` until it returns without throwing, and returns its value (whatever it is,
 * `undefined` included): for checks written as assertions.
 * @param what what is awaited, for the error message
 * @param timeoutMs how long to keep trying, milliseconds (default 60,000)
 * @param intervalMs pause between tries, milliseconds (default 200)
 * @throws Error `timed out after <timeoutMs> ms waiting for <what>: <last error>` (cause: the
 *   last error of `check`) once the time is up.
 */
export async function eventually<T>(what: string, check: () => Promise<T> | T, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? last.message : String(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${reason}`, { cause: last });
    }
    await sleep(intervalMs);
  }
}

/**
 * Polls `fn` until it returns a truthy value, and returns that value; a throw counts as "not yet".
 * For checks written as predicates or lookups (`find(...)`).
 * @param what what is awaited, for the error message
 * @param timeoutMs how long to keep polling, milliseconds (default 30,000)
 * @param intervalMs pause between polls, milliseconds (default 50)
 * @throws Error `timed out after <timeoutMs> ms waiting for <what>: <reason>` (cause: the last
 *   error of `fn`, if any) once the time is up.
 */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  return eventually(what, async () => {
    const value = await fn();
    if (!value) throw new Error(`still ${String(value)}`);
    return value;
  }, timeoutMs, intervalMs);
}
