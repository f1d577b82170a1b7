/**
 * Drift: the pure parts of keeping a cluster true to Git — field comparison (desired ⊆ live),
 * managedFields owner lookup, ignore rules, the body every apply sends under those rules, the
 * client-side-apply takeover, the self-heal conflict tracker. The live watches that feed them
 * are kube/watch.ts; the keeper's drift watching and self-heal are reconcile/drift-watch.ts and
 * reconcile/self-heal.ts.
 */
export * from './apply-body.js';
export * from './compare.js';
export * from './csa-upgrade.js';
export * from './conflict.js';
export * from './drift.js';
export * from './ignore.js';
export * from './managed-fields.js';
export * from './pointer.js';
