#!/usr/bin/env node
/**
 * gitfleet hub entry point: `node hub/dist/src/main.js`. Validates the configuration (exit 2
 * with a clear message when invalid), then starts the NestJS app (migrations, NATS resources,
 * pollers, then the NATS handlers: status consumer, credentials requests; then the admin API).
 *
 * Subcommand: `node hub/dist/src/main.js nats-bootstrap --out <dir> [--force]` writes the NATS
 * operator-mode keys and server config instead (nats-auth/cli.ts) and exits.
 */
import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { createHubApp } from './app.factory.js';
import { ConfigError, loadConfig, type HubConfig } from './config/config.js';

async function main(): Promise<void> {
  if (process.argv[2] === 'nats-bootstrap') {
    const { runNatsBootstrap } = await import('./nats-auth/cli.js');
    process.exit(await runNatsBootstrap(process.argv.slice(3)));
  }
  let config: HubConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gitfleet-hub: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const app = await createHubApp(config);
  await app.listen(config.httpPort, config.httpHost);
  app.get(Logger).log(`gitfleet hub listening on http://${config.httpHost}:${config.httpPort}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`gitfleet-hub: start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
