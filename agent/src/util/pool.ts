/**
 * Bounded concurrency, on p-limit (https://github.com/sindresorhus/p-limit): `mapLimit` for the
 * reconcile's parallel applies and reads, and `pLimit(1)` as the per-target exclusive section
 * (keeper.ts) and `pLimit(n)` as the reconciler's slots (FIFO in both).
 */
import pLimit from 'p-limit';

export { default as pLimit, type LimitFunction } from 'p-limit';

/**
 * Maps `items` with at most `limit` calls of `fn` in flight (a limit below 1 counts as 1);
 * results keep the input order. `fn` should not throw (a throw rejects the whole map; calls
 * already started or queued still run).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (items.length === 0) return [];
  return pLimit(Math.max(1, Math.min(limit, items.length))).map(items, fn);
}
