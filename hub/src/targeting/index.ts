// Targeting: which clusters get a bundle and with which options (Fleet semantics), pure functions.
// Label selectors are matched by @gitfleet/proto (matchesSelector), the one implementation.
export { resolveTargets } from './targets.js';
export type { ClusterGroupInfo, ClusterInfo, ResolvedIgnoreRule, ResolvedSyncPolicy, ResolvedTarget, TargetRule } from './targets.js';
