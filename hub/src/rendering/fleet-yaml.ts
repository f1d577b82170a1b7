// fleet.yaml: the bundle options file, in Rancher Fleet's format plus our `gitfleet:` key.
import { LABEL_SELECTOR_OPERATORS, type LabelSelector, type LabelSelectorOperator, type LabelSelectorRequirement } from '@gitfleet/proto';
import parseDuration from 'parse-duration';
import { LABEL_KEY, LABEL_VALUE } from '../validators.js';
import { BundleError } from './bundle-error.js';
import { parseYamlDocuments } from './yaml-docs.js';

/** Kubernetes label selectors (the type and its matching live in @gitfleet/proto). */
export type { LabelSelector, LabelSelectorRequirement };

/**
 * Fleet's `helm:` options (rancher/fleet pkg/apis/fleet.cattle.io/v1alpha1 HelmOptions), the
 * fields gitfleet renders with, at the top level of fleet.yaml or in a targetCustomization.
 * `chart` is one of: a path relative to the bundle dir (a chart dir or a .tgz), a chart name in
 * the HTTP repository `repo`, an `oci://` reference, or an http(s) URL of a chart archive. A
 * bundle dir holding a Chart.yaml and no `helm.chart` is a chart bundle with chart "." (set by
 * scanBundles). In a targetCustomization, an unset `chart`, `repo` and `version` inherit the
 * bundle's (Fleet: bundlereader propagateHelmChartProperties).
 */
export interface HelmSpec {
  chart?: string;
  /**
   * Chart repository holding `chart`: an HTTP(S) Helm repository URL (index.yaml), or an
   * `oci://host/path` prefix that the chart name is appended to. Plain-HTTP OCI registries are
   * a hub setting (GITFLEET_HELM_PLAIN_HTTP_REGISTRIES), not a field here.
   */
  repo?: string;
  /** Chart version (a semver range for repos, as `helm template --version`). */
  version?: string;
  /** Release name (`.Release.Name`); default: the bundle id. */
  releaseName?: string;
  /** Inline values; strings may use Fleet's `${ .ClusterName }` / `${ .ClusterLabels.key }`. */
  values?: Record<string, unknown>;
  /** Values files, relative to the bundle dir, merged in order before `values`. */
  valuesFiles?: string[];
  /** The files of `valuesFiles`, read by scanBundles (repo-relative path, parsed mapping), in order. */
  loadedValuesFiles?: Array<{ file: string; values: Record<string, unknown> }>;
  /** Adopt existing objects not managed by this bundle (Helm `--take-ownership`); for the agent. */
  takeOwnership?: boolean;
  /**
   * Set by scanBundles (prepareHelmSpec) for a local `chart` of this level, never read from
   * fleet.yaml: true when the chart reads `.Values.global.fleet` (chartReadsFleetGlobals), so
   * resolveHelmVariant gives it `global.fleet.clusterLabels` / `clusterName`.
   */
  readsFleetGlobals?: boolean;
  /** Fleet: skip the `${ }` templating of values. */
  disablePreProcess?: boolean;
  /** Fleet: skip `helm dependency build` (the chart's dependencies are already in `charts/`). */
  disableDependencyUpdate?: boolean;
}

/**
 * gitfleet's sync policy as written at one level of fleet.yaml (`gitfleet.syncPolicy`, or derived
 * from Fleet's `correctDrift` / `keepResources`). An absent field inherits from the bundle level
 * and, at the bundle level, means true (see resolveTargets).
 */
export interface SyncPolicySpec {
  /** apply new revisions as they arrive */
  automated?: boolean;
  /** delete objects that left the desired state (Fleet: `keepResources: true` → false) */
  prune?: boolean;
  /** re-apply when live drifts from desired (Fleet: `correctDrift.enabled`) */
  selfHeal?: boolean;
}

/**
 * A rule that keeps matching differences out of drift (fleet.v1 IgnoreDifference). Selector
 * fields that are absent or empty match anything. Written as `gitfleet.ignoreDifferences[]`
 * (Argo CD's shape) or derived from Fleet's `diff.comparePatches[]`.
 */
export interface IgnoreDifferenceSpec {
  /** API group ("apps", …); empty matches every group, including the core group */
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  /** RFC 6901 JSON pointers never compared, e.g. "/spec/replicas" */
  jsonPointers?: string[];
  /** field managers whose fields are never drift, e.g. "kube-controller-manager" */
  managers?: string[];
}

/**
 * One entry of fleet.yaml `targetCustomizations` (Fleet BundleTarget, the fields we support).
 * Criteria (clusterName, clusterSelector, clusterGroup, clusterGroupSelector) are ANDed; an entry
 * with none of them matches no cluster (Fleet: matcher.ClusterMatcher.Match).
 */
