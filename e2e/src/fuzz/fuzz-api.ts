/**
 * Admin API fuzzing (tools/fuzz-api.sh): starts a hub for the purpose on the test bed (a throwaway
 * database, a private nats-server, no agents: the spokes are not touched), runs schemathesis
 * (GITFLEET_SCHEMATHESIS, installed by the script) against its `/api/v1/openapi.json` with the
 * admin token, and exits with schemathesis' exit code. The checks (tools/fuzz-api.toml): no
 * server error (5xx), every response conforms to the document (status code, content type,
 * response schema), and schema-valid requests are accepted. Arguments after
 * the script are passed to `schemathesis run`. FUZZ_MAX_EXAMPLES sets examples per operation (25).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase } from '@gitfleet/testing';
import { startNatsServer } from '../support/nats-server.js';
import { run } from '../support/exec.js';
import { startHub } from '../support/processes.js';
import { loadTestbed, repoRoot } from '../support/testbed.js';

async function main(): Promise<number> {
  const schemathesis = process.env['GITFLEET_SCHEMATHESIS'];
  if (!schemathesis) throw new Error('GITFLEET_SCHEMATHESIS is not set: run tools/fuzz-api.sh');
  const testbed = loadTestbed();
  // NATS in operator mode, as a hub with agent enrollment runs: every operation is configured
  const natsDir = mkdtempSync(path.join(tmpdir(), 'gitfleet-fuzz-api-operator-'));
  await run(process.execPath, [path.join(repoRoot(), 'hub/dist/src/main.js'), 'nats-bootstrap', '--out', natsDir]);
  const nats = await startNatsServer(testbed, 'fuzz-api', { dir: natsDir });
  let hub: Awaited<ReturnType<typeof startHub>> | undefined;
  // a database of this run only (two runs at once must not drop each other's)
  const dbName = `gitfleet_fuzz_api_${process.pid}`;
  try {
    const db = (await createDatabase(testbed.databaseUrl, dbName)).url;
    hub = await startHub(testbed, 'hub-fuzz-api', db, {
      natsUrl: nats.url,
      env: {
        GITFLEET_SECRETS_KEY: randomBytes(32).toString('base64'),
        GITFLEET_NATS_CREDS_FILE: path.join(natsDir, 'hub.creds'),
        GITFLEET_NATS_ACCOUNT_SIGNING_KEY_FILE: path.join(natsDir, 'account-signing.nk'),
        GITFLEET_NATS_OPERATOR_SIGNING_KEY_FILE: path.join(natsDir, 'operator-signing.nk'),
        GITFLEET_NATS_SYSTEM_CREDS_FILE: path.join(natsDir, 'system.creds'),
        // the fuzzer enrolls far more often than a person would
        GITFLEET_ENROLLMENT_RATE_LIMIT: '100000',
        GITFLEET_LOG_LEVEL: 'warn',
      },
    });
    const reportDir = path.join(testbed.stateDir, 'logs', 'e2e', 'fuzz-api');
    mkdirSync(reportDir, { recursive: true });
    const args = [
      '--config-file', path.join(repoRoot(), 'tools', 'fuzz-api.toml'),
      'run', `${hub.url}/api/v1/openapi.json`,
      '--url', hub.url,
      '--header', `Authorization: Bearer ${hub.adminToken}`,
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
      // its example cache (.schemathesis/) goes beside the reports, not into the repository
      const child = spawn(schemathesis, args, { stdio: 'inherit', cwd: reportDir });
      child.once('error', reject);
      child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    console.log(`[fuzz-api] schemathesis exited with ${code} after ${Math.round((Date.now() - started) / 1000)} s`);
    return code;
  } finally {
    await hub?.stop();
    await nats.dispose();
    rmSync(natsDir, { recursive: true, force: true });
    await run('psql', [testbed.databaseUrl, '-qc', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`]);
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(`[fuzz-api] ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
