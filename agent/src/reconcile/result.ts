/**
 * Results of one reconcile and their mapping to the StatusReport contract. Pure.
 */
import {
  CONTRACT_VERSION,
  create,
  failureClassOf,
  HealthStatus,
  ResourceAction,
  type StatusReport,
  StatusReportSchema,
  SyncState,
  SyncStatus,
} from '@gitfleet/proto';
import { type FieldDrift, jsonText } from '../drift/drift.js';
import type { IgnoreRule } from '../drift/ignore.js';
import type { ErrorClass } from '../errors.js';
import type { KubeErrorClass } from '../kube/errors.js';
import type { KubeObject, ObjectRef } from '../kube/types.js';

/** Health of an object or a target (the health module's shape). */
export interface HealthValue {
  status: HealthStatus;
  message: string;
}

/** What started a report (StatusReport.trigger). */
export type ReportTrigger = 'update' | 'resync' | 'drift' | 'health' | 'sync-request' | 'delete';

/** StatusReport.sync_status in plain form. */
export type SyncStatusValue = 'SYNCED' | 'OUT_OF_SYNC' | 'FAILED';

/** How one object differs from desired (drift), or would change on apply (plan). */
export interface DriftItem {
  ref: ObjectRef;
  /** the object does not exist (would be created) */
  missing: boolean;
  diffs: FieldDrift[];
  /** re-applied by self-heal */
  healed: boolean;
  /** set when self-heal backed off from a fight with this manager */
  conflictManager: string;
  conflictMessage: string;
}

/** The sync policy flags (DesiredState.sync_policy with defaults). */
export interface PolicyFlags {
  automated: boolean;
  prune: boolean;
  selfHeal: boolean;
}

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
  /** health of the live object (filled in by the keeper before a report) */
  health?: HealthValue;
  /** the desired object as applied (placed: namespace, labels); handed to the keeper, then dropped */
  desired?: KubeObject;
  /** the live object the apply returned; handed to the keeper, then dropped */
  live?: KubeObject;
  /** the desired object carries gitfleet.io/prune: "false" */
  keep?: boolean;
  /**
   * set for a Helm hook object (the event it ran for, e.g. `pre-install`): reported, never in
   * the inventory, never watched for drift; `message` then also tells how the hook ended
   */
  hook?: string;
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
  /**
   * what the reconcile did: applied; only planned (dry run: automated=false, or a resync without
   * self-heal); observed (a replay of what is applied: objects placed, nothing written); deleted
   */
  mode?: 'apply' | 'plan' | 'observe' | 'delete';
  /** the sync policy obeyed */
  policy?: PolicyFlags;
  /**
   * true once the desired state and its bundle passed every check (decode, signature, bundle
   * digest): the reconciler may fall back to it when a later desired state is refused
   */
  verified?: boolean;
  /** DesiredState.ignore_differences */
  ignore?: IgnoreRule[];
  /** the sync_request acted on (applied) so far */
  syncRequest?: bigint;
  trigger?: ReportTrigger;
  /** computed by the keeper from the outcome and the live state */
  syncStatus?: SyncStatusValue;
  health?: HealthValue;
  /** drift (apply/observe), or the would-change objects (plan) */
  drift?: DriftItem[];
  /** objects that left the desired state but were kept */
  orphaned?: ObjectRef[];
  /** plan mode: objects an apply would prune */
  prunePlan?: ObjectRef[];
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

/**
 * The failure class a report carries (StatusReport.failure_class, the API's `failureClass`): none
 * unless the outcome FAILED; then the class that decides what happens next ({@link nextStep}),
 * or terminal when nothing will be retried — objects the apiserver refused wait for a new desired
 * state, which is what terminal means (Flux: Stalled).
 */
export function reportedFailureClass(o: Pick<ReconcileOutcome, 'state' | 'errorClass'>): ErrorClass | undefined {
  if (o.state !== 'FAILED') return undefined;
  return o.errorClass ?? 'terminal';
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

const SYNC_STATUSES: Record<SyncStatusValue, SyncStatus> = {
  SYNCED: SyncStatus.SYNCED,
  OUT_OF_SYNC: SyncStatus.OUT_OF_SYNC,
  FAILED: SyncStatus.FAILED,
};

/** The sync status an outcome implies without live information: FAILED, else SYNCED (not for DELETED). */
function defaultSyncStatus(o: ReconcileOutcome): SyncStatus {
  if (o.syncStatus) return SYNC_STATUSES[o.syncStatus];
  if (o.state === 'FAILED') return SyncStatus.FAILED;
  return o.state === 'SYNCED' ? SyncStatus.SYNCED : SyncStatus.UNSPECIFIED;
}

/** ObjectDrift message fields of a drift item (values as JSON text). */
export function driftMessage(d: DriftItem) {
  return {
    object: { apiVersion: d.ref.apiVersion, kind: d.ref.kind, namespace: d.ref.namespace, name: d.ref.name },
    missing: d.missing,
    diffs: d.diffs.map((f) => ({ path: f.path, desired: jsonText(f.desired), live: jsonText(f.live), manager: f.manager })),
    healed: d.healed,
    conflictManager: d.conflictManager,
    conflictMessage: d.conflictMessage,
  };
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
      health: r.health?.status ?? HealthStatus.UNSPECIFIED,
      healthMessage: r.health?.message ?? '',
    })),
    errors: o.errors,
    timings: { fetchMs: o.timings.fetchMs, applyMs: o.timings.applyMs, pruneMs: o.timings.pruneMs, totalMs: o.timings.totalMs },
    observedAt: meta.observedAt.toISOString(),
    agentVersion: meta.agentVersion,
    syncStatus: defaultSyncStatus(o),
    health: o.health?.status ?? HealthStatus.UNSPECIFIED,
    healthMessage: o.health?.message ?? '',
    drift: (o.drift ?? []).map(driftMessage),
    orphaned: (o.orphaned ?? []).map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name })),
    trigger: o.trigger ?? '',
    syncRequest: o.syncRequest ?? 0n,
    failureClass: failureClassOf(reportedFailureClass(o)),
  });
}
