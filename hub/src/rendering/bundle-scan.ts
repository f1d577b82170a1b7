// Bundle discovery in a checkout, and bundle ids.
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { BundleError } from './bundle-error.js';
import { checkoutRoot, joinRel, normalizeRel, readCheckoutText, realInside, type CheckoutRoot } from './checkout-files.js';
import { defaultBundleSpec, parseFleetYaml, type BundleSpec } from './fleet-yaml.js';
import { prepareHelmSpec } from './helm.js';

/** One bundle found in a checkout. */
export interface ScannedBundle {
  /** Repo-relative dir, posix separators, '' = repo root. */
  path: string;
  /** Parsed fleet.yaml, or the defaults (no fleet.yaml, or one that failed to parse). */
  spec: BundleSpec;
  /** fleet.yaml warnings (unknown / not-yet-supported fields). */
  warnings: string[];
  /** Set when fleet.yaml failed to parse: the bundle exists but is failed. */
  error?: BundleError;
}

/** File names that make a directory a bundle (Fleet: fleetyaml.GetFleetYamlPath, `.yaml` then `.yml`). */
export const FLEET_YAML_NAMES = ['fleet.yaml', 'fleet.yml'] as const;

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/**
 * Content gitfleet does not render, found by file name: [format, file-name pattern, the pattern as
 * shown]. Argo CD renders jsonnet (and plugins render CUE), Fleet renders neither; a repository
 * moved over from Argo CD may hold them.
 */
export const UNRENDERED_FORMATS: ReadonlyArray<readonly [format: string, pattern: RegExp, shown: string]> = [
  ['jsonnet', /\.jsonnet$/i, '*.jsonnet'],
  ['jsonnet', /\.libsonnet$/i, '*.libsonnet'],
  ['CUE', /\.cue$/i, '*.cue'],
];

/** Files whose presence makes a directory (and everything below it) a Helm chart or a Kustomize tree, whose renderer may read any file. */
const RENDERER_READS_ANY_FILE = new Set(['Chart.yaml', 'kustomization.yaml', 'kustomization.yml', 'Kustomization']);

/**
 * The source warning for one directory holding content gitfleet does not render (see
 * UNRENDERED_FORMATS), or undefined when it holds none: `<dir>: <patterns> files: <format> is not
 * rendered by gitfleet; skipped`, e.g. `dashboards: *.jsonnet, *.libsonnet files: jsonnet is not
 * rendered by gitfleet; skipped` (dir '' is shown as '.'; formats in table order).
 * @param dir repo-relative dir, posix separators
 * @param fileNames the names of the regular files in it
 */
export function unrenderedContentWarning(dir: string, fileNames: readonly string[]): string | undefined {
  const byFormat = new Map<string, string[]>();
  for (const [format, pattern, shown] of UNRENDERED_FORMATS) {
    if (!fileNames.some((n) => pattern.test(n))) continue;
    byFormat.set(format, [...(byFormat.get(format) ?? []), shown]);
  }
  if (byFormat.size === 0) return undefined;
  const parts = [...byFormat].map(([format, shown]) => `${shown.join(', ')} files: ${format} is not rendered by gitfleet`);
  return `${dir || '.'}: ${parts.join('; ')}; skipped`;
}

/** True when `name` is a manifest file name we read (*.yaml, *.yml, *.json). */
export function isManifestFile(name: string): boolean {
  return MANIFEST_EXT.test(name);
}

/** Hidden entries (`.git`, `.github`, dotfiles) are skipped, as Fleet's loader does. */
export function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/**
 * Walks `checkoutDir/subPath` (subPath repo-relative, '' or undefined = repo root) and returns
 * its bundles sorted by path. Rule (Fleet: internal/cmd/cli/apply/apply.go
 * shouldCreateBundleForThisPath + hasSubDirectoryWithResourcesAndWithoutFleetYaml):
 * - every directory holding a fleet.yaml (or fleet.yml) is a bundle;
 * - the scan root without fleet.yaml is a bundle with default options when it, or any
 *   subdirectory not under a fleet.yaml dir, holds a manifest (*.yaml|*.yml|*.json);
 * - any other directory without fleet.yaml is part of the nearest bundle above it (so
 *   `overlays/` folders and kustomize bases are never bundles of their own).
 * Hidden directories (`.git`, …) and symlinked directories are skipped. A fleet.yaml that
 * fails to parse gives a bundle with default spec and `error` set; it never fails the scan.
 * fleet.yaml is read like any manifest (readCheckoutText): a symlinked fleet.yaml still makes
 * its directory a bundle, and one leading out of the checkout, larger than 10 MiB, binary, with
 * duplicate keys or an alias bomb sets `error`.
 * Helm (prepareHelmSpec): a bundle dir holding Chart.yaml without `helm.chart` gets chart ".",
 * and `helm.valuesFiles` are read into `loadedValuesFiles`; a missing or malformed values file
 * sets `error` like a bad fleet.yaml.
 * Content gitfleet does not render (jsonnet, CUE: UNRENDERED_FORMATS) is never silently skipped:
 * each directory holding such files gets one warning in `sourceWarnings`
 * (unrenderedContentWarning), whether or not it belongs to a bundle — except inside a Helm chart
 * or a Kustomize tree (a dir holding Chart.yaml or a kustomization file, and everything below
 * it), whose templates or generators may read any file.
 * @param sourceWarnings when given, the source's warnings are appended to it, in walk order
 *   (a dir before its subdirs, subdirs by name).
 * @throws BundleError(subPath, …) when subPath escapes the checkout (also through a symlink) or
 *   is not a directory.
 */
