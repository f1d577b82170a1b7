import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Testbed } from './testbed.js';

const run = promisify(execFile);
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'hub test', GIT_AUTHOR_EMAIL: 'hub@test.invalid', GIT_COMMITTER_NAME: 'hub test', GIT_COMMITTER_EMAIL: 'hub@test.invalid' };

/** A bare repository on the test bed's Git server plus a working clone; pushed with the git CLI. */
export interface TestGitRepo {
  /** smart-HTTP URL the hub fetches from */
  url: string;
  /** writes one file (repo-relative), creating folders */
  write(file: string, text: string): void;
  /**
   * commits everything and pushes to main; resolves with the new commit SHA. `signWith`: sign
   * the commit with `git commit -S` using that gpg key (its GNUPGHOME)
   */
  push(message: string, opts?: { signWith?: { fingerprint: string; home: string } }): Promise<string>;
  /** deletes the bare repository and the working clone */
  remove(): void;
}

/** Creates `<name>.git` on the test bed's Git server (empty, branch main) and a working clone of it. */
export async function createTestGitRepo(tb: Testbed, name: string): Promise<TestGitRepo> {
  const bare = join(tb.gitRoot, `${name}.git`);
  await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  const work = mkdtempSync(join(tmpdir(), 'gitfleet-hub-work-'));
  const git = (...args: string[]) => run('git', args, { cwd: work, env: GIT_ENV }).then((r) => r.stdout.trim());
  await git('init', '--quiet', '--initial-branch=main');
  const url = `${tb.gitUrl}/${name}.git`;
  await git('remote', 'add', 'origin', url);
  return {
    url,
    write(file, text) {
      mkdirSync(dirname(join(work, file)), { recursive: true });
      writeFileSync(join(work, file), text);
    },
    async push(message, opts = {}) {
      await git('add', '--all');
      const key = opts.signWith;
      if (key) {
        const env = { ...GIT_ENV, GNUPGHOME: key.home };
        await run('git', ['-c', `user.signingkey=${key.fingerprint}`, '-c', 'gpg.program=gpg', 'commit', '--quiet', '-S', '-m', message], { cwd: work, env });
      } else {
        await git('commit', '--quiet', '-m', message);
      }
      await git('push', '--quiet', 'origin', 'HEAD:main');
      return git('rev-parse', 'HEAD');
    },
    remove() {
      for (const d of [work, bare]) rmSync(d, { recursive: true, force: true });
    },
  };
}
