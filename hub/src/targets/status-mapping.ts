/**
 * Pure mapping of fleet.v1 status messages to the hub's stored/API shapes, and the health
 * ranking every roll-up uses. No I/O.
 */
import { HealthStatus, SyncStatus, type ObjectDrift, type ObjectRef } from '@gitfleet/proto';
import {
  HEALTH_NAMES,
  SYNC_STATUS_NAMES,
  type HealthJson,
  type HealthName,
  type ObjectDriftJson,
  type ObjectRefJson,
  type ResourceResultJson,
  type SyncStateName,
  type SyncStatusName,
} from './status.types.js';

const HEALTH_BY_ENUM: Record<number, HealthName> = {
  [HealthStatus.HEALTHY]: 'Healthy',
  [HealthStatus.PROGRESSING]: 'Progressing',
  [HealthStatus.DEGRADED]: 'Degraded',
  [HealthStatus.SUSPENDED]: 'Suspended',
  [HealthStatus.MISSING]: 'Missing',
  [HealthStatus.UNKNOWN]: 'Unknown',
};

/** fleet.v1 HealthStatus → its name; UNSPECIFIED (an agent that does not report health) and unknown values → 'Unknown'. */
export function healthName(h: HealthStatus): HealthName {
  return HEALTH_BY_ENUM[h] ?? 'Unknown';
}

/**
 * fleet.v1 SyncStatus → its name. An agent that leaves it UNSPECIFIED (older release) gets it
 * derived from the reconcile state: Synced → 'Synced', Failed → 'Failed', otherwise 'Unknown'.
 */
export function syncStatusName(s: SyncStatus, state: SyncStateName): SyncStatusName {
  if (s === SyncStatus.SYNCED) return 'Synced';
  if (s === SyncStatus.OUT_OF_SYNC) return 'OutOfSync';
  if (s === SyncStatus.FAILED) return 'Failed';
  if (state === 'Synced') return 'Synced';
  if (state === 'Failed') return 'Failed';
  return 'Unknown';
}

/** fleet.v1 ObjectRef → JSON (a missing ref gives empty strings). */
export function objectRefJson(r: ObjectRef | undefined): ObjectRefJson {
  return { apiVersion: r?.apiVersion ?? '', kind: r?.kind ?? '', namespace: r?.namespace ?? '', name: r?.name ?? '' };
}

/**
 * fleet.v1 ObjectDrift → JSON. `conflict` is null unless the agent named a conflicting manager
 * or gave a conflict message.
 */
export function objectDriftJson(d: ObjectDrift): ObjectDriftJson {
  return {
    object: objectRefJson(d.object),
    missing: d.missing,
    diffs: d.diffs.map((f) => ({ path: f.path, desired: f.desired, live: f.live, manager: f.manager })),
    healed: d.healed,
    conflict: d.conflictManager || d.conflictMessage ? { manager: d.conflictManager, message: d.conflictMessage } : null,
  };
}

/**
 * Rank of each health, 0 = worst: Degraded > Missing > Unknown > Progressing > Suspended >
 * Healthy (fleet.v1 HealthStatus roll-up rule; Argo CD gitops-engine ranks health the same
 * way so that `isWorse` can compare).
 */
export const HEALTH_RANK: Readonly<Record<HealthName, number>> = Object.fromEntries(HEALTH_NAMES.map((h, i) => [h, i])) as Record<HealthName, number>;

/** Sort comparator, worst health first; ties keep their order (Array.prototype.sort is stable). */
export function compareHealth(a: HealthName, b: HealthName): number {
  return HEALTH_RANK[a] - HEALTH_RANK[b];
}

/** The worst of `items` by HEALTH_RANK, or undefined for an empty list (first of equals wins). */
export function worstOf<T>(items: readonly T[], health: (t: T) => HealthName): T | undefined {
  let worst: T | undefined;
  for (const item of items) if (worst === undefined || compareHealth(health(item), health(worst)) < 0) worst = item;
  return worst;
}

/** A zero count per health name, in rank order (worst first). */
export function emptyHealthCounts(): Record<HealthName, number> {
  return Object.fromEntries(HEALTH_NAMES.map((h) => [h, 0])) as Record<HealthName, number>;
}

/** A zero count per sync status name, worst first. */
export function emptySyncCounts(): Record<SyncStatusName, number> {
  return Object.fromEntries(SYNC_STATUS_NAMES.map((s) => [s, 0])) as Record<SyncStatusName, number>;
}

/** Health of a stored resource result; rows from before health existed read as Unknown. */
export function resourceHealth(r: ResourceResultJson): HealthJson {
  return r.health ?? { status: 'Unknown', message: '' };
}

/** Resources sorted worst health first (stable), each with its `health` filled in. */
export function sortResourcesWorstFirst(resources: readonly ResourceResultJson[]): Array<ResourceResultJson & { health: HealthJson }> {
  return resources.map((r) => ({ ...r, health: resourceHealth(r) })).sort((a, b) => compareHealth(a.health.status, b.health.status));
}

/**
 * Target health when the agent did not roll it up itself (HealthStatus UNSPECIFIED): the worst
 * health of its objects (pruned ones do not count), with the cause prefixed by the object,
 * e.g. `Deployment web/api: 1 of 3 replicas available`. No objects → Unknown.
 */
export function rollUpResourceHealth(resources: readonly ResourceResultJson[]): HealthJson {
  const worst = worstOf(resources.filter((r) => r.action !== 'pruned'), (r) => resourceHealth(r).status);
  if (!worst) return { status: 'Unknown', message: '' };
  const h = resourceHealth(worst);
  const where = worst.namespace ? `${worst.namespace}/${worst.name}` : worst.name;
  return { status: h.status, message: h.message ? `${worst.kind} ${where}: ${h.message}` : '' };
}

/**
 * True when a report records an apply of the desired state (for a target's `lastAppliedAt`):
 * a successful reconcile (state Synced) that did not end OutOfSync, started by anything but
 * watching (trigger "drift", "health") or deletion ("delete"); or any report in which self-heal
 * re-applied a drifted object. A report that only observed drift or health, or that waits for
 * a manual sync (automated=false → OutOfSync), did not apply.
 */
export function reportApplied(r: { state: SyncStateName; syncStatus: SyncStatusName; trigger: string; drift: readonly ObjectDriftJson[] }): boolean {
  if (r.drift.some((d) => d.healed)) return true;
  if (r.state !== 'Synced' || r.syncStatus === 'OutOfSync') return false;
  return r.trigger !== 'drift' && r.trigger !== 'health' && r.trigger !== 'delete';
}
