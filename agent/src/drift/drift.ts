/**
 * Drift of one object: which fields Git owns differ on the live object, who wrote them, and
 * which of them a server-side dry run confirms. Pure (the dry-run result is an input).
 *
 * Steps (cheap path first):
 *   1. `candidateDrift`: desired ⊆ live (compare.subsetDiff) on the desired object as applied;
 *      drop ignored pointers; name each field's writer from live managedFields and drop fields
 *      owned by an ignored manager. No differences → no drift, no apiserver call.
 *   2. `confirmDrift`: for the candidates, the apiserver's dry-run apply result (what live would
 *      be after an apply) decides: where it agrees with live the difference was only a
 *      normalisation (quantities "0.5" vs "500m", int vs string) and is not drift.
 */
import { dequal } from 'dequal';
import { type LeafDiff, subsetDiff } from './compare.js';
import type { ObjectIgnores } from './ignore.js';
import { pathIgnored } from './ignore.js';
import { fieldOwners, ownersOf, writerOf } from './managed-fields.js';
import { valueAt } from './pointer.js';

/** A differing field with the manager that wrote the live value ('' when unknown). */
export interface FieldDrift extends LeafDiff {
  manager: string;
}

/** The candidate drift of one object. */
export interface Candidates {
  /** the object does not exist */
  missing: boolean;
  /** differing fields Git owns, not ignored */
  diffs: FieldDrift[];
  /** differing fields left out because an ignored manager owns them (not to be healed either) */
  ignoredByManager: string[];
  /** differing fields left out by an ignore pointer (not to be healed either) */
  ignoredByPointer: string[];
}

type Json = Record<string, unknown>;

/**
 * Step 1 (see module comment). `self` is the agent's field manager: a field only the agent owns
 * names the agent as writer (e.g. a field it set and someone removed).
 */
export function candidateDrift(desired: Json, live: Json | null | undefined, ignores: ObjectIgnores, self: string): Candidates {
  if (!live) return { missing: true, diffs: [], ignoredByManager: [], ignoredByPointer: [] };
  const all = subsetDiff(desired, live);
  const leafs = all.filter((d) => !pathIgnored(ignores.pointers, d.path));
  const ignoredByPointer = all.filter((d) => pathIgnored(ignores.pointers, d.path)).map((d) => d.path);
  if (leafs.length === 0) return { missing: false, diffs: [], ignoredByManager: [], ignoredByPointer };
  const owners = fieldOwners(live);
  const diffs: FieldDrift[] = [];
  const ignoredByManager: string[] = [];
  for (const d of leafs) {
    if (ownersOf(owners, d.path).some((m) => ignores.managers.has(m))) ignoredByManager.push(d.path);
    else diffs.push({ ...d, manager: writerOf(owners, d.path, self) });
  }
  return { missing: false, diffs, ignoredByManager, ignoredByPointer };
}

/**
 * Step 2: keeps the candidates where the dry-run result (live after a would-be apply) differs
 * from live. `desired` stays the Git value for the report.
 */
export function confirmDrift(candidates: readonly FieldDrift[], dryRun: Json, live: Json): FieldDrift[] {
  return candidates.filter((d) => !dequal(valueAt(dryRun, d.path), valueAt(live, d.path)));
}

/** JSON text of a value for a FieldDiff ('' when absent). */
export function jsonText(v: unknown): string {
  return v === undefined ? '' : JSON.stringify(v);
}
