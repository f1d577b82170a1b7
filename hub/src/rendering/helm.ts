// Helm bundles: Fleet's `helm:` options → per-cluster values → `helm template` → objects.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { canonicalJson } from '@gitfleet/proto';
import { parseDocument } from 'yaml';
import { BundleError } from './bundle-error.js';
import { ByteBudget, checkoutRoot, isWithin, joinRel, MAX_FILE_BYTES, normalizeRel, readCheckoutText, realInside, refuseEscapingSymlinks } from './checkout-files.js';
import type { BundleSpec, HelmSpec, TargetCustomization } from './fleet-yaml.js';
import { parseYamlDocuments } from './yaml-docs.js';

/**
 * The Helm part of a render variant: everything `helm template` is given, with the values
 * already merged and templated for the cluster (see resolveHelmVariant). Two clusters with
 * equal HelmVariants share one render.
 */
export interface HelmVariant {
  /** As in HelmSpec.chart: bundle-relative path, chart name in `repo`, `oci://` ref or URL. */
  chart: string;
  repo?: string;
  version?: string;
  /** Unset: the caller (deployment pipeline) fills in the bundle id; renderHelm falls back to the chart's dir name. */
  releaseName?: string;
  /** `--namespace`: Fleet's target namespace, else the default namespace, else "default". */
  namespace: string;
  /**
   * Fully merged and templated values given to `--values` (chart defaults not included), with
   * `global.fleet.clusterLabels` / `global.fleet.clusterName` when injected (resolveHelmVariant).
   */
  values: Record<string, unknown>;
  /** `--kube-version` (see selectKubeVersion): the cluster label, else the agent-reported version; unset → Helm's default. */
  kubeVersion?: string;
  /** Skip `helm dependency build`. */
  disableDependencyUpdate?: boolean;
}

/** One rendered document of a chart and the file it came from (see renderHelm). */
export interface HelmDocument {
  file: string;
  doc: unknown;
}

/**
 * The cluster label holding the cluster's Kubernetes version, given to `helm template
 * --kube-version`. When set it wins over the version the cluster's agent reports (see
 * selectKubeVersion).
 */
export const KUBERNETES_VERSION_LABEL = 'gitfleet.io/kubernetes-version';
/**
 * The hub setting (environment variable) listing OCI registry hosts reached over plain HTTP:
 * comma separated `host` or `host:port` entries. For an `oci://` chart on one of them Helm gets
 * `--plain-http`. A hub setting, not a fleet.yaml field: which registries are plain HTTP is a
 * fact of the hub's network, not of a bundle.
 */
export const PLAIN_HTTP_REGISTRIES_ENV = 'GITFLEET_HELM_PLAIN_HTTP_REGISTRIES';
/** Fleet's label reference prefix: a values string `global.fleet.clusterLabels.<key>` becomes that label's value. */
const CLUSTER_LABEL_PREFIX = 'global.fleet.clusterLabels.';
/** The text whose presence in a local chart's templates makes it get the injected `global.fleet` values. */
export const FLEET_GLOBALS_REFERENCE = '.Values.global.fleet';
const HELM_TIMEOUT_MS = 120_000;
const MAX_DEPTH = 50;

/** The helm binary: GITFLEET_HELM, else `helm` on PATH (tools/run.sh puts ~/.cache/gitfleet/bin there). */
export function helmBinary(): string {
  return process.env.GITFLEET_HELM || 'helm';
}

/**
 * The OCI registry hosts to reach over plain HTTP, from GITFLEET_HELM_PLAIN_HTTP_REGISTRIES in
 * `env` (comma separated; blanks and empty entries ignored, lower-cased). Read at each render, so
 * tests may set it at run time.
 */
export function plainHttpRegistries(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[PLAIN_HTTP_REGISTRIES_ENV] ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
}

/**
 * True when `chartRef` is an `oci://` reference whose registry is in `hosts`: an entry
 * `host:port` matches that authority exactly, an entry `host` matches the host on any port.
 */
export function usesPlainHttp(chartRef: string, hosts: readonly string[]): boolean {
  const m = /^oci:\/\/([^/]+)/i.exec(chartRef);
  if (!m) return false;
  const authority = m[1]!.toLowerCase();
  const host = authority.replace(/:\d+$/, '');
  return hosts.some((h) => h === authority || h === host);
}

