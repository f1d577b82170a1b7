/**
 * The reconciler's outer shell (Flux's `Reconcile()`): keeps one entry per target, turns watch
 * events, resync ticks and retry timers into reconciles, and publishes a status report after
 * each (through the keeper, which also watches the applied objects between reconciles: keeper.ts).
 * Per target, reconciles are serialised and coalesced (the latest desired state wins);
 * different targets run concurrently up to a limit. After a reconcile:
 *   terminal  → hold: no retry and no resync until the desired state changes
 *   transient → retry with exponential backoff and jitter (capped)
 *   waiting   → requeue after WAIT_REQUEUE_MS
 * The periodic resync re-applies every target's last desired state, also while NATS is down.
 * A refused desired state (terminal: undecodable, another cluster, unsigned or badly signed,
 * tampered bundle, a generation older than the last verified one) never replaces the last
 * verified one: the resync keeps re-applying that (the last entry whose reconcile passed every
 * check), so the cluster stays on its last good state. A KV DEL or PURGE of a target's key is
 * refused the same way (only a signed tombstone withdraws a target: reconcile.ts): nothing is
 * pruned, the refusal is reported, the last verified desired state stays enforced.
 */
import { randomUUID } from 'node:crypto';
import { parseDesiredStateKey } from '@gitfleet/proto';
import type { Logger } from 'pino';
import type { StateCache } from '../cache/state-cache.js';
import type { DesiredEvent } from '../nats/desired-watcher.js';
import type { StatusSink } from '../nats/status-publisher.js';
import { backoffDelay, RECONCILE_BACKOFF } from '../util/backoff.js';
import type { Keeper } from './keeper.js';
import { type LimitFunction, pLimit } from '../util/pool.js';
import { reconcileApply, reconcileKeyDeleted, type ReconcileDeps, type Trigger } from './reconcile.js';
import { type ReconcileOutcome, toStatusReport } from './result.js';

/** Requeue delay of a waiting target (CRD not established, kind not served), ms. */
export const WAIT_REQUEUE_MS = 10_000;

/** Options of the reconciler. */
export interface ReconcilerOptions {
  cluster: string;
  agentVersion: string;
  /** period of the full re-apply of every target, ms */
  resyncIntervalMs: number;
  /** targets reconciled at the same time */
  concurrency: number;
  /** keeps each target's last verified desired state for a cold start without NATS (cache/) */
  stateCache?: Pick<StateCache, 'remember' | 'forget'>;
}

interface TargetState {
  bundleId: string;
  /** latest KV entry seen for the target */
  latest: { operation: DesiredEvent['operation']; value: Uint8Array; revision: number };
  /** pending work, strongest trigger wins; undefined when idle */
  pending: Trigger | undefined;
  running: boolean;
  /** consecutive transient failures */
  attempt: number;
  retryTimer: NodeJS.Timeout | undefined;
  /** the latest entry failed terminally: wait for a new one */
  held: boolean;
  /** the last PUT entry that passed every check (decode, signature, generation, bundle digest) */
  verified: TargetState['latest'] | undefined;
}

