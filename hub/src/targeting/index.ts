// Targeting: which clusters get a bundle and with which options (Fleet semantics), pure functions.
// Label selectors are matched by @gitfleet/proto (matchesSelector), the one implementation.
export { resolveTargets } from './targets.js';
export type { ClusterGroupInfo, ClusterInfo, ResolvedIgnoreRule, ResolvedSyncPolicy, ResolvedTarget, TargetRule } from './targets.js';
// Rollouts: the stages of a new revision (Fleet partitions), the gate between them, dependsOn.
export { countOf, limitOf, planStages, UNPARTITIONED_STAGE } from './rollout-stages.js';
export type { RolloutPlan, RolloutStage } from './rollout-stages.js';
export { decideRollout, DEFAULT_ROLLOUT_SETTINGS, failureBudget } from './rollout-gate.js';
export type { ClusterDecision, ClusterProgress, ClusterRolloutState, GateDecision, RolloutSettings, StageDecision } from './rollout-gate.js';
export { dependencyHold, dependencyState } from './dependencies.js';
export type { DependencyCandidate, DependencyTarget } from './dependencies.js';
