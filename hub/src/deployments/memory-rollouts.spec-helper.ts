// For unit specs of the pipeline: RolloutsRepository over arrays (the real one is tested on
// PostgreSQL in hub/test/rollouts.test.ts), and the RolloutController wired over it.
import { strictMock, type StrictMock } from '../testing/strict-mock.js';
import type { BundlePinEntity } from '../rollouts/bundle-pin.entity.js';
import type { RolloutClusterEntity } from '../rollouts/rollout-cluster.entity.js';
import type { RolloutEntity } from '../rollouts/rollout.entity.js';
import { ACTIVE_PHASES, type RolloutsRepository } from '../rollouts/rollouts.repository.js';
import type { BundlesRepository } from '../bundles/bundles.repository.js';
import type { ClusterHoldsService } from '../clusters/cluster-holds.service.js';
import type { ClusterGroupsRepository } from '../clusters/cluster-groups.repository.js';
import type { ClustersRepository } from '../clusters/clusters.repository.js';
import type { StatusRepository } from '../targets/status.repository.js';
import type { TargetsRepository } from '../targets/targets.repository.js';
import type { DesiredStatePublisher } from './desired-state-publisher.service.js';
import { RolloutController } from './rollout-controller.service.js';
import type { TargetWriteLock } from './target-write-lock.js';

/** A RolloutsRepository mock (`repo`) keeping rollouts, their clusters and pins in arrays (`state`). */
export function memoryRollouts(): { repo: StrictMock<RolloutsRepository>; state: { rollouts: RolloutEntity[]; clusters: RolloutClusterEntity[]; pins: BundlePinEntity[] } } {
  const state = { rollouts: [] as RolloutEntity[], clusters: [] as RolloutClusterEntity[], pins: [] as BundlePinEntity[] };
  let seq = 0;
  const repo = strictMock<RolloutsRepository>('rollouts', {
    latest: async (bundleId) => [...state.rollouts].reverse().find((r) => r.bundleId === bundleId) ?? null,
    get: async (id) => state.rollouts.find((r) => r.id === id) ?? null,
    history: async (bundleId) => [...state.rollouts].reverse().filter((r) => r.bundleId === bundleId),
    inPhase: async (phases = ['Progressing']) => state.rollouts.filter((r) => phases.includes(r.phase)),
    clustersOf: async (id) => state.clusters.filter((c) => c.rolloutId === id).sort((a, b) => (a.cluster < b.cluster ? -1 : 1)),
    start: async (rollout, clusters, cause) => {
      for (const r of state.rollouts) if (r.bundleId === rollout.bundleId && ACTIVE_PHASES.includes(r.phase)) Object.assign(r, { phase: 'Superseded', cause });
      const saved = { ...structuredClone(rollout), id: `r${++seq}` } as RolloutEntity;
      state.rollouts.push(saved);
      for (const c of clusters) state.clusters.push({ ...structuredClone(c), rolloutId: saved.id });
      return saved;
    },
    supersede: async (bundleId, cause) => {
      for (const r of state.rollouts) if (r.bundleId === bundleId && ACTIVE_PHASES.includes(r.phase)) Object.assign(r, { phase: 'Superseded', cause });
    },
    update: async (id, fields) => {
      Object.assign(state.rollouts.find((r) => r.id === id)!, structuredClone(fields));
    },
    updateCluster: async (id, cluster, fields) => {
      Object.assign(state.clusters.find((c) => c.rolloutId === id && c.cluster === cluster)!, fields);
    },
    healthyRevisions: async () => [],
    appliedDigestsAt: async () => [],
    pins: async (bundleId) => state.pins.filter((p) => p.bundleId === bundleId),
    putPin: async (pin) => {
      const i = state.pins.findIndex((p) => p.bundleId === pin.bundleId && p.cluster === pin.cluster);
      if (i >= 0) state.pins.splice(i, 1);
      state.pins.push({ ...pin, createdAt: new Date() });
    },
  });
  return { repo, state };
}

/** The RolloutController of a unit spec: over `memoryRollouts`, no reports (an empty target_status), no pins. */
export function specRolloutController(deps: {
  targets: TargetsRepository;
  clusters: ClustersRepository;
  groups: ClusterGroupsRepository;
  bundles: BundlesRepository;
  publisher: DesiredStatePublisher;
  lock: TargetWriteLock;
}): RolloutController {
  const status = strictMock<StatusRepository>('status', { getStatuses: async () => new Map() });
  const holds = strictMock<ClusterHoldsService>('holds', { heldAt: async () => new Map() });
  return new RolloutController(memoryRollouts().repo, deps.targets, status, deps.clusters, deps.groups, deps.bundles, deps.publisher, deps.lock, holds);
}
