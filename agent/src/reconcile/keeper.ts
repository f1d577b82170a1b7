/**
 * The keeper: keeps applied targets true to Git between reconciles, and writes every report.
 * This file is the facade and the per-target bookkeeping; its parts are drift watching
 * (drift-watch.ts), self-heal (self-heal.ts), health tracking (health-tracker.ts) and report
 * scheduling (report-scheduler.ts), over the per-target view (keeper-view.ts).
 *
 * After each reconcile the reconciler hands the outcome over (`afterReconcile`, inside the
 * target's exclusive section). The keeper then holds, per target, the desired objects as applied
 * and, per object, only what a report needs: health, drift, resourceVersion — never whole live
 * objects. It asks the shared live watches (kube/watch.ts) for every (apiVersion, kind,
 * namespace) its targets own. On a watch event for an inventory object it re-evaluates that
 * object, under the same per-target exclusive section as reconciles (so a heal never races an
 * apply):
 *   1. health: objectHealth(live); a workload that is not Healthy gets its pods' causes;
 *   2. drift: cheap desired ⊆ live check, confirmed by a server-side dry run (drift/);
 *   3. self-heal (automated and selfHeal): re-apply the object (server-side apply, force; the
 *      body every apply sends: fields the ignore rules leave to others are left out, apply-body.ts)
 *      unless the conflict tracker says another manager keeps writing it back — then the fight is
 *      reported and healing pauses (drift/conflict.ts).
 * A change of any object's health or drift schedules a report for its target, debounced
 * (200 ms); a state identical to the last one sent is not sent again. Reconcile outcomes are
 * reported at once (triggers update, resync, sync-request, delete).
 */
import { HealthStatus } from '@gitfleet/proto';
import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.js';
import { errorMessage } from '../kube/errors.js';
import { type KubeObject, type ObjectRef, refKey, refString } from '../kube/types.js';
import type { LiveEvent } from '../kube/watch.js';
import type { StatusSink } from '../nats/status-publisher.js';
import { pLimit } from '../util/pool.js';
import { changedByList, detectDrift, type WatchControl, watchedKeys } from './drift-watch.js';
import { HealthTracker } from './health-tracker.js';
import { emptyOutcome, type ObjState, type Pending, type View } from './keeper-view.js';
import { ReportScheduler } from './report-scheduler.js';
import type { ObjectResult, ReconcileOutcome } from './result.js';
import { healsDrift, SelfHealer } from './self-heal.js';

export { workloadSelectorQuery } from './health-tracker.js';
export { type WatchControl, watchKeyOf } from './drift-watch.js';

/** Options of the keeper. */
export interface KeeperOptions {
  cluster: string;
  agentVersion: string;
  /** --ignore-managers */
  ignoreManagers: readonly string[];
  /** report debounce per target, ms (200) */
  debounceMs?: number;
}

/** Keeps targets true to Git between reconciles (see module comment). */
export class Keeper {
  private readonly views = new Map<string, View>();
  /** refKey → bundle id of the target that owns the object */
  private readonly index = new Map<string, string>();
  private readonly health: HealthTracker;
  private readonly healer: SelfHealer;
  private readonly reports: ReportScheduler;
  private stopped = false;
  private watch: WatchControl | undefined;

  constructor(
    private readonly kube: KubeClient,
    status: StatusSink,
    private readonly opts: KeeperOptions,
    private readonly log: Logger,
  ) {
    this.health = new HealthTracker(kube, log);
    this.healer = new SelfHealer({ kube, ignoreManagers: opts.ignoreManagers, health: this.health, log, recheck: (v, st) => this.mark(v, st, {}) });
    this.reports = new ReportScheduler(status, opts);
  }

  /** Connects the live watches (after construction: the watcher calls back into the keeper). */
  attach(watch: WatchControl): void {
    this.watch = watch;
    this.updateWatches();
  }

  /** Stops timers (pending debounced reports are dropped; the next resync re-reports). */
  stop(): void {
    this.stopped = true;
    this.healer.stop();
    this.reports.stop();
    for (const v of this.views.values()) this.clearTimers(v);
  }

  /** Number of objects under watch (inventory objects of every target). */
  get objectCount(): number {
    return this.index.size;
  }

