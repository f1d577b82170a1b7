import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retries `check` until it returns without throwing, and returns its value.
 * @param timeoutMs how long to keep trying, milliseconds (default 60,000)
 * @param intervalMs pause between tries, milliseconds (default 200)
 * @throws the last error of `check`, prefixed with `what`, once the time is up.
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
