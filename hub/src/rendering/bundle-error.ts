/**
 * A bundle that cannot be read or rendered: bad YAML, a wrong fleet.yaml field, a broken
 * kustomization, a patch without its base file. `file` is the repo-relative path (posix) of the
 * file to blame (or of the bundle dir when no single file is), `reason` a one-line explanation;
 * the message is `${file}: ${reason}`. DESIGN.md "Failure behaviour": the bundle is marked failed
 * with file and reason and every cluster keeps its last good revision — so this error is terminal
 * for the revision (retrying the same commit gives the same result).
 */
export class BundleError extends Error {
  override readonly name = 'BundleError';

  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
  }
}