export interface TargetCustomization {
  /** Display name; Fleet defaults it to `target000`, `target001`, … by position. */
  name?: string;
  clusterSelector?: LabelSelector;
  clusterGroup?: string;
  clusterGroupSelector?: LabelSelector;
  clusterName?: string;
  /** The matched cluster gets no deployment of this bundle. */
  doNotDeploy?: boolean;
  /** Fleet `namespace` (TargetNamespace): every namespaced object is forced into it. */
  namespace?: string;
  /** Namespace for objects that name none. */
  defaultNamespace?: string;
  /** Fleet `namespaceLabels`: merged over the bundle's, key by key (see BundleSpec.namespaceLabels). */
  namespaceLabels?: Record<string, string>;
  /** Fleet `namespaceAnnotations`: merged over the bundle's, key by key. */
  namespaceAnnotations?: Record<string, string>;
  /** Folder (relative to the bundle dir) holding the kustomization to build. */
  kustomize?: { dir?: string };
  /** Names of `overlays/<name>/` folders, appended to the bundle's own overlays. */
  yaml?: { overlays?: string[] };
  /** Helm options: chart/repo/version/releaseName replace the bundle's, values are merged over the bundle's. */
  helm?: HelmSpec;
  /** Fields set here override the bundle's, one by one. */
  syncPolicy?: SyncPolicySpec;
  /** Merged into the bundle's rules; an entry with the same selector replaces the bundle's. */
  ignoreDifferences?: IgnoreDifferenceSpec[];
  /** `gitfleet.rollout` here: minHealthyDuration, progressDeadline and onStale override the bundle's for the matched clusters. */
  rollout?: RolloutSettingsSpec;
}

/**
 * gitfleet's own rollout settings as written in fleet.yaml (`gitfleet.rollout`), parsed:
 * durations (Go style in the file: "30s", "10m", "1m30s") in milliseconds. Absent fields take
 * the bundle's value, then the defaults (targeting/rollout-gate.ts DEFAULT_ROLLOUT_SETTINGS).
 */
export interface RolloutSettingsSpec {
  minHealthyDurationMs?: number;
  progressDeadlineMs?: number;
  /** Failed clusters tolerated: a count, or a percentage of all targets. Bundle level only. */
  maxFailures?: IntOrPercent;
  /** Bundle level only. */
  autoRollback?: boolean;
  onStale?: 'block' | 'skip';
}

/** Fleet's BundleState names, accepted in `dependsOn[].acceptedStates` (rancher/fleet pkg/apis/fleet.cattle.io/v1alpha1 bundle_types.go). */
export const FLEET_BUNDLE_STATES = ['Ready', 'NotReady', 'WaitApplied', 'ErrApplied', 'OutOfSync', 'Pending', 'Modified'] as const;
/** One of FLEET_BUNDLE_STATES. */
export type FleetBundleState = (typeof FLEET_BUNDLE_STATES)[number];

/** One `dependsOn` entry: the bundles (by name, or by a selector over bundle labels) that must be in an accepted state first. */
export interface DependsOnSpec {
  name?: string;
  selector?: LabelSelector;
  /** States of the dependency that let this bundle proceed; default ["Ready"] (Fleet). */
  acceptedStates?: FleetBundleState[];
}

/** Fleet's IntOrString limits: a count (≥ 0), or a percentage string such as "25%". */
export type IntOrPercent = number | string;

/** One entry of Fleet's `rolloutStrategy.partitions` (its criteria are ANDed, as in targeting). */
export interface RolloutPartitionSpec {
  name?: string;
  /** Of this partition's clusters; default: the strategy's maxUnavailable. */
  maxUnavailable?: IntOrPercent;
  clusterName?: string;
  clusterSelector?: LabelSelector;
  clusterGroup?: string;
  clusterGroupSelector?: LabelSelector;
}

/**
 * Fleet's `rolloutStrategy` (rancher/fleet pkg/apis/fleet.cattle.io/v1alpha1 RolloutStrategy):
 * how a new revision of a bundle spreads over its clusters. Defaults: maxUnavailable 100 %,
 * maxUnavailablePartitions 0, autoPartitionSize 25 % (from 200 targets on).
 */
export interface RolloutStrategySpec {
  maxUnavailable?: IntOrPercent;
  maxUnavailablePartitions?: IntOrPercent;
  autoPartitionSize?: IntOrPercent;
  partitions?: RolloutPartitionSpec[];
}

/** The parsed fleet.yaml of one bundle: Fleet's FleetYAML fields we support, plus our extension. */
export interface BundleSpec {
  /** Overrides the path part of the bundle id. */
  name?: string;
  /** Bundle labels, matched by other bundles' `dependsOn[].selector`. Always present. */
  labels: Record<string, string>;
  namespace?: string;
  defaultNamespace?: string;
  /**
   * Fleet `namespaceLabels` (BundleDeploymentOptions.NamespaceLabels): labels the agent sets on
   * the bundle's namespace (`namespace`, else `defaultNamespace`, else "default", as Fleet's
   * release namespace). Keys are Kubernetes label keys, values label values (checked here).
   */
  namespaceLabels?: Record<string, string>;
  /** Fleet `namespaceAnnotations`: annotations set on the same namespace (keys checked as label keys). */
  namespaceAnnotations?: Record<string, string>;
  kustomize?: { dir?: string };
  yaml?: { overlays?: string[] };
  /** Helm options (see HelmSpec); set with chart "." by scanBundles for a dir holding Chart.yaml. */
  helm?: HelmSpec;
  /** In file order; the first matching one wins. Always present. */
  targetCustomizations: TargetCustomization[];
  /** Bundles that must be ready first, on the same cluster: by bundle name or by a selector over bundle labels. */
  dependsOn?: DependsOnSpec[];
  /** Fleet's `rolloutStrategy`: the stages a new revision goes through. */
  rolloutStrategy?: RolloutStrategySpec;
  /** `gitfleet.rollout` at the top level. */
  rollout?: RolloutSettingsSpec;
  /** Paused bundles are still targeted; publishing is held back by the caller. */
  paused?: boolean;
  /** From `gitfleet.syncPolicy` (our extension key) and Fleet's `correctDrift` / `keepResources`. */
  syncPolicy?: SyncPolicySpec;
  /** From `gitfleet.ignoreDifferences` and Fleet's `diff.comparePatches`, in file order. */
  ignoreDifferences?: IgnoreDifferenceSpec[];
}