/**
 * The Kubernetes version a chart is rendered for (`helm template --kube-version`), for one
 * cluster: the `gitfleet.io/kubernetes-version` label when set and non-empty (an explicit choice
 * wins), else the version its agent reports in heartbeats, else undefined (no flag: Helm's
 * built-in default). The reported version (a `/version` gitVersion such as `v1.30.4-eks-a737599`
 * or `v1.31.2+k3s1`) is cut to `vMAJOR.MINOR.PATCH`: Helm would take a vendor suffix as a semver
 * pre-release, which fails charts' `kubeVersion: >=1.x` constraints; a reported value that is
 * not a version at all is ignored. The label is passed as written.
 */
export function selectKubeVersion(cluster: { labels: Record<string, string>; kubernetesVersion?: string | null }): string | undefined {
  const label = cluster.labels[KUBERNETES_VERSION_LABEL]?.trim();
  if (label) return label;
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(cluster.kubernetesVersion?.trim() ?? '');
  if (!m) return undefined;
  return `v${Number(m[1])}.${Number(m[2])}.${Number(m[3] ?? 0)}`;
}

// ---- scan time: Chart.yaml detection and valuesFiles ----------------------------------------

/**
 * Completes the helm options of a scanned bundle, as Fleet's CLI does when it builds a bundle
 * (rancher/fleet internal/bundlereader): a bundle dir holding `Chart.yaml` without `helm.chart`
 * becomes a chart bundle with chart "."; every `valuesFiles` entry (top level and each
 * targetCustomization, relative to the bundle dir) is read and parsed into `loadedValuesFiles`.
 * Every level whose `chart` is a path (not a URL) gets `readsFleetGlobals`
 * (chartReadsFleetGlobals; a chart name meant for a `repo` usually is no path: false, and the
 * variant counts as remote anyway).
 * Mutates `spec`. Returns warnings (helm values with no chart to give them to).
 * @throws BundleError(values file, reason) for a values file that is missing, leaves the
 *   repository (also through a symlink), is larger than 10 MiB, binary, malformed YAML (duplicate
 *   keys, alias bombs included) or is not a mapping.
 */
