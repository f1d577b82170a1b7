// Rendering one bundle directory into Kubernetes objects: plain YAML with Fleet overlays, or kustomize.
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import jsonMergePatch from 'json-merge-patch';
import { BundleError } from './bundle-error.js';
import { FLEET_YAML_NAMES, isHidden, isManifestFile, joinRel, normalizeRel } from './bundle-scan.js';
import { helmVariantHash, renderHelm, type HelmVariant } from './helm.js';
import { parseYamlDocuments } from './yaml-docs.js';

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
const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;
const OVERLAYS = 'overlays';

/**
 * Renders the bundle at `checkoutDir/bundlePath` for one variant.
 *
 * Kustomize: when `variant.kustomizeDir` (relative to the bundle dir, must stay inside the
 * checkout) or else the bundle dir holds kustomization.yaml/.yml/Kustomization, runs
 * `kubectl kustomize <dir>` (60 s timeout) and returns its documents in output order, each with
 * `file` = that kustomization file. A kustomizeDir without a kustomization is an error.
 *
 * Plain YAML otherwise: every *.yaml/*.yml/*.json below the bundle dir, except fleet.yaml,
 * kustomization files, hidden entries, the `overlays/` folder and any subdirectory that is a
 * bundle of its own (holds a fleet.yaml). Fleet's yaml.overlays (rancher/fleet
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
 * documents validated as below; yaml.overlays and kustomizeDir together with helm are errors
 * (Fleet post-renders charts with kustomize; gitfleet does not yet).
 *
 * Deviations from Fleet, all failing loudly where Fleet is silent: an overlay name without an
 * `overlays/<name>/` folder, a patch of a multi-document or empty base, and yaml.overlays
 * together with kustomize are errors.
 *
 * @throws BundleError only: malformed YAML → (file, 'line L col C: …'); an object without
 *   apiVersion, kind or metadata.name → (file, 'document N: missing …'); a patch without base →
 *   (patch file, …); kubectl failure → (kustomization file, 'kubectl kustomize failed: <stderr>');
 *   Helm failure → (template or chart, 'helm template failed: <Helm's message>').
 */