/** A spec with every default: what a manifests dir without fleet.yaml gets. */
export function defaultBundleSpec(): BundleSpec {
  return { labels: {}, targetCustomizations: [] };
}

/**
 * Fields Fleet's fleet.yaml has (FleetYAML / BundleSpec / BundleDeploymentOptions in
 * rancher/fleet pkg/apis/fleet.cattle.io/v1alpha1) that gitfleet does not implement yet. They
 * are reported as warnings, never silently dropped.
 */
const FLEET_UNSUPPORTED_TOP = new Set([
  'serviceAccount', 'forceSyncGeneration',
  'deleteNamespace', 'deleteCRDResources', 'ignore', 'imageScans', 'overrideTargets', 'targets', 'targetRestrictions',
  'targetCustomizationMode', 'downstreamResources', 'resources', 'contentsId', 'valuesHash',
]);
const FLEET_UNSUPPORTED_TARGET = new Set([
  'serviceAccount', 'forceSyncGeneration', 'deleteNamespace',
  'ignore', 'downstreamResources',
]);
/** Fleet HelmOptions fields that steer `helm install` on the cluster, not the render: not yet. */
const FLEET_UNSUPPORTED_HELM = new Set([
  'timeoutSeconds', 'force', 'atomic', 'maxHistory', 'waitForJobs', 'disableDNS', 'skipSchemaValidation', 'templateValues',
]);
const HELM_KNOWN = [
  'chart', 'repo', 'version', 'releaseName', 'values', 'valuesFiles', 'valuesFrom', 'takeOwnership', 'disablePreProcess', 'disableDependencyUpdate',
] as const;
/** Fleet CorrectDrift fields that only steer Helm rollbacks, which gitfleet does not do. */
const FLEET_UNSUPPORTED_CORRECT_DRIFT = new Set(['force', 'keepFailHistory']);

type Obj = Record<string, unknown>;

/** Collects warnings and throws typed BundleErrors while walking one fleet.yaml. */
class Reader {
  readonly warnings: string[] = [];
  constructor(readonly file: string) {}

  fail(path: string, want: string, got: unknown): never {
    throw new BundleError(this.file, `field "${path}": expected ${want}, got ${describe(got)}`);
  }

