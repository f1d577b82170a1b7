/**
 * A private nats-server in operator (JWT) mode for integration tests: bootstraps a fresh operator
 * with `bootstrapOperator` (the hub's own code) into a temp directory and starts the test bed's
 * nats-server binary with JetStream and the generated `server.conf` included.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credsAuthenticator } from '@nats-io/transport-node';
import { bootstrapOperator, type BootstrapResult } from '../../src/nats-auth/operator.js';
import { freePort, natsProcess, type Testbed } from './testbed.js';

/** A running operator-mode nats-server. */
export interface OperatorNatsServer {
  url: string;
  /** what the bootstrap wrote (keys, file paths) */
  bootstrap: BootstrapResult;
  /** the hub user's creds file content */
  hubCreds: Uint8Array;
  /** stops and starts the server again (same port, store and resolver directory) */
  restart(): Promise<void>;
  /** stops the server and removes its directory */
  dispose(): Promise<void>;
}

/**
 * Bootstraps an operator and starts nats-server on a free loopback port with it.
 * @throws Error when the server does not accept the hub's creds within 10 s (also on restart).
 */
export async function startOperatorNatsServer(tb: Testbed): Promise<OperatorNatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gitfleet-nats-op-'));
  const bootstrap = await bootstrapOperator({ outDir: join(dir, 'auth') });
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, [
    `listen: "127.0.0.1:${port}"`,
    `jetstream: { store_dir: ${JSON.stringify(join(dir, 'js'))} }`,
    // nats-server resolves include paths relative to the including file, even absolute ones
    'include "auth/server.conf"',
    '',
  ].join('\n'));
  const hubCreds = readFileSync(bootstrap.files.hubCreds);
  const { start, stop } = natsProcess(tb, ['-c', conf], url, { authenticator: credsAuthenticator(hubCreds) }, 'operator-mode nats-server');
  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    bootstrap,
    hubCreds,
    async restart() {
      await stop();
      await start();
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