export async function renderBundle(checkoutDir: string, bundlePath: string, variant: RenderVariant): Promise<RenderedObject[]> {
  const bundleRel = normalizeRel(bundlePath);
  try {
    const bundleAbs = insideCheckout(checkoutDir, bundleRel, bundleRel || '.');
    if (variant.helm) {
      if (variant.overlays.length > 0 || variant.kustomizeDir !== undefined) {
        throw new BundleError(bundleRel || '.', 'yaml.overlays or kustomize.dir together with helm is not supported yet');
      }
      const docs = await renderHelm(checkoutDir, bundleRel, variant.helm);
      return docs.flatMap((d) => toObjects([d.doc], d.file, d.file));
    }
    const kustomizeRel = variant.kustomizeDir === undefined ? undefined : normalizeRel(joinRel(bundleRel, variant.kustomizeDir));
    const kustomizeAbs = kustomizeRel === undefined ? bundleAbs : insideCheckout(checkoutDir, kustomizeRel, kustomizeRel || '.');
    const kustomization = await findKustomization(kustomizeAbs, kustomizeRel ?? bundleRel);
    if (kustomization) {
      if (variant.overlays.length > 0) {
        throw new BundleError(bundleRel || '.', 'yaml.overlays together with kustomize is not supported yet');
      }
      return await renderKustomize(path.resolve(checkoutDir), kustomizeAbs, joinRel(kustomizeRel ?? bundleRel, kustomization));
    }
    if (kustomizeRel !== undefined) {
      throw new BundleError(kustomizeRel || '.', 'kustomize.dir holds no kustomization.yaml');
    }
    return await renderPlain(bundleAbs, bundleRel, variant.overlays);
  } catch (cause) {
    if (cause instanceof BundleError) throw cause;
    throw new BundleError(bundleRel || '.', `cannot render: ${(cause as Error).message}`, { cause });
  }
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

/** `kubectl kustomize`; absolute checkout paths in its message are made repo-relative. */
async function renderKustomize(checkoutAbs: string, dirAbs: string, kustomizationRel: string): Promise<RenderedObject[]> {
  let out: string;
  try {
    out = await runKubectl(['kustomize', dirAbs]);
  } catch (cause) {
    const msg = kubectlMessage(cause).replaceAll(`${checkoutAbs}${path.sep}`, '');
    throw new BundleError(kustomizationRel, `kubectl kustomize failed: ${msg}`, { cause });
  }
  return toObjects(parseYamlDocuments(out, kustomizationRel), kustomizationRel, kustomizationRel);
}

// ---- plain YAML + overlays ---------------------------------------------------------------

/** A file's current text, keyed by bundle-relative path; `blame` = repo-relative file to name in errors. */
interface Entry {
  text: string;
  blame: string;
}

async function renderPlain(bundleAbs: string, bundleRel: string, overlays: string[]): Promise<RenderedObject[]> {
  const content = new Map<string, Entry>();
  await collect(bundleAbs, bundleRel, '', content);

  for (const overlay of overlays) await applyOverlay(content, bundleAbs, bundleRel, overlay);

  const result: RenderedObject[] = [];
  for (const key of [...content.keys()].sort(compare)) {
    if (key.startsWith(`${OVERLAYS}/`) || !isManifestFile(key)) continue;
    const entry = content.get(key)!;
    const file = joinRel(bundleRel, key);
    result.push(...toObjects(parseYamlDocuments(entry.text, entry.blame), file, entry.blame));
  }
  return result;
}

/** Reads manifest files below `dirAbs` into `content`, skipping what is not part of this bundle. */
async function collect(dirAbs: string, bundleRel: string, rel: string, content: Map<string, Entry>): Promise<void> {
  const entries = await readdir(path.join(dirAbs, rel), { withFileTypes: true });
  for (const e of entries) {
    if (isHidden(e.name)) continue;
    const childRel = joinRel(rel, e.name);
    if (e.isDirectory()) {
      const inOverlays = childRel === OVERLAYS || childRel.startsWith(`${OVERLAYS}/`);
      if (!inOverlays && (await holdsFleetYaml(path.join(dirAbs, childRel)))) continue; // another bundle
      await collect(dirAbs, bundleRel, childRel, content);
    } else if (e.isFile() && isManifestFile(e.name)) {
      if (rel === '' && (FLEET_YAML_NAMES as readonly string[]).includes(e.name)) continue;
      if ((KUSTOMIZATION_NAMES as readonly string[]).includes(e.name)) continue;
      const text = await readFile(path.join(dirAbs, childRel), 'utf8');
      content.set(childRel, { text, blame: joinRel(bundleRel, childRel) });
    }
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

/** Documents → validated objects; `List` kinds expanded, empty documents dropped. */
function toObjects(docs: unknown[], file: string, blame: string): RenderedObject[] {
  const out: RenderedObject[] = [];
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    const where = `document ${i + 1}`;
    const obj = checkObject(doc, blame, where);
    const kind = obj.kind as string;
    if (kind === 'List' || (kind.endsWith('List') && Array.isArray(obj.items))) {
      const items = obj.items ?? [];
      if (!Array.isArray(items)) throw new BundleError(blame, `${where}: List without items`);
      items.forEach((item, j) => out.push({ file, object: checkObject(item, blame, `${where} item ${j + 1}`, true) }));
      return;
    }
    checkName(obj, blame, where);
    out.push({ file, object: obj });
  });
  return out;
}

function checkObject(doc: unknown, blame: string, where: string, needName = false): Record<string, unknown> {
  if (!isObject(doc)) throw new BundleError(blame, `${where}: not a Kubernetes object (a mapping is needed)`);
  if (typeof doc.apiVersion !== 'string' || doc.apiVersion === '') throw new BundleError(blame, `${where}: missing apiVersion`);
  if (typeof doc.kind !== 'string' || doc.kind === '') throw new BundleError(blame, `${where}: missing kind`);
  if (needName) checkName(doc, blame, where);
  return doc;
}

function checkName(obj: Record<string, unknown>, blame: string, where: string): void {
  const meta = obj.metadata;
  if (!isObject(meta) || typeof meta.name !== 'string' || meta.name === '') {
    throw new BundleError(blame, `${where}: ${obj.kind as string} is missing metadata.name`);
  }
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