const STRENGTH: Record<Trigger, number> = { replay: 0, resync: 1, retry: 2, update: 3 };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Outer reconcile loop over all targets of this cluster (see module comment). */
export class Reconciler {
  private readonly targets = new Map<string, TargetState>();
  private readonly slots: LimitFunction;
  private resyncTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly deps: ReconcileDeps,
    private readonly status: StatusSink,
    private readonly opts: ReconcilerOptions,
    private readonly log: Logger,
    /** takes every outcome: keeps the target true between reconciles and reports */
    private readonly keeper: Keeper,
  ) {
    this.slots = pLimit(Math.max(1, opts.concurrency));
  }

  /** Number of targets the agent currently holds (live keys). */
  get size(): number {
    let n = 0;
    for (const t of this.targets.values()) if (t.latest.operation === 'PUT') n++;
    return n;
  }

  /** Starts the periodic resync. */
  start(): void {
    this.resyncTimer = setInterval(() => this.resync(), this.opts.resyncIntervalMs);
  }

  /** Stops timers, lets running reconciles finish (at most `timeoutMs`). */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    for (const t of this.targets.values()) clearTimeout(t.retryTimer);
    const busy = () => [...this.targets.values()].some((t) => t.running);
    if (!busy()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const check = () => { if (!busy()) { clearTimeout(timer); this.idle.delete(check); resolve(); } };
      this.idle.add(check);
    });
  }

  /** Handles one desired-state KV event (from the watcher). */
  onDesiredEvent(e: DesiredEvent): void {
    if (this.stopped) return;
    let bundleId: string;
    try {
      bundleId = parseDesiredStateKey(e.key).bundleId;
    } catch (err) {
      this.log.error({ key: e.key, err: { message: (err as Error).message } }, 'ignoring desired-state key');
      if (e.operation === 'PUT') this.report(this.refusedKey(e.key, (err as Error).message));
      return;
    }
    const t = this.targets.get(bundleId);
    if (t && t.latest.revision === e.revision && t.latest.operation === e.operation && sameBytes(t.latest.value, e.value)) {
      return; // the same entry again (watch re-created)
    }
    const state: TargetState = t ?? { bundleId, latest: { operation: 'PUT', value: new Uint8Array(), revision: 0 }, pending: undefined, running: false, attempt: 0, retryTimer: undefined, held: false, verified: undefined };
    state.latest = { operation: e.operation, value: e.value, revision: e.revision };
    state.held = false;
    state.attempt = 0;
    clearTimeout(state.retryTimer);
    state.retryTimer = undefined;
    this.targets.set(bundleId, state);
    this.log.info({ bundleId, operation: e.operation, revision: e.revision, replay: e.replay }, 'desired state event');
    this.schedule(state, e.replay ? 'replay' : 'update');
  }

  /** The latest desired-state value of a target (KV PUT), undefined when it has none. */
  desiredValue(bundleId: string): Uint8Array | undefined {
    const t = this.targets.get(bundleId);
    return t && t.latest.operation === 'PUT' && t.latest.value.length > 0 ? t.latest.value : undefined;
  }

  /**
   * Queues a re-apply of every target (the periodic resync): of its latest desired state, or,
   * when that was refused, of its last verified one (a held target without one is left alone).
   */
  resync(): void {
    for (const t of this.targets.values()) {
      if ((!t.held || this.fallback(t) !== undefined) && t.retryTimer === undefined) this.schedule(t, 'resync');
    }
  }

  /**
   * The entry a resync of a held target re-applies: its last verified PUT, if any (the latest
   * entry was refused: a bad PUT, or a KV DEL/PURGE).
   */
  private fallback(t: TargetState): TargetState['latest'] | undefined {
    return t.held && t.verified !== undefined && t.verified !== t.latest ? t.verified : undefined;
  }

  private schedule(t: TargetState, trigger: Trigger): void {
    if (this.stopped) return;
    if (t.pending === undefined || STRENGTH[trigger] > STRENGTH[t.pending]) t.pending = trigger;
    if (!t.running) void this.drive(t);
  }

  /** Runs the target's pending work until there is none (one reconcile at a time per target). */
  private async drive(t: TargetState): Promise<void> {
    t.running = true;
    try {
      await this.slots(async () => {
        while (t.pending !== undefined && !this.stopped) {
          const trigger = t.pending;
          t.pending = undefined;
          // a resync of a target whose latest entry was refused re-applies the last verified one
          const fallback = trigger === 'resync' ? this.fallback(t) : undefined;
          if (trigger === 'resync' && t.held && fallback === undefined) continue;
          const entry = fallback ?? t.latest;
          if (fallback) this.log.info({ bundleId: t.bundleId, revision: fallback.revision }, 'resync: re-applying the last verified desired state (the latest was refused)');
          // reconcile and hand over the outcome with the target's exclusive section held, so the
          // keeper's heals never interleave with an apply
          await this.keeper.exclusive(t.bundleId, async () => {
            const outcome = entry.operation === 'PUT'
              ? await reconcileApply(this.deps, { cluster: this.opts.cluster, bundleId: t.bundleId, value: entry.value, trigger })
              : await reconcileKeyDeleted(this.deps, this.opts.cluster, t.bundleId, entry.operation);
            await this.after(t, entry, trigger, outcome);
          });
        }
      });
    } catch (err) {
      this.log.error({ err, bundleId: t.bundleId }, 'reconcile crashed');
    } finally {
      t.running = false;
      for (const check of [...this.idle]) check();
    }
  }

  private async after(t: TargetState, entry: TargetState['latest'], trigger: Trigger, o: ReconcileOutcome): Promise<void> {
    const log = this.log.child({ bundleId: t.bundleId });
    const counts: Record<string, number> = {};
    for (const r of o.resources) counts[r.action] = (counts[r.action] ?? 0) + 1;
    log.info({ trigger, mode: o.mode, state: o.state, revision: o.revision, generation: String(o.generation), resources: counts, errors: o.errors, next: o.errorClass, ms: Math.round(o.timings.totalMs) }, 'reconciled');
    try {
      await this.keeper.afterReconcile(o);
    } catch (err) {
      log.error({ err }, 'keeper failed to take the outcome');
    }
    // a bare KV DEL/PURGE keeps the last verified entry (it is refused, never a withdrawal); a
    // verified tombstone clears it, and never enters the cold-start cache
    if (entry.operation === 'PUT' && o.verified === true) t.verified = o.mode === 'delete' ? undefined : entry;
    if (entry.operation === 'PUT' && o.verified === true && o.mode !== 'delete') this.opts.stateCache?.remember(t.bundleId, entry.revision, entry.value, o.digest);
    if (o.state === 'DELETED') this.opts.stateCache?.forget(t.bundleId);
    if (t.latest !== entry) return; // a newer entry is pending (or this was a fallback); it decides what comes next
    switch (o.errorClass) {
      case 'terminal':
        t.held = true;
        break;
      case 'transient':
        this.retryLater(t, backoffDelay(t.attempt++, RECONCILE_BACKOFF));
        break;
      case 'waiting':
        this.retryLater(t, WAIT_REQUEUE_MS);
        break;
      default:
        t.attempt = 0;
        if ((o.state === 'DELETED' || (o.state === 'SKIPPED' && (entry.operation !== 'PUT' || o.mode === 'delete'))) && t.pending === undefined) {
          this.targets.delete(t.bundleId);
        }
    }
  }

  private retryLater(t: TargetState, ms: number): void {
    clearTimeout(t.retryTimer);
    this.log.info({ bundleId: t.bundleId, inMs: ms, attempt: t.attempt }, 'requeued');
    t.retryTimer = setTimeout(() => {
      t.retryTimer = undefined;
      this.schedule(t, 'retry');
    }, ms);
  }

  private report(o: ReconcileOutcome): void {
    this.status.enqueue(toStatusReport({ ...o, syncStatus: 'FAILED', trigger: 'update' }, { cluster: this.opts.cluster, agentVersion: this.opts.agentVersion, reportId: randomUUID(), observedAt: new Date() }));
  }

  private refusedKey(key: string, message: string): ReconcileOutcome {
    return {
      bundleId: key.slice(key.indexOf('.') + 1), state: 'FAILED', revision: '', digest: '', generation: 0n,
      resources: [], errors: [message], errorClass: 'terminal', timings: { fetchMs: 0, applyMs: 0, pruneMs: 0, totalMs: 0 },
    };
  }
}
