/**
 * Reconcile: the outer shell (per-target queue, coalescing, backoff, resync, status;
 * reconciler.ts) around a straight-line inner reconcile (reconcile.ts, dry runs in plan.ts), the
 * keeper that holds targets true between reconciles (keeper.ts: drift-watch.ts, self-heal.ts,
 * health-tracker.ts, report-scheduler.ts), and the pure pieces they are made of (ordering,
 * placement, desired-state validation, signature check, results).
 */
export * from './desired.js';
export * from './keeper.js';
export * from './ordering.js';
export * from './plan.js';
export * from './prepare.js';
export * from './reconcile.js';
export * from './reconciler.js';
export * from './result.js';
export * from './signature.js';
