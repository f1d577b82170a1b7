// Rendering one bundle directory into Kubernetes objects: plain YAML with Fleet overlays, or kustomize.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import jsonMergePatch from 'json-merge-patch';
import { parseDocument } from 'yaml';
import { BundleError } from './bundle-error.js';
import { FLEET_YAML_NAMES, isHidden, isManifestFile } from './bundle-scan.js';
import { joinRel, normalizeRel } from './checkout-files.js';
import { ByteBudget, checkoutRoot, readCheckoutText, realInside, refuseEscapingSymlinks, type CheckoutRoot } from './checkout-files.js';
import { helmVariantHash, renderHelm, type HelmDocument, type HelmVariant } from './helm.js';
import { checkKustomization, KUSTOMIZATION_NAMES } from './kustomize-check.js';
import { checkMetadata, checkUniqueIdentities, type ObjectPlace } from './object-checks.js';
import { parseYamlDocuments, parseYamlDocumentsAt, type YamlDocument } from './yaml-docs.js';

/**
 * What a target changes in the render: which kustomize dir, which `overlays/<name>` folders, and
 * for a Helm bundle the chart with the cluster's resolved values (see resolveHelmVariant).
 */
export interface RenderVariant {
  /** Relative to the bundle dir; undefined = the bundle dir itself. */
  kustomizeDir?: string;
  /** Overlay names, applied in order. */
  overlays: string[];
  /** Set for Helm bundles: the bundle is rendered by `helm template` (renderHelm). */
  helm?: HelmVariant;
  /**
   * The source allows kustomize remote bases (source setting `kustomizeRemoteBases`, set on
   * every variant by the pipeline); unset/false: a kustomization naming a remote base is refused.
   */
  kustomizeRemoteBases?: boolean;
}

/**
 * A stable string key of a variant (same variant → same key), for caching renders and sharing
 * one render between targets. A Helm variant adds a hash of its canonical JSON (chart, repo,
 * version, release name, namespace, resolved values, kube version), so clusters whose values
 * come out equal share one render and a label change re-renders only the clusters it changes.
 */
export function variantKey(v: RenderVariant): string {
  const key: unknown[] = [v.kustomizeDir === undefined ? null : normalizeRel(v.kustomizeDir), v.overlays];
  if (v.helm) key.push(`helm:${helmVariantHash(v.helm)}`);
  if (v.kustomizeRemoteBases) key.push('kustomize-remote-bases');
  return JSON.stringify(key);
}

/** One rendered Kubernetes object and the file it came from. */
export interface RenderedObject {
  /** Repo-relative posix path of the source file after overlays (the base file when patched,
   *  the kustomization file for kustomize output). */
  file: string;
  /** The object: has apiVersion, kind and metadata.name. */
  object: Record<string, unknown>;
}

/** The kubectl binary (override with GITFLEET_KUBECTL). */
const KUBECTL = process.env.GITFLEET_KUBECTL ?? 'kubectl';
const KUBECTL_TIMEOUT_MS = 60_000;
const OVERLAYS = 'overlays';

