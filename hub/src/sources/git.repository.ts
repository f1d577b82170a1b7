/**
 * Git I/O (isomorphic-git over smart HTTP): the only code that touches the network for sources
 * and the checkouts under the git cache directory.
 */
import fs from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { HUB_CONFIG, redactUrl, type HubConfig } from '../config/config.js';
import type { SignedCommitInput } from './commit-signature.js';

/** Thrown when a fetch fails; the message never carries credentials. */
export class GitFetchError extends Error {}

/** HTTPS basic credentials for a private repository (given to isomorphic-git's onAuth). */
export interface GitCredentials {
  username: string;
  password: string;
}

/** Clones and updates one shallow checkout per source, `<gitCacheDir>/<source>`. */
@Injectable()
export class GitRepository {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(@Inject(HUB_CONFIG) private readonly config: Pick<HubConfig, 'gitCacheDir'>) {}

  /**
   * Runs `fn(checkoutDir, head)` while no fetch or other reader of that source's checkout runs, so
   * a render never sees a half-updated working tree. Calls for one source run one after another.
   * `head` is the commit SHA checked out at that moment (undefined before the first clone): the
   * revision to label what is read there, since a sync may have moved the checkout after the
   * caller last looked at the source's recorded revision.
   */
  async withCheckout<T>(source: string, fn: (dir: string, head: string | undefined) => Promise<T>): Promise<T> {
    const dir = this.checkoutDir(source);
    const call = async () => fn(dir, await git.resolveRef({ fs, dir, ref: 'HEAD' }).catch(() => undefined));
    const prev = this.locks.get(source) ?? Promise.resolve();
    const run = prev.then(call, call);
    const tail = run.catch(() => undefined);
    this.locks.set(source, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(source) === tail) this.locks.delete(source);
    }
  }

  /** Working tree directory of a source's checkout. */
  checkoutDir(source: string): string {
    return join(this.config.gitCacheDir, source);
  }

  /**
   * Brings the checkout of `source` to the head of `branch` at `url`: a depth-1 single-branch
   * clone the first time, then fetch (depth 1) + forced checkout of the fetched head.
   * `credentials` go to isomorphic-git's onAuth (one try: a refused login fails the fetch
   * with HTTP 401 instead of asking again).
   * @returns the commit SHA now checked out.
   * @throws GitFetchError (credentials removed from the message) on any failure.
   */
  sync(source: string, url: string, branch: string, credentials?: GitCredentials): Promise<string> {
    return this.withCheckout(source, (dir) => this.syncUnlocked(dir, url, branch, credentials));
  }

  private async syncUnlocked(dir: string, url: string, branch: string, credentials?: GitCredentials): Promise<string> {
    // no onAuthFailure: a refused login ends in isomorphic-git's HttpError (401) instead of a retry
    const auth = credentials ? { onAuth: () => ({ ...credentials }) } : {};
    try {
      if (!fs.existsSync(join(dir, '.git'))) {
        await rm(dir, { recursive: true, force: true });
        await git.clone({ fs, http, dir, url, ref: branch, singleBranch: true, depth: 1, noTags: true, ...auth });
        return await git.resolveRef({ fs, dir, ref: 'HEAD' });
      }
      const res = await git.fetch({ fs, http, dir, url, ref: branch, remoteRef: branch, singleBranch: true, depth: 1, tags: false, ...auth });
      const head = res.fetchHead ?? (await git.resolveRef({ fs, dir, ref: `refs/remotes/origin/${branch}` }));
      const current = await git.resolveRef({ fs, dir, ref: 'HEAD' }).catch(() => '');
      if (head !== current) {
        await git.writeRef({ fs, dir, ref: `refs/heads/${branch}`, value: head, force: true });
        await git.checkout({ fs, dir, ref: branch, force: true });
      }
      return head;
    } catch (err) {
      const secrets = credentials ? [credentials.password, credentials.username] : [];
      throw new GitFetchError(`fetch ${redactUrl(url)} branch ${branch}: ${scrub(String((err as Error)?.message ?? err), url, secrets)}`);
    }
  }

  /**
   * Reads commit `oid` of the checkout in `dir` with isomorphic-git's readCommit: `payload` is
   * the commit text without its `gpgsig` header (what Git signed), `gpgsig` the armored
   * signature, if any. Call it inside `withCheckout` (the depth-1 checkout holds the head commit).
   * @throws isomorphic-git's NotFoundError when the commit is not in the checkout.
   */
  async readCommit(dir: string, oid: string): Promise<SignedCommitInput> {
    const c = await git.readCommit({ fs, dir, oid });
    return { oid: c.oid, payload: c.payload, gpgsig: c.commit.gpgsig };
  }

  /**
   * The first line of commit `oid`'s message and its author (`Name <email>`), for the rollout
   * history. Call it inside `withCheckout`.
   * @throws isomorphic-git's NotFoundError when the commit is not in the checkout.
   */
  async commitSummary(dir: string, oid: string): Promise<{ message: string; author: string }> {
    const c = await git.readCommit({ fs, dir, oid });
    return { message: c.commit.message.split('\n')[0]!.slice(0, 200), author: `${c.commit.author.name} <${c.commit.author.email}>` };
  }

  /**
   * A separate checkout for a preview, in a new directory `<gitCacheDir>/.previews/<id>` (never
   * the source's own checkout, which the pipeline reads): of the head of `ref.branch` (depth-1
   * single-branch clone), or of commit `ref.revision` (a full or abbreviated SHA, looked up on
   * every branch of the remote: a full clone without checkout, then a detached checkout of the
   * commit). The caller removes the directory (`removePreviewCheckout`).
   * @returns the directory and the commit SHA checked out.
   * @throws GitFetchError (credentials removed) when the fetch fails, the branch does not exist,
   *   or no branch of the remote holds the commit.
   */
  async checkoutPreview(id: string, url: string, ref: { branch: string } | { revision: string }, credentials?: GitCredentials): Promise<{ dir: string; revision: string }> {
    const dir = this.previewDir(id);
    const auth = credentials ? { onAuth: () => ({ ...credentials }) } : {};
    const what = 'branch' in ref ? `branch ${ref.branch}` : `commit ${ref.revision}`;
    try {
      await rm(dir, { recursive: true, force: true });
      if ('branch' in ref) {
        await git.clone({ fs, http, dir, url, ref: ref.branch, singleBranch: true, depth: 1, noTags: true, ...auth });
        return { dir, revision: await git.resolveRef({ fs, dir, ref: 'HEAD' }) };
      }
      await git.clone({ fs, http, dir, url, noCheckout: true, noTags: true, ...auth });
      let oid: string;
      try {
        oid = await git.expandOid({ fs, dir, oid: ref.revision.toLowerCase() });
      } catch {
        throw new Error(`no branch of the repository holds commit ${ref.revision}`);
      }
      await git.checkout({ fs, dir, ref: oid, force: true });
      return { dir, revision: oid };
    } catch (err) {
      const secrets = credentials ? [credentials.password, credentials.username] : [];
      throw new GitFetchError(`preview checkout of ${redactUrl(url)} ${what}: ${scrub(String((err as Error)?.message ?? err), url, secrets)}`);
    }
  }

  /** Removes the preview checkout `id` (`checkoutPreview`). */
  async removePreviewCheckout(id: string): Promise<void> {
    await rm(this.previewDir(id), { recursive: true, force: true });
  }

  /** Directory of preview checkout `id` (a source name is a DNS label: it never starts with a dot). */
  private previewDir(id: string): string {
    return join(this.config.gitCacheDir, '.previews', id);
  }

  /** Removes the checkout of `source` (after the source was deleted). */
  async remove(source: string): Promise<void> {
    await this.withCheckout(source, (dir) => rm(dir, { recursive: true, force: true }));
  }
}

/**
 * Removes the raw URL (which may hold a password) and every given secret from an error message
 * (a password, and the base64 `user:password` of a Basic header a server might echo).
 */
export function scrub(message: string, url: string, secrets: string[] = []): string {
  let out = message.split(url).join(redactUrl(url));
  const [password, username] = secrets;
  const basic = password !== undefined && username !== undefined ? [Buffer.from(`${username}:${password}`).toString('base64')] : [];
  for (const s of [...basic, ...(password ? [password] : [])]) if (s.length >= 4) out = out.split(s).join('***');
  return out;
}