  /** Warns about keys of `obj` outside `known`; `unsupported` keys get "not supported yet". */
  keys(obj: Obj, path: string, known: readonly string[], unsupported: ReadonlySet<string> = new Set()): void {
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const full = path ? `${path}.${key}` : key;
      if (unsupported.has(key)) this.warnings.push(`${this.file}: field "${full}" is not supported yet (ignored)`);
      else this.warnings.push(`${this.file}: unknown field "${full}"`);
    }
  }

  object(v: unknown, path: string): Obj | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'a mapping', v);
    return v as Obj;
  }

  string(v: unknown, path: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(path, 'a string', v);
    return v;
  }

  boolean(v: unknown, path: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(path, 'true or false', v);
    return v;
  }

  list(v: unknown, path: string): unknown[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(path, 'a list', v);
    return v;
  }

  stringList(v: unknown, path: string): string[] | undefined {
    return this.list(v, path)?.map((item, i) => this.string(item, `${path}[${i}]`) ?? this.fail(`${path}[${i}]`, 'a string', item));
  }

  stringMap(v: unknown, path: string): Record<string, string> | undefined {
    const o = this.object(v, path);
    if (!o) return undefined;
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(o)) {
      if (typeof val !== 'string') this.fail(`${path}.${k}`, 'a string', val);
      out[k] = val;
    }
    return out;
  }

  /**
   * A map of Kubernetes labels or annotations (Fleet namespaceLabels / namespaceAnnotations):
   * string values; keys are qualified names (apimachinery IsQualifiedName: optional DNS-subdomain
   * prefix and '/', a name of at most 63 characters); label values as IsValidLabelValue. Checked
   * here so a bad key fails the bundle with its place, not the apply on every cluster.
   */
  metadataMap(v: unknown, path: string, what: 'label' | 'annotation'): Record<string, string> | undefined {
    const map = this.stringMap(v, path);
    if (!map) return undefined;
    for (const [k, val] of Object.entries(map)) {
      if (!LABEL_KEY.test(k) || k.length > 317) this.fail(`${path}.${k}`, `a Kubernetes ${what} key ([prefix/]name, name at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends)`, k);
      if (what === 'label' && !LABEL_VALUE.test(val)) this.fail(`${path}.${k}`, 'a Kubernetes label value (at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends, or empty)', val);
    }
    return map;
  }

  selector(v: unknown, path: string): LabelSelector | undefined {
    const o = this.object(v, path);
    if (!o) return undefined;
    this.keys(o, path, ['matchLabels', 'matchExpressions']);
    const sel: LabelSelector = {};
    const matchLabels = this.stringMap(o.matchLabels, `${path}.matchLabels`);
    if (matchLabels) sel.matchLabels = matchLabels;
    const exprs = this.list(o.matchExpressions, `${path}.matchExpressions`);
    if (exprs) {
      sel.matchExpressions = exprs.map((e, i) => {
        const p = `${path}.matchExpressions[${i}]`;
        const eo = this.object(e, p) ?? this.fail(p, 'a mapping', e);
        this.keys(eo, p, ['key', 'operator', 'values']);
        const key = this.string(eo.key, `${p}.key`) ?? this.fail(`${p}.key`, 'a string', eo.key);
        const operator = this.string(eo.operator, `${p}.operator`);
        if (!LABEL_SELECTOR_OPERATORS.includes(operator as LabelSelectorOperator)) {
          this.fail(`${p}.operator`, 'one of In, NotIn, Exists, DoesNotExist', eo.operator);
        }
        const values = this.stringList(eo.values, `${p}.values`);
        const req: LabelSelectorRequirement = { key, operator: operator as LabelSelectorOperator };
        if (values) req.values = values;
        return req;
      });
    }
    return sel;
  }

  kustomize(v: unknown, path: string): { dir?: string } | undefined {
    const o = this.object(v, path);
    if (!o) return undefined;
    this.keys(o, path, ['dir']);
    const dir = this.string(o.dir, `${path}.dir`);
    return dir === undefined ? {} : { dir };
  }

  helm(v: unknown, path: string): HelmSpec | undefined {
    const o = this.object(v, path);
    if (!o) return undefined;
    this.keys(o, path, HELM_KNOWN, FLEET_UNSUPPORTED_HELM);
    const h: HelmSpec = {};
    for (const key of ['chart', 'repo', 'version', 'releaseName'] as const) {
      const s = this.string(o[key], `${path}.${key}`);
      if (s) h[key] = s;
    }
    const values = this.object(o.values, `${path}.values`);
    if (values) h.values = values;
    const valuesFiles = this.stringList(o.valuesFiles, `${path}.valuesFiles`)?.filter((f) => f !== '');
    if (valuesFiles && valuesFiles.length > 0) h.valuesFiles = valuesFiles;
    if (o.valuesFrom !== undefined && o.valuesFrom !== null) {
      this.list(o.valuesFrom, `${path}.valuesFrom`);
      this.warnings.push(`${this.file}: ${path}.valuesFrom is not supported yet (ignored: values from ConfigMaps/Secrets on the cluster are not read)`);
    }
    for (const key of ['takeOwnership', 'disablePreProcess', 'disableDependencyUpdate'] as const) {
      const b = this.boolean(o[key], `${path}.${key}`);
      if (b !== undefined) h[key] = b;
    }
    return h;
  }

  /** A count (≥ 0) or a percentage ("25%"), Fleet's IntOrString limits. */
  intOrPercent(v: unknown, path: string): IntOrPercent | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    if (typeof v === 'string' && /^(\d+|\d+(\.\d+)?%)$/.test(v)) return v;
    this.fail(path, 'a count (≥ 0) or a percentage such as "25%"', v);
  }

  /** A Go-style duration ("30s", "10m", "1m30s", "500ms") in milliseconds. */
  duration(v: unknown, path: string): number | undefined {
    const s = this.string(v, path);
    if (s === undefined) return undefined;
    const ms = /^(\d+(\.\d+)?(ms|s|m|h))+$/.test(s) ? parseDuration(s) : null;
    if (ms === null || ms === undefined) this.fail(path, 'a duration such as "30s", "10m" or "1m30s"', v);
    return ms;
  }

  rolloutStrategy(v: unknown, path: string): RolloutStrategySpec | undefined {
    const o = this.object(v, path);
    if (!o) return undefined;
    this.keys(o, path, ['maxUnavailable', 'maxUnavailablePartitions', 'autoPartitionSize', 'partitions']);
    const s: RolloutStrategySpec = {};
    for (const key of ['maxUnavailable', 'maxUnavailablePartitions', 'autoPartitionSize'] as const) {
      const x = this.intOrPercent(o[key], `${path}.${key}`);
      if (x !== undefined) s[key] = x;
    }
    const partitions = this.list(o.partitions, `${path}.partitions`);
    if (partitions) {
      s.partitions = partitions.map((entry, i) => {
        const p = `${path}.partitions[${i}]`;
        const po = this.object(entry, p) ?? this.fail(p, 'a mapping', entry);
        this.keys(po, p, ['name', 'maxUnavailable', 'clusterName', 'clusterSelector', 'clusterGroup', 'clusterGroupSelector']);
        const part: RolloutPartitionSpec = {};
        for (const key of ['name', 'clusterName', 'clusterGroup'] as const) {
          const x = this.string(po[key], `${p}.${key}`);
          if (x !== undefined) part[key] = x;
        }
        const mu = this.intOrPercent(po.maxUnavailable, `${p}.maxUnavailable`);
        if (mu !== undefined) part.maxUnavailable = mu;
        for (const key of ['clusterSelector', 'clusterGroupSelector'] as const) {
          const sel = this.selector(po[key], `${p}.${key}`);
          if (sel) part[key] = sel;
        }
        return part;
      });
    }
    return s;
  }

  yaml(v: unknown, path: string): { overlays?: string[] } | undefined {
    const o = this.object(v, path);
    if (!o) return undefined;
    this.keys(o, path, ['overlays']);
    const overlays = this.stringList(o.overlays, `${path}.overlays`);
    return overlays === undefined ? {} : { overlays };
  }
}

