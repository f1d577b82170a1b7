import { existsSync } from 'node:fs';
import path from 'node:path';
import { readTestbedEnv, requireTestbedEnv } from '@gitfleet/testing';

/** Addresses of the running test bed, read from the env file that `tools/testbed/up.sh` writes. */
export interface Testbed {
  natsUrl: string;
  natsMonitorUrl: string;
  databaseUrl: string;
  gitUrl: string;
  gitRoot: string;
  spokes: string[];
  kubeconfigDir: string;
  stateDir: string;
  binDir: string;
  /** loopback Helm chart repository (HTTP): each subfolder of chartRepoDir with an index.yaml is served as its own repository under chartRepoUrl */
  chartRepoUrl?: string;
  chartRepoDir?: string;
  /** loopback OCI registry host:port, when the test bed has one */
  ociRegistry?: string;
}

/** Absolute path of the repository root (the folder that holds nx.json). */
export function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(path.join(dir, 'nx.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no nx.json above ${import.meta.dirname}`);
    dir = parent;
  }
  return dir;
}

/**
 * Reads the test bed's env file (`readTestbedEnv` of `@gitfleet/testing`).
 * @throws Error telling how to start the test bed when the file is missing or incomplete.
 */
export function loadTestbed(): Testbed {
  const { file, env } = readTestbedEnv();
  const need = (key: string): string => requireTestbedEnv(env, file, [key])[key]!;
  return {
    natsUrl: need('GITFLEET_NATS_URL'),
    natsMonitorUrl: need('GITFLEET_NATS_MONITOR_URL'),
    databaseUrl: need('GITFLEET_DATABASE_URL'),
    gitUrl: need('GITFLEET_GIT_URL'),
    gitRoot: need('GITFLEET_GIT_ROOT'),
    spokes: need('GITFLEET_SPOKES').split(','),
    kubeconfigDir: need('GITFLEET_KUBECONFIG_DIR'),
    stateDir: need('GITFLEET_TESTBED_STATE'),
    binDir: need('GITFLEET_BIN'),
    chartRepoUrl: env['GITFLEET_CHART_REPO_URL'],
    chartRepoDir: env['GITFLEET_CHART_REPO_DIR'],
    ociRegistry: env['GITFLEET_OCI_REGISTRY'],
  };
}

/** Kubeconfig file of one spoke cluster. */
export function kubeconfigOf(testbed: Testbed, spoke: string): string {
  return path.join(testbed.kubeconfigDir, `${spoke}.kubeconfig`);
}

/** Path of a fixture repository from the shared fixtures folder beside the repo (`../shared/fixtures`). */
export function fixturePath(...parts: string[]): string {
  const dir = path.join(repoRoot(), '..', 'shared', 'fixtures', ...parts);
  if (!existsSync(dir)) throw new Error(`fixture ${dir} not found: the tests need ../shared/fixtures beside the repo`);
  return dir;
}

let told = false;

/**
 * node:test options for a suite that copies fixtures from `../shared/fixtures`: `{}` when the folder
 * is there (CI), else `{ skip: reason }` — a user's clone has no `../shared`, so those suites are
 * skipped; the first call says so once on stderr.
 */
export function needsSharedFixtures(): { skip?: string } {
  const dir = path.join(repoRoot(), '..', 'shared', 'fixtures');
  if (existsSync(dir)) return {};
  if (!told) process.stderr.write(`# the suites that deploy the real-world fixture repositories (../shared/fixtures) are skipped: ${dir} is absent\n`);
  told = true;
  return { skip: `${dir} is absent (a clone without ../shared): skipped` };
}