export async function prepareHelmSpec(checkoutDir: string, bundleRel: string, spec: BundleSpec, fleetYamlFile: string): Promise<string[]> {
  const warnings: string[] = [];
  if (!spec.helm?.chart && (await isFile(path.join(checkoutDir, bundleRel, 'Chart.yaml')))) {
    spec.helm = { ...spec.helm, chart: '.' };
  }
  const levels: Array<[HelmSpec | undefined, string]> = [
    [spec.helm, 'helm'],
    ...spec.targetCustomizations.map((tc, i): [HelmSpec | undefined, string] => [tc.helm, `targetCustomizations[${i}].helm`]),
  ];
  const anyChart = !!spec.helm?.chart || spec.targetCustomizations.some((tc) => !!tc.helm?.chart);
  for (const [helm, where] of levels) {
    if (!helm) continue;
    if (helm.valuesFiles) helm.loadedValuesFiles = await Promise.all(helm.valuesFiles.map((f) => readValuesFile(checkoutDir, bundleRel, f)));
    if (helm.chart && !/^(oci|https?):\/\//.test(helm.chart)) helm.readsFleetGlobals = await chartReadsFleetGlobals(checkoutDir, joinRel(bundleRel, helm.chart));
    if (!anyChart && (helm.values || helm.valuesFiles)) {
      warnings.push(`${fleetYamlFile}: field "${where}" has values but the bundle has no chart (no helm.chart, no Chart.yaml) (ignored)`);
    }
  }
  return warnings;
}

async function readValuesFile(checkoutDir: string, bundleRel: string, name: string): Promise<{ file: string; values: Record<string, unknown> }> {
  const file = normalizeRel(joinRel(bundleRel, name));
  const abs = path.resolve(checkoutDir, file);
  const back = path.relative(path.resolve(checkoutDir), abs);
  if (back.startsWith('..') || path.isAbsolute(back)) throw new BundleError(name, 'values file path leaves the repository');
  const root = await checkoutRoot(checkoutDir);
  if (!(await realInside(root, file, file, true))) throw new BundleError(file, 'values file not found (helm.valuesFiles)');
  const text = await readCheckoutText(root, file);
  const docs = parseYamlDocuments(text, file).filter((d) => d !== null && d !== undefined);
  if (docs.length === 0) return { file, values: {} };
  if (docs.length > 1 || !isObject(docs[0])) throw new BundleError(file, 'a values file must hold one mapping');
  return { file, values: docs[0] };
}

// ---- targeting time: per-cluster values ------------------------------------------------------

/**
 * The Helm variant of one bundle × cluster, or undefined when neither the bundle nor the matched
 * customization names a chart. Fleet's rules (rancher/fleet internal/bundlereader/read.go
 * propagateHelmChartProperties, internal/cmd/controller/target/builder.go preprocessHelmValues):
 * - chart, repo, version, releaseName: the customization's when set, else the bundle's;
 * - values, merged in this order, later wins (mergeValues): the bundle's valuesFiles in order,
 *   the bundle's `values`, the customization's valuesFiles in order, its `values` (the chart's
 *   own values.yaml is merged under all of them by Helm);
 * - then, unless `disablePreProcess`: every string value `global.fleet.clusterLabels.<key>` (in
 *   mappings, also mappings inside lists) becomes the cluster's label value ("" when missing),
 *   and `${ … }` actions in strings are evaluated (templateValues);
 * - kubeVersion: selectKubeVersion (the `gitfleet.io/kubernetes-version` label, else the version
 *   the cluster's agent reports); part of the variant, so a version change re-renders only the
 *   cluster's Helm bundles;
 * - Fleet's `global.fleet.clusterLabels` (the cluster's labels map) and gitfleet's
 *   `global.fleet.clusterName` are set in the values (after templating, winning over values
 *   that set those two keys; other `global` keys are kept) — but only for charts that may read
 *   them: a remote chart (`repo`, `oci://`, URL) always, a local chart when scanBundles found
 *   `.Values.global.fleet` in it (HelmSpec.readsFleetGlobals of the level whose chart is used).
 *   Being in the values they are in the variant key exactly when injected, so clusters that
 *   differ only in labels still share one render of a chart that does not read them. Injected
 *   whatever `disablePreProcess` says.
 * Pure. @throws Error (message names the field and the expression) for an unsupported or
 * failing `${ }` expression; valuesFiles not loaded by prepareHelmSpec.
 */
export function resolveHelmVariant(
  spec: BundleSpec,
  tc: TargetCustomization | undefined,
  cluster: { name: string; labels: Record<string, string>; kubernetesVersion?: string | null },
  namespace: string,
): HelmVariant | undefined {
  const base = spec.helm;
  const custom = tc?.helm;
  const chart = custom?.chart || base?.chart;
  if (!chart) return undefined;
  let values: Record<string, unknown> = {};
  for (const [level, where] of [[base, 'helm'], [custom, 'targetCustomization helm']] as const) {
    if (!level) continue;
    if (level.valuesFiles && !level.loadedValuesFiles) throw new Error(`${where}.valuesFiles were not read (prepareHelmSpec)`);
    for (const f of level.loadedValuesFiles ?? []) values = mergeValues(values, structuredClone(f.values));
    if (level.values) values = mergeValues(values, structuredClone(level.values));
  }
  const disablePreProcess = custom?.disablePreProcess ?? base?.disablePreProcess ?? false;
  if (!disablePreProcess) {
    replaceLabelReferences(values, cluster.labels, 0);
    values = templateValues(values, { clusterName: cluster.name, clusterLabels: cluster.labels }) as Record<string, unknown>;
  }
  const repo = custom?.repo || base?.repo;
  const readsFleetGlobals = custom?.chart ? custom.readsFleetGlobals : base?.readsFleetGlobals;
  if (readsFleetGlobals || isRemoteChart({ chart, repo })) values = withFleetGlobals(values, cluster);
  const variant: HelmVariant = { chart, namespace, values };
  if (repo) variant.repo = repo;
  const version = custom?.version || base?.version;
  if (version) variant.version = version;
  const releaseName = custom?.releaseName || base?.releaseName;
  if (releaseName) variant.releaseName = releaseName;
  const kubeVersion = selectKubeVersion(cluster);
  if (kubeVersion) variant.kubeVersion = kubeVersion;
  if (custom?.disableDependencyUpdate ?? base?.disableDependencyUpdate) variant.disableDependencyUpdate = true;
  return variant;
}

/** `values` with `global.fleet.clusterLabels` (a copy of the labels) and `global.fleet.clusterName` set; other keys kept. */
function withFleetGlobals(values: Record<string, unknown>, cluster: { name: string; labels: Record<string, string> }): Record<string, unknown> {
  const global = isObject(values.global) ? values.global : {};
  const fleet = isObject(global.fleet) ? global.fleet : {};
  return { ...values, global: { ...global, fleet: { ...fleet, clusterLabels: { ...cluster.labels }, clusterName: cluster.name } } };
}

/**
 * True when the local chart at `chartRel` (checkout-relative: a chart dir or a packaged `.tgz`)
 * may read `.Values.global.fleet`: a file under its `templates/` (any depth) contains that text,
 * or the same holds for a subchart — a dir under `charts/`, or a `file://` dependency of
 * Chart.yaml / requirements.yaml inside the checkout. Charts that cannot be inspected count as
 * reading it (safe side: they get the values): a packaged chart (the chart itself or a `.tgz`
 * under `charts/`) and a dependency fetched from a repository (http(s), `oci://`, `@alias`).
 * A path that does not exist or leaves the checkout: false (rendering reports it). Textual:
 * `toJson .Values` or `index .Values "global"` are not seen.
 */
export async function chartReadsFleetGlobals(checkoutDir: string, chartRel: string): Promise<boolean> {
  const root = path.resolve(checkoutDir);
  return readsFleetGlobalsAt(root, path.resolve(root, normalizeRel(chartRel)), new Set(), 0);
}

async function readsFleetGlobalsAt(root: string, dir: string, seen: Set<string>, depth: number): Promise<boolean> {
  const back = path.relative(root, dir);
  if (back.startsWith('..') || path.isAbsolute(back) || seen.has(dir) || depth > MAX_DEPTH) return false;
  seen.add(dir);
  // a symlink out of the checkout is not looked into (rendering refuses it)
  const real = await realpath(dir).catch(() => undefined);
  if (real === undefined || !isWithin(await realpath(root).catch(() => root), real)) return false;
  let st;
  try {
    st = await stat(dir);
  } catch {
    return false;
  }
  if (st.isFile()) return true; // a packaged chart is not inspected
  if (await anyFileContains(path.join(dir, 'templates'), FLEET_GLOBALS_REFERENCE, 0)) return true;
  for (const e of await readdir(path.join(dir, 'charts'), { withFileTypes: true }).catch(() => [])) {
    if (e.isFile() && /\.tgz$/.test(e.name)) return true;
    if (e.isDirectory() && (await readsFleetGlobalsAt(root, path.join(dir, 'charts', e.name), seen, depth + 1))) return true;
  }
  for (const name of ['Chart.yaml', 'requirements.yaml']) {
    const deps = await readDepsFile(dir, name, root);
    if (!deps || deps.deps === 0) continue;
    const parsed = parseDocument(deps.text).toJS() as { dependencies?: Array<{ repository?: unknown }> };
    for (const d of parsed.dependencies ?? []) {
      const repo = isObject(d) && typeof d.repository === 'string' ? d.repository.trim() : '';
      if (repo === '') continue; // vendored under charts/: seen above
      if (!repo.startsWith('file://')) return true; // fetched from a repository
      if (await readsFleetGlobalsAt(root, path.resolve(dir, repo.slice('file://'.length)), seen, depth + 1)) return true;
    }
  }
  return false;
}

async function anyFileContains(dir: string, text: string, depth: number): Promise<boolean> {
  if (depth > MAX_DEPTH) return false;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && (await anyFileContains(p, text, depth + 1))) return true;
    if (e.isFile() && (await stat(p)).size <= MAX_FILE_BYTES && (await readFile(p, 'utf8').catch(() => '')).includes(text)) return true;
  }
  return false;
}