/** Deployment options accepted at the top level and in each targetCustomization. */
const OPTION_KEYS = ['namespace', 'defaultNamespace', 'namespaceLabels', 'namespaceAnnotations', 'kustomize', 'yaml', 'helm', 'gitfleet', 'correctDrift', 'keepResources', 'diff'] as const;
const TOP_KNOWN = ['name', 'labels', 'targetCustomizations', 'dependsOn', 'paused', 'rolloutStrategy', ...OPTION_KEYS] as const;
const TARGET_KNOWN = ['name', 'clusterSelector', 'clusterGroup', 'clusterGroupSelector', 'clusterName', 'doNotDeploy', ...OPTION_KEYS] as const;

/**
 * Parses fleet.yaml text (`file` is its repo-relative path, used in messages).
 *
 * Accepted: Fleet's `name`, `labels`, `namespace`, `defaultNamespace`, `namespaceLabels`,
 * `namespaceAnnotations` (string maps, keys/values checked by Reader.metadataMap), `kustomize.dir`,
 * `yaml.overlays`, `helm` (chart, repo, version, releaseName, values, valuesFiles, takeOwnership,
 * disablePreProcess, disableDependencyUpdate — see HelmSpec; valuesFiles are read later by
 * scanBundles), `targetCustomizations[]` (criteria, `doNotDeploy`, and the same options),
 * `dependsOn[]` (`name` / `selector`), `paused`, and the sync options below. An empty file gives
 * the defaults.
 *
 * Sync options, at the top level and in each targetCustomization (see readSyncOptions):
 * - ours: `gitfleet.syncPolicy {automated, prune, selfHeal}` and `gitfleet.ignoreDifferences[]
 *   {group, kind, namespace, name, jsonPointers[], managers[]}` (Argo CD's names);
 * - Fleet's, as aliases so a Fleet repo keeps its meaning: `correctDrift.enabled` → selfHeal,
 *   `keepResources: true` → prune false, `diff.comparePatches[]` → ignore rules. Where both name
 *   the same setting differently, ours wins and a warning says so.
 * NOTE the default: Fleet leaves drift uncorrected unless `correctDrift.enabled: true`; gitfleet
 * self-heals unless told otherwise, so a Fleet bundle WITHOUT `correctDrift` gets selfHeal true.
 * Write `correctDrift: {enabled: false}` (or `gitfleet.syncPolicy.selfHeal: false`) to keep
 * Fleet's behaviour.
 *
 * Warnings (returned, one string each): a key we do not know at any level we model →
 * `<file>: unknown field "a.b"`; a key Fleet has but gitfleet does not implement yet
 * (`rolloutStrategy`, `imageScans`, `correctDrift.force`, `helm.atomic`, …) →
 * `<file>: field "rolloutStrategy" is not supported yet (ignored)`; `helm.valuesFrom` →
 * `<file>: helm.valuesFrom is not supported yet (ignored: …)`; alias conflicts and unusable
 * comparePatch operations (see readSyncOptions).
 *
 * @throws BundleError(file, 'line L col C: …') for malformed YAML, and
 *   BundleError(file, 'field "x": expected …, got …') for a value of the wrong type (Fleet fails
 *   the same way: sigs.k8s.io/yaml refuses to unmarshal it), an invalid selector operator, or a
 *   file that is not one mapping.
 */