/**
 * Renders the bundle at `checkoutDir/bundlePath` for one variant.
 *
 * Kustomize: when `variant.kustomizeDir` (relative to the bundle dir, must stay inside the
 * checkout) or else the bundle dir holds kustomization.yaml/.yml/Kustomization, the
 * kustomization and its local bases are checked first (checkKustomization: no path out of the
 * checkout, no remote base unless `variant.kustomizeRemoteBases`), then `kubectl kustomize
 * --load-restrictor LoadRestrictionsRootOnly <dir>` runs (60 s timeout) and its documents are
 * returned in output order, each with `file` = that kustomization file. A kustomizeDir without
 * a kustomization is an error.
 *
 * Plain YAML otherwise: every *.yaml/*.yml/*.json below the bundle dir, except fleet.yaml,
 * kustomization files, hidden entries, the `overlays/` folder and any subdirectory that is a
 * bundle of its own (holds a fleet.yaml). A symlinked file is read when it stays inside the
 * checkout; symlinked directories are not descended. Fleet's yaml.overlays (rancher/fleet
 * internal/helmdeployer/render/patch/patch.go), for each overlay name in order:
 * files of `overlays/<name>/` replace (or add) the bundle file at the same relative path — an
 * empty file so removes its objects — and then each `<base>_patch.<ext>` file patches
 * `<base>.<ext>`, with the patch type chosen as rancher/wrangler pkg/patch does: a YAML list is
 * an RFC 6902 JSON Patch; otherwise a strategic merge patch when the base is a built-in
 * Kubernetes kind (done by `kubectl patch --local`, which knows the same built-in types), else
 * an RFC 7386 JSON merge patch (CRDs and custom kinds). Multi-document files are split, empty
 * documents dropped, `List` kinds (kind `List`, or `*List` with `items`) expanded. Result sorted
 * by file, then document order.
 *
 * Helm: when `variant.helm` is set, the chart is rendered by renderHelm (helm.ts) and its
 * documents validated as below. With `variant.kustomizeDir` too, the chart output is
 * post-rendered by kustomize as Fleet does (postRenderKustomize: the output becomes the first
 * resource of that kustomization, `fleet-manifests.yaml`); without `kustomizeDir`, so is it when
 * the bundle dir itself holds a `kustomization.yaml` (Fleet's dir "."). The objects then name the
 * kustomization file. yaml.overlays together with helm is an error (not supported yet).
 *
 * Input limits, for every kind of bundle: no symlink in the bundle dir (nested bundles aside)
 * may point outside the checkout; each file read is at most MAX_FILE_BYTES (10 MiB), UTF-8 text
 * without NUL bytes; the files read (plain) or the kustomize/helm output total at most
 * MAX_BUNDLE_BYTES (32 MiB); YAML with duplicate keys or aliases expanding past MAX_ALIAS_COUNT
 * is refused. Every object needs apiVersion, kind and a metadata.name valid for its kind
 * (checkMetadata: DNS-1123 subdomain for most kinds), and no two objects may share
 * group, kind, namespace and name (checkUniqueIdentities).
 *
 * Deviations from Fleet, all failing loudly where Fleet is silent: an overlay name without an
 * `overlays/<name>/` folder, a patch of a multi-document or empty base, and yaml.overlays
 * together with kustomize are errors.
 *
 * @throws BundleError only: malformed YAML → (file, 'line L col C: …'); an object without
 *   apiVersion, kind or metadata.name → (file, 'document N (line L): missing …'); a patch without
 *   base → (patch file, …); kubectl failure → (kustomization file, 'kubectl kustomize failed:
 *   <stderr>'); Helm failure → (template or chart, 'helm template failed: <Helm's message>');
 *   each input limit above → (the file or symlink, reason).
 */
