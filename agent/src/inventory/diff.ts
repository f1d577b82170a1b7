/**
 * Inventory set arithmetic. Pure (Flux kustomize-controller inventory / gitops-engine style).
 *
 * The inventory of a target is the set of objects the agent owns for it. After an apply:
 *   next  = applied objects ∪ (failed objects that were already in the previous inventory)
 *   stale = previous − next   (prune candidates)
 * An object whose new version failed to apply stays owned and is never pruned for that reason.
 */
import { type ObjectRef, refKey } from '../kube/types.js';
import type { InventoryEntry } from './document.js';

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
  /** metadata.uid of the live object the apply returned (recorded: prune checks it) */
  uid?: string;
}

function looseKey(ref: ObjectRef): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${group}/${ref.kind}/${ref.name}`;
}

/**
 * The next inventory: every applied object (with the uid its apply returned, else the previous
 * entry's), plus every previous entry that matches an object that failed this time (with its
 * recorded uid). Order: applied order first, then kept previous entries; no duplicates.
 */
export function nextInventory(applied: readonly AppliedRef[], previous: readonly InventoryEntry[]): InventoryEntry[] {
  const out = new Map<string, InventoryEntry>();
  const prevUid = new Map(previous.map((p) => [refKey(p), p.uid]));
  for (const a of applied) {
    if (!a.ok) continue;
    const uid = a.uid ?? prevUid.get(refKey(a.ref));
    out.set(refKey(a.ref), { ...a.ref, ...(uid ? { uid } : {}) });
  }
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
export function staleObjects<T extends ObjectRef>(previous: readonly T[], next: readonly ObjectRef[]): T[] {
  const keep = new Set(next.map(refKey));
  const seen = new Set<string>();
  return previous.filter((p) => {
    const key = refKey(p);
    if (keep.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
