/**
 * Drift watching for the keeper: which live watches its targets need (one per apiVersion, kind
 * and namespace they own, kube/watch.ts), which objects a re-list shows changed, and whether one
 * live object drifted from its desired state — a cheap desired ⊆ live comparison (drift/),
 * confirmed by a server-side dry run so that values the apiserver normalises (quantities,
 * int-or-string) are not drift. Healing is self-heal.ts's.
 */
import type { Logger } from 'pino';
import { candidateDrift, confirmDrift } from '../drift/drift.js';
import { ignoresFor } from '../drift/ignore.js';
import { bodyFor } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { errorMessage } from '../kube/errors.js';
import { type KubeObject, type ObjectRef, refString } from '../kube/types.js';
import type { LiveEvent, WatchKey } from '../kube/watch.js';
import { watchKeyString } from '../kube/watch.js';
import { FIELD_MANAGER } from '../labels.js';
import type { ObjState, View } from './keeper-view.js';
import type { DriftItem } from './result.js';

/** Where the keeper asks for watches (kube/watch.ts LiveWatcher). */
export interface WatchControl {
  setWatched(keys: Iterable<WatchKey>): void;
}

/** The watch key of an object. */
export function watchKeyOf(ref: ObjectRef): WatchKey {
  return { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace };
}

/** The watch keys that cover every object of `views` (each once). */
export function watchedKeys(views: Iterable<View>): Iterable<WatchKey> {
  const keys = new Map<string, WatchKey>();
  for (const v of views) {
    for (const st of v.objects.values()) {
      const k = watchKeyOf(st.ref);
      keys.set(watchKeyString(k), k);
    }
  }
  return keys.values();
}

/**
 * The objects a (re-)list changed: those under the listed watch key that the list does not hold
 * or holds at another resourceVersion than last evaluated.
 */
export function changedByList(views: Iterable<View>, e: Extract<LiveEvent, { type: 'SYNC' }>): Array<[View, ObjState]> {
  const out: Array<[View, ObjState]> = [];
  const listed = new Map(e.items.map((i) => [`${i.namespace}/${i.name}`, i.resourceVersion]));
  const ks = watchKeyString(e.key);
  for (const v of views) {
    for (const st of v.objects.values()) {
      if (watchKeyString(watchKeyOf(st.ref)) !== ks) continue;
      const rv = listed.get(`${st.ref.namespace}/${st.ref.name}`);
      if (rv === undefined || rv !== st.rv) out.push([v, st]);
    }
  }
  return out;
}

/** What drift detection needs. */
export interface DriftDetectDeps {
  kube: KubeClient;
  /** --ignore-managers */
  ignoreManagers: readonly string[];
  log: Logger;
}

/**
 * The drift of one object (live null: it is missing), or undefined when live matches desired
 * under the target's ignore rules. The cheap comparison's diffs are confirmed by a server-side
 * dry run of the body every apply sends; when the dry run fails the cheap result stands. Never
 * throws for a failed dry run.
 */
export async function detectDrift(deps: DriftDetectDeps, v: View, st: ObjState, live: KubeObject | null): Promise<DriftItem | undefined> {
  const ign = ignoresFor(v.base.ignore ?? [], deps.ignoreManagers, st.ref);
  const c = candidateDrift(st.desired, live, ign, FIELD_MANAGER);
  let diffs = c.diffs;
  if (live && diffs.length > 0) {
    // confirm with a dry run: normalised values (quantities, int-or-string) are not drift
    try {
      const body = bodyFor(st.desired, live, { rules: v.base.ignore ?? [], managers: deps.ignoreManagers });
      const dry = await deps.kube.applyObject(body, { fieldManager: FIELD_MANAGER, force: true, dryRun: true });
      diffs = confirmDrift(diffs, dry, live);
    } catch (err) {
      deps.log.debug({ object: refString(st.ref), reason: errorMessage(err) }, 'drift dry run failed; keeping the cheap comparison');
    }
  }
  if (live && diffs.length === 0) return undefined;
  return { ref: st.ref, missing: !live, diffs, healed: false, conflictManager: '', conflictMessage: '' };
}
