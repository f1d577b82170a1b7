/**
 * Self-heal for the keeper: re-applies a drifted object (server-side apply, force; the body every
 * apply sends: fields the ignore rules leave to others are left out, drift/apply-body.ts) when
 * the target's sync policy is automated with selfHeal and it is not in plan mode — unless the
 * conflict tracker says another manager keeps writing it back; then the fight is reported and
 * healing pauses (drift/conflict.ts) until the pause ends and the object is evaluated again.
 */
import type { Logger } from 'pino';
import { ConflictTracker, type HealField } from '../drift/conflict.js';
import { jsonText } from '../drift/drift.js';
import { applyObject } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { refString } from '../kube/types.js';
import { FIELD_MANAGER } from '../labels.js';
import type { HealthTracker } from './health-tracker.js';
import type { ObjState, View } from './keeper-view.js';
import type { DriftItem } from './result.js';

/** How often expired conflict records are swept, ms. */
const CONFLICT_SWEEP_MS = 60_000;

/** What self-heal needs. */
export interface SelfHealDeps {
  kube: KubeClient;
  /** --ignore-managers */
  ignoreManagers: readonly string[];
  health: HealthTracker;
  log: Logger;
  /** evaluates the object again (called when a conflict pause ends) */
  recheck(v: View, st: ObjState): void;
}

/** True when the target's policy lets drift be healed (automated, selfHeal, not plan mode). */
export function healsDrift(v: View): boolean {
  const policy = v.base.policy;
  return policy?.automated === true && policy.selfHeal === true && v.plan === undefined;
}

/** Heals drift and tracks fights with other writers (see module comment). */
export class SelfHealer {
  private readonly conflicts = new ConflictTracker(undefined, FIELD_MANAGER);
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly deps: SelfHealDeps) {
    this.sweeper = setInterval(() => this.conflicts.sweep(Date.now()), CONFLICT_SWEEP_MS);
    this.sweeper.unref();
  }

  /** Stops the sweep timer. */
  stop(): void {
    clearInterval(this.sweeper);
  }

  /** Forgets the conflict record of an object (a new desired state, or it left the target). */
  reset(key: string): void {
    this.conflicts.reset(key);
  }

  /**
   * Heals `item` (the drift of `st`, from drift-watch.ts detectDrift): undefined when healed (the
   * healed item is queued on `v.healed`, `st` takes the written object's resourceVersion and
   * health); the item with the conflicting manager when healing is paused; the item unchanged
   * when the apply failed (logged; the next event or resync tries again). Never throws for a
   * failed apply.
   */
  async heal(v: View, st: ObjState, item: DriftItem): Promise<DriftItem | undefined> {
    const { log } = this.deps;
    // self-heal, unless another writer keeps putting its value back
    const now = Date.now();
    const fields: HealField[] = item.diffs.map((d) => ({ path: d.path, live: jsonText(d.live), manager: d.manager }));
    const conflict = this.conflicts.check(st.key, fields, now);
    if (conflict) {
      if (!st.recheck) {
        log.warn({ bundleId: v.bundleId, object: refString(st.ref), manager: conflict.manager, path: conflict.path, resumeInMs: conflict.until - now }, 'self-heal conflict: pausing');
        st.recheck = setTimeout(() => {
          st.recheck = undefined;
          if (v.objects.get(st.key) === st) this.deps.recheck(v, st);
        }, conflict.until - now + 50);
        st.recheck.unref();
      }
      return { ...item, conflictManager: conflict.manager, conflictMessage: conflict.message };
    }
    // the heal writes what every apply writes: ignored fields are left to their owners
    const res = await applyObject(this.deps.kube, st.desired, { ignore: { rules: v.base.ignore ?? [], managers: this.deps.ignoreManagers } });
    if (!res.ok) {
      log.warn({ bundleId: v.bundleId, object: refString(st.ref), reason: res.message }, 'self-heal failed');
      return item;
    }
    this.conflicts.recordHeal(st.key, fields, now);
    st.rv = res.live.metadata.resourceVersion ?? '';
    st.health = await this.deps.health.healthOf(res.live);
    v.healed.push({ ...item, healed: true });
    log.info({ bundleId: v.bundleId, object: refString(st.ref), missing: item.missing, paths: item.diffs.map((d) => d.path), managers: [...new Set(item.diffs.map((d) => d.manager))] }, 'drift healed');
    return undefined;
  }
}
