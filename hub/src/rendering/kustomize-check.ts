// Internal: reads kustomization files before `kubectl kustomize` runs, refusing paths that leave the checkout and remote bases.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { BundleError } from './bundle-error.js';
import { checkFileSize, MAX_FILE_BYTES, readCheckoutText, realInside, refuseEscapingSymlinks, type CheckoutRoot } from './checkout-files.js';
import { parseYamlDocuments } from './yaml-docs.js';

/** File names kustomize looks for in a directory, in its order (sigs.k8s.io/kustomize/api/konfig RecognizedKustomizationFileNames). */
export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Options of one check. */
export interface KustomizeCheckOptions {
  /** The source allows remote bases (source setting `kustomizeRemoteBases`); default false. */
  remoteBases?: boolean;
}

/**
 * Fields whose entries kustomize loads as kustomization directories or files and, when no local
 * path of that name exists, fetches as a remote (Git) target (kustomize api/internal/target
 * accumulateResources, configureExternalGenerators/Transformers; `bases` is the deprecated
 * spelling of resources).
 */
const TARGET_FIELDS = ['resources', 'bases', 'components', 'generators', 'transformers', 'validators'] as const;
/** Fields holding file paths (or, for patchesStrategicMerge, inline patches). */
const FILE_LIST_FIELDS = ['crds', 'configurations', 'patchesStrategicMerge'] as const;
/** Fields holding a list of `{path?}` entries (others inline). */
const PATH_ENTRY_FIELDS = ['patches', 'patchesJson6902', 'replacements'] as const;
const GENERATOR_FIELDS = ['configMapGenerator', 'secretGenerator'] as const;

/**
 * True when `ref` is written as a remote reference kustomize would fetch: anything starting
 * with a scheme-like prefix (`https://`, `ssh://`, `git::`, `gh:`, `file:`, …), scp-like
 * `git@host:path`, or a `github.com/…`, `gitlab.com/…`, `bitbucket.org/…` shorthand
 * (kustomize api/internal/git NewRepoSpecFromURL, which kustomize tries BEFORE a local
 * directory of the same name).
 */
export function looksRemote(ref: string): boolean {
  return (
    /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(ref) ||
    /^[^/\s]+@[^/\s]+:/.test(ref) ||
    /^(github\.com|gitlab\.com|bitbucket\.org)[/:]/.test(ref)
  );
}

/**
 * True when `ref`, naming no local path, could still be taken for a Git repository by
 * kustomize: a host-like first segment (`example.org/org/repo`), a `//` repo/path separator,
 * a `_git/` or `.git` part, or a `?ref=` / `?version=` query.
 */
export function mayBeRepository(ref: string): boolean {
  return /^[^/]+\.[a-zA-Z]{2,}\//.test(ref) || ref.includes('//') || /(_git\/|\.git(\/|$|\?))/.test(ref) || /\?(ref|version)=/.test(ref);
}

/**
 * Checks the kustomization in `dirRel` (repo-relative; named in errors by its real path, symlinks
 * resolved, as kustomize resolves its entries from there) and, recursively, every local base,
 * component, generator or transformer directory it names, BEFORE kustomize runs:
 * - every local path (resources, bases, components, generators, transformers, validators, crds,
 *   configurations, patchesStrategicMerge, patches[].path, patchesJson6902[].path,
 *   replacements[].path, configMapGenerator/secretGenerator files, envs and env, openapi.path)
 *   must stay inside the checkout after symlinks (kustomize's load restrictor only confines
 *   files to the kustomization root, and lets bases come from anywhere on disk);
 * - a remote reference (looksRemote), or a target entry naming no local path that reads like a
 *   repository (mayBeRepository), is refused unless `opts.remoteBases`; remote targets are not
 *   looked into;
 * - each directory visited holds no symlink pointing outside the checkout;
 * - kustomization files are read like manifests (size, text, YAML bombs, duplicate keys).
 * Inline entries (a string holding a newline, or an inline `patch`) are not paths.
 * @throws BundleError(kustomization file, '<field>[i]: …') naming the entry and the reason.
 */
