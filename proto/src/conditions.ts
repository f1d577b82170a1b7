/**
 * Status condition types and reasons with their kstatus / Flux meaning, and the failure classes a
 * reconcile reports (fleet.v1 FailureClass). Pure.
 *
 * Sources: kstatus (sigs.k8s.io/cli-utils pkg/kstatus, "abnormal-true" conditions Reconciling and
 * Stalled, and Ready), Flux (fluxcd/pkg/apis/meta: ReadyCondition, ReconcilingCondition,
 * StalledCondition and the *Reason constants), and Flux kustomize-controller's three error
 * classes (terminal → Stalled, waiting and transient → Reconciling with a retry).
 */
import { FailureClass } from './gen/fleet/v1/fleet_pb.js';

/** Condition types, as `status.conditions[].type` carries them. */
export const ConditionType = {
  /** True when the object is reconciled and healthy (Flux meta.ReadyCondition; kstatus reads it last). */
  Ready: 'Ready',
  /** True while the controller is working towards the desired state (kstatus: InProgress). */
  Reconciling: 'Reconciling',
  /** True when the controller cannot make progress without a change (kstatus: Failed). */
  Stalled: 'Stalled',
} as const;

/** One of {@link ConditionType}. */
export type ConditionTypeName = (typeof ConditionType)[keyof typeof ConditionType];

/** Condition reasons (Flux fluxcd/pkg/apis/meta reason constants, same spelling). */
export const ConditionReason = {
  /** Ready=True: the last reconcile applied the desired state. */
  ReconciliationSucceeded: 'ReconciliationSucceeded',
  /** Ready=False: the last reconcile failed (see the failure class for what comes next). */
  ReconciliationFailed: 'ReconciliationFailed',
  /** Reconciling=True: a reconcile is under way. */
  Progressing: 'Progressing',
  /** Reconciling=True after a failure that is retried (transient, waiting). */
  ProgressingWithRetry: 'ProgressingWithRetry',
  /** Reconciling=True: a precondition (CRD, served kind, dependency) is not ready yet. */
  DependencyNotReady: 'DependencyNotReady',
  /** Stalled=True: the desired state or its bundle cannot be used (bad digest, contract, decode). */
  ArtifactFailed: 'ArtifactFailed',
  /** Ready=False: the applied objects are not healthy. */
  HealthCheckFailed: 'HealthCheckFailed',
} as const;

/** One of {@link ConditionReason}. */
export type ConditionReasonName = (typeof ConditionReason)[keyof typeof ConditionReason];

/** A failure class by name, as the agent uses it and the hub API shows it. */
export type FailureClassName = 'terminal' | 'waiting' | 'transient';

/** Every failure class name, the one that needs the most (a change of the desired state) first. */
export const FAILURE_CLASS_NAMES: readonly FailureClassName[] = ['terminal', 'waiting', 'transient'];

const NAME_OF: Readonly<Record<number, FailureClassName>> = {
  [FailureClass.TERMINAL]: 'terminal',
  [FailureClass.WAITING]: 'waiting',
  [FailureClass.TRANSIENT]: 'transient',
};

const CLASS_OF: Readonly<Record<FailureClassName, FailureClass>> = {
  terminal: FailureClass.TERMINAL,
  waiting: FailureClass.WAITING,
  transient: FailureClass.TRANSIENT,
};

/** The name of a FailureClass; null for UNSPECIFIED (no failure) and any value outside the enum. */
export function failureClassName(c: FailureClass): FailureClassName | null {
  return NAME_OF[c] ?? null;
}

/** The FailureClass of a name; UNSPECIFIED for undefined (no failure). */
export function failureClassOf(name: FailureClassName | undefined): FailureClass {
  return name === undefined ? FailureClass.UNSPECIFIED : CLASS_OF[name];
}

/**
 * The abnormal-true condition a failure class sets (Flux kustomize-controller): terminal →
 * Stalled (nothing happens until the desired state changes), waiting and transient → Reconciling
 * (the agent retries by itself).
 */
export function failureCondition(c: FailureClassName): typeof ConditionType.Stalled | typeof ConditionType.Reconciling {
  return c === 'terminal' ? ConditionType.Stalled : ConditionType.Reconciling;
}
