/**
 * Admin API fuzzing (tools/fuzz-api.sh): starts a hub for the purpose on the test bed (a throwaway
 * database, a private nats-server, no agents: the spokes are not touched), runs schemathesis
 * (GITFLEET_SCHEMATHESIS, installed by the script) against its `/api/v1/openapi.json` with the
 * admin token, and exits with schemathesis' exit code. The bar: no server error (5xx), and every
 * response conforms to the document (status code, content type, response schema). Arguments after
 * the script are passed to `schemathesis run`. FUZZ_MAX_EXAMPLES sets examples per operation (25).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { NatsServer } from '../support/nats-server.js';
import { createDatabase, startHub } from '../support/processes.js';
import { loadTestbed } from '../support/testbed.js';

const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance'];

async function main(): Promise<number> {
  const schemathesis = process.env['GITFLEET_SCHEMATHESIS'];
  if (!schemathesis) throw new Error('GITFLEET_SCHEMATHESIS is not set: run tools/fuzz-api.sh');
  const testbed = loadTestbed();
  const nats = await NatsServer.start(testbed, 'fuzz-api');
  let hub: Awaited<ReturnType<typeof startHub>> | undefined;
  try {
    const db = await createDatabase(testbed, 'gitfleet_fuzz_api');
    hub = await startHub(testbed, 'hub-fuzz-api', db, {
      natsUrl: nats.url,
      env: {
        GITFLEET_SECRETS_KEY: randomBytes(32).toString('base64'),
        // the fuzzer enrolls far more often than a person would
        GITFLEET_ENROLLMENT_RATE_LIMIT: '100000',
        GITFLEET_LOG_LEVEL: 'warn',
      },
    });
    const reportDir = path.join(testbed.stateDir, 'logs', 'e2e', 'fuzz-api');
    mkdirSync(reportDir, { recursive: true });
    const args = [
      'run', `${hub.url}/api/v1/openapi.json`,
      '--url', hub.url,
      '--header', `Authorization: Bearer ${hub.adminToken}`,
      '--checks', CHECKS.join(','),
      '--max-examples', process.env['FUZZ_MAX_EXAMPLES'] ?? '25',
      '--seed', process.env['FUZZ_SEED'] ?? '1',
      '--request-timeout', '15',
      '--report', 'junit', '--report-dir', reportDir,
      '--no-color',
      ...process.argv.slice(2),
    ];
    console.log(`[fuzz-api] hub ${hub.url} (log: ${hub.logFile}); schemathesis ${args.filter((a) => !a.startsWith('Authorization')).join(' ')}`);
    const started = Date.now();
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(schemathesis, args, { stdio: 'inherit' });
      child.once('error', reject);
      child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    console.log(`[fuzz-api] schemathesis exited with ${code} after ${Math.round((Date.now() - started) / 1000)} s`);
    return code;
  } finally {
    await hub?.stop();
    await nats.dispose();
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`[fuzz-api] ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