export async function scanBundles(checkoutDir: string, subPath = '', sourceWarnings?: string[]): Promise<ScannedBundle[]> {
  const rootRel = normalizeRel(subPath);
  const rootAbs = path.resolve(checkoutDir, rootRel);
  if (rootRel.startsWith('..') || path.isAbsolute(rootRel)) {
    throw new BundleError(subPath, 'path leaves the repository');
  }
  const root = await checkoutRoot(checkoutDir);
  await realInside(root, rootRel, rootRel || '.', true);
  try {
    if (!(await stat(rootAbs)).isDirectory()) throw new BundleError(rootRel || '.', 'not a directory');
  } catch (cause) {
    if (cause instanceof BundleError) throw cause;
    throw new BundleError(rootRel || '.', 'no such directory in the repository', { cause });
  }

  const bundles: ScannedBundle[] = [];
  // Returns true when `dir` or a subdirectory not under a fleet.yaml dir holds a manifest.
  // `rendererReadsAll`: inside a Helm chart or Kustomize tree (no unrendered-content warnings).
  const walk = async (rel: string, rendererReadsAll: boolean): Promise<boolean> => {
    const entries = (await readdir(path.join(checkoutDir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const fleetYaml = FLEET_YAML_NAMES.find((n) => entries.some((e) => (e.isFile() || e.isSymbolicLink()) && e.name === n));
    if (fleetYaml) bundles.push(await readBundle(root, checkoutDir, rel, fleetYaml));
    const files = entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
    const readsAll = rendererReadsAll || files.some((n) => RENDERER_READS_ANY_FILE.has(n));
    const warning = readsAll ? undefined : unrenderedContentWarning(rel, files);
    if (warning !== undefined) sourceWarnings?.push(warning);
    let loose = !fleetYaml && entries.some((e) => e.isFile() && isManifestFile(e.name));
    for (const e of entries) {
      if (!e.isDirectory() || isHidden(e.name)) continue;
      const childLoose = await walk(joinRel(rel, e.name), readsAll);
      if (!fleetYaml) loose ||= childLoose;
    }
    return loose;
  };
  const rootLoose = await walk(rootRel, false);
  if (rootLoose) {
    const spec = defaultBundleSpec();
    await prepareHelmSpec(checkoutDir, rootRel, spec, joinRel(rootRel, FLEET_YAML_NAMES[0]));
    bundles.push({ path: rootRel, spec, warnings: [] });
  }
  return bundles.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function readBundle(root: CheckoutRoot, checkoutDir: string, rel: string, fleetYaml: string): Promise<ScannedBundle> {
  const file = joinRel(rel, fleetYaml);
  try {
    const text = await readCheckoutText(root, file);
    const { spec, warnings } = parseFleetYaml(text, file);
    warnings.push(...(await prepareHelmSpec(checkoutDir, rel, spec, file)));
    return { path: rel, spec, warnings };
  } catch (cause) {
    const error = cause instanceof BundleError ? cause : new BundleError(file, `cannot read: ${(cause as Error).message}`, { cause });
    return { path: rel, spec: defaultBundleSpec(), warnings: [], error };
  }
}

const MAX_ID = 63;

/**
 * The bundle id: `<sourceName>-<spec.name ?? path>` made a DNS-1123 label — lower-cased, every
 * run of characters outside [a-z0-9] turned into one '-', '-' trimmed at both ends; longer
 * than 63 characters → the first 54 characters + '-' + the first 8 hex digits of the sha256 of
 * the full cleaned name. The repo root (path '') without spec.name gives the source name alone.
 * Adapted from Fleet's bundle naming (internal/cmd/cli/apply/apply.go: `filepath.Join(repoName,
 * path)` through internal/names HelmReleaseName, which uses md5 and a 53-character Helm limit);
 * unlike Fleet, spec.name stays prefixed by the source so two sources never collide.
 * @throws Error when nothing usable is left (e.g. a source name of only symbols).
 */
export function bundleId(sourceName: string, bundle: { path: string; spec: BundleSpec }): string {
  const tail = bundle.spec.name ?? bundle.path;
  const raw = tail === '' ? sourceName : `${sourceName}-${tail}`;
  const clean = raw.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (clean === '') throw new Error(`cannot make a bundle id from source "${sourceName}" and "${tail}"`);
  if (clean.length <= MAX_ID) return clean;
  const hash = createHash('sha256').update(clean).digest('hex').slice(0, 8);
  return `${clean.slice(0, 54)}-${hash}`;
}