export function parseFleetYaml(text: string, file: string): { spec: BundleSpec; warnings: string[] } {
  const docs = parseYamlDocuments(text, file).filter((d) => d !== null && d !== undefined);
  if (docs.length > 1) throw new BundleError(file, `expected one YAML document, found ${docs.length}`);
  const r = new Reader(file);
  const top = r.object(docs[0], '(top level)') ?? {};
  r.keys(top, '', TOP_KNOWN, FLEET_UNSUPPORTED_TOP);

  const spec = defaultBundleSpec();
  const name = r.string(top.name, 'name');
  if (name !== undefined) spec.name = name;
  spec.labels = r.stringMap(top.labels, 'labels') ?? {};
  readOptions(r, top, '', spec);

  spec.targetCustomizations = (r.list(top.targetCustomizations, 'targetCustomizations') ?? []).map((entry, i) => {
    const path = `targetCustomizations[${i}]`;
    const o = r.object(entry, path) ?? r.fail(path, 'a mapping', entry);
    r.keys(o, path, TARGET_KNOWN, FLEET_UNSUPPORTED_TARGET);
    const tc: TargetCustomization = {};
    const tcName = r.string(o.name, `${path}.name`);
    if (tcName !== undefined) tc.name = tcName;
    const clusterName = r.string(o.clusterName, `${path}.clusterName`);
    if (clusterName !== undefined) tc.clusterName = clusterName;
    const clusterGroup = r.string(o.clusterGroup, `${path}.clusterGroup`);
    if (clusterGroup !== undefined) tc.clusterGroup = clusterGroup;
    const clusterSelector = r.selector(o.clusterSelector, `${path}.clusterSelector`);
    if (clusterSelector) tc.clusterSelector = clusterSelector;
    const clusterGroupSelector = r.selector(o.clusterGroupSelector, `${path}.clusterGroupSelector`);
    if (clusterGroupSelector) tc.clusterGroupSelector = clusterGroupSelector;
    const doNotDeploy = r.boolean(o.doNotDeploy, `${path}.doNotDeploy`);
    if (doNotDeploy !== undefined) tc.doNotDeploy = doNotDeploy;
    readOptions(r, o, path, tc);
    const rollout = readRollout(r, o, path, false);
    if (rollout) tc.rollout = rollout;
    return tc;
  });

  const dependsOn = r.list(top.dependsOn, 'dependsOn');
  if (dependsOn) {
    spec.dependsOn = dependsOn.map((entry, i) => {
      const path = `dependsOn[${i}]`;
      const o = r.object(entry, path) ?? r.fail(path, 'a mapping', entry);
      r.keys(o, path, ['name', 'selector', 'acceptedStates']);
      const ref: DependsOnSpec = {};
      const refName = r.string(o.name, `${path}.name`);
      if (refName !== undefined) ref.name = refName;
      const selector = r.selector(o.selector, `${path}.selector`);
      if (selector) ref.selector = selector;
      const accepted = r.stringList(o.acceptedStates, `${path}.acceptedStates`);
      if (accepted) {
        ref.acceptedStates = accepted.map((st, j) => {
          if (!(FLEET_BUNDLE_STATES as readonly string[]).includes(st)) r.fail(`${path}.acceptedStates[${j}]`, `one of ${FLEET_BUNDLE_STATES.join(', ')}`, st);
          return st as FleetBundleState;
        });
      }
      if (ref.name === undefined && ref.selector === undefined) r.fail(path, 'a "name" or a "selector"', entry);
      return ref;
    });
  }

  const rolloutStrategy = r.rolloutStrategy(top.rolloutStrategy, 'rolloutStrategy');
  if (rolloutStrategy) spec.rolloutStrategy = rolloutStrategy;
  const rollout = readRollout(r, top, '', true);
  if (rollout) spec.rollout = rollout;

  const paused = r.boolean(top.paused, 'paused');
  if (paused !== undefined) spec.paused = paused;
  return { spec, warnings: r.warnings };
}

/** Reads the deployment options shared by the top level and each targetCustomization. */
function readOptions(
  r: Reader,
  o: Obj,
  path: string,
  into: Pick<BundleSpec, 'namespace' | 'defaultNamespace' | 'namespaceLabels' | 'namespaceAnnotations' | 'kustomize' | 'yaml' | 'helm' | 'syncPolicy' | 'ignoreDifferences'>,
): void {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  const helm = r.helm(o.helm, at('helm'));
  if (helm) into.helm = helm;
  const namespace = r.string(o.namespace, at('namespace'));
  if (namespace !== undefined) into.namespace = namespace;
  const defaultNamespace = r.string(o.defaultNamespace, at('defaultNamespace'));
  if (defaultNamespace !== undefined) into.defaultNamespace = defaultNamespace;
  const namespaceLabels = r.metadataMap(o.namespaceLabels, at('namespaceLabels'), 'label');
  if (namespaceLabels) into.namespaceLabels = namespaceLabels;
  const namespaceAnnotations = r.metadataMap(o.namespaceAnnotations, at('namespaceAnnotations'), 'annotation');
  if (namespaceAnnotations) into.namespaceAnnotations = namespaceAnnotations;
  const kustomize = r.kustomize(o.kustomize, at('kustomize'));
  if (kustomize) into.kustomize = kustomize;
  const yaml = r.yaml(o.yaml, at('yaml'));
  if (yaml) into.yaml = yaml;
  readSyncOptions(r, o, path, into);
}

const ROLLOUT_KEYS = ['minHealthyDuration', 'progressDeadline', 'maxFailures', 'autoRollback', 'onStale'] as const;
/** Settings that apply to a rollout as a whole: only at the top level of fleet.yaml. */
const ROLLOUT_BUNDLE_ONLY = new Set(['maxFailures', 'autoRollback']);

