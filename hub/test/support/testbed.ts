/**
 * Integration-test support on the real test bed: reads testbed.env (path from
 * GITFLEET_TESTBED_ENV, default ~/.cache/gitfleet/testbed/testbed.env), creates a throwaway
 * PostgreSQL database per run, and starts private nats-server processes (the test bed's binary)
 * so fixed resource names (fleet_desired, FLEET_STATUS, …) never collide with a running hub.
 * Anything missing FAILS the test with a message saying how to bring the test bed up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions } from '@nats-io/transport-node';
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

const HOW_TO = 'start it with `npm run testbed:up` (tools/testbed/up.sh)';

/**
 * Loads and checks the test bed: the env file must exist and PostgreSQL and NATS must answer.
 * @throws Error naming what is missing.
 */
export async function loadTestbed(): Promise<Testbed> {
  const file = process.env.GITFLEET_TESTBED_ENV || join(homedir(), '.cache', 'gitfleet', 'testbed', 'testbed.env');
  if (!existsSync(file)) throw new Error(`test bed is not up: ${file} does not exist; ${HOW_TO}`);
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  }
  const need = ['GITFLEET_DATABASE_URL', 'GITFLEET_NATS_URL', 'GITFLEET_GIT_URL', 'GITFLEET_GIT_ROOT', 'GITFLEET_BIN'];
  const missing = need.filter((k) => !env[k]);
  if (missing.length > 0) throw new Error(`test bed env ${file} lacks ${missing.join(', ')}; ${HOW_TO}`);
  const tb: Testbed = {
    databaseUrl: env.GITFLEET_DATABASE_URL!,
    natsUrl: env.GITFLEET_NATS_URL!,
    gitUrl: env.GITFLEET_GIT_URL!,
    gitRoot: env.GITFLEET_GIT_ROOT!,
    binDir: env.GITFLEET_BIN!,
  };
  if (env.GITFLEET_CHART_REPO_URL) tb.chartRepoUrl = env.GITFLEET_CHART_REPO_URL;
  if (env.GITFLEET_CHART_REPO_DIR) tb.chartRepoDir = env.GITFLEET_CHART_REPO_DIR;
  if (env.GITFLEET_OCI_REGISTRY) tb.ociRegistry = env.GITFLEET_OCI_REGISTRY;
  const client = new pg.Client({ connectionString: tb.databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`test bed PostgreSQL does not answer (${(err as Error).message}); ${HOW_TO}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  try {
    const nc = await connect({ servers: tb.natsUrl, timeout: 3000 });
    await nc.close();
  } catch (err) {
    throw new Error(`test bed NATS ${tb.natsUrl} does not answer (${(err as Error).message}); ${HOW_TO}`);
  }
  if (!existsSync(join(tb.binDir, 'nats-server'))) throw new Error(`no nats-server in ${tb.binDir}; ${HOW_TO}`);
  return tb;
}

/**
 * Drops a database, retrying for up to ~5 s: `WITH (FORCE)` cannot end a superuser backend such as
 * an autovacuum worker that happens to be in that database ("must be a member of the role whose
 * process is being terminated"), and such a worker is gone a moment later.
 */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 25 || (code !== '42501' && code !== '55006')) throw err;
    } finally {
      await c.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A throwaway database; `drop()` removes it. */
export interface TempDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates `gitfleet_test_<random>` with the test bed's role (which has CREATEDB). */
export async function createTempDatabase(tb: Testbed): Promise<TempDatabase> {
  const name = `gitfleet_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: tb.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(tb.databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      await dropDatabase(tb.databaseUrl, name);
    },
  };
}

/** A private nats-server with JetStream: `restart()` keeps the port and the store. */
export interface NatsServer {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and removes its store. */
  dispose(): Promise<void>;
}

/** Starts a private nats-server (the test bed's binary) on a free port with a temp store. */
export async function startNatsServer(tb: Testbed): Promise<NatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'gitfleet-hub-nats-'));
  const url = `nats://127.0.0.1:${port}`;
  const { start, stop } = natsProcess(tb, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], url, {}, 'private nats-server');
  await start();
  return {
    url,
    start,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async dispose() {
      await stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

/**
 * Start/stop of one nats-server process (the test bed's binary with `args`): `start` spawns it
 * and waits until a client with `connectOptions` (e.g. an authenticator) can connect; `stop`
 * sends SIGTERM and waits for the exit.
 * @throws Error from `start` naming `what`, `url` and the server's last stderr when it does not
 *   accept a client within 10 s or exits.
 */
export function natsProcess(tb: Testbed, args: string[], url: string, connectOptions: Partial<ConnectionOptions>, what: string): { start(): Promise<void>; stop(): Promise<void> } {
  let proc: ChildProcess | undefined;
  const start = async () => {
    let stderr = '';
    const p = spawn(join(tb.binDir, 'nats-server'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    p.stderr?.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-4000); });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const nc = await connect({ servers: url, timeout: 500, ...connectOptions });
        await nc.close();
        return;
      } catch (err) {
        if (Date.now() > deadline || p.exitCode !== null) {
          p.kill('SIGTERM');
          throw new Error(`${what} did not start on ${url}: ${stderr}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  };
  return { start, stop };
}

/** Asks the OS for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. @throws Error on timeout */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, 20));
  }
}
