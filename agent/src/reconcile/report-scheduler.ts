/**
 * Report scheduling for the keeper: every status report of a target is built and sent here.
 * Reconcile outcomes are sent at once (`send`: triggers update, resync, sync-request, delete); a
 * change of an object's health or drift schedules one report per target, debounced (`schedule`,
 * 200 ms by default), and a state identical to the last one sent is not sent again (compared by
 * drift and health signatures).
 */
import { randomUUID } from 'node:crypto';
import { jsonText } from '../drift/drift.js';
import { rollUpHealth } from '../health/index.js';
import { refKey } from '../kube/types.js';
import type { StatusSink } from '../nats/status-publisher.js';
import type { View } from './keeper-view.js';
import {
  type DriftItem,
  type ObjectResult,
  type ReconcileOutcome,
  type ReportTrigger,
  type SyncStatusValue,
  toStatusReport,
} from './result.js';

/** Options of the report scheduler. */
export interface ReportSchedulerOptions {
  cluster: string;
  agentVersion: string;
  /** report debounce per target, ms (200) */
  debounceMs?: number;
}

/** Current drift: the plan's items first, then live drift of objects the plan does not name. */
export function currentDrift(v: View): DriftItem[] {
  const out = [...(v.plan ?? [])];
  const planned = new Set(out.map((d) => refKey(d.ref)));
  for (const st of v.objects.values()) if (st.drift && !planned.has(st.key)) out.push(st.drift);
  return out;
}

/** What a report says about drift (with the prune plan and state) and health, as comparable strings. */
export function reportSignatures(v: View): { driftSig: string; healthSig: string } {
  const drift = currentDrift(v).map((d) => [refKey(d.ref), d.missing, d.diffs.map((f) => [f.path, jsonText(f.desired), jsonText(f.live), f.manager]), d.conflictManager]);
  const health = [...v.objects.values()].map((st) => [st.key, st.health.status, st.health.message]);
  return { driftSig: JSON.stringify([drift, v.prunePlan.map(refKey), v.base.state]), healthSig: JSON.stringify(health) };
}

/** Sync status of a target: FAILED, OUT_OF_SYNC while something would be pruned or drift is unhealed, else SYNCED. */
export function syncStatusOf(v: View, drift: readonly DriftItem[]): SyncStatusValue {
  if (v.base.state === 'FAILED') return 'FAILED';
  if (v.prunePlan.length > 0 || drift.some((d) => !d.healed)) return 'OUT_OF_SYNC';
  return 'SYNCED';
}

/**
 * The outcome a report carries: the last reconcile's, with the keeper's current per-object
 * health, rolled-up health, drift (plus healed drift when `flushHealed`) and sync status.
 */
export function reportOutcome(v: View, trigger: ReportTrigger, resources: ObjectResult[], flushHealed: boolean): ReconcileOutcome {
  const objects = [...v.objects.values()];
  // a withdrawal carries its reason in the health message (reconcile.ts reconcileWithdraw)
  const health = v.base.mode === 'delete' && v.base.health !== undefined ? v.base.health : objects.length > 0 || v.base.mode !== 'delete'
    ? rollUpHealth(objects.map((st) => ({ ...st.health, object: `${st.ref.kind}/${st.ref.name}` })))
    : undefined;
  const live = currentDrift(v);
  const drift = [...live, ...(flushHealed ? v.healed : [])];
  return {
    ...v.base,
    trigger,
    resources: resources.map((r) => {
      const st = v.objects.get(refKey(r.ref));
      const { desired: _d, live: _l, ...rest } = r;
      return { ...rest, health: r.action === 'pruned' ? undefined : (st?.health ?? r.health) };
    }),
    syncStatus: v.base.mode === 'delete' ? undefined : syncStatusOf(v, live),
    health,
    drift,
    orphaned: v.base.orphaned ?? [],
  };
}

/** Sends a target's reports to the status sink (see module comment). */
export class ReportScheduler {
  private stopped = false;

  constructor(
    private readonly status: StatusSink,
    private readonly opts: ReportSchedulerOptions,
  ) {}

  /** Stops scheduling (pending debounced reports are dropped by the caller: `cancel`). */
  stop(): void {
    this.stopped = true;
  }

  /** Drops the target's pending debounced report, if any. */
  cancel(v: View): void {
    clearTimeout(v.timer);
    v.timer = undefined;
  }

  /**
   * Schedules a debounced report of `v` (trigger 'drift' when something was healed or drift
   * changed, else 'health'); nothing when one is already scheduled. When it fires, nothing is
   * sent if drift and health are as last reported; the first look after an observed replay with
   * no drift only records the baseline.
   */
  schedule(v: View): void {
    if (v.timer || this.stopped) return;
    v.timer = setTimeout(() => {
      v.timer = undefined;
      const { driftSig, healthSig } = reportSignatures(v);
      if (v.healed.length === 0 && driftSig === v.lastDriftSig && healthSig === v.lastHealthSig) return;
      if (v.lastDriftSig === undefined && v.healed.length === 0 && currentDrift(v).length === 0) {
        // first look after an observed replay: a baseline, nothing to tell
        v.lastDriftSig = driftSig;
        v.lastHealthSig = healthSig;
        return;
      }
      this.send(v, v.healed.length > 0 || driftSig !== v.lastDriftSig ? 'drift' : 'health');
    }, this.opts.debounceMs ?? 200);
  }

  /** Sends a report of `v` now (cancelling a scheduled one) and records what it said. */
  send(v: View, trigger: ReportTrigger, resources: ObjectResult[] = v.resources): void {
    this.cancel(v);
    const o = reportOutcome(v, trigger, resources, true);
    v.healed = [];
    const { driftSig, healthSig } = reportSignatures(v);
    v.lastDriftSig = driftSig;
    v.lastHealthSig = healthSig;
    this.status.enqueue(toStatusReport(o, { cluster: this.opts.cluster, agentVersion: this.opts.agentVersion, reportId: randomUUID(), observedAt: new Date() }));
  }
}