/**
 * Reads `gitfleet.rollout` of one level (`top`: the top level, else a targetCustomization at
 * `path`): minHealthyDuration and progressDeadline (Go-style durations), maxFailures (count or
 * percentage), autoRollback (boolean), onStale (block | skip). In a targetCustomization,
 * maxFailures and autoRollback are warned about and ignored: they steer the whole rollout.
 * @throws BundleError for a value of the wrong type or an unknown onStale.
 */
function readRollout(r: Reader, o: Obj, path: string, top: boolean): RolloutSettingsSpec | undefined {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  const gitfleet = r.object(o.gitfleet, at('gitfleet'));
  const ro = gitfleet ? r.object(gitfleet.rollout, at('gitfleet.rollout')) : undefined;
  if (!ro) return undefined;
  const p = at('gitfleet.rollout');
  r.keys(ro, p, ROLLOUT_KEYS);
  const out: RolloutSettingsSpec = {};
  const minHealthy = r.duration(ro.minHealthyDuration, `${p}.minHealthyDuration`);
  if (minHealthy !== undefined) out.minHealthyDurationMs = minHealthy;
  const deadline = r.duration(ro.progressDeadline, `${p}.progressDeadline`);
  if (deadline !== undefined) out.progressDeadlineMs = deadline;
  const onStale = r.string(ro.onStale, `${p}.onStale`);
  if (onStale !== undefined) {
    if (onStale !== 'block' && onStale !== 'skip') r.fail(`${p}.onStale`, '"block" or "skip"', onStale);
    out.onStale = onStale;
  }
  const maxFailures = r.intOrPercent(ro.maxFailures, `${p}.maxFailures`);
  const autoRollback = r.boolean(ro.autoRollback, `${p}.autoRollback`);
  if (top) {
    if (maxFailures !== undefined) out.maxFailures = maxFailures;
    if (autoRollback !== undefined) out.autoRollback = autoRollback;
  } else {
    for (const key of ROLLOUT_BUNDLE_ONLY) {
      if (ro[key] !== undefined) r.warnings.push(`${r.file}: field "${p}.${key}" applies to the whole rollout; set it at the top level (ignored here)`);
    }
  }
  return out;
}

const POLICY_KEYS = ['automated', 'prune', 'selfHeal'] as const;
const IGNORE_KEYS = ['group', 'kind', 'namespace', 'name', 'jsonPointers', 'managers'] as const;

/**
 * Reads the sync options of one level (top or a targetCustomization at `path`) into `into`:
 * 1. ours: `gitfleet.syncPolicy` (booleans) and `gitfleet.ignoreDifferences[]`;
 * 2. Fleet aliases (rancher/fleet pkg/apis/fleet.cattle.io/v1alpha1 BundleDeploymentOptions):
 *    `correctDrift {enabled, force, keepFailHistory}` → selfHeal = enabled (a present
 *    correctDrift without `enabled` means false, as in Fleet; `force`/`keepFailHistory` steer Helm
 *    rollbacks and are warned about); `keepResources: true` → prune false (false says nothing, as
 *    in Fleet's OR merge); `diff.comparePatches[] {apiVersion, kind, namespace, name,
 *    operations[{op, path, value}], jsonPointers[]}` → one rule each, group = apiVersion's group
 *    ("apps/v1" → "apps", "v1" → ""), json pointers = `jsonPointers` + the paths of `remove`
 *    operations (other ops are warned about and dropped).
 * A setting given both ways with different values: ours wins, with a warning. Rules with the
 * same selector from both: ours wins, with a warning. A JSON pointer that is neither empty nor
 * starts with "/" is warned about and dropped.
 * @throws BundleError for values of the wrong type.
 */