  /**
   * Runs `fn` with the target's exclusive section held: reconciles and the keeper's own
   * evaluations (and heals) of one target never overlap.
   */
  async exclusive<T>(bundleId: string, fn: () => Promise<T>): Promise<T> {
    const v = this.view(bundleId);
    try {
      return await v.lock(fn);
    } finally {
      if (v.dirty.size > 0) void this.drain(v);
    }
  }

  /**
   * Takes a reconcile outcome: updates the target's view (objects, health from the apply's
   * live objects, watches) and reports it at once — except an observed replay, which reports
   * only when the watches later find drift. Call inside `exclusive`.
   */
  async afterReconcile(o: ReconcileOutcome): Promise<void> {
    const v = this.view(o.bundleId);
    const resources = o.resources;
    if (o.errorClass === 'terminal' && o.verified !== true && v.objects.size > 0) {
      // a refused desired state (nothing of it applied): report the refusal, and keep the
      // objects of the last good state true to it (its policy and ignore rules) until a good
      // one comes (the reconciler's resync re-applies the last verified desired state)
      v.base = { ...o, resources: [], policy: v.base.policy, ignore: v.base.ignore, syncRequest: v.base.syncRequest, orphaned: v.base.orphaned };
      this.reports.send(v, o.trigger ?? 'update', resources);
      return;
    }
    // an observed state is one the inventory shows applied (and synced): later drift/health
    // reports carry SYNCED, never SKIPPED (which has no report: a heal right after a restart
    // used to crash the agent here)
    v.base = { ...o, resources: [], ...(o.mode === 'observe' && o.state === 'SKIPPED' ? { state: 'SYNCED' as const } : {}) };

    if (o.mode === 'delete') {
      if (o.state !== 'SKIPPED') this.reports.send(v, 'delete', o.resources);
      if (o.state === 'DELETED' || o.state === 'SKIPPED') this.forget(v);
      return;
    }
    if (o.mode === 'plan') {
      v.plan = o.drift ?? [];
      v.prunePlan = o.prunePlan ?? [];
      this.reports.send(v, o.trigger ?? 'update');
      return;
    }
    if (o.mode === 'apply' || o.mode === 'observe') {
      v.plan = undefined;
      v.prunePlan = [];
      await this.adopt(v, resources, o.mode === 'apply' && o.policy?.selfHeal === true);
    }
    for (const r of resources) {
      delete r.desired;
      delete r.live;
    }
    if (o.mode !== 'observe' || v.resources.length === 0) v.resources = resources;
    // an observed replay reports only what the watches find; an observed resync re-reads every
    // object (drift without self-heal) and reports
    if (o.mode === 'observe') {
      if (o.trigger !== 'resync') return;
      for (const key of v.objects.keys()) v.dirty.set(key, {});
    }
    this.reports.send(v, o.trigger ?? 'update');
  }

  /** Handles one live event from the shared watches. */
  onLiveEvent(e: LiveEvent): void {
    if (this.stopped) return;
    if (e.type === 'SYNC') {
      for (const [v, st] of changedByList(this.views.values(), e)) this.mark(v, st, {});
      return;
    }
    const ref: ObjectRef = { apiVersion: e.key.apiVersion, kind: e.key.kind, namespace: e.obj.metadata.namespace ?? '', name: e.obj.metadata.name };
    const key = refKey(ref);
    const bundleId = this.index.get(key);
    const v = bundleId === undefined ? undefined : this.views.get(bundleId);
    const st = v?.objects.get(key);
    if (!v || !st) return;
    if (e.type !== 'DELETED' && e.obj.metadata.resourceVersion === st.rv) return;
    // a DELETED may also be a label removed or a re-create: read it back
    this.mark(v, st, e.type === 'DELETED' ? {} : { live: e.obj });
  }

  private view(bundleId: string): View {
    let v = this.views.get(bundleId);
    if (!v) {
      v = {
        bundleId, base: emptyOutcome(bundleId), resources: [], objects: new Map(), plan: undefined, prunePlan: [], healed: [],
        dirty: new Map(), draining: false, lock: pLimit(1), timer: undefined, lastDriftSig: undefined, lastHealthSig: undefined,
      };
      this.views.set(bundleId, v);
    }
    return v;
  }