export async function renderBundle(checkoutDir: string, bundlePath: string, variant: RenderVariant): Promise<RenderedObject[]> {
  const bundleRel = normalizeRel(bundlePath);
  try {
    const root = await checkoutRoot(checkoutDir);
    const bundleAbs = insideCheckout(checkoutDir, bundleRel, bundleRel || '.');
    if (!(await realInside(root, bundleRel, bundleRel || '.', true))) throw new BundleError(bundleRel || '.', 'no such directory');
    // no symlink in the bundle may lead out of the checkout (nested bundles answer for themselves)
    await refuseEscapingSymlinks(root, bundleRel, (rel) => rel !== bundleRel && holdsFleetYaml(path.join(root.abs, rel)).catch(() => false));
    let placed: Placed[];
    if (variant.helm) {
      if (variant.overlays.length > 0) {
        throw new BundleError(bundleRel || '.', 'yaml.overlays together with helm is not supported yet');
      }
      const docs = await renderHelm(checkoutDir, bundleRel, variant.helm);
      const perFile = new Map<string, number>();
      placed = docs.flatMap((d) => {
        const n = (perFile.get(d.file) ?? 0) + 1;
        perFile.set(d.file, n);
        return toObjects([{ value: d.doc, line: 0 }], d.file, d.file, n);
      });
      if (variant.kustomizeDir !== undefined) {
        const kustomizeRel = normalizeRel(joinRel(bundleRel, variant.kustomizeDir));
        insideCheckout(checkoutDir, kustomizeRel, kustomizeRel || '.');
        placed = await postRenderKustomize(root, kustomizeRel, docs, variant.kustomizeRemoteBases === true);
      } else if ((await findKustomization(bundleAbs, bundleRel)) === KUSTOMIZATION_NAMES[0]) {
        // Fleet post-renders with dir "." when the bundle dir holds a kustomization.yaml
        placed = await postRenderKustomize(root, bundleRel, docs, variant.kustomizeRemoteBases === true);
      }
    } else {
      const kustomizeRel = variant.kustomizeDir === undefined ? undefined : normalizeRel(joinRel(bundleRel, variant.kustomizeDir));
      const kustomizeAbs = kustomizeRel === undefined ? bundleAbs : insideCheckout(checkoutDir, kustomizeRel, kustomizeRel || '.');
      const kustomization = await findKustomization(kustomizeAbs, kustomizeRel ?? bundleRel);
      if (kustomization) {
        if (variant.overlays.length > 0) {
          throw new BundleError(bundleRel || '.', 'yaml.overlays together with kustomize is not supported yet');
        }
        await checkKustomization(root, kustomizeRel ?? bundleRel, { remoteBases: variant.kustomizeRemoteBases === true });
        placed = await renderKustomize(root, kustomizeAbs, joinRel(kustomizeRel ?? bundleRel, kustomization));
      } else if (kustomizeRel !== undefined) {
        throw new BundleError(kustomizeRel || '.', 'kustomize.dir holds no kustomization.yaml');
      } else {
        placed = await renderPlain(root, bundleAbs, bundleRel, variant.overlays);
      }
    }
    checkUniqueIdentities(placed);
    return placed.map(({ file, object }) => ({ file, object }));
  } catch (cause) {
    if (cause instanceof BundleError) throw cause;
    throw new BundleError(bundleRel || '.', `cannot render: ${(cause as Error).message}`, { cause });
  }
}

/** A rendered object with the place to name in errors. */
interface Placed extends RenderedObject {
  place: ObjectPlace;
}

function insideCheckout(checkoutDir: string, rel: string, label: string): string {
  const root = path.resolve(checkoutDir);
  const abs = path.resolve(root, rel);
  const back = path.relative(root, abs);
  if (back.startsWith('..') || path.isAbsolute(back)) throw new BundleError(label, 'path leaves the repository');
  return abs;
}

async function findKustomization(dirAbs: string, dirRel: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(dirAbs);
  } catch (cause) {
    throw new BundleError(dirRel || '.', 'no such directory', { cause });
  }
  return KUSTOMIZATION_NAMES.find((n) => names.includes(n));
}

// ---- kustomize ---------------------------------------------------------------------------

/**
 * `kubectl kustomize` with kustomize's default load restrictor spelled out (files only from
 * the kustomization root; checkKustomization has already confined bases to the checkout);
 * absolute checkout paths in its message are made repo-relative; output capped at MAX_BUNDLE_BYTES.
 */
async function renderKustomize(root: CheckoutRoot, dirAbs: string, kustomizationRel: string): Promise<Placed[]> {
  let out: string;
  try {
    out = await runKubectl(['kustomize', '--load-restrictor', 'LoadRestrictionsRootOnly', dirAbs]);
  } catch (cause) {
    const msg = kubectlMessage(cause).replaceAll(`${root.abs}${path.sep}`, '').replaceAll(`${root.real}${path.sep}`, '');
    throw new BundleError(kustomizationRel, `kubectl kustomize failed: ${msg}`, { cause });
  }
  new ByteBudget().take(Buffer.byteLength(out), kustomizationRel);
  // lines of kustomize's output mean nothing to the author: name documents only
  return toObjects(parseYamlDocumentsAt(out, kustomizationRel).map((d) => ({ value: d.value, line: 0 })), kustomizationRel, kustomizationRel);
}

