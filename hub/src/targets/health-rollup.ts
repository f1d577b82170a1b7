/**
 * Health and sync roll-ups over targets (for a bundle across the fleet, or a cluster across its
 * bundles), pure. The worst health wins (@gitfleet/proto compareHealth); lists are worst first.
 */
import { compareHealth } from '@gitfleet/proto';
import { emptyHealthCounts, emptySyncCounts } from './status-mapping.js';
import type { HealthJson, HealthName, SyncStatusName } from './status.types.js';

/** Health message of a target no report has come in for. */
export const NO_REPORT_MESSAGE = 'no status report yet';

/** One target as a roll-up sees it. */
export interface TargetHealthInput {
  cluster: string;
  bundleId: string;
  health: HealthJson;
  syncStatus: SyncStatusName;
}

/** One target's line in a roll-up. */
export interface TargetHealthEntry {
  cluster: string;
  bundleId: string;
  status: HealthName;
  message: string;
  syncStatus: SyncStatusName;
}

/** A roll-up over targets. */
export interface HealthRollUp {
  /** worst health of the targets; Healthy when there are none */
  status: HealthName;
  /** `<label of the worst target>: <its message>` ("" when every target is Healthy) */
  message: string;
  /** number of targets per health, every name present */
  counts: Record<HealthName, number>;
  /** number of targets per sync status, every name present */
  sync: Record<SyncStatusName, number>;
  /** the targets, worst health first (then by label) */
  targets: TargetHealthEntry[];
}

/**
 * Rolls up `targets`; `label` names a target in the message (the cluster for a bundle's
 * roll-up, the bundle id for a cluster's). No targets → Healthy, message "no targets".
 */
export function rollUpTargets(targets: readonly TargetHealthInput[], label: (t: TargetHealthInput) => string): HealthRollUp {
  const counts = emptyHealthCounts();
  const sync = emptySyncCounts();
  for (const t of targets) {
    counts[t.health.status]++;
    sync[t.syncStatus]++;
  }
  const sorted = [...targets].sort((a, b) => compareHealth(a.health.status, b.health.status) || label(a).localeCompare(label(b)));
  const entries = sorted.map((t) => ({ cluster: t.cluster, bundleId: t.bundleId, status: t.health.status, message: t.health.message, syncStatus: t.syncStatus }));
  const worst = sorted[0];
  if (!worst) return { status: 'Healthy', message: 'no targets', counts, sync, targets: entries };
  return { status: worst.health.status, message: rollUpMessage(label(worst), worst.health), counts, sync, targets: entries };
}

/** `<label>: <message or status>`, or "" for Healthy. */
export function rollUpMessage(label: string, health: HealthJson): string {
  if (health.status === 'Healthy') return '';
  return `${label}: ${health.message || health.status}`;
}
