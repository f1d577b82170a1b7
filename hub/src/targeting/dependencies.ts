// dependsOn (Fleet's): whether the bundles a bundle depends on let it proceed on one cluster. Pure.
import { matchesSelector } from '@gitfleet/proto';
import type { DependsOnSpec, FleetBundleState } from '../rendering/fleet-yaml.js';

/** A bundle, as dependsOn selects it: by id or fleet.yaml name, or by its labels. */
export interface DependencyCandidate {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** What the hub knows of one bundle's target on one cluster. */
export interface DependencyTarget {
  /** The published generation and digest (the targets row). */
  generation: number;
  digest: string;
  /** The latest report, if any. */
  report?: {
    generation: number;
    digest: string;
    /** agent's sync state: Synced, Failed, … */
    state: string;
    /** Synced, OutOfSync, … */
    syncStatus: string;
    health: string;
    /** the report applied the published generation at some point */
    applied: boolean;
  };
}

/**
 * Fleet's BundleState of a target (rancher/fleet bundledeployment status, in gitfleet's terms):
 * no target → Pending; no report of the published generation and digest → WaitApplied; the
 * agent failed → ErrApplied; drifted (OutOfSync) → Modified; applied but not Healthy →
 * NotReady; applied, Synced and Healthy → Ready.
 */
export function dependencyState(t: DependencyTarget | undefined): FleetBundleState {
  if (!t) return 'Pending';
  const r = t.report;
  if (!r || r.generation < t.generation || r.digest !== t.digest || !r.applied) return r?.state === 'Failed' && r.generation >= t.generation ? 'ErrApplied' : 'WaitApplied';
  if (r.state === 'Failed') return 'ErrApplied';
  if (r.syncStatus === 'OutOfSync') return 'Modified';
  if (r.health !== 'Healthy') return 'NotReady';
  return 'Ready';
}

/**
 * Why bundle `self` must wait on `cluster` for its dependencies, or undefined when it may
 * proceed. Each `dependsOn` entry selects the bundles whose id or fleet.yaml name equals `name`,
 * or whose labels match `selector` (both given: both must hold), never `self`; an entry that
 * selects no bundle holds (Fleet reports the dependency missing). Every selected bundle must be
 * in one of the entry's `acceptedStates` (default ["Ready"]) on this cluster (see
 * dependencyState); a selected bundle that does not target the cluster is Pending.
 * `targetOf(bundleId)` gives the bundle's target on this cluster, if any.
 * @throws LabelSelectorError for an invalid selector (parsing refuses those first).
 */
export function dependencyHold(
  self: string,
  dependsOn: readonly DependsOnSpec[],
  bundles: readonly DependencyCandidate[],
  targetOf: (bundleId: string) => DependencyTarget | undefined,
): string | undefined {
  for (const dep of dependsOn) {
    const selected = bundles.filter(
      (b) => b.id !== self && (dep.name === undefined || b.id === dep.name || b.name === dep.name) && (dep.selector === undefined || matchesSelector(dep.selector, b.labels)),
    );
    const what = dep.name !== undefined ? `bundle "${dep.name}"` : `bundles selected by ${JSON.stringify(dep.selector)}`;
    if (selected.length === 0) return `depends on ${what}, which does not exist`;
    const accepted = dep.acceptedStates ?? ['Ready'];
    for (const b of selected) {
      const state = dependencyState(targetOf(b.id));
      if (!accepted.includes(state)) return `depends on bundle "${b.id}", which is ${state} on this cluster (accepted: ${accepted.join(', ')})`;
    }
  }
  return undefined;
}