/** The file Fleet writes the chart output to in the kustomize dir (rancher/fleet internal/helmdeployer/kustomize ManifestsYAML). */
export const FLEET_MANIFESTS = 'fleet-manifests.yaml';

/**
 * Fleet's kustomize post-render of a chart (rancher/fleet internal/helmdeployer/postrender.go and
 * kustomize/kustomize.go): the chart's documents (`docs`, Helm's order) are written as
 * `fleet-manifests.yaml` into the kustomize dir `kustomizeRel` (repo-relative), that name is
 * prepended to the kustomization's `resources` (unless listed already, anywhere), and kustomize
 * builds the dir with its default load restrictor (kustomize only, no plugins), so patches,
 * labels, namePrefix, images, … of the kustomization apply to the chart's objects and its other
 * resources are added.
 *
 * How, without touching the checkout: the kustomization is checked first (checkKustomization:
 * nothing outside the checkout, remote bases only with `remoteBases`); then a temp dir mirrors the
 * checkout down to the kustomize dir's real path (every other entry on the way is a symlink into
 * the checkout, so `../base` style references resolve as in the checkout), the kustomize dir is
 * copied (real files: kustomize's root-only restrictor resolves symlinks) except `.git`, and the
 * two files are written into the copy. `kubectl kustomize --load-restrictor
 * LoadRestrictionsRootOnly` runs there (60 s timeout); temp paths in its messages become
 * repo-relative.
 *
 * Deviations from Fleet, failing loudly where Fleet is silent: a kustomize dir without a
 * kustomization is an error (Fleet deploys the chart output unchanged); any of the three
 * kustomization file names is used in `kustomize.dir` (Fleet edits only `kustomization.yaml`).
 * Without `kustomize.dir`, as Fleet (dir "."), the bundle dir's `kustomization.yaml` (that name
 * only) post-renders the chart.
 *
 * @returns the built objects, each with `file` = the kustomization file (in the checkout).
 * @throws BundleError: (kustomize dir, 'kustomize.dir holds no kustomization.yaml');
 *   (kustomization file, 'resources: expected a list …') for a `resources` that is not a list;
 *   (kustomization file, 'kubectl kustomize failed (post-rendering the chart): <message>');
 *   checkKustomization's refusals; output over MAX_BUNDLE_BYTES.
 */
