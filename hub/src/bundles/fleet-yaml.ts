// fleet.yaml: the bundle options file, in Rancher Fleet's format plus our `gitfleet:` key.
import { BundleError } from './bundle-error.js';
import { parseYamlDocuments } from './yaml-docs.js';

/** One requirement of a Kubernetes LabelSelector (metav1.LabelSelectorRequirement). */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  /** Required (non-empty) for In/NotIn, must be empty for Exists/DoesNotExist. */
  values?: string[];
}

/** Kubernetes metav1.LabelSelector: all of matchLabels AND all of matchExpressions. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** gitfleet's sync policy (fleet.yaml `gitfleet.syncPolicy`); an absent field means true. */
export interface SyncPolicySpec {
  automated?: boolean;
  prune?: boolean;
  selfHeal?: boolean;
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
  /** Folder (relative to the bundle dir) holding the kustomization to build. */
  kustomize?: { dir?: string };
  /** Names of `overlays/<name>/` folders, appended to the bundle's own overlays. */
  yaml?: { overlays?: string[] };
}

/** The parsed fleet.yaml of one bundle: Fleet's FleetYAML fields we support, plus our extension. */
export interface BundleSpec {
  /** Overrides the path part of the bundle id. */
  name?: string;
  /** Bundle labels, matched by other bundles' `dependsOn[].selector`. Always present. */
  labels: Record<string, string>;
  namespace?: string;
  defaultNamespace?: string;
  kustomize?: { dir?: string };
  yaml?: { overlays?: string[] };
  /** In file order; the first matching one wins. Always present. */
  targetCustomizations: TargetCustomization[];
  /** Bundles that must be ready first: by bundle name or by a selector over bundle labels. */
  dependsOn?: Array<{ name?: string; selector?: LabelSelector }>;
  /** Paused bundles are still targeted; publishing is held back by the caller. */
  paused?: boolean;
  /** From `gitfleet.syncPolicy` (our extension key). */
  syncPolicy?: SyncPolicySpec;
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
  'helm', 'rolloutStrategy', 'diff', 'serviceAccount', 'forceSyncGeneration', 'keepResources',
  'deleteNamespace', 'deleteCRDResources', 'ignore', 'correctDrift', 'namespaceLabels',
  'namespaceAnnotations', 'imageScans', 'overrideTargets', 'targets', 'targetRestrictions',
  'targetCustomizationMode', 'downstreamResources', 'resources', 'contentsId', 'valuesHash',
]);
const FLEET_UNSUPPORTED_TARGET = new Set([
  'helm', 'diff', 'serviceAccount', 'forceSyncGeneration', 'keepResources', 'deleteNamespace',
  'ignore', 'correctDrift', 'namespaceLabels', 'namespaceAnnotations', 'downstreamResources',
]);

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
        if (operator !== 'In' && operator !== 'NotIn' && operator !== 'Exists' && operator !== 'DoesNotExist') {
          this.fail(`${p}.operator`, 'one of In, NotIn, Exists, DoesNotExist', eo.operator);
        }
        const values = this.stringList(eo.values, `${p}.values`);
        const req: LabelSelectorRequirement = { key, operator };
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

  yaml(v: unknown, path: string): { overlays?: string[] } | undefined {
    const o = this.object(v, path);
    if (!o) return undefined;
    this.keys(o, path, ['overlays']);
    const overlays = this.stringList(o.overlays, `${path}.overlays`);
    return overlays === undefined ? {} : { overlays };
  }
}

const TOP_KNOWN = ['name', 'labels', 'namespace', 'defaultNamespace', 'kustomize', 'yaml', 'targetCustomizations', 'dependsOn', 'paused', 'gitfleet'] as const;
const TARGET_KNOWN = ['name', 'clusterSelector', 'clusterGroup', 'clusterGroupSelector', 'clusterName', 'doNotDeploy', 'namespace', 'defaultNamespace', 'kustomize', 'yaml'] as const;

/**
 * Parses fleet.yaml text (`file` is its repo-relative path, used in messages).
 *
 * Accepted: Fleet's `name`, `labels`, `namespace`, `defaultNamespace`, `kustomize.dir`,
 * `yaml.overlays`, `targetCustomizations[]` (criteria, `doNotDeploy`, and the same options),
 * `dependsOn[]` (`name` / `selector`), `paused`, and our `gitfleet.syncPolicy`
 * (`automated`, `prune`, `selfHeal`). An empty file gives the defaults.
 *
 * Warnings (returned, one string each): a key we do not know at any level we model →
 * `<file>: unknown field "a.b"`; a key Fleet has but gitfleet does not implement yet (`helm`,
 * `rolloutStrategy`, `diff`, `imageScans`, …) → `<file>: field "helm" is not supported yet (ignored)`.
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
    return tc;
  });

  const dependsOn = r.list(top.dependsOn, 'dependsOn');
  if (dependsOn) {
    spec.dependsOn = dependsOn.map((entry, i) => {
      const path = `dependsOn[${i}]`;
      const o = r.object(entry, path) ?? r.fail(path, 'a mapping', entry);
      r.keys(o, path, ['name', 'selector']);
      const ref: { name?: string; selector?: LabelSelector } = {};
      const refName = r.string(o.name, `${path}.name`);
      if (refName !== undefined) ref.name = refName;
      const selector = r.selector(o.selector, `${path}.selector`);
      if (selector) ref.selector = selector;
      return ref;
    });
  }

  const paused = r.boolean(top.paused, 'paused');
  if (paused !== undefined) spec.paused = paused;

  const gitfleet = r.object(top.gitfleet, 'gitfleet');
  if (gitfleet) {
    r.keys(gitfleet, 'gitfleet', ['syncPolicy']);
    const sp = r.object(gitfleet.syncPolicy, 'gitfleet.syncPolicy');
    if (sp) {
      r.keys(sp, 'gitfleet.syncPolicy', ['automated', 'prune', 'selfHeal']);
      const policy: SyncPolicySpec = {};
      for (const key of ['automated', 'prune', 'selfHeal'] as const) {
        const v = r.boolean(sp[key], `gitfleet.syncPolicy.${key}`);
        if (v !== undefined) policy[key] = v;
      }
      spec.syncPolicy = policy;
    }
  }
  return { spec, warnings: r.warnings };
}

/** Reads the deployment options shared by the top level and each targetCustomization. */
function readOptions(
  r: Reader,
  o: Obj,
  path: string,
  into: Pick<BundleSpec, 'namespace' | 'defaultNamespace' | 'kustomize' | 'yaml'>,
): void {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  const namespace = r.string(o.namespace, at('namespace'));
  if (namespace !== undefined) into.namespace = namespace;
  const defaultNamespace = r.string(o.defaultNamespace, at('defaultNamespace'));
  if (defaultNamespace !== undefined) into.defaultNamespace = defaultNamespace;
  const kustomize = r.kustomize(o.kustomize, at('kustomize'));
  if (kustomize) into.kustomize = kustomize;
  const yaml = r.yaml(o.yaml, at('yaml'));
  if (yaml) into.yaml = yaml;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