/** A stable short hash of a Helm variant (sha256 of its canonical JSON, 16 hex digits), for variantKey. */
export function helmVariantHash(v: HelmVariant): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 16);
}

/**
 * Fleet's / Helm's values merge (rancher/fleet internal/helmdeployer/install.go mergeValues,
 * after helm cmd/helm install.go): keys of `src` win; when both sides hold a mapping the two
 * are merged recursively; any other value (lists included) replaces. Mutates and returns `dest`.
 */
export function mergeValues(dest: Record<string, unknown>, src: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(src)) {
    const d = dest[k];
    dest[k] = isObject(v) && isObject(d) ? mergeValues(d, v) : v;
  }
  return dest;
}

/** Fleet processLabelValues: `global.fleet.clusterLabels.<key>` strings → label value ("" when absent). */
function replaceLabelReferences(values: Record<string, unknown>, labels: Record<string, string>, depth: number): void {
  if (depth > MAX_DEPTH) throw new Error(`helm values: more than ${MAX_DEPTH} levels of nesting`);
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'string' && v.startsWith(CLUSTER_LABEL_PREFIX)) values[k] = labels[v.slice(CLUSTER_LABEL_PREFIX.length)] ?? '';
    else if (isObject(v)) replaceLabelReferences(v, labels, depth + 1);
    else if (Array.isArray(v)) for (const item of v) if (isObject(item)) replaceLabelReferences(item, labels, depth + 1);
  }
}

/** What a `${ }` expression may read. */
export interface TemplateContext {
  clusterName: string;
  clusterLabels: Record<string, string>;
}

