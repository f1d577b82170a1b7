/**
 * Is an object provably ours? Pure decisions that guard every delete the agent makes (issue #9,
 * "prune only what is provably ours"):
 *   - marks: the live object carries `app.kubernetes.io/managed-by=gitfleet` and
 *     `gitfleet.io/bundle-id=<bundleId>` (set on every apply by reconcile/prepare.ts placeObject);
 *   - uid: its `metadata.uid` is the one the inventory recorded when the agent applied it (the
 *     delete then carries DeleteOptions.preconditions.uid, so check and delete cannot race).
 * An object that fails either check is left alone and reported orphaned. Inventory entries
 * written before uids were recorded have none: they are never pruned (reported orphaned).
 */
import { BUNDLE_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../labels.js';
import { type KubeObject, type ObjectRef, refKey, refString } from '../kube/types.js';
import type { Inventory, InventoryEntry } from './document.js';

/** True when `live` carries the agent's ownership marks for `bundleId` (see module comment). */
export function hasOwnershipMarks(live: Pick<KubeObject, 'metadata'>, bundleId: string): boolean {
  const labels = live.metadata.labels ?? {};
  return labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && labels[BUNDLE_ID_LABEL] === bundleId;
}

/**
 * What prune may do with one inventory entry, given the live object read just before:
 *   gone     — nothing left to delete (counts as pruned);
 *   delete   — ours: delete it with preconditions.uid = `uid`;
 *   adopted  — another gitfleet bundle's marks: it was adopted by that bundle; leave it, drop it
 *              from this inventory, report nothing;
 *   orphan   — not provably ours (no marks, another uid, or no recorded uid): leave it, drop it
 *              from the owned list, report it orphaned with `reason`.
 */
export type PruneVerdict =
  | { action: 'gone' }
  | { action: 'delete'; uid: string }
  | { action: 'adopted'; owner: string }
  | { action: 'orphan'; reason: string };

/** Decides what prune does with `entry` (see PruneVerdict). Pure. */
export function pruneVerdict(bundleId: string, entry: InventoryEntry, live: Pick<KubeObject, 'metadata'> | null): PruneVerdict {
  if (live === null) return { action: 'gone' };
  const labels = live.metadata.labels ?? {};
  const owner = labels[BUNDLE_ID_LABEL];
  if (labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && owner !== undefined && owner !== bundleId) return { action: 'adopted', owner };
  const what = refString(entry);
  if (!hasOwnershipMarks(live, bundleId)) {
    return { action: 'orphan', reason: `${what} does not carry gitfleet's ownership marks for bundle ${bundleId} (${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}, ${BUNDLE_ID_LABEL}=${bundleId}); not pruned` };
  }
  if (entry.uid === undefined) {
    return { action: 'orphan', reason: `${what} has no uid in the inventory (recorded before uids were kept); not pruned` };
  }
  const uid = typeof live.metadata.uid === 'string' ? live.metadata.uid : '';
  if (uid !== entry.uid) {
    return { action: 'orphan', reason: `${what} has uid ${uid || '(none)'}, not the recorded ${entry.uid} (re-created by someone else); not pruned` };
  }
  return { action: 'delete', uid: entry.uid };
}

/**
 * The inventory after a cut-short run is resolved (crash safety): every `pending` ref that is not
 * owned yet and whose live object (from `live`, keyed by refKey; null: it does not exist) carries
 * the marks for this bundle becomes an owned entry with its live uid; the others are dropped.
 * A pending ref missing from `live` (could not be read) stays pending. Pure.
 */
export function resolvePending(inv: Inventory, live: ReadonlyMap<string, Pick<KubeObject, 'metadata'> | null>): Inventory {
  const pending = inv.pending ?? [];
  if (pending.length === 0) return inv;
  const owned = new Set(inv.objects.map(refKey));
  const objects: InventoryEntry[] = [...inv.objects];
  const still: ObjectRef[] = [];
  for (const ref of pending) {
    const key = refKey(ref);
    if (owned.has(key)) continue;
    if (!live.has(key)) {
      still.push(ref);
      continue;
    }
    const obj = live.get(key) ?? null;
    if (obj === null || !hasOwnershipMarks(obj, inv.bundleId)) continue;
    const uid = typeof obj.metadata.uid === 'string' ? obj.metadata.uid : undefined;
    objects.push({ ...ref, ...(uid ? { uid } : {}) });
    owned.add(key);
  }
  const { pending: _p, ...rest } = inv;
  return { ...rest, objects, ...(still.length > 0 ? { pending: still } : {}) };
}