  /** Replaces the target's objects by the reconcile's: desired as applied, health from live. */
  private async adopt(v: View, resources: ObjectResult[], freshApply: boolean): Promise<void> {
    const next = new Map<string, ObjState>();
    await Promise.all(resources.map(async (r) => {
      if (!r.owned || !r.desired || r.action === 'pruned') return;
      const key = refKey(r.ref);
      const old = v.objects.get(key);
      if (old) clearTimeout(old.recheck);
      const st: ObjState = {
        ref: r.ref, key, desired: r.desired, rv: r.live?.metadata.resourceVersion ?? '',
        health: r.live ? await this.health.healthOf(r.live) : (old?.health ?? { status: HealthStatus.UNKNOWN, message: 'not read yet' }),
        // a fresh apply wrote every desired field; otherwise keep what is known until re-read
        drift: r.live ? undefined : old?.drift,
        recheck: undefined,
      };
      r.health = st.health;
      if (freshApply && old && old.desired !== r.desired) this.healer.reset(key);
      next.set(key, st);
    }));
    for (const [key, old] of v.objects) {
      if (!next.has(key)) {
        clearTimeout(old.recheck);
        if (this.index.get(key) === v.bundleId) this.index.delete(key);
      }
    }
    v.objects = next;
    for (const key of next.keys()) this.index.set(key, v.bundleId);
    // events seen during the reconcile may predate the apply: read those objects again
    for (const key of v.dirty.keys()) v.dirty.set(key, {});
    for (const [key, st] of next) if (!st.rv) v.dirty.set(key, {});
    this.updateWatches();
  }

  private forget(v: View): void {
    this.clearTimers(v);
    for (const key of v.objects.keys()) {
      if (this.index.get(key) === v.bundleId) this.index.delete(key);
      this.healer.reset(key);
    }
    this.views.delete(v.bundleId);
    this.updateWatches();
  }

  private clearTimers(v: View): void {
    this.reports.cancel(v);
    for (const st of v.objects.values()) clearTimeout(st.recheck);
  }

  private updateWatches(): void {
    if (!this.watch) return;
    this.watch.setWatched(watchedKeys(this.views.values()));
  }

  private mark(v: View, st: ObjState, p: Pending): void {
    v.dirty.set(st.key, p);
    void this.drain(v);
  }

  /** Evaluates dirty objects of a target until none is left (one drain per target at a time). */
  private async drain(v: View): Promise<void> {
    if (v.draining || this.stopped) return;
    v.draining = true;
    try {
      await v.lock(async () => {
        let changed = false;
        while (v.dirty.size > 0 && !this.stopped) {
          const batch = [...v.dirty];
          v.dirty.clear();
          for (const [key, p] of batch) {
            const st = v.objects.get(key);
            if (!st || this.views.get(v.bundleId) !== v) continue;
            try {
              const live = p.live ?? await this.kube.getObject(st.ref);
              if (await this.evaluate(v, st, live)) changed = true;
            } catch (err) {
              this.log.warn({ bundleId: v.bundleId, object: refString(st.ref), reason: errorMessage(err) }, 'cannot evaluate live object');
            }
          }
        }
        if (changed || v.healed.length > 0) this.reports.schedule(v);
      });
    } finally {
      v.draining = false;
      if (v.dirty.size > 0 && !this.stopped) void this.drain(v);
    }
  }

  /** Health, drift and heal of one object; true when its health or drift changed. */
  private async evaluate(v: View, st: ObjState, live: KubeObject | null): Promise<boolean> {
    const before = JSON.stringify([st.health, st.drift ?? null]);
    st.rv = live?.metadata.resourceVersion ?? '';
    st.health = await this.health.healthOf(live);
    const drift = await detectDrift({ kube: this.kube, ignoreManagers: this.opts.ignoreManagers, log: this.log }, v, st, live);
    st.drift = drift && healsDrift(v) ? await this.healer.heal(v, st, drift) : drift;
    return JSON.stringify([st.health, st.drift ?? null]) !== before;
  }
}
