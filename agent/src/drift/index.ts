/**
 * Drift: the pure parts of keeping a cluster true to Git — field comparison (desired ⊆ live),
 * managedFields owner lookup, ignore rules, the self-heal conflict tracker — and the watcher that
 * feeds them live objects.
 */
export * from './compare.js';
export * from './conflict.js';
export * from './drift.js';
export * from './ignore.js';
export * from './managed-fields.js';
export * from './pointer.js';
