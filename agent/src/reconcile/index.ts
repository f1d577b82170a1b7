/**
 * Reconcile: the outer shell (per-target queue, coalescing, backoff, resync, status) around a
 * straight-line inner reconcile, plus the pure pieces it is made of (ordering, placement,
 * desired-state validation, results, backoff).
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
