/**
 * The keeper: keeps applied targets true to Git between reconciles, and writes every report.
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
 *      body every apply sends: fields the ignore rules leave to others are left out, apply-body.ts) unless the conflict tracker says another manager
 *      keeps writing it back — then the fight is reported and healing pauses (drift/conflict.ts).
 * A change of any object's health or drift schedules a report for its target, debounced
 * (200 ms); a state identical to the last one sent is not sent again. Reconcile outcomes are
 * reported at once (triggers update, resync, sync-request, delete).
 */
import { randomUUID } from 'node:crypto';
import { HealthStatus } from '@gitfleet/proto';
import type { Logger } from 'pino';
import { ConflictTracker, type HealField } from '../drift/conflict.js';
import { candidateDrift, confirmDrift, jsonText } from '../drift/drift.js';
import { ignoresFor } from '../drift/ignore.js';
import { objectHealth, rollUpHealth, withPodCauses, ownedPods } from '../health/index.js';
import { applyObject, bodyFor } from '../kube/apply.js';
import type { KubeClient } from '../kube/client.js';
import { errorMessage } from '../kube/errors.js';
import { type KubeObject, type ObjectRef, refKey, refString } from '../kube/types.js';
import type { LiveEvent, WatchKey } from '../kube/watch.js';
import { watchKeyString } from '../kube/watch.js';
import { FIELD_MANAGER } from '../labels.js';
import type { StatusSink } from '../nats/status-publisher.js';
import { Semaphore } from '../util/pool.js';
import {
  type DriftItem,
  type HealthValue,
  type ObjectResult,
  type ReconcileOutcome,
  type ReportTrigger,
  type SyncStatusValue,
  toStatusReport,
} from './result.js';

/** Kinds whose unhealthy state is explained by their pods. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/** Options of the keeper. */
export interface KeeperOptions {
  cluster: string;
  agentVersion: string;
  /** --ignore-managers */
  ignoreManagers: readonly string[];
  /** report debounce per target, ms (200) */
  debounceMs?: number;
}

/** Where the keeper asks for watches (kube/watch.ts LiveWatcher). */
export interface WatchControl {
  setWatched(keys: Iterable<WatchKey>): void;
}

