// Which clusters a bundle goes to, and with which options (Fleet targeting semantics), pure.
import { matchesSelector } from '@gitfleet/proto';
import { ruleKey, type BundleSpec, type IgnoreDifferenceSpec, type LabelSelector, type RolloutSettingsSpec, type TargetCustomization } from '../rendering/fleet-yaml.js';
import { resolveHelmVariant } from '../rendering/helm.js';
import type { RenderVariant } from '../rendering/render.js';

/** A cluster as targeting sees it. */
export interface ClusterInfo {
  name: string;
  labels: Record<string, string>;
  /** The Kubernetes version its agent last reported (heartbeat), null/absent when unknown; Helm bundles only (selectKubeVersion). */
  kubernetesVersion?: string | null;
}

/** A ClusterGroup: a named label selector over clusters (Fleet ClusterGroup spec.selector). */
export interface ClusterGroupInfo {
  name: string;
  selector: LabelSelector;
}

/** One entry of a source's targets (Fleet GitRepo spec.targets): which clusters may get its bundles. */
export interface TargetRule {
  name?: string;
  clusterSelector?: LabelSelector;
  clusterGroup?: string;
  clusterGroupSelector?: LabelSelector;
  clusterName?: string;
}

/** A resolved sync policy: every field set (fleet.v1 SyncPolicy). */
export interface ResolvedSyncPolicy {
  automated: boolean;
  prune: boolean;
  selfHeal: boolean;
}

/** A resolved ignore rule (fleet.v1 IgnoreDifference): every field present, "" / [] = any / none. */
export interface ResolvedIgnoreRule {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  jsonPointers: string[];
  managers: string[];
}

/** A bundle × cluster pair with its resolved options. */
export interface ResolvedTarget {
  cluster: string;
  /** Name of the matched targetCustomization (Fleet default `target000`, … by position). */
  customization?: string;
  variant: RenderVariant;
  /** Fleet `namespace`: every namespaced object goes there. */
  targetNamespace?: string;
  defaultNamespace?: string;
  /**
   * Fleet `namespaceLabels` / `namespaceAnnotations`: the bundle's merged with the matched
   * customization's (its keys win), for the agent to set on the bundle's namespace (target
   * namespace, else default namespace, else "default"). Absent when empty.
   */
  namespaceLabels?: Record<string, string>;
  namespaceAnnotations?: Record<string, string>;
  syncPolicy: ResolvedSyncPolicy;
  /** Differences the agent must not treat as drift, bundle rules merged with the customization's. */
  ignoreDifferences: ResolvedIgnoreRule[];
  /**
   * DesiredState.take_ownership: may the agent adopt existing objects gitfleet did not create?
   * Helm bundles: Fleet `helm.takeOwnership` (customization's, else bundle's, else false, as
   * Helm); non-Helm bundles: true. resolveTargets always sets it; absent reads as true.
   */
  takeOwnership?: boolean;
  /**
   * `gitfleet.rollout` for this cluster: the bundle's settings, field by field overridden by the
   * matched customization's (minHealthyDuration, progressDeadline, onStale). Absent when neither
   * sets any: then the bundle's rollout is not gated (see deployments/rollout-controller).
   */
  rollout?: RolloutSettingsSpec;
}

/** Cluster criteria of a rule, a targetCustomization or a rollout partition (Fleet ClusterMatcher's inputs). */
export type Criteria = Pick<TargetRule, 'clusterSelector' | 'clusterGroup' | 'clusterGroupSelector' | 'clusterName'>;

/**
 * Resolves the targets of one bundle, with Rancher Fleet's rules
 * (internal/cmd/controller/target/builder.go Targets, matcher/bundlematch.go,
 * matcher/clustermatcher.go, options/calculate.go Merge):
 * 1. A cluster is targeted when it matches ANY of `rules` (the source's targets); no rules →
 *    every cluster (Fleet's `default` target over the all-clusters default group).
 * 2. A rule or customization matches when ALL its given criteria hold: clusterName equal,
 *    clusterSelector matches the cluster labels, clusterGroup names a group the cluster is in,
 *    clusterGroupSelector matches the labels of a group the cluster is in (our groups carry no
 *    labels, so it is evaluated against {} — only an empty or negative selector matches). An
 *    entry with no criteria matches nothing. A cluster is in a group when the group's selector
 *    matches its labels; a cluster in no group is tried with group '' and no labels.
 * 3. The FIRST matching targetCustomization wins (Fleet's default FirstMatch mode): doNotDeploy
 *    excludes the cluster; otherwise a non-empty kustomize.dir / namespace / defaultNamespace
 *    replaces the bundle's, and its yaml.overlays are APPENDED to the bundle's; its
 *    namespaceLabels / namespaceAnnotations are merged over the bundle's, key by key (Fleet
 *    options.Merge: maps.Copy of the customization's into the bundle's).
 *    Sync policy: each field the customization sets replaces the bundle's; ignore rules: the
 *    customization's are merged into the bundle's by selector (group, kind, namespace, name) —
 *    a customization rule with the same selector replaces the bundle's, others are appended
 *    (Fleet merges diff.comparePatches the same way, by apiVersion/kind/namespace/name).
 * 4. Sync policy fields still unset are true (gitfleet's defaults: automated, prune, selfHeal).
 * 5. Helm bundles (a chart in `helm.chart` of the bundle or the customization): variant.helm is
 *    resolveHelmVariant's result — chart/repo/version/releaseName overridden by the
 *    customization, values merged (bundle valuesFiles, values, customization valuesFiles,
 *    values) and templated for this cluster; namespace = target namespace, else default
 *    namespace, else "default" (Fleet helmdeployer getOpts); kubeVersion from the cluster's
 *    `gitfleet.io/kubernetes-version` label, else its reported kubernetesVersion (selectKubeVersion).
 *    Non-Helm variants never depend on the Kubernetes version. takeOwnership: the resolved
 *    `helm.takeOwnership` (customization's, else bundle's, default false) for Helm bundles,
 *    true for every other bundle (the agent adopts existing objects as it always did).
 * Paused bundles resolve like any other (the caller holds publishing back). Result sorted by
 * cluster name.
 * @throws LabelSelectorError for a selector with an invalid operator (@gitfleet/proto
 *   matchesSelector), or Error for a helm values
 *   template that fails for a cluster (see templateValues: the whole bundle fails, as in Fleet).
 */
