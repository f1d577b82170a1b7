/**
 * The stored shape of a preview's result (jsonb `previews.result`, and the API's answer): per
 * cluster the targets that would be added, changed, withdrawn or kept, and per target the objects
 * its agent's server-side dry run says would be created, changed (with the field diff, fleet.v1
 * FieldDiff) or pruned; render errors per bundle.
 */
import type { BundleProblem } from '../bundles/bundle.entity.js';
import type { FieldDiffJson } from '../targets/status.types.js';
import type { TargetChangeKind } from './preview-plan.js';

/** What applying would do to one object: create, change (`diffs`), prune, or orphan (left, kept: prune=false or its annotation). */
export type PreviewObjectAction = 'create' | 'change' | 'prune' | 'orphan';

/** One object of a target's dry run. */
export interface PreviewObject {
  apiVersion: string;
  kind: string;
  /** '' for cluster-scoped objects */
  namespace: string;
  name: string;
  action: PreviewObjectAction;
  /** the fields that would change (action change), else [] */
  diffs: FieldDiffJson[];
}

/** One target (bundle × cluster) of a preview. */
export interface PreviewTarget {
  bundleId: string;
  /** the bundle's directory in the repository ('' = root) */
  path: string;
  change: TargetChangeKind;
  /** why (what differs, the withdrawal reason, why kept); '' when nothing needs saying */
  reason: string;
  /** digest published now; null for an added target */
  publishedDigest: string | null;
  /** digest this revision would publish; null for a withdrawn or kept target */
  digest: string | null;
  /** from the agent's dry run (added, changed, withdrawn); [] for unchanged and kept targets (nothing would be written) */
  objects: PreviewObject[];
  /** problems the agent reported (objects it could not dry-run), and why it did not answer */
  errors: string[];
  /** true when the agent's dry run is in `objects` (it answered) */
  dryRun: boolean;
  /** objects the agent left out to keep its answer within the NATS max_payload */
  truncated: number;
}

/** One cluster of a preview. */
export interface PreviewCluster {
  cluster: string;
  targets: PreviewTarget[];
}

/** One bundle of the revision. */
export interface PreviewBundleResult {
  bundleId: string;
  path: string;
  /** Ready: rendered; Failed: a fleet.yaml, targeting or render error (targets kept); Paused: not deployed */
  state: 'Ready' | 'Failed' | 'Paused';
  errors: BundleProblem[];
  warnings: string[];
}

/** A finished preview's result. */
export interface PreviewResult {
  /** the bundles of the revision (render errors per bundle) */
  bundles: PreviewBundleResult[];
  /** per cluster with a target in the revision or published, by name */
  clusters: PreviewCluster[];
  /** bundle directories whose id could not be made (nothing of the source would be withdrawn) */
  unidentified: Array<{ path: string; reason: string }>;
  /**
   * set when a pipeline run would hold this revision's withdrawals for an operator's
   * confirmation (the mass-deletion guard, deployments/withdrawal.ts `crossesGuard`): the reason
   */
  withdrawalHold: string | null;
}