interface ObjState {
  ref: ObjectRef;
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

interface Pending {
  /** the live object from a watch event; undefined → read it */
  live?: KubeObject;
}

interface View {
  bundleId: string;
  /** the last reconcile's outcome, without its per-object payloads */
  base: ReconcileOutcome;
  /** the last apply's per-object results (actions), in apply order */
  resources: ObjectResult[];
  objects: Map<string, ObjState>;
  /** plan mode: what an apply would change / prune */
  plan: DriftItem[] | undefined;
  prunePlan: ObjectRef[];
  /** healed drift not yet reported (reported once) */
  healed: DriftItem[];
  dirty: Map<string, Pending>;
  draining: boolean;
  lock: Semaphore;
  timer: NodeJS.Timeout | undefined;
  lastDriftSig: string | undefined;
  lastHealthSig: string | undefined;
}

const EMPTY_OUTCOME = (bundleId: string): ReconcileOutcome => ({
  bundleId, state: 'SYNCED', revision: '', digest: '', generation: 0n, resources: [], errors: [],
  timings: { fetchMs: 0, applyMs: 0, pruneMs: 0, totalMs: 0 },
});

/** The watch key of an object. */
export function watchKeyOf(ref: ObjectRef): WatchKey {
  return { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace };
}

/**
 * A label selector in its query form (`a=b,c in (d,e),!f`) from a LabelSelector object;
 * undefined when there is none (select nothing rather than everything).
 */
export function selectorString(selector: unknown): string | undefined {
  if (typeof selector !== 'object' || selector === null) return undefined;
  const s = selector as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** Keeps targets true to Git between reconciles (see module comment). */
export class Keeper {
  private readonly views = new Map<string, View>();
  /** refKey → bundle id of the target that owns the object */
  private readonly index = new Map<string, string>();
  private readonly conflicts = new ConflictTracker(undefined, FIELD_MANAGER);
  private readonly sweeper: NodeJS.Timeout;
  private stopped = false;
  private watch: WatchControl | undefined;

  constructor(
    private readonly kube: KubeClient,
    private readonly status: StatusSink,
    private readonly opts: KeeperOptions,
    private readonly log: Logger,
  ) {
    this.sweeper = setInterval(() => this.conflicts.sweep(Date.now()), 60_000);
    this.sweeper.unref();
  }

  /** Connects the live watches (after construction: the watcher calls back into the keeper). */
  attach(watch: WatchControl): void {
    this.watch = watch;
    this.updateWatches();
  }

  /** Stops timers (pending debounced reports are dropped; the next resync re-reports). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.sweeper);
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
    const release = await v.lock.acquire();
    try {
      return await fn();
    } finally {
      release();
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
      this.send(v, o.trigger ?? 'update', resources);
      return;
    }
    // an observed state is one the inventory shows applied (and synced): later drift/health
    // reports carry SYNCED, never SKIPPED (which has no report: a heal right after a restart
    // used to crash the agent here)
    v.base = { ...o, resources: [], ...(o.mode === 'observe' && o.state === 'SKIPPED' ? { state: 'SYNCED' as const } : {}) };

    if (o.mode === 'delete') {
      if (o.state !== 'SKIPPED') this.send(v, 'delete', o.resources);
      if (o.state === 'DELETED' || o.state === 'SKIPPED') this.forget(v);
      return;
    }
    if (o.mode === 'plan') {
      v.plan = o.drift ?? [];
      v.prunePlan = o.prunePlan ?? [];
      this.send(v, o.trigger ?? 'update');
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
    this.send(v, o.trigger ?? 'update');
  }

  /** Handles one live event from the shared watches. */
  onLiveEvent(e: LiveEvent): void {
    if (this.stopped) return;
    if (e.type === 'SYNC') {
      const listed = new Map(e.items.map((i) => [`${i.namespace}/${i.name}`, i.resourceVersion]));
      const ks = watchKeyString(e.key);
      for (const v of this.views.values()) {
        for (const st of v.objects.values()) {
          if (watchKeyString(watchKeyOf(st.ref)) !== ks) continue;
          const rv = listed.get(`${st.ref.namespace}/${st.ref.name}`);
          if (rv === undefined || rv !== st.rv) this.mark(v, st, {});
        }
      }
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
        bundleId, base: EMPTY_OUTCOME(bundleId), resources: [], objects: new Map(), plan: undefined, prunePlan: [], healed: [],
        dirty: new Map(), draining: false, lock: new Semaphore(1), timer: undefined, lastDriftSig: undefined, lastHealthSig: undefined,
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
        health: r.live ? await this.healthOf(r.live) : (old?.health ?? { status: HealthStatus.UNKNOWN, message: 'not read yet' }),
        // a fresh apply wrote every desired field; otherwise keep what is known until re-read
        drift: r.live ? undefined : old?.drift,
        recheck: undefined,
      };
      r.health = st.health;
      if (freshApply && old && old.desired !== r.desired) this.conflicts.reset(key);
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
      this.conflicts.reset(key);
    }
    this.views.delete(v.bundleId);
    this.updateWatches();
  }

  private clearTimers(v: View): void {
    clearTimeout(v.timer);
    v.timer = undefined;
    for (const st of v.objects.values()) clearTimeout(st.recheck);
  }

  private updateWatches(): void {
    if (!this.watch) return;
    const keys = new Map<string, WatchKey>();
    for (const v of this.views.values()) {
      for (const st of v.objects.values()) {
        const k = watchKeyOf(st.ref);
        keys.set(watchKeyString(k), k);
      }
    }
    this.watch.setWatched(keys.values());
  }

  private mark(v: View, st: ObjState, p: Pending): void {
    v.dirty.set(st.key, p);
    void this.drain(v);
  }

  /** Evaluates dirty objects of a target until none is left (one drain per target at a time). */
  private async drain(v: View): Promise<void> {
    if (v.draining || this.stopped) return;
    v.draining = true;
    let release: (() => void) | undefined;
    try {
      release = await v.lock.acquire();
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
      if (changed || v.healed.length > 0) this.scheduleReport(v);
    } finally {
      release?.();
      v.draining = false;
      if (v.dirty.size > 0 && !this.stopped) void this.drain(v);
    }
  }

  /** Health, drift and heal of one object; true when its health or drift changed. */
  private async evaluate(v: View, st: ObjState, live: KubeObject | null): Promise<boolean> {
    const before = JSON.stringify([st.health, st.drift ?? null]);
    st.rv = live?.metadata.resourceVersion ?? '';
    st.health = await this.healthOf(live);
    st.drift = await this.detect(v, st, live);
    return JSON.stringify([st.health, st.drift ?? null]) !== before;
  }

  private async detect(v: View, st: ObjState, live: KubeObject | null): Promise<DriftItem | undefined> {
    const ign = ignoresFor(v.base.ignore ?? [], this.opts.ignoreManagers, st.ref);
    const c = candidateDrift(st.desired, live, ign, FIELD_MANAGER);
    let diffs = c.diffs;
    if (live && diffs.length > 0) {
      // confirm with a dry run: normalised values (quantities, int-or-string) are not drift
      try {
        const body = bodyFor(st.desired, live, { rules: v.base.ignore ?? [], managers: this.opts.ignoreManagers });
        const dry = await this.kube.applyObject(body, { fieldManager: FIELD_MANAGER, force: true, dryRun: true });
        diffs = confirmDrift(diffs, dry, live);
      } catch (err) {
        this.log.debug({ object: refString(st.ref), reason: errorMessage(err) }, 'drift dry run failed; keeping the cheap comparison');
      }
    }
    if (live && diffs.length === 0) return undefined;
    const item: DriftItem = { ref: st.ref, missing: !live, diffs, healed: false, conflictManager: '', conflictMessage: '' };
    const policy = v.base.policy;
    if (!policy?.automated || !policy.selfHeal || v.plan !== undefined) return item;

    // self-heal, unless another writer keeps putting its value back
    const now = Date.now();
    const fields: HealField[] = diffs.map((d) => ({ path: d.path, live: jsonText(d.live), manager: d.manager }));
    const conflict = this.conflicts.check(st.key, fields, now);
    if (conflict) {
      if (!st.recheck) {
        this.log.warn({ bundleId: v.bundleId, object: refString(st.ref), manager: conflict.manager, path: conflict.path, resumeInMs: conflict.until - now }, 'self-heal conflict: pausing');
        st.recheck = setTimeout(() => {
          st.recheck = undefined;
          if (v.objects.get(st.key) === st) this.mark(v, st, {});
        }, conflict.until - now + 50);
        st.recheck.unref();
      }
      return { ...item, conflictManager: conflict.manager, conflictMessage: conflict.message };
    }
    // the heal writes what every apply writes: ignored fields are left to their owners
    const res = await applyObject(this.kube, st.desired, { ignore: { rules: v.base.ignore ?? [], managers: this.opts.ignoreManagers } });
    if (!res.ok) {
      this.log.warn({ bundleId: v.bundleId, object: refString(st.ref), reason: res.message }, 'self-heal failed');
      return item;
    }
    this.conflicts.recordHeal(st.key, fields, now);
    st.rv = res.live.metadata.resourceVersion ?? '';
    st.health = await this.healthOf(res.live);
    v.healed.push({ ...item, healed: true });
    this.log.info({ bundleId: v.bundleId, object: refString(st.ref), missing: item.missing, paths: diffs.map((d) => d.path), managers: [...new Set(diffs.map((d) => d.manager))] }, 'drift healed');
    return undefined;
  }

  /** Health of a live object; workloads that are not Healthy get their pods' causes. */
  private async healthOf(live: KubeObject | null): Promise<HealthValue> {
    if (!live) return objectHealth(undefined);
    const h = objectHealth(live);
    if (!WORKLOADS.has(live.kind) || h.status === HealthStatus.HEALTHY) return h;
    const selector = selectorString((live.spec as { selector?: unknown } | undefined)?.selector);
    if (!selector) return h;
    try {
      const ns = live.metadata.namespace ?? '';
      const pods = (await this.kube.listObjects('v1', 'Pod', ns, selector)).map((p) => ({ ...p, apiVersion: 'v1', kind: 'Pod' }));
      const sets = live.kind === 'Deployment'
        ? (await this.kube.listObjects('apps/v1', 'ReplicaSet', ns, selector)).map((r) => ({ ...r, apiVersion: 'apps/v1', kind: 'ReplicaSet' }))
        : [];
      return withPodCauses(h, ownedPods(live, [...sets, ...pods]));
    } catch (err) {
      this.log.debug({ object: `${live.kind} ${live.metadata.name}`, reason: errorMessage(err) }, 'cannot list pods for health');
      return h;
    }
  }

  private scheduleReport(v: View): void {
    if (v.timer || this.stopped) return;
    v.timer = setTimeout(() => {
      v.timer = undefined;
      const { driftSig, healthSig } = this.signatures(v);
      if (v.healed.length === 0 && driftSig === v.lastDriftSig && healthSig === v.lastHealthSig) return;
      if (v.lastDriftSig === undefined && v.healed.length === 0 && this.currentDrift(v).length === 0) {
        // first look after an observed replay: a baseline, nothing to tell
        v.lastDriftSig = driftSig;
        v.lastHealthSig = healthSig;
        return;
      }
      this.send(v, v.healed.length > 0 || driftSig !== v.lastDriftSig ? 'drift' : 'health');
    }, this.opts.debounceMs ?? 200);
  }

  /** Current drift: the plan's items first, then live drift of objects the plan does not name. */
  private currentDrift(v: View): DriftItem[] {
    const out = [...(v.plan ?? [])];
    const planned = new Set(out.map((d) => refKey(d.ref)));
    for (const st of v.objects.values()) if (st.drift && !planned.has(st.key)) out.push(st.drift);
    return out;
  }

  private signatures(v: View): { driftSig: string; healthSig: string } {
    const drift = this.currentDrift(v).map((d) => [refKey(d.ref), d.missing, d.diffs.map((f) => [f.path, jsonText(f.desired), jsonText(f.live), f.manager]), d.conflictManager]);
    const health = [...v.objects.values()].map((st) => [st.key, st.health.status, st.health.message]);
    return { driftSig: JSON.stringify([drift, v.prunePlan.map(refKey), v.base.state]), healthSig: JSON.stringify(health) };
  }

  private syncStatusOf(v: View, drift: readonly DriftItem[]): SyncStatusValue {
    if (v.base.state === 'FAILED') return 'FAILED';
    if (v.prunePlan.length > 0 || drift.some((d) => !d.healed)) return 'OUT_OF_SYNC';
    return 'SYNCED';
  }

  private outcomeOf(v: View, trigger: ReportTrigger, resources: ObjectResult[], flushHealed: boolean): ReconcileOutcome {
    const objects = [...v.objects.values()];
    // a withdrawal carries its reason in the health message (reconcile.ts reconcileWithdraw)
    const health = v.base.mode === 'delete' && v.base.health !== undefined ? v.base.health : objects.length > 0 || v.base.mode !== 'delete'
      ? rollUpHealth(objects.map((st) => ({ ...st.health, object: `${st.ref.kind}/${st.ref.name}` })))
      : undefined;
    const live = this.currentDrift(v);
    const drift = [...live, ...(flushHealed ? v.healed : [])];
    return {
      ...v.base,
      trigger,
      resources: resources.map((r) => {
        const st = v.objects.get(refKey(r.ref));
        const { desired: _d, live: _l, ...rest } = r;
        return { ...rest, health: r.action === 'pruned' ? undefined : (st?.health ?? r.health) };
      }),
      syncStatus: v.base.mode === 'delete' ? undefined : this.syncStatusOf(v, live),
      health,
      drift,
      orphaned: v.base.orphaned ?? [],
    };
  }

  private send(v: View, trigger: ReportTrigger, resources: ObjectResult[] = v.resources): void {
    clearTimeout(v.timer);
    v.timer = undefined;
    const o = this.outcomeOf(v, trigger, resources, true);
    v.healed = [];
    const { driftSig, healthSig } = this.signatures(v);
    v.lastDriftSig = driftSig;
    v.lastHealthSig = healthSig;
    this.status.enqueue(toStatusReport(o, { cluster: this.opts.cluster, agentVersion: this.opts.agentVersion, reportId: randomUUID(), observedAt: new Date() }));
  }
}
