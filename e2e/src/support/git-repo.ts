import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from './exec.js';
import type { Testbed } from './testbed.js';

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'gitfleet e2e',
  GIT_AUTHOR_EMAIL: 'e2e@gitfleet.invalid',
  GIT_COMMITTER_NAME: 'gitfleet e2e',
  GIT_COMMITTER_EMAIL: 'e2e@gitfleet.invalid',
};

/**
 * A repository on the test bed's smart-HTTP Git server plus a working clone in a temp folder.
 * Changes are made in the clone and pushed over HTTP with the git CLI, as a user would.
 */
export class GitRepo {
  readonly url: string;
  readonly workdir: string;

  private constructor(readonly testbed: Testbed, readonly name: string) {
    this.url = `${testbed.gitUrl}/${name}.git`;
    this.workdir = mkdtempSync(path.join(tmpdir(), `gitfleet-${name}-`));
  }

  /** Creates (or re-creates, empty) the bare repository `<name>.git` and clones it. */
  static async create(testbed: Testbed, name: string): Promise<GitRepo> {
    const bare = path.join(testbed.gitRoot, `${name}.git`);
    rmSync(bare, { recursive: true, force: true });
    await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
    const repo = new GitRepo(testbed, name);
    await repo.git('init', '--quiet', '--initial-branch=main');
    await repo.git('remote', 'add', 'origin', repo.url);
    return repo;
  }

  /** Runs a git command in the working clone and returns its stdout, trimmed. */
  async git(...args: string[]): Promise<string> {
    return (await run('git', args, { cwd: this.workdir, env: gitEnv })).stdout.trim();
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

  /** Commits everything and pushes to main over HTTP; returns the new commit SHA. */
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
  async commitAndPushSigned(message: string, key: { fingerprint: string; home: string }): Promise<string> {
    await this.git('add', '--all');
    const env = { ...gitEnv, GNUPGHOME: key.home };
    await run('git', ['-c', `user.signingkey=${key.fingerprint}`, '-c', 'gpg.program=gpg', 'commit', '--quiet', '--allow-empty', '-S', '-m', message], { cwd: this.workdir, env });
    await this.git('push', '--quiet', 'origin', 'HEAD:main');
    return this.git('rev-parse', 'HEAD');
  }

  /** Deletes the working clone. */
  dispose(): void {
    rmSync(this.workdir, { recursive: true, force: true });
  }
}