async function postRenderKustomize(root: CheckoutRoot, kustomizeRel: string, docs: HelmDocument[], remoteBases: boolean): Promise<Placed[]> {
  const kustomizeAbs = path.resolve(root.abs, kustomizeRel);
  const real = await realInside(root, kustomizeRel, kustomizeRel || '.', true);
  if (real === undefined) throw new BundleError(kustomizeRel || '.', 'no such directory (kustomize.dir)');
  const name = await findKustomization(kustomizeAbs, kustomizeRel);
  if (!name) throw new BundleError(kustomizeRel || '.', 'kustomize.dir holds no kustomization.yaml');
  await checkKustomization(root, kustomizeRel, { remoteBases });
  const kustomizationRel = joinRel(kustomizeRel, name);

  const doc = parseDocument(await readCheckoutText(root, kustomizationRel), { uniqueKeys: true });
  if (doc.errors.length > 0) throw new BundleError(kustomizationRel, doc.errors[0]!.message.split('\n')[0]!);
  const resources: unknown = doc.get('resources');
  const list = resources === undefined || resources === null ? [] : (resources as { toJSON?: () => unknown }).toJSON?.() ?? resources;
  if (!Array.isArray(list)) throw new BundleError(kustomizationRel, `resources: expected a list of paths, got ${typeof list}`);
  if (!list.includes(FLEET_MANIFESTS)) doc.set('resources', [FLEET_MANIFESTS, ...list]);
  const manifests = docs.map((d) => JSON.stringify(d.doc)).join('\n---\n');

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gitfleet-postrender-'));
  try {
    const realRel = path.relative(root.real, real).split(path.sep).join('/');
    const staged = await mirrorDown(root.real, realRel, tmp);
    await writeFile(path.join(staged, FLEET_MANIFESTS), manifests);
    await writeFile(path.join(staged, name), doc.toString());
    let out: string;
    try {
      out = await runKubectl(['kustomize', '--load-restrictor', 'LoadRestrictionsRootOnly', staged]);
    } catch (cause) {
      const msg = kubectlMessage(cause)
        .replaceAll(`${staged}${path.sep}`, kustomizeRel ? `${kustomizeRel}/` : '')
        .replaceAll(staged, kustomizeRel || '.')
        .replaceAll(`${tmp}${path.sep}`, '')
        .replaceAll(`${root.abs}${path.sep}`, '')
        .replaceAll(`${root.real}${path.sep}`, '');
      throw new BundleError(kustomizationRel, `kubectl kustomize failed (post-rendering the chart): ${msg}`, { cause });
    }
    new ByteBudget().take(Buffer.byteLength(out), kustomizationRel);
    return toObjects(parseYamlDocumentsAt(out, kustomizationRel).map((d) => ({ value: d.value, line: 0 })), kustomizationRel, kustomizationRel);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Makes `tmp/<rel>` a copy of `rootReal/<rel>` (`.git` left out, symlinks copied as links) whose
 * surroundings look like the checkout: at every level above it, each sibling entry is a symlink
 * to the checkout's. Returns the copy's path.
 */
async function mirrorDown(rootReal: string, rel: string, tmp: string): Promise<string> {
  let src = rootReal;
  let dst = tmp;
  for (const seg of rel === '' ? [] : rel.split('/')) {
    for (const e of await readdir(src)) if (e !== seg) await symlink(path.join(src, e), path.join(dst, e));
    src = path.join(src, seg);
    dst = path.join(dst, seg);
    await mkdir(dst);
  }
  await cp(src, dst, { recursive: true, dereference: false, verbatimSymlinks: true, filter: (from) => path.basename(from) !== '.git' });
  return dst;
}

// ---- plain YAML + overlays ---------------------------------------------------------------

/** A file's current text, keyed by bundle-relative path; `blame` = repo-relative file to name in errors. */
interface Entry {
  text: string;
  blame: string;
}

async function renderPlain(root: CheckoutRoot, bundleAbs: string, bundleRel: string, overlays: string[]): Promise<Placed[]> {
  const content = new Map<string, Entry>();
  await collect(root, bundleAbs, bundleRel, '', content, new ByteBudget());

  for (const overlay of overlays) await applyOverlay(content, bundleAbs, bundleRel, overlay);

  const result: Placed[] = [];
  for (const key of [...content.keys()].sort(compare)) {
    if (key.startsWith(`${OVERLAYS}/`) || !isManifestFile(key)) continue;
    const entry = content.get(key)!;
    const file = joinRel(bundleRel, key);
    result.push(...toObjects(parseYamlDocumentsAt(entry.text, entry.blame), file, entry.blame));
  }
  return result;
}

/**
 * Reads manifest files below `dirAbs` into `content` (readCheckoutText: inside the checkout,
 * size-capped, text only, charged to `budget`), skipping what is not part of this bundle.
 */
async function collect(root: CheckoutRoot, dirAbs: string, bundleRel: string, rel: string, content: Map<string, Entry>, budget: ByteBudget): Promise<void> {
  const entries = await readdir(path.join(dirAbs, rel), { withFileTypes: true });
  for (const e of entries) {
    if (isHidden(e.name)) continue;
    const childRel = joinRel(rel, e.name);
    if (e.isDirectory()) {
      const inOverlays = childRel === OVERLAYS || childRel.startsWith(`${OVERLAYS}/`);
      if (!inOverlays && (await holdsFleetYaml(path.join(dirAbs, childRel)))) continue; // another bundle
      await collect(root, dirAbs, bundleRel, childRel, content, budget);
    } else if ((e.isFile() || (e.isSymbolicLink() && (await isFileTarget(path.join(dirAbs, childRel))))) && isManifestFile(e.name)) {
      if (rel === '' && (FLEET_YAML_NAMES as readonly string[]).includes(e.name)) continue;
      if ((KUSTOMIZATION_NAMES as readonly string[]).includes(e.name)) continue;
      const blame = joinRel(bundleRel, childRel);
      const text = await readCheckoutText(root, blame, { budget });
      content.set(childRel, { text, blame });
    }
  }
}

/** True when `p` (a symlink) leads to a regular file; a dangling link is false. */
async function isFileTarget(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function holdsFleetYaml(dirAbs: string): Promise<boolean> {
  const names = await readdir(dirAbs);
  return FLEET_YAML_NAMES.some((n) => names.includes(n));
}

/** Fleet patch.patchContent for one overlay; replacements first, then patches, each by name. */
async function applyOverlay(content: Map<string, Entry>, bundleAbs: string, bundleRel: string, overlay: string): Promise<void> {
  const prefix = `${OVERLAYS}/${overlay}/`;
  const overlayRel = joinRel(bundleRel, `${OVERLAYS}/${overlay}`);
  if (overlay === '' || overlay.includes('..') || !(await isDir(path.join(bundleAbs, OVERLAYS, overlay)))) {
    throw new BundleError(overlayRel, `overlay "${overlay}" not found (no folder ${OVERLAYS}/${overlay}/ in the bundle)`);
  }
  const files = [...content.keys()].filter((k) => k.startsWith(prefix)).sort(compare);
  const patches: Array<[string, Entry]> = [];
  for (const key of files) {
    const name = key.slice(prefix.length);
    const entry = content.get(key)!;
    const target = patchTarget(name);
    if (target === undefined) content.set(name, entry);
    else patches.push([target, entry]);
  }
  for (const [target, patch] of patches) {
    const base = content.get(target);
    if (!base) throw new BundleError(patch.blame, `no base file ${joinRel(bundleRel, target)} to patch`);
    const patched = await applyPatch(base, patch);
    content.set(target, { text: JSON.stringify(patched), blame: patch.blame });
  }
}

/** `dir/name_patch.yaml` → `dir/name.yaml` (Fleet: isPatchFile, first `_patch.` of the base name). */
function patchTarget(name: string): string | undefined {
  const dir = path.posix.dirname(name);
  const base = path.posix.basename(name);
  if (!base.includes('_patch.')) return undefined;
  const target = base.replace('_patch.', '.');
  return dir === '.' ? target : `${dir}/${target}`;
}

async function applyPatch(base: Entry, patch: Entry): Promise<unknown> {
  const baseDocs = parseYamlDocuments(base.text, base.blame).filter((d) => d !== null);
  if (baseDocs.length !== 1) {
    throw new BundleError(patch.blame, `base file ${base.blame} must hold exactly one document to be patched, it holds ${baseDocs.length}`);
  }
  const original = baseDocs[0];
  const patchDocs = parseYamlDocuments(patch.text, patch.blame).filter((d) => d !== null);
  if (patchDocs.length !== 1) throw new BundleError(patch.blame, `a patch must be one document, found ${patchDocs.length}`);
  const p = patchDocs[0];

  if (Array.isArray(p)) {
    try {
      return fastJsonPatch.applyPatch(structuredClone(original), p as Operation[], true, false).newDocument;
    } catch (cause) {
      throw new BundleError(patch.blame, `JSON patch of ${base.blame} failed: ${(cause as Error).message.split('\n')[0]}`, { cause });
    }
  }
  if (!isObject(p)) throw new BundleError(patch.blame, 'a patch must be a mapping (merge patch) or a list (JSON patch)');
  if (isObject(original) && typeof original.apiVersion === 'string' && typeof original.kind === 'string') {
    const smp = await strategicMerge(original, p, patch.blame);
    if (smp !== undefined) return smp;
  }
  return jsonMergePatch.apply(structuredClone(original), p);
}

/** Strategic merge patch via `kubectl patch --local`; undefined when kubectl does not know the kind. */
async function strategicMerge(original: Record<string, unknown>, p: Record<string, unknown>, blame: string): Promise<unknown> {
  let out: string;
  try {
    out = await runKubectl(['patch', '--local', '-f', '-', '--type', 'strategic', '-p', JSON.stringify(p), '-o', 'json'], JSON.stringify(original));
  } catch (cause) {
    const msg = kubectlMessage(cause);
    if (/strategic merge patch is not supported/.test(msg)) return undefined;
    throw new BundleError(blame, `strategic merge patch failed: ${msg}`, { cause });
  }
  return JSON.parse(out) as unknown;
}

// ---- objects -----------------------------------------------------------------------------

/**
 * The objects of one manifest text (`file` = its repo-relative path), validated as renderBundle
 * validates a plain YAML file: YAML parsed (duplicate keys and alias bombs refused), empty
 * documents dropped, `List` kinds expanded, apiVersion, kind and a valid metadata.name required,
 * identities unique. Pure.
 * @throws BundleError(file, reason) only.
 */
export function parseManifests(text: string, file: string): RenderedObject[] {
  const placed = toObjects(parseYamlDocumentsAt(text, file), file, file);
  checkUniqueIdentities(placed);
  return placed.map(({ file: f, object }) => ({ file: f, object }));
}

/**
 * Documents → validated objects; `List` kinds expanded, empty documents dropped. Places read
 * "document N (line L)" (line 0 = unknown, left out); `firstIndex` numbers the first document.
 */
function toObjects(docs: YamlDocument[], file: string, blame: string, firstIndex = 1): Placed[] {
  const out: Placed[] = [];
  docs.forEach(({ value: doc, line }, i) => {
    if (doc === null || doc === undefined) return;
    const where = line > 0 ? `document ${i + firstIndex} (line ${line})` : `document ${i + firstIndex}`;
    const obj = checkObject(doc, blame, where);
    const kind = obj.kind as string;
    if (kind === 'List' || (kind.endsWith('List') && Array.isArray(obj.items))) {
      const items = obj.items ?? [];
      if (!Array.isArray(items)) throw new BundleError(blame, `${where}: List without items`);
      items.forEach((item, j) => {
        const place = { file: blame, where: `${where} item ${j + 1}` };
        const o = checkObject(item, blame, place.where);
        checkMetadata(o, place);
        out.push({ file, object: o, place });
      });
      return;
    }
    const place = { file: blame, where };
    checkMetadata(obj, place);
    out.push({ file, object: obj, place });
  });
  return out;
}

function checkObject(doc: unknown, blame: string, where: string): Record<string, unknown> {
  if (!isObject(doc)) throw new BundleError(blame, `${where}: not a Kubernetes object (a mapping is needed)`);
  if (typeof doc.apiVersion !== 'string' || doc.apiVersion === '') throw new BundleError(blame, `${where}: missing apiVersion`);
  if (typeof doc.kind !== 'string' || doc.kind === '') throw new BundleError(blame, `${where}: missing kind`);
  return doc;
}

// ---- helpers -----------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface ExecFailure extends Error {
  stderr?: string;
  killed?: boolean;
  code?: number | string;
}

/** Runs kubectl (no kubeconfig needed: kustomize and `patch --local` are offline), optional stdin. */
function runKubectl(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      KUBECTL,
      args,
      { timeout: KUBECTL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, KUBECONFIG: '/dev/null' } },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve(stdout)),
    );
    child.stdin?.on('error', () => {}); // kubectl may exit before reading stdin; its exit status tells
    child.stdin?.end(input ?? '');
  });
}

function kubectlMessage(cause: unknown): string {
  const e = cause as ExecFailure;
  if (e.code === 'ENOENT') return `${KUBECTL} not found on PATH`;
  if (e.killed) return `timed out after ${KUBECTL_TIMEOUT_MS / 1000} s`;
  let stderr = (e.stderr ?? '').trim().replace(/^error: /, '');
  // kubectl may log the failure through klog: `E1121 05:40:42.77 25413 run.go:72] "command failed" err="…"`
  const klog = /^[EFW]\d{4} [\d:.]+\s+\d+ [^\]]+\] "command failed" err="([\s\S]*)"$/.exec(stderr);
  if (klog) stderr = klog[1]!.replaceAll('\\"', '"');
  return stderr || e.message;
}
