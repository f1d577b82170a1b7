// GitRepository against the real Git HTTP server of the test bed: a remote whose HEAD names a
// branch that does not exist (issue #11: "Could not find HEAD." although the source names its
// branch). isomorphic-git guesses the remote's default branch from an advertised HEAD and failed
// without one (isomorphic-git#1654); patches/isomorphic-git+*.patch skips the guess.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GitRepo } from '@gitfleet/testing';
import { GitRepository } from '../src/sources/git.repository.js';
import { loadTestbed, type Testbed } from './support/testbed.js';

describe('GitRepository: remote HEAD', () => {
  let tb: Testbed;
  let repo: GitRepo;
  let cacheDir: string;
  let git: GitRepository;

  before(async () => {
    tb = await loadTestbed();
    repo = await GitRepo.create(tb, `remote-head-${process.pid}`);
    repo.write('app/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n');
    await repo.commitAndPush('first');
    cacheDir = mkdtempSync(join(tmpdir(), 'gitfleet-remote-head-'));
    git = new GitRepository({ gitCacheDir: cacheDir });
  });

  after(() => {
    repo?.dispose({ bare: true });
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  it('clones and fetches the named branch when the remote HEAD names a branch that does not exist', async () => {
    const main = await repo.git('rev-parse', 'HEAD');
    execFileSync('git', ['--git-dir', repo.bare, 'symbolic-ref', 'HEAD', 'refs/heads/does-not-exist']);
    const url = `${tb.gitUrl}/${repo.name}.git`;
    assert.equal(await git.sync('s', url, 'main'), main);
    repo.write('app/cm2.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n');
    await repo.commitAndPush('second');
    assert.equal(await git.sync('s', url, 'main'), await repo.git('rev-parse', 'HEAD'));
  });
});
