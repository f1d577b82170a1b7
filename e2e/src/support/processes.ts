import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { BUNDLE_STORE, DESIRED_STATE_BUCKET, STATUS_STREAM } from '@gitfleet/proto';
import { eventually, freePort } from '@gitfleet/testing';
import { kubeconfigOf, repoRoot, type Testbed } from './testbed.js';

/** A child process of the suite (hub or agent) with its log file. */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Sends SIGTERM and waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/**
 * Starts `node <script> ...args` with its output in `<state>/logs/e2e/<name>.log`. A `detached`
 * process (the demo's) keeps running after this process exits; its pid is written next to the log.
 */
export function startProcess(testbed: Testbed, name: string, script: string, args: string[], env: NodeJS.ProcessEnv, detached = false, nodeArgs: string[] = []): ManagedProcess {
  const logDir = path.join(testbed.stateDir, 'logs', 'e2e');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd], detached });
  closeSync(fd);
  if (detached) {
    writeFileSync(path.join(logDir, `${name}.pid`), String(child.pid));
    child.unref();
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Deletes gitfleet's JetStream state (desired-state KV, bundle object store, status stream) so a
 * suite starts from nothing; the hub re-creates them at start.
 */
export async function resetJetStream(testbed: Testbed): Promise<void> {
  const nc = await connect({ servers: testbed.natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of [`KV_${DESIRED_STATE_BUCKET}`, `OBJ_${BUNDLE_STORE}`, STATUS_STREAM]) {
      try {
        await jsm.streams.delete(stream);
      } catch (error) {
        if (!/stream not found/i.test(String(error))) throw error;
      }
    }
  } finally {
    await nc.close();
  }
}

/** A started hub: its base URL, process, and the bootstrap admin token it was started with. */
export interface HubProcess extends ManagedProcess { url: string; adminToken: string }

/** Starts the hub (`hub/dist/src/main.js`) on a free port against the given database; waits for /readyz. */
export async function startHub(testbed: Testbed, name: string, databaseUrl: string, options: { port?: number; detached?: boolean; env?: NodeJS.ProcessEnv; natsUrl?: string; signingKeyFile?: string; adminToken?: string } = {}): Promise<HubProcess> {
  const port = options.port ?? (await freePort());
  const adminToken = options.adminToken ?? `e2e-${randomBytes(24).toString('base64url')}`;
  const proc = startProcess(testbed, name, path.join(repoRoot(), 'hub/dist/src/main.js'), [], {
    GITFLEET_DATABASE_URL: databaseUrl,
    GITFLEET_NATS_URL: options.natsUrl ?? testbed.natsUrl,
    GITFLEET_ADMIN_TOKEN: adminToken,
    ...(options.signingKeyFile ? { GITFLEET_SIGNING_KEY_FILE: options.signingKeyFile } : {}),
    GITFLEET_HTTP_HOST: '127.0.0.1',
    GITFLEET_HTTP_PORT: String(port),
    GITFLEET_GIT_CACHE_DIR: path.join(testbed.stateDir, 'hub-git', name),
    GITFLEET_LOG_LEVEL: process.env['GITFLEET_LOG_LEVEL'] ?? 'info',
    ...options.env,
  }, options.detached);
  const url = `http://127.0.0.1:${port}`;
  await eventually(`hub ${name} ready (log: ${proc.logFile})`, async () => {
    if (proc.child.exitCode !== null) throw new Error(`hub exited with ${proc.child.exitCode}; see ${proc.logFile}`);
    const res = await fetch(`${url}/readyz`);
    if (!res.ok) throw new Error(`readyz ${res.status}`);
  }, 60_000, 200);
  return { ...proc, url, adminToken };
}

/**
 * V8 flags the agent runs with (its entrypoint's shebang; agent/README.md, "Memory"): no
 * optimizing JIT and a small young generation keep its idle footprint under 80 MiB. `--lite-mode`
 * is not allowed in NODE_OPTIONS, so they are node arguments.
 */
export const AGENT_NODE_FLAGS = ['--lite-mode', '--max-semi-space-size=1'];

/**
 * Starts one agent (`agent/dist/src/main.js`) for a spoke of the test bed, with AGENT_NODE_FLAGS.
 * `name` names the process and its log file (default `agent-<spoke>`; a second agent of the same
 * spoke needs another name, or it overwrites the first one's log). `env` adds to its environment
 * (e.g. GITFLEET_ENROLLMENT_TOKEN).
 */
export function startAgent(testbed: Testbed, spoke: string, extraArgs: string[] = [], detached = false, natsUrl = testbed.natsUrl, name = `agent-${spoke}`, env: NodeJS.ProcessEnv = {}): ManagedProcess {
  return startProcess(testbed, name, path.join(repoRoot(), 'agent/dist/src/main.js'), [
    '--cluster', spoke,
    '--nats-url', natsUrl,
    '--kubeconfig', kubeconfigOf(testbed, spoke),
    '--heartbeat-interval', '2',
    ...extraArgs,
  ], { GITFLEET_LOG_LEVEL: process.env['GITFLEET_LOG_LEVEL'] ?? 'info', ...env }, detached, AGENT_NODE_FLAGS);
}

/**
 * Stops the detached processes (the demo's hub and agents) still running, found by the pid files
 * that only detached processes write. Returns the names of the processes it signalled.
 */
export function stopDetached(testbed: Testbed): string[] {
  const logDir = path.join(testbed.stateDir, 'logs', 'e2e');
  const stopped: string[] = [];
  for (const file of existsSync(logDir) ? readdirSync(logDir) : []) {
    if (!file.endsWith('.pid')) continue;
    const pid = Number(readFileSync(path.join(logDir, file), 'utf8'));
    try {
      process.kill(pid, 'SIGTERM');
      stopped.push(file.slice(0, -4));
    } catch {
      // already gone
    }
    rmSync(path.join(logDir, file), { force: true });
  }
  return stopped;
}
