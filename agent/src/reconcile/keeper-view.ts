/**
 * What the keeper holds per target between reconciles (its "view"), shared by the keeper's parts:
 * drift watching (drift-watch.ts), self-heal (self-heal.ts), health tracking (health-tracker.ts)
 * and report scheduling (report-scheduler.ts). Per object only what a report needs — health,
 * drift, resourceVersion — never whole live objects.
 */
import type { KubeObject, ObjectRef } from '../kube/types.js';
import type { LimitFunction } from '../util/pool.js';
import type { DriftItem, HealthValue, ObjectResult, ReconcileOutcome } from './result.js';

/** One inventory object of a target, as the keeper last saw it. */
export interface ObjState {
  ref: ObjectRef;
  /** refKey(ref) */
  key: string;
  /** the desired object as applied */
  desired: KubeObject;
  health: HealthValue;
  /** resourceVersion of the live object last evaluated ('' = unknown) */
  rv: string;
  drift: DriftItem | undefined;
  /** re-evaluation when a self-heal pause ends */
  recheck: NodeJS.Timeout | undefined;
}

/** Why an object is to be evaluated again. */
export interface Pending {
  /** the live object from a watch event; undefined → read it */
  live?: KubeObject;
}

/** The keeper's state of one target (bundle). */
export interface View {
  bundleId: string;
  /** the last reconcile's outcome, without its per-object payloads */
  base: ReconcileOutcome;
  /** the last apply's per-object results (actions), in apply order */
  resources: ObjectResult[];
  /** refKey → object */
  objects: Map<string, ObjState>;
  /** plan mode: what an apply would change / prune */
  plan: DriftItem[] | undefined;
  prunePlan: ObjectRef[];
  /** healed drift not yet reported (reported once) */
  healed: DriftItem[];
  /** objects waiting to be evaluated (refKey → why) */
  dirty: Map<string, Pending>;
  draining: boolean;
  /** the target's exclusive section: reconciles and the keeper's evaluations never overlap */
  lock: LimitFunction;
  /** the debounced report, when one is scheduled */
  timer: NodeJS.Timeout | undefined;
  /** signatures of the last report sent (report-scheduler.ts) */
  lastDriftSig: string | undefined;
  lastHealthSig: string | undefined;
}

/** The outcome a view starts from before its first reconcile. */
export function emptyOutcome(bundleId: string): ReconcileOutcome {
  return {
    bundleId, state: 'SYNCED', revision: '', digest: '', generation: 0n, resources: [], errors: [],
    timings: { fetchMs: 0, applyMs: 0, pruneMs: 0, totalMs: 0 },
  };
}
