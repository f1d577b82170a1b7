/**
 * Names and ranks of the fleet.v1 status enums (HealthStatus, SyncStatus, SyncState), as the
 * hub's API shows them and the agent logs them. One place, so hub and agent never disagree. Pure.
 */
import { HealthStatus, SyncState, SyncStatus } from './gen/fleet/v1/fleet_pb.js';

/**
 * Display name of a HealthStatus, as Argo CD shows health. There is no "Unspecified": a status
 * nobody reported (UNSPECIFIED, e.g. an agent release without health) shows as `Unknown`, which is
 * what the hub API has always shown.
 */
export type HealthName = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

/**
 * Every HealthStatus that has a name, worst first: Degraded > Missing > Unknown > Progressing >
 * Suspended > Healthy — the roll-up rule of fleet.proto's HealthStatus. gitops-engine health.go
 * (healthOrder, IsWorse) ranks the same statuses but puts Unknown above Degraded; we would rather
 * surface a known failure than a status we could not read.
 */
export const HEALTH_ORDER: readonly HealthStatus[] = [
  HealthStatus.DEGRADED,
  HealthStatus.MISSING,
  HealthStatus.UNKNOWN,
  HealthStatus.PROGRESSING,
  HealthStatus.SUSPENDED,
  HealthStatus.HEALTHY,
];

const NAME_OF: Readonly<Record<number, HealthName>> = {
  [HealthStatus.DEGRADED]: 'Degraded',
  [HealthStatus.MISSING]: 'Missing',
  [HealthStatus.UNKNOWN]: 'Unknown',
  [HealthStatus.PROGRESSING]: 'Progressing',
  [HealthStatus.SUSPENDED]: 'Suspended',
  [HealthStatus.HEALTHY]: 'Healthy',
};

/** Every health name, worst first (the order of {@link HEALTH_ORDER}). */
export const HEALTH_NAMES: readonly HealthName[] = HEALTH_ORDER.map((h) => NAME_OF[h]!);

/** The name of a HealthStatus; UNSPECIFIED and any value outside the enum → 'Unknown'. */
export function healthName(status: HealthStatus): HealthName {
  return NAME_OF[status] ?? 'Unknown';
}

/** The HealthStatus of a name (inverse of {@link healthName} on the named statuses). */
export function healthStatusOf(name: HealthName): HealthStatus {
  return HEALTH_ORDER[HEALTH_NAMES.indexOf(name)]!;
}

/**
 * Rank of a status for roll-ups, a higher number is worse: Degraded 6 > Missing 5 > Unknown 4 >
 * Progressing 3 > Suspended 2 > Healthy 1 > Unspecified 0 (and 0 for any value outside the enum,
 * so that an object nobody graded never hides one that was).
 */
export function healthRank(status: HealthStatus): number {
  const i = HEALTH_ORDER.indexOf(status);
  return i < 0 ? 0 : HEALTH_ORDER.length - i;
}

/** Sort comparator over names, worst first (by {@link healthRank}); equal names compare 0. */
export function compareHealth(a: HealthName, b: HealthName): number {
  return HEALTH_NAMES.indexOf(a) - HEALTH_NAMES.indexOf(b);
}

/** The worst of `items` by their health name, or undefined for an empty list; the first of equals wins. */
export function worstOf<T>(items: readonly T[], health: (t: T) => HealthName): T | undefined {
  let worst: T | undefined;
  for (const item of items) if (worst === undefined || compareHealth(health(item), health(worst)) < 0) worst = item;
  return worst;
}

/** How a target's live objects compare with its desired state (SyncStatus); 'Unknown': no report says. */
export type SyncStatusName = 'Synced' | 'OutOfSync' | 'Failed' | 'Unknown';

/** Every sync status name, worst first. */
export const SYNC_STATUS_NAMES: readonly SyncStatusName[] = ['Failed', 'OutOfSync', 'Unknown', 'Synced'];

/** The outcome of one reconcile (SyncState) by name; 'Unknown' for UNSPECIFIED. */
export type SyncStateName = 'Synced' | 'Failed' | 'Deleted' | 'Unknown';

const SYNC_STATE_NAMES: Readonly<Record<number, SyncStateName>> = {
  [SyncState.SYNCED]: 'Synced',
  [SyncState.FAILED]: 'Failed',
  [SyncState.DELETED]: 'Deleted',
};

/** The name of a SyncState; UNSPECIFIED and any value outside the enum → 'Unknown'. */
export function syncStateName(state: SyncState): SyncStateName {
  return SYNC_STATE_NAMES[state] ?? 'Unknown';
}

/**
 * The name of a SyncStatus. An agent that leaves it UNSPECIFIED (an older release) gets it
 * derived from the reconcile state: Synced → 'Synced', Failed → 'Failed', otherwise 'Unknown'.
 */
export function syncStatusName(status: SyncStatus, state: SyncStateName): SyncStatusName {
  if (status === SyncStatus.SYNCED) return 'Synced';
  if (status === SyncStatus.OUT_OF_SYNC) return 'OutOfSync';
  if (status === SyncStatus.FAILED) return 'Failed';
  if (state === 'Synced') return 'Synced';
  if (state === 'Failed') return 'Failed';
  return 'Unknown';
}
