/** Agent-reported action on one object (fleet.v1 ResourceAction, lower-case). */
export type ResourceActionName = 'created' | 'configured' | 'unchanged' | 'pruned' | 'failed' | 'unspecified';

/** Agent-reported sync state of one target (fleet.v1 SyncState). */
export type SyncStateName = 'Synced' | 'Failed' | 'Deleted' | 'Unknown';

/** One object result as stored in jsonb and returned by the API. */
export interface ResourceResultJson {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  action: ResourceActionName;
  message: string;
}

/** Reconcile timings, milliseconds (fleet.v1 Timings). */
export interface TimingsJson {
  fetchMs: number;
  applyMs: number;
  pruneMs: number;
  totalMs: number;
}
