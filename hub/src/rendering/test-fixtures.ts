// Test-only: where the fixture repositories are, found from the repo root (the folder holding nx.json).
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The monorepo root: the nearest folder above this module that holds nx.json. */
export function repoRoot(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no nx.json above ${from}`);
  }
}

/** The shared real-world fixture repos (`<repo>/../shared/fixtures`): fleet-examples, argocd-example-apps. */
export const sharedFixtures = (): string => path.join(repoRoot(), '..', 'shared', 'fixtures');

let told = false;

/**
 * node:test options for a test or suite that reads `../shared/fixtures`: `{}` when the folder is
 * there (CI), else `{ skip: reason }` — a user's clone has no `../shared`, and the tests of the
 * real-world fixture repositories are then skipped; the first call says so once on stderr.
 */
export function needsSharedFixtures(): { skip?: string } {
  if (existsSync(sharedFixtures())) return {};
  const reason = `${sharedFixtures()} is absent (a clone without ../shared): skipped`;
  if (!told) process.stderr.write(`# the tests of the real-world fixture repositories (../shared/fixtures) are skipped: ${sharedFixtures()} is absent\n`);
  told = true;
  return { skip: reason };
}

/** gitfleet's own small fixtures for error cases: `hub/test/fixtures`. */
export const hubFixtures = (): string => path.join(repoRoot(), 'hub', 'test', 'fixtures');
