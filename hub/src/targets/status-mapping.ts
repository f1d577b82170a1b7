/**
 * Pure mapping of fleet.v1 status messages to the hub's stored/API shapes. No I/O. The names of
 * the status enums and the health ranking every roll-up uses are @gitfleet/proto's (healthName,
 * syncStatusName, compareHealth, worstOf), shared with the agent.
 */
import { compareHealth, HEALTH_NAMES, SYNC_STATUS_NAMES, worstOf, type ObjectDrift, type ObjectRef } from '@gitfleet/proto';
import type { HealthJson, HealthName, ObjectDriftJson, ObjectRefJson, ResourceResultJson, SyncStateName, SyncStatusName } from './status.types.js';

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
