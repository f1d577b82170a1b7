/**
 * Results of one reconcile and their mapping to the StatusReport contract. Pure.
 */
import {
  CONTRACT_VERSION,
  create,
  ResourceAction,
  type StatusReport,
  StatusReportSchema,
  SyncState,
} from '@gitfleet/proto';
import type { ErrorClass } from '../errors.js';
import type { KubeErrorClass } from '../kube/errors.js';
import type { ObjectRef } from '../kube/types.js';

/** What the agent did to one object in a reconcile. */
export type ObjectAction = 'created' | 'configured' | 'unchanged' | 'pruned' | 'failed';

/** The outcome for one object. */
export interface ObjectResult {
  ref: ObjectRef;
  action: ObjectAction;
  /** failure reason (apiserver Status message or the agent's), '' unless failed */
  message: string;
  /** class of the failure, when failed */
  errorClass?: KubeErrorClass;
  /** true when the object is in the cluster under our ownership after this step (inventory) */
  owned: boolean;
  /** false when the object's scope could not be resolved (ref.namespace is a guess) */
  scopeKnown: boolean;
}

/** Durations of one reconcile, milliseconds. */
export interface Timings {
  fetchMs: number;
  applyMs: number;
  pruneMs: number;
  totalMs: number;
}

/** Outcome of one reconcile of one target. */
export interface ReconcileOutcome {
  bundleId: string;
  /** SYNCED / FAILED after an apply, DELETED after a delete, SKIPPED when nothing had to be done */
  state: 'SYNCED' | 'FAILED' | 'DELETED' | 'SKIPPED';
  /** revision, digest and generation applied (or tried); empty when the desired state was unusable */
  revision: string;
  digest: string;
  generation: bigint;
  resources: ObjectResult[];
  /** bundle-level errors (decode, fetch, digest, inventory) */
  errors: string[];
  /** set when the target must be retried (transient), requeued (waiting) or held (terminal) */
  errorClass?: ErrorClass;
  timings: Timings;
}

/**
 * Error class that decides what happens next, from per-object results and a bundle-level
 * class: terminal wins (nothing more to try), then transient (backoff), then waiting (requeue).
 * Objects the apiserver refused (class 'failed') need no retry: only a new desired state helps.
 */
export function nextStep(resources: readonly ObjectResult[], bundleClass?: ErrorClass): ErrorClass | undefined {
  if (bundleClass === 'terminal') return 'terminal';
  if (bundleClass === 'transient' || resources.some((r) => r.action === 'failed' && r.errorClass === 'transient')) return 'transient';
  if (bundleClass === 'waiting' || resources.some((r) => r.action === 'failed' && r.errorClass === 'waiting')) return 'waiting';
  return undefined;
}

/** SYNCED when no object failed and there is no bundle-level error, else FAILED. */
export function syncStateOf(resources: readonly ObjectResult[], errors: readonly string[]): 'SYNCED' | 'FAILED' {
  return errors.length === 0 && resources.every((r) => r.action !== 'failed') ? 'SYNCED' : 'FAILED';
}

const ACTIONS: Record<ObjectAction, ResourceAction> = {
  created: ResourceAction.CREATED,
  configured: ResourceAction.CONFIGURED,
  unchanged: ResourceAction.UNCHANGED,
  pruned: ResourceAction.PRUNED,
  failed: ResourceAction.FAILED,
};

const STATES: Record<Exclude<ReconcileOutcome['state'], 'SKIPPED'>, SyncState> = {
  SYNCED: SyncState.SYNCED,
  FAILED: SyncState.FAILED,
  DELETED: SyncState.DELETED,
};

/** Report metadata that does not come from the reconcile itself. */
export interface ReportMeta {
  cluster: string;
  agentVersion: string;
  /** random UUID, also the Nats-Msg-Id */
  reportId: string;
  /** when the reconcile finished */
  observedAt: Date;
}

/**
 * The StatusReport of an outcome (contract fleet.v1). A SKIPPED outcome has no report.
 * @throws Error for a SKIPPED outcome
 */
export function toStatusReport(o: ReconcileOutcome, meta: ReportMeta): StatusReport {
  if (o.state === 'SKIPPED') throw new Error('a skipped reconcile has no status report');
  return create(StatusReportSchema, {
    contractVersion: CONTRACT_VERSION,
    reportId: meta.reportId,
    cluster: meta.cluster,
    bundleId: o.bundleId,
    revision: o.revision,
    digest: o.digest,
    generation: o.generation,
    state: STATES[o.state],
    resources: o.resources.map((r) => ({
      apiVersion: r.ref.apiVersion,
      kind: r.ref.kind,
      namespace: r.ref.namespace,
      name: r.ref.name,
      action: ACTIONS[r.action],
      message: r.message,
    })),
    errors: o.errors,
    timings: { fetchMs: o.timings.fetchMs, applyMs: o.timings.applyMs, pruneMs: o.timings.pruneMs, totalMs: o.timings.totalMs },
    observedAt: meta.observedAt.toISOString(),
    agentVersion: meta.agentVersion,
  });
}
