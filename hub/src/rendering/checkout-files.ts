// Internal: reading a source checkout safely — paths stay inside it after symlinks, files are
// capped in size and must be text, a bundle's reads share one byte budget.
import { lstat, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { BundleError } from './bundle-error.js';

/** Largest file the hub reads from a checkout (fleet.yaml, manifests, values files, kustomization files): 10 MiB. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/**
 * Largest total a bundle may read or render for one variant: the sum of its manifest files
 * (plain YAML) or the size of the `kubectl kustomize` / `helm template` output: 32 MiB.
 */
export const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;
/** Directory levels a symlink check descends at most (a deeper tree is refused, not skipped). */
const MAX_DEPTH = 64;

/** A checkout directory: `abs` as given (resolved), `real` with every symlink resolved. */
export interface CheckoutRoot {
  abs: string;
  real: string;
}

/** The checkout root of `checkoutDir`. @throws BundleError('.', …) when it does not exist. */
export async function checkoutRoot(checkoutDir: string): Promise<CheckoutRoot> {
  const abs = path.resolve(checkoutDir);
  try {
    return { abs, real: await realpath(abs) };
  } catch (cause) {
    throw new BundleError('.', 'the checkout directory does not exist', { cause });
  }
}

/** True when absolute `p` is `root` or below it (lexically; resolve symlinks first). */
export function isWithin(root: string, p: string): boolean {
  const back = path.relative(root, p);
  return back === '' || (!back.startsWith(`..${path.sep}`) && back !== '..' && !path.isAbsolute(back));
}

/**
 * The real path (symlinks resolved) of repo-relative `rel`, required to stay inside the checkout.
 * Returns undefined when the path (or the target of a symlink on it) does not exist and
 * `missingOk`; the lexical path must still stay inside.
 * @throws BundleError(blame, 'path leaves the repository') for `..` past the root;
 *   BundleError(blame, 'resolves outside the repository (symlink …)') when a symlink on the way
 *   leads out; BundleError(blame, 'no such file or directory') when missing and not `missingOk`.
 */
export async function realInside(root: CheckoutRoot, rel: string, blame: string, missingOk = false): Promise<string | undefined> {
  const lexical = path.resolve(root.abs, rel);
  if (!isWithin(root.abs, lexical)) throw new BundleError(blame, `path "${rel}" leaves the repository`);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (cause) {
    // a dangling symlink that points out is refused as such, not as "missing"
    await refuseEscapingLinkOnPath(root, rel, blame);
    if (missingOk) return undefined;
    throw new BundleError(blame, `no such file or directory "${rel}"`, { cause });
  }
  if (!isWithin(root.real, real)) throw new BundleError(blame, `"${rel}" resolves outside the repository (through a symlink)`);
  return real;
}

/** Walks the components of `rel` and refuses the first symlink whose target leaves the checkout. */
async function refuseEscapingLinkOnPath(root: CheckoutRoot, rel: string, blame: string): Promise<void> {
  let cur = root.abs;
  for (const part of path.relative(root.abs, path.resolve(root.abs, rel)).split(path.sep)) {
    if (part === '') continue;
    cur = path.join(cur, part);
    let st;
    try {
      st = await lstat(cur);
    } catch {
      return;
    }
    if (!st.isSymbolicLink()) continue;
    const target = await readlink(cur);
    const to = path.resolve(path.dirname(cur), target);
    const real = await realpath(to).catch(() => to);
    if (!isWithin(root.real, real) && !isWithin(root.abs, to)) {
      throw new BundleError(blame, `symlink ${path.relative(root.abs, cur)} -> ${target} points outside the repository`);
    }
  }
}

/** Counts the bytes one render reads; refuses the read that crosses the limit. */
export class ByteBudget {
  private used = 0;
  constructor(readonly limit: number = MAX_BUNDLE_BYTES) {}

  /** Adds `bytes` read from `file`. @throws BundleError(file, 'the bundle exceeds …') past the limit. */
  take(bytes: number, file: string): void {
    this.used += bytes;
    if (this.used > this.limit) {
      throw new BundleError(file, `the bundle exceeds the ${mib(this.limit)} limit per bundle (reached while reading this file)`);
    }
  }
}

/**
 * Reads repo-relative `rel` as text, safely: the path (after symlinks) stays inside the
 * checkout, the file is a regular file of at most MAX_FILE_BYTES, holds no NUL byte and is
 * valid UTF-8 (a leading byte order mark is dropped). `budget`, when given, is charged with the
 * file's size. `blame` is the repo-relative name used in errors (default `rel`).
 * @throws BundleError(blame, reason) for each of those, and for a missing file.
 */
export async function readCheckoutText(root: CheckoutRoot, rel: string, opts: { blame?: string; budget?: ByteBudget } = {}): Promise<string> {
  const blame = opts.blame ?? rel;
  const real = (await realInside(root, rel, blame))!;
  const st = await stat(real);
  if (!st.isFile()) throw new BundleError(blame, 'not a regular file');
  checkFileSize(st.size, blame);
  opts.budget?.take(st.size, blame);
  return decodeText(await readFile(real), blame);
}

/** @throws BundleError(blame, 'file is N MiB, above the 10 MiB limit per file') past MAX_FILE_BYTES. */
export function checkFileSize(bytes: number, blame: string): void {
  if (bytes > MAX_FILE_BYTES) {
    throw new BundleError(blame, `file is ${mib(bytes)}, above the ${mib(MAX_FILE_BYTES)} limit per file`);
  }
}

/**
 * Bytes → text, refusing what is not text: a NUL byte (binary), or invalid UTF-8 (YAML 1.2
 * §5.2 allows UTF-8/16/32; Kubernetes manifests are UTF-8 in practice). A UTF-8 BOM is dropped.
 * @throws BundleError(blame, 'binary file: NUL byte at offset N') / (blame, 'not valid UTF-8 text').
 */
export function decodeText(bytes: Uint8Array, blame: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new BundleError(blame, `binary file: NUL byte at offset ${nul} (a manifest must be UTF-8 text)`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (cause) {
    throw new BundleError(blame, 'not valid UTF-8 text (a manifest must be UTF-8 text)', { cause });
  }
}

/**
 * Walks the directory `dirRel` (repo-relative) and refuses any symlink below it whose target
 * (resolved fully, or lexically when dangling) is outside the checkout. A symlink to a directory
 * inside the checkout is followed and its tree checked too (tools such as Helm and kustomize
 * follow them); each real directory is visited once. `skip(relDir)` may exclude directories
 * (e.g. nested bundles; `.git` is always skipped). With `opts.maxFileBytes`, every regular file
 * (or symlink to one) must also be at most that large (for trees a tool reads whole, e.g. a chart).
 * @throws BundleError(link, 'symlink … points outside the repository'); BundleError(dirRel,
 *   'directory tree deeper than 64 levels'); BundleError(file, 'file is … above the … limit').
 */
export async function refuseEscapingSymlinks(
  root: CheckoutRoot,
  dirRel: string,
  skip: (relDir: string) => Promise<boolean> | boolean = () => false,
  opts: { maxFileBytes?: number } = {},
): Promise<void> {
  const sizeOk = async (abs: string, shown: string): Promise<void> => {
    if (opts.maxFileBytes === undefined) return;
    const st = await stat(abs);
    if (st.isFile() && st.size > opts.maxFileBytes) checkFileSize(st.size, shown);
  };
  const start = await realInside(root, dirRel, dirRel || '.');
  const seen = new Set<string>();
  const walk = async (realDir: string, shownRel: string, depth: number): Promise<void> => {
    if (seen.has(realDir)) return;
    seen.add(realDir);
    if (depth > MAX_DEPTH) throw new BundleError(dirRel || '.', `directory tree deeper than ${MAX_DEPTH} levels`);
    const entries = await readdir(realDir, { withFileTypes: true });
    for (const e of entries) {
      const childShown = shownRel === '' ? e.name : `${shownRel}/${e.name}`;
      const childAbs = path.join(realDir, e.name);
      if (e.isSymbolicLink()) {
        const target = await readlink(childAbs);
        const lexical = path.resolve(realDir, target);
        let real: string | undefined;
        try {
          real = await realpath(childAbs);
        } catch {
          real = undefined; // dangling: judged by where it points
        }
        if (!isWithin(root.real, real ?? lexical)) {
          throw new BundleError(childShown, `symlink -> ${target} points outside the repository`);
        }
        if (!real) continue;
        if ((await stat(real)).isDirectory()) {
          if (!(await skip(childShown))) await walk(real, childShown, depth + 1);
        } else await sizeOk(real, childShown);
      } else if (e.isDirectory()) {
        if (e.name === '.git' || (await skip(childShown))) continue;
        await walk(childAbs, childShown, depth + 1);
      } else if (e.isFile()) await sizeOk(childAbs, childShown);
    }
  };
  await walk(start!, dirRel, 0);
}

function mib(bytes: number): string {
  const v = bytes / (1024 * 1024);
  return `${Number.isInteger(v) ? v : v.toFixed(1)} MiB`;
}

/** Joins repo-relative posix paths, '' being the repo root. */
export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** 'a/./b/' → 'a/b'; '.', '/' and '' → ''. Posix separators. */
export function normalizeRel(p: string): string {
  const n = path.posix.normalize(p.replaceAll('\\', '/')).replace(/\/+$/, '').replace(/^\/+/, '');
  return n === '.' ? '' : n;
}