export async function checkKustomization(root: CheckoutRoot, dirRel: string, opts: KustomizeCheckOptions = {}, seen = new Set<string>()): Promise<void> {
  const dirReal = (await realInside(root, dirRel, dirRel || '.'))!;
  if (seen.has(dirReal)) return;
  seen.add(dirReal);
  // kustomize resolves a kustomization's paths from its real directory (symlinks resolved)
  const realRel = path.relative(root.real, dirReal).split(path.sep).join('/');
  await refuseEscapingSymlinks(root, realRel);
  const name = await kustomizationIn(dirReal);
  if (!name) return; // kustomize reports a directory without a kustomization itself
  const file = realRel === '' ? name : `${realRel}/${name}`;
  const docs = parseYamlDocuments(await readCheckoutText(root, file), file).filter((d) => d !== null && d !== undefined);
  if (docs.length === 0) return;
  if (docs.length > 1 || !isObject(docs[0])) throw new BundleError(file, 'a kustomization must be one mapping');
  const k = docs[0];

  const fail = (field: string, reason: string, cause?: unknown): never => {
    throw new BundleError(file, `${field}: ${reason}`, { cause });
  };
  /** Repo-relative path of an entry, or a refusal; undefined when it names nothing on disk. */
  const local = async (field: string, ref: string): Promise<{ rel: string; isDir: boolean } | undefined> => {
    const rel = path.relative(root.abs, path.resolve(root.abs, realRel, ref));
    let real: string | undefined;
    try {
      real = await realInside(root, rel, file, true);
    } catch (cause) {
      return fail(field, `${JSON.stringify(ref)} ${cause instanceof BundleError ? cause.reason.replace(/^(path )?"[^"]*" /, '') : 'cannot be resolved'}`, cause);
    }
    if (real === undefined) return undefined;
    const st = await stat(real);
    if (st.isFile() && st.size > MAX_FILE_BYTES) {
      try {
        checkFileSize(st.size, file);
      } catch (cause) {
        return fail(field, `${JSON.stringify(ref)}: ${(cause as BundleError).reason}`, cause);
      }
    }
    return { rel: rel.split(path.sep).join('/'), isDir: st.isDirectory() };
  };
  const refuseRemote = (field: string, ref: string, why: string): void => {
    if (!opts.remoteBases) {
      fail(field, `${JSON.stringify(ref)} ${why}; remote kustomize bases are off for this source (set kustomizeRemoteBases: true on the source to allow them)`);
    }
  };

  for (const field of TARGET_FIELDS) {
    for (const [i, ref] of strings(k[field])) {
      if (ref.includes('\n')) continue; // inline generator/transformer config
      const at = `${field}[${i}]`;
      if (looksRemote(ref)) {
        refuseRemote(at, ref, 'is a remote base');
        continue;
      }
      const found = await local(at, ref);
      if (!found) {
        // kustomize reports a plain missing path itself; one that reads like a repository it would fetch
        if (mayBeRepository(ref)) refuseRemote(at, ref, 'names no file or directory in the repository, so kustomize would fetch it as a remote base');
        continue;
      }
      if (found.isDir) await checkKustomization(root, found.rel, opts, seen);
    }
  }
  const checkFile = async (at: string, ref: string): Promise<void> => {
    if (ref.includes('\n')) return; // inline patch
    if (looksRemote(ref)) return refuseRemote(at, ref, 'is a remote file');
    await local(at, ref);
  };
  for (const field of FILE_LIST_FIELDS) for (const [i, ref] of strings(k[field])) await checkFile(`${field}[${i}]`, ref);
  for (const field of PATH_ENTRY_FIELDS) {
    for (const [i, entry] of list(k[field])) if (isObject(entry) && typeof entry.path === 'string') await checkFile(`${field}[${i}].path`, entry.path);
  }
  for (const field of GENERATOR_FIELDS) {
    for (const [i, gen] of list(k[field])) {
      if (!isObject(gen)) continue;
      // files: "path" or "key=path" (kustomize api/kv ParseFileSource)
      for (const [j, f] of strings(gen.files)) await checkFile(`${field}[${i}].files[${j}]`, f.includes('=') ? f.slice(f.indexOf('=') + 1) : f);
      for (const [j, f] of strings(gen.envs)) await checkFile(`${field}[${i}].envs[${j}]`, f);
      if (typeof gen.env === 'string' && gen.env !== '') await checkFile(`${field}[${i}].env`, gen.env);
    }
  }
  if (isObject(k.openapi) && typeof k.openapi.path === 'string') await checkFile('openapi.path', k.openapi.path);
}

async function kustomizationIn(dirAbs: string): Promise<string | undefined> {
  for (const n of KUSTOMIZATION_NAMES) {
    try {
      await stat(path.join(dirAbs, n));
      return n;
    } catch {
      // next name
    }
  }
  return undefined;
}

function list(v: unknown): Array<[number, unknown]> {
  return Array.isArray(v) ? v.map((x, i): [number, unknown] => [i, x]) : [];
}

function strings(v: unknown): Array<[number, string]> {
  return list(v).filter((e): e is [number, string] => typeof e[1] === 'string' && e[1] !== '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
