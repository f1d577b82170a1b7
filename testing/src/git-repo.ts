import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCommand } from './exec.js';

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'gitfleet test',
  GIT_AUTHOR_EMAIL: 'test@gitfleet.invalid',
  GIT_COMMITTER_NAME: 'gitfleet test',
  GIT_COMMITTER_EMAIL: 'test@gitfleet.invalid',
};

/** Where the test bed's smart-HTTP Git server serves from. */
export interface GitServer {
  /** base URL; a repository `<name>.git` is at `<gitUrl>/<name>.git` */
  gitUrl: string;
  /** folder that holds the bare repositories */
  gitRoot: string;
}

/** A gpg signing key for `git commit -S`. */
export interface GitSigningKey {
  /** key fingerprint, given as `user.signingkey` */
  fingerprint: string;
  /** the GNUPGHOME holding the key */
  home: string;
}

/**
 * A repository on the test bed's smart-HTTP Git server plus a working clone in a temp folder.
 * Changes are made in the clone and pushed over HTTP with the git CLI, as a user would.
 */
export class GitRepo {
  readonly url: string;
  readonly workdir: string;
  /** path of the bare repository on the server */
  readonly bare: string;

  private constructor(server: GitServer, readonly name: string) {
    this.url = `${server.gitUrl}/${name}.git`;
    this.bare = path.join(server.gitRoot, `${name}.git`);
    this.workdir = mkdtempSync(path.join(tmpdir(), `gitfleet-${name}-`));
  }

  /**
   * Creates (or re-creates, empty) the bare repository `<name>.git` (branch main) and a working
   * clone with `origin` set to it.
   * @throws Error from git when it fails.
   */
  static async create(server: GitServer, name: string): Promise<GitRepo> {
    const bare = path.join(server.gitRoot, `${name}.git`);
    rmSync(bare, { recursive: true, force: true });
    await runCommand('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
    const repo = new GitRepo(server, name);
    await repo.git('init', '--quiet', '--initial-branch=main');
    await repo.git('remote', 'add', 'origin', repo.url);
    return repo;
  }

  /** Runs a git command in the working clone and returns its stdout, trimmed. */
  async git(...args: string[]): Promise<string> {
    return (await runCommand('git', args, { cwd: this.workdir, env: gitEnv })).trim();
  }

  /** Copies a folder (e.g. a fixture) into the clone at `dest` (repo-relative). */
  copy(src: string, dest: string): void {
    cpSync(src, path.join(this.workdir, dest), { recursive: true });
  }

  /** Writes one file (repo-relative path), creating folders. */
  write(file: string, content: string): void {
    const full = path.join(this.workdir, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }

  /** Removes a file or folder (repo-relative path). */
  remove(file: string): void {
    rmSync(path.join(this.workdir, file), { recursive: true, force: true });
  }

  /** Commits everything (an empty commit when nothing changed) and pushes to main over HTTP; returns the new commit SHA. */
  async commitAndPush(message: string): Promise<string> {
    await this.git('add', '--all');
    await this.git('commit', '--quiet', '--allow-empty', '-m', message);
    await this.git('push', '--quiet', 'origin', 'HEAD:main');
    return this.git('rev-parse', 'HEAD');
  }

  /**
   * Commits everything signed with OpenPGP (`git commit -S`, the real gpg with `key.home` as
   * GNUPGHOME and `key.fingerprint` as user.signingkey) and pushes to main; returns the new SHA.
   */
  async commitAndPushSigned(message: string, key: GitSigningKey): Promise<string> {
    await this.git('add', '--all');
    const env = { ...gitEnv, GNUPGHOME: key.home };
    await runCommand('git', ['-c', `user.signingkey=${key.fingerprint}`, '-c', 'gpg.program=gpg', 'commit', '--quiet', '--allow-empty', '-S', '-m', message], { cwd: this.workdir, env });
    await this.git('push', '--quiet', 'origin', 'HEAD:main');
    return this.git('rev-parse', 'HEAD');
  }

  /** Deletes the working clone; with `bare: true` also the bare repository on the server. */
  dispose(options: { bare?: boolean } = {}): void {
    rmSync(this.workdir, { recursive: true, force: true });
    if (options.bare) rmSync(this.bare, { recursive: true, force: true });
  }
}