function readSyncOptions(r: Reader, o: Obj, path: string, into: Pick<BundleSpec, 'syncPolicy' | 'ignoreDifferences'>): void {
  const at = (k: string) => (path ? `${path}.${k}` : k);

  // ours
  let policy: SyncPolicySpec | undefined;
  let rules: IgnoreDifferenceSpec[] | undefined;
  const gitfleet = r.object(o.gitfleet, at('gitfleet'));
  if (gitfleet) {
    r.keys(gitfleet, at('gitfleet'), ['syncPolicy', 'ignoreDifferences', 'rollout']);
    const sp = r.object(gitfleet.syncPolicy, at('gitfleet.syncPolicy'));
    if (sp) {
      r.keys(sp, at('gitfleet.syncPolicy'), POLICY_KEYS);
      policy = {};
      for (const key of POLICY_KEYS) {
        const v = r.boolean(sp[key], at(`gitfleet.syncPolicy.${key}`));
        if (v !== undefined) policy[key] = v;
      }
    }
    rules = r.list(gitfleet.ignoreDifferences, at('gitfleet.ignoreDifferences'))?.map((entry, i) => {
      const p = at(`gitfleet.ignoreDifferences[${i}]`);
      const e = r.object(entry, p) ?? r.fail(p, 'a mapping', entry);
      r.keys(e, p, IGNORE_KEYS);
      const rule: IgnoreDifferenceSpec = {};
      for (const key of ['group', 'kind', 'namespace', 'name'] as const) {
        const v = r.string(e[key], `${p}.${key}`);
        if (v) rule[key] = v;
      }
      const pointers = checkPointers(r, r.stringList(e.jsonPointers, `${p}.jsonPointers`) ?? [], `${p}.jsonPointers`);
      if (pointers.length > 0) rule.jsonPointers = pointers;
      const managers = (r.stringList(e.managers, `${p}.managers`) ?? []).filter((m) => m !== '');
      if (managers.length > 0) rule.managers = managers;
      return rule;
    });
  }

  // Fleet's names
  const fleetPolicy: SyncPolicySpec = {};
  const correctDrift = r.object(o.correctDrift, at('correctDrift'));
  if (correctDrift) {
    r.keys(correctDrift, at('correctDrift'), ['enabled'], FLEET_UNSUPPORTED_CORRECT_DRIFT);
    fleetPolicy.selfHeal = r.boolean(correctDrift.enabled, at('correctDrift.enabled')) ?? false;
  }
  if (r.boolean(o.keepResources, at('keepResources'))) fleetPolicy.prune = false;
  const fleetRules = readComparePatches(r, o.diff, at('diff'));

  // merge: ours wins
  const aliasOf = { selfHeal: 'correctDrift.enabled', prune: 'keepResources' } as const;
  for (const key of ['selfHeal', 'prune'] as const) {
    const fleetValue = fleetPolicy[key];
    if (fleetValue === undefined) continue;
    const ours = policy?.[key];
    if (ours === undefined) (policy ??= {})[key] = fleetValue;
    else if (ours !== fleetValue) {
      r.warnings.push(`${r.file}: field "${at(aliasOf[key])}" conflicts with "${at(`gitfleet.syncPolicy.${key}`)}"; using ${key}: ${ours}`);
    }
  }
  if (fleetRules) {
    const ourKeys = new Set((rules ?? []).map(ruleKey));
    for (const [i, rule] of fleetRules.entries()) {
      if (ourKeys.has(ruleKey(rule))) {
        r.warnings.push(`${r.file}: field "${at(`diff.comparePatches[${i}]`)}" selects the same objects as an entry of "${at('gitfleet.ignoreDifferences')}"; using the latter`);
        continue;
      }
      (rules ??= []).push(rule);
    }
  }
  if (policy) into.syncPolicy = policy;
  if (rules) into.ignoreDifferences = rules;
}

/** Fleet `diff.comparePatches[]` → ignore rules (see readSyncOptions). */
function readComparePatches(r: Reader, v: unknown, path: string): IgnoreDifferenceSpec[] | undefined {
  const diff = r.object(v, path);
  if (!diff) return undefined;
  r.keys(diff, path, ['comparePatches']);
  return r.list(diff.comparePatches, `${path}.comparePatches`)?.map((entry, i) => {
    const p = `${path}.comparePatches[${i}]`;
    const e = r.object(entry, p) ?? r.fail(p, 'a mapping', entry);
    r.keys(e, p, ['apiVersion', 'kind', 'namespace', 'name', 'operations', 'jsonPointers']);
    const rule: IgnoreDifferenceSpec = {};
    const apiVersion = r.string(e.apiVersion, `${p}.apiVersion`);
    const group = apiVersion ? groupOf(apiVersion) : '';
    if (group) rule.group = group;
    for (const key of ['kind', 'namespace', 'name'] as const) {
      const s = r.string(e[key], `${p}.${key}`);
      if (s) rule[key] = s;
    }
    const pointers = [...(r.stringList(e.jsonPointers, `${p}.jsonPointers`) ?? [])];
    for (const [j, op] of (r.list(e.operations, `${p}.operations`) ?? []).entries()) {
      const q = `${p}.operations[${j}]`;
      const oo = r.object(op, q) ?? r.fail(q, 'a mapping', op);
      r.keys(oo, q, ['op', 'path', 'value']);
      const kind = r.string(oo.op, `${q}.op`);
      const opPath = r.string(oo.path, `${q}.path`);
      if (kind !== 'remove') {
        r.warnings.push(`${r.file}: field "${q}.op": only "remove" is supported, got ${JSON.stringify(kind ?? null)} (ignored)`);
        continue;
      }
      if (opPath === undefined) {
        r.warnings.push(`${r.file}: field "${q}.path" is missing (ignored)`);
        continue;
      }
      pointers.push(opPath);
    }
    const checked = checkPointers(r, pointers, `${p}.jsonPointers`);
    if (checked.length > 0) rule.jsonPointers = [...new Set(checked)];
    return rule;
  });
}

/** Keeps the RFC 6901 pointers ("" or starting with "/"); warns about and drops the others. */
function checkPointers(r: Reader, pointers: string[], path: string): string[] {
  return pointers.filter((p) => {
    if (p === '' || p.startsWith('/')) return true;
    r.warnings.push(`${r.file}: field "${path}": ${JSON.stringify(p)} is not a JSON pointer (RFC 6901, starts with "/") (ignored)`);
    return false;
  });
}

/** API group of an apiVersion: "apps/v1" → "apps", "v1" → "" (core). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Identity of an ignore rule's selector (group, kind, namespace, name); used to merge rule lists. */
export function ruleKey(rule: IgnoreDifferenceSpec): string {
  return [rule.group ?? '', rule.kind ?? '', rule.namespace ?? '', rule.name ?? ''].join('|');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
