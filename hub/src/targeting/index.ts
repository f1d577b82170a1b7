// Targeting: which clusters get a bundle and with which options (Fleet semantics), pure functions.
export { matchesSelector } from './label-selector.js';
export type { LabelSelector, LabelSelectorRequirement } from './label-selector.js';
export { resolveTargets } from './targets.js';
export type { ClusterGroupInfo, ClusterInfo, ResolvedIgnoreRule, ResolvedSyncPolicy, ResolvedTarget, TargetRule } from './targets.js';