export function resolveTargets(spec: BundleSpec, clusters: ClusterInfo[], groups: ClusterGroupInfo[], rules?: TargetRule[]): ResolvedTarget[] {
  const out: ResolvedTarget[] = [];
  for (const cluster of [...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const memberOf = groupsOf(cluster, groups);
    if (rules && rules.length > 0 && !rules.some((r) => matchesCriteria(r, cluster, memberOf))) continue;

    const index = spec.targetCustomizations.findIndex((tc) => matchesCriteria(tc, cluster, memberOf));
    const tc: TargetCustomization | undefined = spec.targetCustomizations[index];
    if (tc?.doNotDeploy) continue;

    const target: ResolvedTarget = {
      cluster: cluster.name,
      variant: {
        overlays: [...(spec.yaml?.overlays ?? []), ...(tc?.yaml?.overlays ?? [])],
      },
      syncPolicy: resolvePolicy(spec, tc),
      ignoreDifferences: mergeRules(spec.ignoreDifferences ?? [], tc?.ignoreDifferences ?? []).map(resolveRule),
    };
    if (tc) target.customization = tc.name || `target${String(index).padStart(3, '0')}`;
    const kustomizeDir = tc?.kustomize?.dir || spec.kustomize?.dir;
    if (kustomizeDir) target.variant.kustomizeDir = kustomizeDir;
    const targetNamespace = tc?.namespace || spec.namespace;
    if (targetNamespace) target.targetNamespace = targetNamespace;
    const defaultNamespace = tc?.defaultNamespace || spec.defaultNamespace;
    if (defaultNamespace) target.defaultNamespace = defaultNamespace;
    const namespaceLabels = { ...spec.namespaceLabels, ...tc?.namespaceLabels };
    if (Object.keys(namespaceLabels).length > 0) target.namespaceLabels = namespaceLabels;
    const namespaceAnnotations = { ...spec.namespaceAnnotations, ...tc?.namespaceAnnotations };
    if (Object.keys(namespaceAnnotations).length > 0) target.namespaceAnnotations = namespaceAnnotations;
    const helm = resolveHelmVariant(spec, tc, cluster, targetNamespace || defaultNamespace || 'default');
    if (helm) target.variant.helm = helm;
    target.takeOwnership = helm ? (tc?.helm?.takeOwnership ?? spec.helm?.takeOwnership ?? false) : true;
    if (spec.rollout || tc?.rollout) target.rollout = { ...spec.rollout, ...tc?.rollout };
    out.push(target);
  }
  return out;
}

/** Bundle policy overridden field by field by the customization's; unset fields true. */
function resolvePolicy(spec: BundleSpec, tc: TargetCustomization | undefined): ResolvedSyncPolicy {
  const pick = (k: keyof ResolvedSyncPolicy) => tc?.syncPolicy?.[k] ?? spec.syncPolicy?.[k] ?? true;
  return { automated: pick('automated'), prune: pick('prune'), selfHeal: pick('selfHeal') };
}

/** Bundle rules with the customization's merged in by selector (same selector: customization wins, in place). */
function mergeRules(base: IgnoreDifferenceSpec[], custom: IgnoreDifferenceSpec[]): IgnoreDifferenceSpec[] {
  const out = [...base];
  for (const rule of custom) {
    const i = out.findIndex((b) => ruleKey(b) === ruleKey(rule));
    if (i >= 0) out[i] = rule;
    else out.push(rule);
  }
  return out;
}

function resolveRule(r: IgnoreDifferenceSpec): ResolvedIgnoreRule {
  return {
    group: r.group ?? '',
    kind: r.kind ?? '',
    namespace: r.namespace ?? '',
    name: r.name ?? '',
    jsonPointers: [...(r.jsonPointers ?? [])],
    managers: [...(r.managers ?? [])],
  };
}

/**
 * Fleet ClusterMatcher.Match, tried once per group the cluster is in (or once with no group):
 * the criteria that are set are ANDed; criteria with none set match no cluster. `memberOf` is
 * the names of the groups whose selector matches the cluster (see groupsOf).
 */
export function matchesCriteria(c: Criteria, cluster: ClusterInfo, memberOf: string[]): boolean {
  const hasCriteria = !!c.clusterName || !!c.clusterGroup || c.clusterGroupSelector !== undefined || c.clusterSelector !== undefined;
  if (!hasCriteria) return false;
  const tryGroup = (group: string): boolean =>
    (!c.clusterName || c.clusterName === cluster.name) &&
    (!c.clusterGroup || c.clusterGroup === group) &&
    (c.clusterGroupSelector === undefined || matchesSelector(c.clusterGroupSelector, {})) &&
    (c.clusterSelector === undefined || matchesSelector(c.clusterSelector, cluster.labels));
  return memberOf.length === 0 ? tryGroup('') : memberOf.some(tryGroup);
}

/** Names of the groups whose selector matches `cluster`'s labels, in `groups` order. */
export function groupsOf(cluster: ClusterInfo, groups: ClusterGroupInfo[]): string[] {
  return groups.filter((g) => matchesSelector(g.selector, cluster.labels)).map((g) => g.name);
}