const ACTION = /\$\{-?\s*([^}]*?)\s*-?\}/g;
const FIELD = /^\.ClusterLabels\.([A-Za-z_][A-Za-z0-9_]*)$/;
const INDEX = /^index\s+\.ClusterLabels\s+"((?:[^"\\]|\\.)*)"$/;

/**
 * Evaluates Fleet's values templating (Go text/template with `${` `}` delimiters over the
 * values, rancher/fleet internal/cmd/controller/target/builder.go processTemplateValues) in every
 * string of `value` (mapping keys are left alone). Supported expressions: `.ClusterName`,
 * `.ClusterLabels.<identifier>` and `index .ClusterLabels "<key>"` (for keys with `/` or `.`).
 * As in Fleet (which re-reads the templated YAML), a string that becomes a YAML number, boolean
 * or null after substitution takes that type (`replicas: "${ .ClusterLabels.n }"` → 3).
 * Deviations: sprig functions, pipelines, `.ClusterNamespace`, `.ClusterAnnotations` and
 * `.ClusterValues` are refused; Fleet also skips templating for a cluster with no labels at all,
 * gitfleet does not. Returns a new value.
 * @throws Error `helm values: ${ expr }: …` for a missing label (Fleet: missingkey=error) or an
 *   unsupported expression.
 */
export function templateValues(value: unknown, ctx: TemplateContext): unknown {
  if (typeof value === 'string') return templateString(value, ctx);
  if (Array.isArray(value)) return value.map((v) => templateValues(v, ctx));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, templateValues(v, ctx)]));
  return value;
}

