/**
 * A private nats-server in operator (JWT) mode for integration tests: bootstraps a fresh operator
 * with `bootstrapOperator` (the hub's own code) into a temp directory and starts the test bed's
 * nats-server binary (`NatsServer` of `@gitfleet/testing`) with JetStream and the generated
 * `server.conf` included.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsServer } from '@gitfleet/testing';
import { bootstrapOperator, type BootstrapResult } from '../../src/nats-auth/operator.js';
import type { Testbed } from './testbed.js';

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
  const hubCreds = readFileSync(bootstrap.files.hubCreds);
  let server: NatsServer;
  try {
    server = await NatsServer.start(tb.binDir, { name: 'operator', operator: { dir: join(dir, 'auth') }, startTimeoutMs: 10_000 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: server.url,
    bootstrap,
    hubCreds,
    restart: () => server.restart(),
    async dispose() {
      await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
