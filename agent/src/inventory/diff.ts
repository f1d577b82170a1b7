/**
 * Inventory set arithmetic. Pure (Flux kustomize-controller inventory / gitops-engine style).
 *
 * The inventory of a target is the set of objects the agent owns for it. After an apply:
 *   next  = applied objects ∪ (failed objects that were already in the previous inventory)
 *   stale = previous − next   (prune candidates)
 * An object whose new version failed to apply stays owned and is never pruned for that reason.
 */
import { type ObjectRef, refKey } from '../kube/types.js';

/** The outcome of applying one object, as far as the inventory cares. */
export interface AppliedRef {
  ref: ObjectRef;
  /** true when the apply succeeded (created, configured or unchanged) */
  ok: boolean;
  /**
   * false when the object's scope (namespaced or not) could not be resolved, so `ref.namespace`
   * is a guess: a failed object then keeps every previous entry with its group, kind and name.
   */
  scopeKnown?: boolean;
}

function looseKey(ref: ObjectRef): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${group}/${ref.kind}/${ref.name}`;
}

/**
 * The next inventory: every applied object, plus every previous entry that matches an object
 * that failed this time. Order: applied order first, then kept previous entries; no duplicates.
 */
export function nextInventory(applied: readonly AppliedRef[], previous: readonly ObjectRef[]): ObjectRef[] {
  const out = new Map<string, ObjectRef>();
  for (const a of applied) if (a.ok) out.set(refKey(a.ref), a.ref);
  const failedExact = new Set(applied.filter((a) => !a.ok && a.scopeKnown !== false).map((a) => refKey(a.ref)));
  const failedLoose = new Set(applied.filter((a) => !a.ok && a.scopeKnown === false).map((a) => looseKey(a.ref)));
  for (const p of previous) {
    const key = refKey(p);
    if (out.has(key)) continue;
    if (failedExact.has(key) || failedLoose.has(looseKey(p))) out.set(key, p);
  }
  return [...out.values()];
}

/** previous − next: objects to prune, in previous inventory order. Compared by refKey. */
export function staleObjects(previous: readonly ObjectRef[], next: readonly ObjectRef[]): ObjectRef[] {
  const keep = new Set(next.map(refKey));
  const seen = new Set<string>();
  return previous.filter((p) => {
    const key = refKey(p);
    if (keep.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