function templateString(s: string, ctx: TemplateContext): unknown {
  if (!s.includes('${')) return s;
  const out = s.replace(ACTION, (_all, expr: string) => evaluate(expr, ctx));
  if (out.includes('\n')) return out;
  const scalar = /^(?:[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null|~)$/.exec(out.trim());
  if (!scalar) return out;
  const t = out.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null' || t === '~') return null;
  return Number(t);
}

function evaluate(expr: string, ctx: TemplateContext): string {
  if (expr === '.ClusterName') return ctx.clusterName;
  const field = FIELD.exec(expr);
  const index = INDEX.exec(expr);
  const key = field ? field[1]! : index ? (JSON.parse(`"${index[1]!}"`) as string) : undefined;
  if (key === undefined) {
    throw new Error(`helm values: \${ ${expr} }: unsupported expression (supported: .ClusterName, .ClusterLabels.<key>, index .ClusterLabels "<key>")`);
  }
  const v = ctx.clusterLabels[key];
  if (v === undefined) throw new Error(`helm values: \${ ${expr} }: cluster "${ctx.clusterName}" has no label "${key}"`);
  return v;
}

// ---- render time: helm template ---------------------------------------------------------------

/**
 * Renders a chart with `helm template` (the Helm CLI: GITFLEET_HELM or `helm` on PATH).
 *
 * Remote charts (`oci://…` references, http(s) URLs of an archive, or a chart name in the HTTP
 * repository `repo`; a `repo` that is itself `oci://…` is joined with the chart name) are first
 * fetched with `helm pull --untar [--repo url] [--version v] [--plain-http]` into a temp dir,
 * with a private repository config and cache; `--plain-http` is given for `oci://` registries
 * listed in GITFLEET_HELM_PLAIN_HTTP_REGISTRIES (see usesPlainHttp). The pulled chart's own
 * Chart.yaml gives its name and the exact version that `version` (a range or unset: the newest)
 * resolved to. A packaged chart carries its dependencies, so no dependency build is run.
 *
 * Local charts: a path relative to the bundle dir (a chart dir or archive, must stay inside the
 * checkout). A chart dir declaring dependencies (Chart.yaml `dependencies`, or
 * requirements.yaml) is copied to a temp dir, its `file://` dependency paths made absolute, and
 * `helm dependency build` run there unless disableDependencyUpdate (HTTP dependency repos are
 * registered with `helm repo add` in a private repositories file first; they and OCI ones need
 * the network).
 *
 * Then: `helm template <release> <chart> --namespace <ns> --values <merged values>
 * --include-crds --skip-tests [--kube-version v]` (120 s timeout for each Helm command).
 *
 * Output: the documents in Helm's order, each with `file` = its `# Source:` path made
 * readable: for a local chart repo-relative (`<chart dir>/templates/x.yaml`, subcharts under
 * `<chart dir>/charts/<name>/…`); for a remote chart `<chart name>@<version>/templates/x.yaml`
 * (subcharts `<chart name>@<version>/charts/<name>/…`). Hooks (annotation `helm.sh/hook`) are
 * kept — the agent orders them — except test hooks (`test`, `test-success`, `test-failure`),
 * which are dropped.
 *
 * @throws BundleError(file, 'helm template failed: <Helm's message>') — `file` is the template
 *   Helm names when it names one, else the chart (dir, archive or `<name>@<version>`); a remote
 *   chart that cannot be fetched (unknown chart or version, registry down) →
 *   (chart reference, 'helm pull failed: <Helm's message>'); dependency build failures →
 *   (Chart.yaml, 'helm dependency build failed: …'); a chart path leaving the checkout.
 */
export async function renderHelm(checkoutDir: string, bundleRel: string, v: HelmVariant): Promise<HelmDocument[]> {
  const root = path.resolve(checkoutDir);
  const remote = isRemoteChart(v);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-helm-'));
  // chartRel: the chart's readable name in files and messages; chartDir: where Helm put it
  let chartRel = remote ? remoteChartRef(v) : normalizeRel(joinRel(bundleRel, v.chart));
  let chartDir = path.join(tmp, 'chart');
  const scrub = (msg: string) => msg.replaceAll(`${chartDir}${path.sep}`, `${chartRel}/`).replaceAll(`${root}${path.sep}`, '').replaceAll(`${tmp}${path.sep}`, '');
  try {
    let chartArg: string;
    if (remote) {
      const pulled = await pullChart(v, tmp, scrub);
      chartArg = chartDir = pulled.dir;
      chartRel = `${pulled.name}@${pulled.version}`;
    } else {
      const abs = path.resolve(root, chartRel);
      const back = path.relative(root, abs);
      if (back.startsWith('..') || path.isAbsolute(back)) throw new BundleError(v.chart, 'helm.chart path leaves the repository');
      chartArg = abs;
      const checkout = await checkoutRoot(root);
      if (!(await realInside(checkout, chartRel, chartRel || '.', true))) {
        throw new BundleError(chartRel || '.', `chart not found: no such file or directory "${chartRel}"`);
      }
      const isDir = (await stat(abs)).isDirectory();
      // Helm follows symlinks inside a chart: none may lead out; every file is size-capped
      if (isDir) await refuseEscapingSymlinks(checkout, chartRel, () => false, { maxFileBytes: MAX_FILE_BYTES });
      if (isDir && !v.disableDependencyUpdate) {
        const copy = await withBuiltDependencies(root, abs, chartRel, chartDir, scrub);
        if (copy) chartArg = copy;
      }
    }
    const valuesFile = path.join(tmp, 'values.json');
    await writeFile(valuesFile, JSON.stringify(v.values));
    const args = ['template', v.releaseName || releaseNameOf(remote ? v.chart : chartRel), chartArg, '--namespace', v.namespace, '--values', valuesFile, '--include-crds', '--skip-tests'];
    if (v.kubeVersion) args.push('--kube-version', v.kubeVersion);
    let out: string;
    try {
      out = await runHelm(args, tmp);
    } catch (cause) {
      const msg = scrub(helmMessage(cause));
      throw new BundleError(blameOf(msg, chartRel), `helm template failed: ${msg}`, { cause });
    }
    new ByteBudget().take(Buffer.byteLength(out), chartRel || '.');
    return parseHelmOutput(out, chartRel);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The reference Helm fetches a remote chart by: `chart`, or `<oci repo>/<chart>` for an `oci://` repo. */
function remoteChartRef(v: Pick<HelmVariant, 'chart' | 'repo'>): string {
  if (v.repo?.startsWith('oci://') && !/^(oci|https?):\/\//.test(v.chart)) return `${v.repo.replace(/\/+$/, '')}/${v.chart}`;
  return v.chart;
}

/**
 * `helm pull --untar` of a remote chart into `<tmp>/pulled`; returns the chart dir with the
 * name and version of its Chart.yaml.
 */
async function pullChart(v: HelmVariant, tmp: string, scrub: (m: string) => string): Promise<{ dir: string; name: string; version: string }> {
  const ref = remoteChartRef(v);
  const untar = path.join(tmp, 'pulled');
  const args = ['pull', ref, '--untar', '--untardir', untar, '--destination', path.join(tmp, 'archive')];
  if (v.repo && !ref.startsWith('oci://')) args.push('--repo', v.repo);
  if (v.version) args.push('--version', v.version);
  if (usesPlainHttp(ref, plainHttpRegistries())) args.push('--plain-http');
  const env = {
    HELM_REPOSITORY_CONFIG: path.join(tmp, 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: path.join(tmp, 'repository-cache'),
  };
  const blame = v.version ? `${ref}@${v.version}` : ref;
  try {
    await runHelm(args, tmp, env);
  } catch (cause) {
    throw new BundleError(blame, `helm pull failed: ${scrub(helmMessage(cause))}`, { cause });
  }
  // Only a dir holding Chart.yaml is the chart: for a chart given as an archive URL Helm (4.3.1)
  // also leaves an empty dir named after the archive (`web-1.0.0.tgz/`) beside the chart's dir —
  // the same untar-dir check as helm/helm#31414 (fixed for `--repo` by helm/helm#31050) — which
  // made every `.tgz` URL fail with "expected one chart, found 2" (issue #11).
  const dirs: Dirent[] = [];
  for (const e of await readdir(untar, { withFileTypes: true })) {
    if (e.isDirectory() && (await isFile(path.join(untar, e.name, 'Chart.yaml')))) dirs.push(e);
  }
  if (dirs.length !== 1) throw new BundleError(blame, `helm pull: expected one chart (a dir holding Chart.yaml), found ${dirs.length}${dirs.length ? `: ${dirs.map((d) => d.name).join(', ')}` : ''}`);
  const dir = path.join(untar, dirs[0]!.name);
  let meta: unknown;
  try {
    meta = parseDocument(await readFile(path.join(dir, 'Chart.yaml'), 'utf8')).toJS();
  } catch (cause) {
    throw new BundleError(blame, `pulled chart has no readable Chart.yaml: ${(cause as Error).message}`, { cause });
  }
  const name = isObject(meta) && typeof meta.name === 'string' && meta.name ? meta.name : dirs[0]!.name;
  const version = isObject(meta) && (typeof meta.version === 'string' || typeof meta.version === 'number') ? String(meta.version) : v.version || 'unknown';
  return { dir, name, version };
}

/**
 * The default Helm release name of a bundle: its id (a DNS-1123 label) when it fits Helm's 53
 * characters, else its first 44 characters + '-' + 8 hex digits of its sha256 (adapted from
 * rancher/fleet internal/names HelmReleaseName, which uses md5).
 */
export function helmReleaseName(bundleId: string): string {
  if (bundleId.length <= 53) return bundleId;
  return `${bundleId.slice(0, 44).replace(/-+$/, '')}-${createHash('sha256').update(bundleId).digest('hex').slice(0, 8)}`;
}

/** True for charts Helm fetches itself: `oci://`, http(s) URLs, or a chart name in `repo`. */
function isRemoteChart(v: Pick<HelmVariant, 'chart' | 'repo'>): boolean {
  return !!v.repo || /^(oci|https?):\/\//.test(v.chart);
}

/** A release name when none is given: the chart's last path segment (repo-relative for local charts), made a DNS-1123 label. */
function releaseNameOf(chart: string): string {
  const base = chart.replace(/\/+$/, '').split('/').pop()!.replace(/\.tgz$/, '').replace(/-\d+\.\d+\.\d+.*$/, '');
  const clean = base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 53);
  return clean || 'release';
}

/** Copies a chart that declares dependencies to `copy` and builds them there; undefined when it declares none. */
async function withBuiltDependencies(root: string, abs: string, chartRel: string, copy: string, scrub: (m: string) => string): Promise<string | undefined> {
  const chartYaml = await readDepsFile(abs, 'Chart.yaml', root);
  const reqYaml = await readDepsFile(abs, 'requirements.yaml', root);
  const declared = [chartYaml, reqYaml].filter((d) => d !== undefined && d.deps > 0);
  if (declared.length === 0) return undefined;
  await cp(abs, copy, { recursive: true, dereference: false });
  const httpRepos = new Set<string>();
  for (const d of declared) {
    const doc = parseDocument(d!.text);
    const deps = doc.get('dependencies') as { items?: unknown[] } | undefined;
    for (const item of deps?.items ?? []) {
      const node = item as { get(k: string): unknown; set(k: string, v: unknown): void };
      const repo = node.get('repository');
      if (typeof repo === 'string' && /^https?:\/\//.test(repo)) httpRepos.add(repo);
      if (typeof repo !== 'string' || !repo.startsWith('file://')) continue;
      const target = path.resolve(abs, repo.slice('file://'.length));
      const back = path.relative(root, target);
      const blame = joinRel(chartRel, d!.name);
      if (back.startsWith('..') || path.isAbsolute(back)) throw new BundleError(blame, `dependency path "${repo}" leaves the repository`);
      const checkout = await checkoutRoot(root);
      try {
        if (await realInside(checkout, back, blame, true)) await refuseEscapingSymlinks(checkout, back, () => false, { maxFileBytes: MAX_FILE_BYTES });
      } catch (cause) {
        throw new BundleError(blame, `dependency "${repo}": ${cause instanceof BundleError ? `${cause.file}: ${cause.reason}` : String(cause)}`, { cause });
      }
      node.set('repository', `file://${target}`);
    }
    await writeFile(path.join(copy, d!.name), doc.toString());
  }
  // HTTP dependency repos must be known to Helm: register them in a private repositories file
  const scratch = path.dirname(copy);
  const env = { HELM_REPOSITORY_CONFIG: path.join(scratch, 'repositories.yaml'), HELM_REPOSITORY_CACHE: path.join(scratch, 'repository-cache') };
  try {
    let i = 0;
    for (const url of httpRepos) await runHelm(['repo', 'add', `gitfleet-dep-${i++}`, url], scratch, env);
    await runHelm(['dependency', 'build', copy, '--skip-refresh'], scratch, env);
  } catch (cause) {
    throw new BundleError(joinRel(chartRel, 'Chart.yaml'), `helm dependency build failed: ${scrub(helmMessage(cause))}`, { cause });
  }
  return copy;
}

/** Reads `dir/name` when it is a file of at most MAX_FILE_BYTES whose real path is inside `root`; else undefined. */
async function readDepsFile(dir: string, name: string, root: string): Promise<{ name: string; text: string; deps: number } | undefined> {
  let text: string;
  try {
    const real = await realpath(path.join(dir, name));
    if (!isWithin(await realpath(root), real) || (await stat(real)).size > MAX_FILE_BYTES) return undefined;
    text = await readFile(real, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = parseDocument(text).toJS();
  } catch {
    return undefined; // helm reports a broken Chart.yaml itself
  }
  const deps = isObject(parsed) && Array.isArray(parsed.dependencies) ? parsed.dependencies.length : 0;
  return { name, text, deps };
}

const TEST_HOOKS = new Set(['test', 'test-success', 'test-failure']);

/** Splits `helm template` output at `# Source:` comments; drops empty documents and test hooks. */
function parseHelmOutput(out: string, chartRel: string): HelmDocument[] {
  const result: HelmDocument[] = [];
  for (const chunk of out.split(/^---[ \t]*$/m)) {
    const source = /^# Source: (.+)$/m.exec(chunk)?.[1]?.trim();
    const file = source ? sourceFile(source, chartRel) : chartRel;
    for (const doc of parseYamlDocuments(chunk, file)) {
      if (doc === null || doc === undefined) continue;
      if (isTestHook(doc)) continue;
      result.push({ file, doc });
    }
  }
  return result;
}

function isTestHook(doc: unknown): boolean {
  if (!isObject(doc) || !isObject(doc.metadata) || !isObject(doc.metadata.annotations)) return false;
  const hook = doc.metadata.annotations['helm.sh/hook'];
  return typeof hook === 'string' && hook.split(',').some((h) => TEST_HOOKS.has(h.trim()));
}

/** `<chart name>/templates/x.yaml` → `<chart dir>/templates/x.yaml` (remote charts: `<name>@<version>/templates/x.yaml`). */
function sourceFile(source: string, chartRel: string): string {
  const rest = source.split('/').slice(1).join('/');
  const dir = chartRel.endsWith('.tgz') ? path.posix.dirname(chartRel) : chartRel;
  return normalizeRel(joinRel(dir === '.' ? '' : dir, rest));
}

/** The template Helm's message names (`template: c/templates/x.yaml:3:4:`, `(c/templates/x.yaml:3)`, `on c/templates/x.yaml:`), else the chart. */
function blameOf(msg: string, chartRel: string): string {
  const m = /([A-Za-z0-9_.@-]+\/(?:(?:charts\/[A-Za-z0-9_.-]+\/)*)(?:templates|crds)\/[^\s:()"]+)/.exec(msg);
  if (m) return sourceFile(m[1]!, chartRel);
  return chartRel || '.';
}

interface ExecFailure extends Error {
  stderr?: string;
  killed?: boolean;
  code?: number | string;
}

function runHelm(args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      helmBinary(),
      args,
      { cwd, timeout: HELM_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, KUBECONFIG: '/dev/null', ...env } },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve(stdout)),
    );
  });
}

function helmMessage(cause: unknown): string {
  const e = cause as ExecFailure;
  if (e.code === 'ENOENT') return `${helmBinary()} not found (set GITFLEET_HELM or put helm on PATH)`;
  if (e.killed) return `timed out after ${HELM_TIMEOUT_MS / 1000} s`;
  const lines = (e.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^(WARNING|walk\.go|install\.go):?/i.test(l) && !/^Use --debug flag/.test(l));
  const msg = lines.join('; ').replace(/^Error: /, '').replaceAll('; Error: ', '; ');
  return msg || e.message;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
