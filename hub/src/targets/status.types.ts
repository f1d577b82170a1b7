import type { HealthName } from '@gitfleet/proto';

/** Agent-reported action on one object (fleet.v1 ResourceAction, lower-case). */
export type ResourceActionName = 'created' | 'configured' | 'unchanged' | 'pruned' | 'failed' | 'unspecified';

/**
 * Names of the fleet.v1 status enums, shared with the agent: HealthName and HEALTH_NAMES (worst
 * first), SyncStatusName and SYNC_STATUS_NAMES (worst first), SyncStateName, FailureClassName.
 */
export { HEALTH_NAMES, SYNC_STATUS_NAMES, FAILURE_CLASS_NAMES } from '@gitfleet/proto';
export type { FailureClassName, HealthName, SyncStateName, SyncStatusName } from '@gitfleet/proto';

/** One object result as stored in jsonb and returned by the API. */
export interface ResourceResultJson {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  action: ResourceActionName;
  message: string;
  /**
   * Health of the live object after the reconcile. Absent in rows stored before health existed;
   * readers treat that as Unknown.
   */
  health?: HealthJson;
}

/** Reconcile timings, milliseconds (fleet.v1 Timings). */
export interface TimingsJson {
  fetchMs: number;
  applyMs: number;
  pruneMs: number;
  totalMs: number;
}

/** Health and its cause. */
export interface HealthJson {
  status: HealthName;
  /** cause of the status (empty when Healthy or unknown) */
  message: string;
}

/** Names one Kubernetes object (fleet.v1 ObjectRef). */
export interface ObjectRefJson {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** One field whose live value differs from desired (fleet.v1 FieldDiff). */
export interface FieldDiffJson {
  /** RFC 6901 JSON pointer */
  path: string;
  /** JSON of the desired value; "" when absent from desired */
  desired: string;
  /** JSON of the live value; "" when absent from live */
  live: string;
  /** field manager that last wrote the live value; "" when unknown */
  manager: string;
}

/** How one object drifted (fleet.v1 ObjectDrift), as stored in jsonb and returned by the API. */
export interface ObjectDriftJson {
  object: ObjectRefJson;
  /** the object does not exist on the cluster */
  missing: boolean;
  diffs: FieldDiffJson[];
  /** re-applied by self-heal */
  healed: boolean;
  /** another field manager keeps writing these fields back (self-heal backed off); null when none */
  conflict: { manager: string; message: string } | null;
}
