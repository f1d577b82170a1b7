/**
 * Integration-test support on the real test bed: reads testbed.env (via `@gitfleet/testing`) and
 * checks that PostgreSQL and NATS answer. Throwaway databases, private nats-server processes,
 * Git repositories, gpg keys and `waitFor` come from `@gitfleet/testing`.
 * Anything missing FAILS the test with a message saying how to bring the test bed up.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { readTestbedEnv, requireTestbedEnv, TESTBED_HOW_TO } from '@gitfleet/testing';
import pg from 'pg';

/** Settings of the running test bed. */
export interface Testbed {
  databaseUrl: string;
  natsUrl: string;
  gitUrl: string;
  gitRoot: string;
  binDir: string;
  /** The loopback Helm chart repository's base URL (GITFLEET_CHART_REPO_URL); each subfolder with an index.yaml is a repo. */
  chartRepoUrl?: string;
  /** The folder it serves (GITFLEET_CHART_REPO_DIR). */
  chartRepoDir?: string;
  /** The loopback OCI registry, `host:port`, plain HTTP (GITFLEET_OCI_REGISTRY). */
  ociRegistry?: string;
}

/**
 * Loads and checks the test bed: the env file must exist and PostgreSQL and NATS must answer.
 * @throws Error naming what is missing.
 */
export async function loadTestbed(): Promise<Testbed> {
  const { file, env } = readTestbedEnv();
  const need = requireTestbedEnv(env, file, ['GITFLEET_DATABASE_URL', 'GITFLEET_NATS_URL', 'GITFLEET_GIT_URL', 'GITFLEET_GIT_ROOT', 'GITFLEET_BIN']);
  const tb: Testbed = {
    databaseUrl: need.GITFLEET_DATABASE_URL,
    natsUrl: need.GITFLEET_NATS_URL,
    gitUrl: need.GITFLEET_GIT_URL,
    gitRoot: need.GITFLEET_GIT_ROOT,
    binDir: need.GITFLEET_BIN,
  };
  if (env.GITFLEET_CHART_REPO_URL) tb.chartRepoUrl = env.GITFLEET_CHART_REPO_URL;
  if (env.GITFLEET_CHART_REPO_DIR) tb.chartRepoDir = env.GITFLEET_CHART_REPO_DIR;
  if (env.GITFLEET_OCI_REGISTRY) tb.ociRegistry = env.GITFLEET_OCI_REGISTRY;
  const client = new pg.Client({ connectionString: tb.databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`test bed PostgreSQL does not answer (${(err as Error).message}); ${TESTBED_HOW_TO}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  try {
    const nc = await connect({ servers: tb.natsUrl, timeout: 3000 });
    await nc.close();
  } catch (err) {
    throw new Error(`test bed NATS ${tb.natsUrl} does not answer (${(err as Error).message}); ${TESTBED_HOW_TO}`);
  }
  if (!existsSync(join(tb.binDir, 'nats-server'))) throw new Error(`no nats-server in ${tb.binDir}; ${TESTBED_HOW_TO}`);
  return tb;
}
