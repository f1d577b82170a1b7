import { Injectable } from '@nestjs/common';
import type { LabelSelector } from '@gitfleet/proto';
import { ClusterGroupsRepository } from './cluster-groups.repository.js';
import { holdReason, memoizedWindowStates } from './cluster-holds.js';
import { ClustersRepository } from './clusters.repository.js';
import type { HeldClusterView } from './maintenance-windows.dto.js';
import { MaintenanceWindowsRepository } from './maintenance-windows.repository.js';

/**
 * Which clusters are held now, and why (issue #11): the one question the rollout controller asks
 * before giving a cluster a new revision. Held clusters wait for new revisions; drift correction
 * and health go on (the agent never refuses to apply).
 */
@Injectable()
export class ClusterHoldsService {
  constructor(
    private readonly clusters: ClustersRepository,
    private readonly windows: MaintenanceWindowsRepository,
    private readonly groups: ClusterGroupsRepository,
  ) {}

  /**
   * The held clusters among `clusters` at `now`, each with its reason (cluster-holds.ts
   * holdReason), e.g. `spoke-side hold: "change freeze" (since 2026-12-01T08:00:00.000Z)` or
   * `outside maintenance window "weeknights" (next opens 2026-12-07T22:00:00.000Z)`; both joined
   * by "; " when both hold. A cluster that is free, or that does not exist, is not in the map.
   * Three queries whatever the number of clusters.
   * @throws Error when PostgreSQL cannot be read (the caller keeps waiting: it must not take an
   *   error for "free")
   */
  async heldAt(clusters: string[], now: Date): Promise<Map<string, string>> {
    const held = new Map<string, string>();
    if (clusters.length === 0) return held;
    const [rows, windows] = await Promise.all([this.clusters.listByNames([...new Set(clusters)]), this.windows.list()]);
    const groups = windows.some((w) => w.clusterGroup) ? new Map<string, LabelSelector>((await this.groups.list()).map((g) => [g.name, g.selector])) : new Map<string, LabelSelector>();
    const stateOf = memoizedWindowStates(now);
    for (const c of rows) {
      const reason = holdReason({ labels: c.labels ?? {}, holdReason: c.holdReason ?? null, holdSince: c.holdSince ?? null }, windows, groups, now, stateOf);
      if (reason) held.set(c.name, reason);
    }
    return held;
  }

  /** Every cluster held at `now` with its reason (heldAt over all clusters), by name. */
  async listHeld(now = new Date()): Promise<HeldClusterView[]> {
    const names = (await this.clusters.list()).map((c) => c.name);
    return [...(await this.heldAt(names, now))].map(([cluster, reason]) => ({ cluster, reason })).sort((a, b) => a.cluster.localeCompare(b.cluster));
  }
}
